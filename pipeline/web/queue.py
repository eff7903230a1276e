"""The review queue: flagged submissions awaiting a decision, oldest first, paged by key.

``review_queue`` holds one row per flagged submission without a review, with its
submission time normalised to UTC (the app's timestamps come with ``Z``,
``+05:30`` or no offset, so their text does not sort). ``review_queue_reasons``
holds one row per (item, reason) for the reason filter and the counts. Both are
derived from ``results`` and ``reviews`` and kept in step by :func:`sync`, which
looks only at what is newer than its watermarks (results by ``decided_at``,
reviews by ``review_id``; both re-read a little below the mark, for rows of
transactions that were still open when it was set), so a decision made with
``meter-verify decide`` or a batch verified while the page is open shows at the
next page load;
:func:`rebuild` recomputes them from scratch when the app starts.

Pages are fetched by key (submitted_utc, submission_id, occurrence), never by
OFFSET, so page 1,000 costs what page 1 costs.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pipeline.ingest import IST, parse_timestamp
from pipeline.store.backends import Connection
from pipeline.web.auth import iso, now

PAGE_SIZE = 50
_SYNC_RESULTS, _SYNC_REVIEWS = "results_decided_at", "reviews_review_id"
_REVIEW_SLACK = 1000  # reviews re-read below the watermark (those saved by transactions still open then)


@dataclass(frozen=True)
class QueueKey:
    """Position in the queue order."""

    submitted_utc: str
    submission_id: str
    occurrence: int

    def encode(self) -> str:
        raw = f"{self.submitted_utc}\x1f{self.submission_id}\x1f{self.occurrence}".encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @staticmethod
    def decode(text: str | None) -> QueueKey | None:
        """The key of a ``?after=``/``?before=`` argument; None when absent or malformed."""
        if not text or len(text) > 400:
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8")
            utc, sid, occ = raw.split("\x1f")
            return QueueKey(utc, sid, int(occ))
        except (ValueError, UnicodeDecodeError):
            return None

    def params(self) -> tuple[str, str, int]:
        return (self.submitted_utc, self.submission_id, self.occurrence)


@dataclass(frozen=True)
class Filters:
    """What the reviewer narrowed the queue to."""

    cycle: str
    reason: str = ""
    day: str = ""  # YYYY-MM-DD, India time
    consumer: str = ""  # an IVRS or a submission id

    def args(self) -> dict[str, str]:
        """The non-empty filters as URL arguments."""
        return {k: v for k, v in (("cycle", self.cycle), ("reason", self.reason), ("day", self.day),
                                  ("consumer", self.consumer)) if v}


def utc_key(submitted_at: str) -> str:
    """The submission time in UTC (sortable text), '' when it cannot be parsed."""
    ts = parse_timestamp(submitted_at)
    return ts.astimezone(UTC).isoformat(timespec="seconds") if ts else ""


def ist_day_range(day: str) -> tuple[str, str] | None:
    """[start, end) in UTC of an India-time calendar day, or None for a malformed day."""
    try:
        d = date.fromisoformat(day)
    except ValueError:
        return None
    start = datetime(d.year, d.month, d.day, tzinfo=IST)
    return iso(start), iso(start + timedelta(days=1))


# --- keeping the queue in step --------------------------------------------------------

def _insert(conn: Connection, rows: Iterable[tuple]) -> None:
    items, reasons = [], []
    for sid, occ, cycle, submitted_at, ivrs, reason_text in rows:
        utc = utc_key(submitted_at or "")
        items.append((sid, occ, cycle or "", utc, ivrs or "", reason_text or ""))
        reasons += [(r, sid, occ, cycle or "", utc) for r in (reason_text or "").split(";") if r]
    conn.executemany("INSERT INTO review_queue (submission_id, occurrence, cycle, submitted_utc, ivrs, reasons)"
                     " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (submission_id, occurrence) DO NOTHING", items)
    conn.executemany("INSERT INTO review_queue_reasons (reason, submission_id, occurrence, cycle, submitted_utc)"
                     " VALUES (?, ?, ?, ?, ?) ON CONFLICT (reason, submission_id, occurrence) DO NOTHING", reasons)


_FLAGGED_SINCE = (
    "SELECT r.submission_id, r.occurrence, r.cycle, s.submitted_at, s.ivrs, r.reasons FROM results r"
    " JOIN submissions s ON s.submission_id = r.submission_id AND s.occurrence = r.occurrence"
    " WHERE r.status = 'flagged' AND r.decided_at >= ? AND NOT EXISTS (SELECT 1 FROM reviews v"
    " WHERE v.submission_id = r.submission_id AND v.occurrence = r.occurrence)"
)


def _tops(conn: Connection) -> tuple[str, str]:
    top_result = conn.execute("SELECT MAX(decided_at) FROM results").fetchone()[0] or ""
    top_review = conn.execute("SELECT MAX(review_id) FROM reviews").fetchone()[0]
    return top_result, str(top_review or 0)


def sync(conn: Connection) -> None:
    """Add newly flagged results and drop newly decided items (cheap when nothing changed)."""
    top_result, top_review = _tops(conn)
    marks = dict(conn.execute("SELECT name, value FROM review_sync").fetchall())
    if marks.get(_SYNC_RESULTS) == top_result and marks.get(_SYNC_REVIEWS) == top_review:
        return
    conn.execute("BEGIN")
    try:
        if marks.get(_SYNC_RESULTS) != top_result:
            # '>=' re-reads the watermark's own second: rows saved in it may have committed after it was read
            _insert(conn, conn.execute(_FLAGGED_SINCE, (marks.get(_SYNC_RESULTS, ""),)).fetchall())
        if marks.get(_SYNC_REVIEWS) != top_review:
            # the last ids again: on PostgreSQL a review given a lower id may commit after a higher one
            since = max(0, int(marks.get(_SYNC_REVIEWS, "0")) - _REVIEW_SLACK)
            for table in ("review_queue", "review_queue_reasons"):
                conn.execute(f"DELETE FROM {table} WHERE (submission_id, occurrence) IN"
                             " (SELECT submission_id, occurrence FROM reviews WHERE review_id > ?)", (since,))
        conn.executemany("INSERT INTO review_sync (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE"
                         " SET value = excluded.value", ((_SYNC_RESULTS, top_result), (_SYNC_REVIEWS, top_review)))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def forget(conn: Connection, keys: Iterable[tuple[str, int]]) -> None:
    """Take decided items out of the queue."""
    keys = list(keys)
    conn.executemany("DELETE FROM review_queue WHERE submission_id = ? AND occurrence = ?", keys)
    conn.executemany("DELETE FROM review_queue_reasons WHERE submission_id = ? AND occurrence = ?", keys)


def rebuild(conn: Connection) -> int:
    """Recompute the queue from results and reviews; returns the number of items waiting."""
    conn.execute("BEGIN")
    try:
        conn.execute("DELETE FROM review_queue")
        conn.execute("DELETE FROM review_queue_reasons")
        conn.execute("DELETE FROM review_sync")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    sync(conn)
    return int(conn.execute("SELECT COUNT(*) FROM review_queue").fetchone()[0])


# --- reading the queue ------------------------------------------------------------------

def cycles(conn: Connection) -> list[tuple[str, int]]:
    """(cycle, items waiting), latest cycle first."""
    return [(r[0], int(r[1])) for r in conn.execute(
        "SELECT cycle, COUNT(*) FROM review_queue GROUP BY cycle ORDER BY cycle DESC")]


def default_cycle(conn: Connection) -> str:
    """The latest cycle with items waiting, else the latest cycle with any result."""
    row = conn.execute("SELECT MAX(cycle) FROM review_queue").fetchone()
    if row and row[0]:
        return str(row[0])
    row = conn.execute("SELECT MAX(cycle) FROM results WHERE cycle IS NOT NULL AND cycle <> ''").fetchone()
    return str(row[0]) if row and row[0] else ""


def _where(conn: Connection, f: Filters) -> tuple[str, str, list[object]]:
    """(FROM clause, WHERE clause, params) for the filters; table alias ``k`` carries the order columns."""
    params: list[object] = [f.cycle]
    if f.reason:
        source, conds = "review_queue_reasons k", ["k.cycle = ?", "k.reason = ?"]
        params.append(f.reason)
    else:
        source, conds = "review_queue k", ["k.cycle = ?"]
    span = ist_day_range(f.day) if f.day else None
    if span:
        conds.append("k.submitted_utc >= ? AND k.submitted_utc < ?")
        params += list(span)
    if f.consumer:
        if conn.execute("SELECT 1 FROM review_queue WHERE submission_id = ?", (f.consumer,)).fetchone():
            conds.append("k.submission_id = ?")
            params.append(f.consumer)
        elif not f.reason:
            conds.append("k.ivrs = ?")
            params.append(f.consumer)
        else:
            conds.append("k.submission_id IN (SELECT submission_id FROM review_queue WHERE ivrs = ? AND cycle = ?)")
            params += [f.consumer, f.cycle]
    return source, " AND ".join(conds), params


_ORDER = "k.submitted_utc, k.submission_id, k.occurrence"
_ROW = (
    "SELECT k.submitted_utc, k.submission_id, k.occurrence, s.ivrs, s.typed_reading, s.submitted_at,"
    " r.ocr_reading, r.confidence, r.reasons, c.name, cl.reviewer, cl.expires_at FROM {source}"
    " JOIN submissions s ON s.submission_id = k.submission_id AND s.occurrence = k.occurrence"
    " JOIN results r ON r.submission_id = k.submission_id AND r.occurrence = k.occurrence"
    " LEFT JOIN consumers c ON c.ivrs = s.ivrs"
    " LEFT JOIN claims cl ON cl.submission_id = k.submission_id AND cl.occurrence = k.occurrence"
    " AND cl.expires_at > ? WHERE {where}{keyset} ORDER BY {order} LIMIT ?"
)


@dataclass(frozen=True)
class QueueRow:
    key: QueueKey
    ivrs: str
    name: str
    typed_reading: str
    submitted_at: str
    ocr_reading: str
    confidence: float
    reasons: list[str]
    claimed_by: str
    claim_expires: str

    @property
    def submitted_ist(self) -> str:
        ts = parse_timestamp(self.submitted_at)
        return ts.astimezone(IST).strftime("%Y-%m-%d %H:%M") if ts else self.submitted_at


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int  # items matching the filters
    first_position: int  # 1-based position of the first row in the filtered queue
    next_key: QueueKey | None
    prev_key: QueueKey | None


def _rows(conn: Connection, f: Filters, keyset: str, key: QueueKey | None, descending: bool,
          limit: int) -> list[QueueRow]:
    source, where, params = _where(conn, f)
    order = ", ".join(f"{c} DESC" for c in _ORDER.split(", ")) if descending else _ORDER
    sql = _ROW.format(source=source, where=where, keyset=keyset, order=order)
    args = [iso(now()), *params, *(key.params() if key else ()), limit]
    return [QueueRow(QueueKey(r[0], r[1], int(r[2])), r[3] or "", r[9] or "", r[4] or "", r[5] or "", r[6] or "",
                     float(r[7] or 0.0), [x for x in (r[8] or "").split(";") if x], r[10] or "", r[11] or "")
            for r in conn.execute(sql, args)]


def count(conn: Connection, f: Filters, before: QueueKey | None = None) -> int:
    """Items matching the filters (only those ordered before ``before`` when given)."""
    source, where, params = _where(conn, f)
    extra = f" AND ({_ORDER}) < (?, ?, ?)" if before else ""
    return int(conn.execute(f"SELECT COUNT(*) FROM {source} WHERE {where}{extra}",
                            [*params, *(before.params() if before else ())]).fetchone()[0])


def page(conn: Connection, f: Filters, after: QueueKey | None = None,
         before: QueueKey | None = None, size: int = PAGE_SIZE) -> QueuePage:
    """One page of the filtered queue: from the start, after a key (next page) or before one (previous)."""
    if before is not None:
        rows = _rows(conn, f, f" AND ({_ORDER}) < (?, ?, ?)", before, True, size + 1)
        more_before = len(rows) > size
        rows = list(reversed(rows[:size]))
        more_after = True
    else:
        rows = _rows(conn, f, f" AND ({_ORDER}) > (?, ?, ?)" if after else "", after, False, size + 1)
        more_after = len(rows) > size
        rows = rows[:size]
        more_before = after is not None
    first = count(conn, f, rows[0].key) + 1 if rows else 0
    more_before = more_before and first > 1
    return QueuePage(rows, count(conn, f), first, rows[-1].key if rows and more_after else None,
                     rows[0].key if rows and more_before else None)


def reason_counts(conn: Connection, cycle: str) -> list[tuple[str, int]]:
    """(reason, items waiting) of a cycle, most frequent first."""
    rows = conn.execute("SELECT reason, COUNT(*) FROM review_queue_reasons WHERE cycle = ? GROUP BY reason",
                        (cycle,)).fetchall()
    return sorted(((r[0], int(r[1])) for r in rows), key=lambda p: (-p[1], p[0]))


def progress_today(conn: Connection, reviewer: str) -> dict[str, int]:
    """The reviewer's decisions since midnight India time, by action, and their total."""
    midnight = datetime.now(IST).replace(hour=0, minute=0, second=0, microsecond=0)
    out = {"confirm": 0, "correct": 0, "reject": 0}
    for action, n in conn.execute("SELECT action, COUNT(*) FROM reviews WHERE reviewer = ? AND reviewed_at >= ?"
                                  " GROUP BY action", (reviewer, iso(midnight))):
        out[action] = int(n)
    out["total"] = sum(out.values())
    return out


def candidates(conn: Connection, f: Filters, reviewer: str, after: QueueKey | None,
               limit: int = 5) -> list[QueueKey]:
    """The next items in queue order not claimed by another reviewer (after ``after`` when given)."""
    source, where, params = _where(conn, f)
    keyset = f" AND ({_ORDER}) > (?, ?, ?)" if after else ""
    sql = (f"SELECT k.submitted_utc, k.submission_id, k.occurrence FROM {source} WHERE {where}{keyset}"
           " AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.submission_id = k.submission_id AND"
           f" c.occurrence = k.occurrence AND c.reviewer <> ? AND c.expires_at > ?) ORDER BY {_ORDER} LIMIT ?")
    args = [*params, *(after.params() if after else ()), reviewer, iso(now()), limit]
    return [QueueKey(r[0], r[1], int(r[2])) for r in conn.execute(sql, args)]
