"""Read the submissions and consumer CSVs exactly as the utility's app exports them.

Stage 1 of the batch. A file without a required column is refused up front
(:class:`BadCsvError`); anything wrong inside a row is recorded on that row as a
reason, so every row still yields one result.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pipeline.compare import normalise_reading
from pipeline.context import Consumer, Submission
from pipeline.exceptions import BadCsvError, InputFileError
from pipeline.rules import Reason
from pipeline.sources import PhotoSource, resolve_local

SUBMISSION_COLUMNS = (
    "submission_id", "ivrs", "typed_reading", "photo", "submitted_at", "user_type", "mobile", "email",
)
CONSUMER_COLUMNS = ("ivrs", "name", "previous_reading", "previous_reading_date", "tariff_category")
REQUIRED_FIELDS = ("submission_id", "ivrs", "typed_reading", "photo", "submitted_at")

IST = timezone(timedelta(hours=5, minutes=30), "IST")


def _decode(raw: bytes) -> str:
    """Decode a CSV line by line: UTF-8 where it is, Windows-1252 where it is not.

    The app's export is UTF-8, but hand-edited files arrive in legacy encodings;
    a stray byte must not lose the row.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = []
    for line in raw.splitlines(keepends=True):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(line.decode("cp1252", errors="replace"))
    return "".join(lines)


def _read_rows(path: Path, required: tuple[str, ...], what: str) -> tuple[list[str], Iterator[list[str]]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputFileError(f"{what} file not found: {path}") from exc
    except OSError as exc:
        raise InputFileError(f"cannot read {what} file {path}: {exc.strerror}") from exc
    reader = csv.reader(io.StringIO(_decode(raw), newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration as exc:
        raise BadCsvError(f"{what} file {path} is empty (expected a header row)") from exc
    except csv.Error as exc:
        raise BadCsvError(f"{what} file {path} is not a readable CSV: {exc}") from exc
    missing = [c for c in required if c not in header]
    if missing:
        raise BadCsvError(
            f"{what} file {path} lacks required column(s): {', '.join(missing)} "
            f"(expected header: {','.join(required)})"
        )
    return header, reader


def parse_timestamp(text: str) -> datetime | None:
    """ISO-8601 to an aware datetime; a timestamp without an offset is IST."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        ts = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        return None
    return ts.replace(tzinfo=IST) if ts.tzinfo is None else ts


def resolve_photo(batch_dir: Path, photo: str) -> tuple[Path | None, Reason | None]:
    """Resolve ``photo`` against the batch folder; refuse anything that leaves it (symlinks followed)."""
    return resolve_local(batch_dir, photo)


def read_submissions(path: Path, photos: str | Path | None = None) -> list[Submission]:
    """Parse the submissions CSV; each non-blank data row becomes one Submission.

    ``photos`` is where the photo names are resolved (pipeline.sources): a folder or a
    URL (``file://``, ``s3://bucket/prefix``); by default the CSV's own folder. Each
    Submission.photo_path is then a Path, or the photo's URL for a URL root.
    """
    header, reader = _read_rows(path, SUBMISSION_COLUMNS, "submissions")
    index = {name: header.index(name) for name in SUBMISSION_COLUMNS if name in header}
    source = PhotoSource(folder=path.parent) if photos is None else PhotoSource.open(photos)
    subs: list[Submission] = []
    seen: Counter[str] = Counter()
    try:
        for row_number, row in enumerate(reader, start=1):
            if not any(cell.strip() for cell in row):
                continue
            values = {name: (row[i].strip() if i < len(row) else None) for name, i in index.items()}
            problems: list[Reason] = []
            short_row = len(row) < len(header)  # the export always writes every field
            if short_row or any(values.get(name) in (None, "") for name in REQUIRED_FIELDS
                                if name != "typed_reading"):
                problems.append(Reason.MISSING_FIELD)
            sid = values.get("submission_id") or f"ROW-{row_number}"
            seen[sid] += 1
            if seen[sid] > 1:
                problems.append(Reason.DUPLICATE_SUBMISSION_ID)
            sub = Submission(
                row_number=row_number,
                submission_id=sid,
                ivrs=values.get("ivrs") or "",
                typed_reading=normalise_reading(values.get("typed_reading") or ""),
                typed_entered=values.get("typed_reading") or "",
                photo=values.get("photo") or "",
                submitted_at=values.get("submitted_at") or "",
                user_type=(values.get("user_type") or "").lower(),
                mobile=values.get("mobile") or "",
                email=values.get("email") or "",
                row_problems=problems,
            )
            if sub.submitted_at and parse_timestamp(sub.submitted_at) is None:
                problems.append(Reason.BAD_TIMESTAMP)
            sub.photo_path, photo_problem = source.resolve(sub.photo)
            if photo_problem is not None and photo_problem not in problems:
                problems.append(photo_problem)
            subs.append(sub)
    except csv.Error as exc:
        raise BadCsvError(f"submissions file {path} is malformed near data row {len(subs) + 1}: {exc}") from exc
    return subs


def read_consumers(path: Path) -> dict[str, Consumer]:
    """The consumer master keyed by IVRS (a string: leading zeros matter)."""
    header, reader = _read_rows(path, CONSUMER_COLUMNS, "consumers")
    index = {name: header.index(name) for name in CONSUMER_COLUMNS}
    consumers: dict[str, Consumer] = {}
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            v = {name: (row[i].strip() if i < len(row) else "") for name, i in index.items()}
            if v["ivrs"]:
                consumers[v["ivrs"]] = Consumer(**v)
    except csv.Error as exc:
        raise BadCsvError(f"consumers file {path} is malformed: {exc}") from exc
    return consumers
