"""Page labels in English and Hindi, from one CSV file a non-programmer can edit.

``pipeline/web/labels.csv`` has the columns ``key, english, hindi, note`` (any
order, a byte-order mark is fine), so it opens in any spreadsheet. ``{name}``
in a text is filled in by the page (a count, a name); a text that breaks the
braces is shown unfilled rather than failing the page. The file is re-read when
it changes, so an edit shows at the next page load. A key without a row falls
back to the reason's English text (``pipeline.rules.REASON_TEXT``) for
``reason.CODE`` keys, else to the key itself, so a missing label is visible and
never an error.
"""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pipeline.exceptions import BadCsvError, InputFileError
from pipeline.rules import REASON_TEXT, Reason

LANGS = ("en", "hi")
COLUMNS = ("key", "english", "hindi")


@dataclass(frozen=True)
class Text:
    english: str
    hindi: str


def parse_labels(raw: bytes, where: str) -> dict[str, Text]:
    """key -> texts; a row without an English text is refused with its line number."""
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    header = [(h or "").strip().lower() for h in reader.fieldnames or ()]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise BadCsvError(f"labels file {where} lacks columns: {', '.join(missing)}")
    reader.fieldnames = header
    out: dict[str, Text] = {}
    for line, row in enumerate(reader, 2):
        key = (row.get("key") or "").strip()
        if not key:
            continue
        english = (row.get("english") or "").strip()
        if not english:
            raise BadCsvError(f"labels file {where} line {line}: {key} has no English text")
        out[key] = Text(english, (row.get("hindi") or "").strip())
    return out


class _SafeFormat(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class LabelBook:
    """The labels of one file, re-read when the file changes on disk."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._mtime = -1.0
        self._texts: dict[str, Text] = {}
        self._load()

    def _read(self) -> tuple[bytes, float, str]:
        if self.path is not None:
            try:
                return self.path.read_bytes(), self.path.stat().st_mtime, str(self.path)
            except OSError as exc:
                raise InputFileError(f"cannot read labels {self.path}: {exc}") from exc
        res = resources.files("pipeline.web") / "labels.csv"
        try:
            mtime = Path(str(res)).stat().st_mtime
        except OSError:
            mtime = 0.0
        return res.read_bytes(), mtime, "pipeline/web/labels.csv"

    def _load(self) -> None:
        raw, mtime, where = self._read()
        self._texts, self._mtime = parse_labels(raw, where), mtime

    def refresh(self) -> None:
        """Re-read the file if it changed; a broken edit keeps the last good texts."""
        try:
            mtime = (self.path or Path(str(resources.files("pipeline.web") / "labels.csv"))).stat().st_mtime
        except OSError:
            return
        if mtime != self._mtime:
            with self._lock:
                try:
                    self._load()
                except (BadCsvError, InputFileError, UnicodeDecodeError):
                    self._mtime = mtime  # keep the previous texts; do not retry on every request

    def keys(self) -> set[str]:
        return set(self._texts)

    def get(self, key: str, lang: str = "en", **values: object) -> str:
        """The label in ``lang`` (English when the Hindi cell is empty), with ``{names}`` filled in."""
        text = self._texts.get(key)
        if text is None:
            code = key.removeprefix("reason.")
            chosen = REASON_TEXT[Reason(code)] if key.startswith("reason.") and code in Reason.__members__ else key
        else:
            chosen = text.hindi if lang == "hi" and text.hindi else text.english
        if not values:
            return chosen
        try:
            return chosen.format_map(_SafeFormat(values))
        except (ValueError, IndexError, AttributeError):
            return chosen
