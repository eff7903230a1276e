"""What a supervisor sees: decisions per reviewer per day, overturns by reason, and any item's history.

An item is *overturned* when the reviewer's latest decision confirms the typed
reading: the machine doubted it, the person found it right (the flag was not
needed). Separately, the machine *misread* when the decided reading is not the
one it read (a confirmation of a typed value it read otherwise, or a
correction to a third value); a correction to exactly its reading, or a
rejection, agrees with its doubt. Days are India-time calendar days.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pipeline import reviews
from pipeline.compare import parse_number, readings_match
from pipeline.ingest import IST
from pipeline.store.backends import Connection
from pipeline.web.auth import iso


@dataclass
class DayTable:
    """reviewer -> day -> action -> count, for the last ``days`` days."""

    days: list[str]
    reviewers: list[str]
    counts: dict[str, dict[str, Counter[str]]]

    def total(self, reviewer: str, day: str) -> int:
        return sum(self.counts.get(reviewer, {}).get(day, Counter()).values())


def per_reviewer_per_day(conn: Connection, days: int = 14) -> DayTable:
    today = datetime.now(IST).date()
    first = today - timedelta(days=days - 1)
    since = iso(datetime(first.year, first.month, first.day, tzinfo=IST))
    counts: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for reviewer, at, action in conn.execute(
            "SELECT reviewer, reviewed_at, action FROM reviews WHERE reviewed_at >= ?", (since,)):
        day = datetime.fromisoformat(at).astimezone(IST).date().isoformat()
        counts[reviewer][day][action] += 1
    day_list = [(today - timedelta(days=i)).isoformat() for i in range(days)]
    return DayTable(day_list, sorted(counts), {k: dict(v) for k, v in counts.items()})


@dataclass
class OverturnRow:
    reason: str
    decided: int = 0
    confirmed: int = 0  # the typed reading was right: the flag is overturned
    corrected_to_machine: int = 0
    corrected_other: int = 0
    rejected: int = 0
    misread: int = 0  # the decided reading is not the one the machine read

    @property
    def rate(self) -> float:
        """Share of decided items whose flag the reviewer overturned."""
        return self.confirmed / self.decided if self.decided else 0.0

    @property
    def misread_rate(self) -> float:
        return self.misread / self.decided if self.decided else 0.0


def _same_reading(a: str, b: str) -> bool:
    x, y = parse_number(a), parse_number(b)
    return x is not None and y is not None and readings_match(x, y)


def overturns(conn: Connection, cycle: str = "") -> list[OverturnRow]:
    """Per flag reason, how the latest decisions went (an item with two reasons counts under both)."""
    sql = ("SELECT r.reasons, r.ocr_reading, v.action, v.reading_after FROM reviews v JOIN results r"
           " ON r.submission_id = v.submission_id AND r.occurrence = v.occurrence WHERE v.review_id IN"
           " (SELECT MAX(review_id) FROM reviews GROUP BY submission_id, occurrence)")
    rows = conn.execute(sql + (" AND r.cycle = ?" if cycle else ""), (cycle,) if cycle else ()).fetchall()
    table: dict[str, OverturnRow] = {}
    for reasons_text, ocr, action, after in rows:
        for reason in [x for x in (reasons_text or "").split(";") if x] or ["(none)"]:
            row = table.setdefault(reason, OverturnRow(reason))
            row.decided += 1
            if action == "confirm":
                row.confirmed += 1
                row.misread += bool(ocr) and not _same_reading(ocr, after or "")
            elif action == "correct":
                same = bool(ocr) and _same_reading(ocr, after or "")
                row.corrected_to_machine += same
                row.corrected_other += not same
                row.misread += not same
            else:
                row.rejected += 1
    return sorted(table.values(), key=lambda r: (-r.decided, r.reason))


@dataclass
class Audit:
    """Everything recorded about one submission id."""

    submission_id: str
    occurrences: list[dict] = field(default_factory=list)
    decisions: list[reviews.Review] = field(default_factory=list)
    events: list[tuple[str, str, str, str]] = field(default_factory=list)  # (at, actor, kind, detail)


def audit(conn: Connection, submission_id: str) -> Audit | None:
    rows = conn.execute(
        "SELECT s.occurrence, s.batch_id, s.row_number, s.submitted_at, r.status, r.reasons, r.ocr_reading,"
        " r.confidence, r.decided_at, r.pipeline_version, r.reused_of FROM submissions s LEFT JOIN results r"
        " ON r.submission_id = s.submission_id AND r.occurrence = s.occurrence WHERE s.submission_id = ?"
        " ORDER BY s.occurrence", (submission_id,)).fetchall()
    if not rows:
        return None
    names = ("occurrence", "batch_id", "row_number", "submitted_at", "status", "reasons", "ocr_reading",
             "confidence", "decided_at", "pipeline_version", "reused_of")
    result = Audit(submission_id, [dict(zip(names, r, strict=True)) for r in rows],
                   reviews.history(conn, submission_id))
    result.events = [(r[0], r[1], r[2], r[3] or "") for r in conn.execute(
        "SELECT at, actor, kind, detail FROM review_events WHERE submission_id = ? ORDER BY event_id",
        (submission_id,))]
    return result


def recent_decisions(conn: Connection, limit: int = 12) -> list[reviews.Review]:
    """The latest decisions of everyone, newest first (to spot-check)."""
    out = []
    for row in conn.execute("SELECT review_id, submission_id, occurrence, action, reading_before, reading_after,"
                            " reason, reviewer, reviewed_at FROM reviews ORDER BY review_id DESC LIMIT ?", (limit,)):
        out.append(reviews.Review(int(row[0]), row[1], int(row[2]), reviews.ReviewAction(row[3]), row[4] or "",
                                  row[5] or "", row[6] or "", row[7], row[8], None))
    return out
