"""One billing cycle's submissions with their effective outcome, for every export.

The verifier's decision stays in ``results``; a reviewer's decision is a row in
``reviews`` and the latest one wins. Billing, the draw, the notices and the report
all read a cycle through :func:`load_cycle`, so they can never disagree about
what a submission's outcome is. CSVs are written through :func:`write_csv`:
every cell neutralised, rows in a fixed order, atomic, and hashed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from pipeline.csvsafe import csv_line
from pipeline.exceptions import ExitCode, InputFileError, MeterVerifyError, UnknownCycleError
from pipeline.ingest import IST, parse_timestamp
from pipeline.store import Store, is_url
from pipeline.store.backends import Connection

SOURCE_SELF_PHOTO = "SELF_PHOTO"  # billing feed: where the reading came from
VERIFIED_AUTO = "auto"  # billing feed: verified_by when no person had to look
REVIEWER_REJECTED = "REVIEWER_REJECTED"  # notice code of a reviewer's rejection with a free-text reason

_CYCLE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


class ReviewAction(StrEnum):
    """What a reviewer did with a flagged submission."""

    CONFIRM = "confirm"  # the consumer's typed reading is right
    CORRECT = "correct"  # the photo shows another reading: the reviewer's value is billed
    REJECT = "reject"  # the submission cannot be used


class Outcome(StrEnum):
    """A submission's effective outcome: the verifier's, or the latest review's."""

    VALID = "valid"  # valid without review
    CONFIRMED = "confirmed"  # flagged, reviewer confirmed the typed reading
    CORRECTED = "corrected"  # flagged, reviewer corrected the reading
    REJECTED = "rejected"  # rejected by the verifier
    REVIEW_REJECTED = "review_rejected"  # flagged, reviewer rejected it
    PENDING = "pending"  # flagged, no review yet


BILLABLE: frozenset[Outcome] = frozenset({Outcome.VALID, Outcome.CONFIRMED, Outcome.CORRECTED})
DRAW_OUTCOMES: frozenset[Outcome] = frozenset({Outcome.VALID, Outcome.CONFIRMED})


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def parse_cycle(text: str) -> str:
    """A ``YYYY-MM`` cycle, or a usage error naming the expected form."""
    cycle = (text or "").strip()
    if not _CYCLE.match(cycle):
        raise MeterVerifyError(f"--cycle must be YYYY-MM (for example 2026-11), not {text!r}",
                               exit_code=ExitCode.BAD_ARGS)
    return cycle


def open_db(path: str | Path) -> Store:
    """Open an existing database (an export never creates an empty SQLite file by mistake).

    A PostgreSQL database is created by its administrator, so a URL is opened as given.
    """
    if is_url(str(path)):
        return Store(str(path))
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"database not found: {path} (run `meter-verify verify` first, or pass --db)")
    return Store(path)


@dataclass
class CycleRow:
    """One submission of a cycle with its verifier result, consumer and latest review."""

    submission_id: str
    occurrence: int
    ivrs: str
    typed_reading: str
    submitted_at: str
    user_type: str
    mobile: str
    email: str
    photo: str
    status: str
    clear: bool
    ocr_reading: str
    confidence: float
    reasons_text: str
    crop: str
    kind: str
    decided_at: str
    in_master: bool
    name: str
    previous_reading: str
    previous_reading_date: str
    tariff_category: str
    review_action: str = ""
    review_reading: str = ""
    review_reason: str = ""
    reviewer: str = ""
    reviewed_at: str = ""
    n_reviews: int = 0
    units_checked: bool = False  # the decision in force says a reviewer checked implausible units

    @property
    def key(self) -> tuple[str, int]:
        return (self.submission_id, self.occurrence)

    @property
    def reasons(self) -> list[str]:
        return [r for r in (self.reasons_text or "").split(";") if r]

    @property
    def timestamp(self) -> datetime | None:
        return parse_timestamp(self.submitted_at)

    @property
    def ist(self) -> datetime | None:
        ts = self.timestamp
        return ts.astimezone(IST) if ts else None

    @property
    def outcome(self) -> Outcome:
        if self.status == "valid":
            return Outcome.VALID
        if self.status == "rejected":
            return Outcome.REJECTED
        return {ReviewAction.CONFIRM.value: Outcome.CONFIRMED, ReviewAction.CORRECT.value: Outcome.CORRECTED,
                ReviewAction.REJECT.value: Outcome.REVIEW_REJECTED}.get(self.review_action, Outcome.PENDING)

    @property
    def reading(self) -> str:
        """The reading to bill: the reviewer's correction, else what the consumer typed."""
        return self.review_reading if self.outcome is Outcome.CORRECTED else self.typed_reading

    @property
    def verified_by(self) -> str:
        return VERIFIED_AUTO if self.outcome is Outcome.VALID else self.reviewer

    def order_key(self) -> tuple[str, str, int]:
        """Chronological order (UTC instant), ties broken by id: "latest" is deterministic."""
        ts = self.timestamp
        return (ts.astimezone(UTC).isoformat() if ts else "", self.submission_id, self.occurrence)


_ROW_SQL = (
    "SELECT s.submission_id, s.occurrence, s.ivrs, s.typed_reading, s.submitted_at, s.user_type, s.mobile,"
    " s.email, s.photo, s.photo_path, r.status, r.clear, r.ocr_reading, r.confidence, r.reasons, r.crop, r.kind,"
    " r.decided_at, c.ivrs, c.name, c.previous_reading, c.previous_reading_date, c.tariff_category"
    " FROM results r JOIN submissions s ON s.submission_id = r.submission_id AND s.occurrence = r.occurrence"
    " LEFT JOIN consumers c ON c.ivrs = s.ivrs WHERE r.cycle = ? ORDER BY s.submission_id, s.occurrence"
)
_REVIEW_SQL = (
    "SELECT v.submission_id, v.occurrence, v.action, v.reading_after, v.reason, v.reviewer, v.reviewed_at,"
    " v.units_checked FROM reviews v JOIN results r ON r.submission_id = v.submission_id AND r.occurrence = v.occurrence"
    " WHERE r.cycle = ? ORDER BY v.review_id"
)


def known_cycles(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT cycle FROM results WHERE cycle IS NOT NULL AND cycle <> '' ORDER BY cycle")]


def load_cycle(conn: Connection, cycle: str) -> list[CycleRow]:
    """Every decided submission of ``cycle`` with its latest review; unknown cycle -> error."""
    rows: dict[tuple[str, int], CycleRow] = {}
    for r in conn.execute(_ROW_SQL, (cycle,)):
        rows[(r[0], int(r[1]))] = CycleRow(
            submission_id=r[0], occurrence=int(r[1]), ivrs=r[2] or "", typed_reading=r[3] or "",
            submitted_at=r[4] or "", user_type=(r[5] or "").strip().lower(), mobile=(r[6] or "").strip(),
            email=(r[7] or "").strip(), photo=r[9] or r[8] or "", status=r[10], clear=bool(r[11]),
            ocr_reading=r[12] or "", confidence=float(r[13] or 0.0), reasons_text=r[14] or "", crop=r[15] or "",
            kind=r[16] or "", decided_at=r[17] or "", in_master=r[18] is not None, name=r[19] or "",
            previous_reading=r[20] or "", previous_reading_date=r[21] or "", tariff_category=r[22] or "")
    if not rows:
        cycles = known_cycles(conn)
        known = ", ".join(cycles) if cycles else "none: the database has no results yet"
        raise UnknownCycleError(f"no submissions for cycle {cycle} in the database (cycles with data: {known})")
    for sid, occ, action, after, reason, reviewer, at, checked in conn.execute(_REVIEW_SQL, (cycle,)):
        row = rows.get((sid, int(occ)))
        if row is not None:  # latest review wins: rows come in review_id order
            row.review_action, row.review_reading, row.review_reason = action, after or "", reason or ""
            row.reviewer, row.reviewed_at, row.n_reviews = reviewer, at, row.n_reviews + 1
            row.units_checked = bool(checked)
    return list(rows.values())


def latest_per_consumer(rows: Iterable[CycleRow]) -> tuple[dict[str, CycleRow], list[CycleRow]]:
    """(ivrs -> the latest of its rows, the earlier ones), in a deterministic order."""
    by_ivrs: dict[str, list[CycleRow]] = {}
    for row in rows:
        by_ivrs.setdefault(row.ivrs, []).append(row)
    winners: dict[str, CycleRow] = {}
    superseded: list[CycleRow] = []
    for ivrs in sorted(by_ivrs):
        ordered = sorted(by_ivrs[ivrs], key=CycleRow.order_key)
        winners[ivrs] = ordered[-1]
        superseded.extend(ordered[:-1])
    return winners, superseded


def master_consumers(conn: Connection) -> dict[str, tuple[str, str, str]]:
    """The consumer master, sorted by IVRS: ivrs -> (name, previous_reading, previous_reading_date)."""
    return {r[0]: (r[1] or "", r[2] or "", r[3] or "") for r in conn.execute(
        "SELECT ivrs, name, previous_reading, previous_reading_date FROM consumers ORDER BY ivrs")}


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The exact bytes of an exported CSV: header, then rows, each a csvsafe.csv_line (cells neutralised)."""
    return "".join(csv_line(row) for row in (columns, *rows)).encode("utf-8")


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> tuple[str, bytes]:
    """Write a CSV atomically; return (SHA-256 hex of its bytes, the bytes)."""
    data = csv_bytes(columns, rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return hashlib.sha256(data).hexdigest(), data


def record_export(conn: Connection, kind: str, cycle: str, path: Path | None, sha256: str,
                  n_rows: int, options: dict | None = None, content: str | None = None) -> int:
    """Remember an export run (what, when, its hash; the content for a published list)."""
    return conn.insert(
        "INSERT INTO exports (kind, cycle, path, sha256, n_rows, options, content, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (kind, cycle, str(path) if path else None, sha256, n_rows, json.dumps(options or {}, sort_keys=True),
         content, now_utc()), "export_id")
