"""Claims: two reviewers never work the same item.

Opening a flagged item claims it for a limited time (renewed on every open); a
claim past its ``expires_at`` counts for nothing and the next reviewer simply
takes it over. A reviewer holds one claim of their own at a time (opening
another item releases the previous one), plus any a supervisor assigned to them.
A claim is taken with a single conditional upsert (``RETURNING`` what it wrote),
so two reviewers opening the same item at the same moment cannot both get it, on
SQLite or on PostgreSQL. New claims, releases and
reassignments are written to ``review_events`` for the audit view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline.store.backends import Connection
from pipeline.web.auth import iso, now

Key = tuple[str, int]


@dataclass(frozen=True)
class Claim:
    submission_id: str
    occurrence: int
    reviewer: str
    claimed_at: str
    expires_at: str
    assigned_by: str

    @property
    def key(self) -> Key:
        return (self.submission_id, self.occurrence)


_COLUMNS = "submission_id, occurrence, reviewer, claimed_at, expires_at, assigned_by"


def _claim(row: tuple) -> Claim:
    return Claim(row[0], int(row[1]), row[2], row[3], row[4], row[5] or "")


def log_event(conn: Connection, actor: str, kind: str, key: Key | None, detail: str = "") -> None:
    """One line of the workbench's audit trail (decisions themselves are in ``reviews``)."""
    conn.execute("INSERT INTO review_events (at, actor, kind, submission_id, occurrence, detail)"
                 " VALUES (?, ?, ?, ?, ?, ?)", (iso(now()), actor, kind, key[0] if key else None,
                                                key[1] if key else None, detail))


def current(conn: Connection, key: Key, at: datetime | None = None) -> Claim | None:
    """The live claim on an item, if any."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM claims WHERE submission_id = ? AND occurrence = ?"
                       " AND expires_at > ?", (*key, iso(at or now()))).fetchone()
    return _claim(row) if row else None


_TAKE = (
    f"INSERT INTO claims ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL)"
    " ON CONFLICT (submission_id, occurrence) DO UPDATE SET"
    " claimed_at = CASE WHEN claims.reviewer = excluded.reviewer AND claims.expires_at > ?"
    "  THEN claims.claimed_at ELSE excluded.claimed_at END,"
    " assigned_by = CASE WHEN claims.reviewer = excluded.reviewer AND claims.expires_at > ?"
    "  THEN claims.assigned_by ELSE NULL END,"
    " expires_at = CASE WHEN claims.reviewer = excluded.reviewer AND claims.expires_at > excluded.expires_at"
    "  THEN claims.expires_at ELSE excluded.expires_at END,"
    " reviewer = excluded.reviewer"
    " WHERE claims.reviewer = excluded.reviewer OR claims.expires_at <= ?"
    f" RETURNING {_COLUMNS}"
)


def take(conn: Connection, key: Key, reviewer: str, minutes: float) -> Claim:
    """Claim the item for ``reviewer`` (or renew their claim); returns whoever holds it afterwards.

    The item stays with another reviewer whose claim is still live: the caller
    compares ``Claim.reviewer`` with its own name. The claim is one conditional
    upsert that returns the row it wrote (none when another reviewer holds the
    item), so what is returned is what this statement did, not a later read that
    a concurrent release could make empty; when the other reviewer's claim ended
    between the upsert and the read of who holds it, the upsert is tried again.
    """
    at = now()
    before = current(conn, key, at)
    until = iso(at + timedelta(minutes=minutes))
    for _ in range(20):
        rows = conn.execute(_TAKE, (*key, reviewer, iso(at), until, iso(at), iso(at), iso(at))).fetchall()
        if rows:  # this reviewer holds it now
            after = _claim(rows[0])
            if before is None or before.reviewer != reviewer:
                log_event(conn, reviewer, "claim", key, f"until {after.expires_at}")
            return after
        held = current(conn, key, at)
        if held is not None:
            return held  # another reviewer's live claim
        before = None  # it was released meanwhile: try again
    raise AssertionError(f"claim on {key} kept changing hands")


def release(conn: Connection, key: Key, reviewer: str, *, any_holder: bool = False) -> bool:
    """Give the item back (a supervisor may release anyone's claim). True when a claim was removed."""
    held = current(conn, key)
    if held is None or (held.reviewer != reviewer and not any_holder):
        return False
    # only the claim that was read: a reassignment made meanwhile stays
    gone = conn.execute("DELETE FROM claims WHERE submission_id = ? AND occurrence = ? AND reviewer = ?"
                        " AND claimed_at = ?", (*key, held.reviewer, held.claimed_at)).rowcount
    if not gone:
        return False
    log_event(conn, reviewer, "release", key, "" if held.reviewer == reviewer else f"held by {held.reviewer}")
    return True


def drop(conn: Connection, key: Key) -> None:
    """Remove the claim on a decided item (no event: the decision is the record)."""
    conn.execute("DELETE FROM claims WHERE submission_id = ? AND occurrence = ?", key)


def release_own_except(conn: Connection, reviewer: str, keep: Key) -> None:
    """Release the reviewer's self-taken claims on other items (one item at a time)."""
    conn.execute("DELETE FROM claims WHERE reviewer = ? AND assigned_by IS NULL AND NOT"
                 " (submission_id = ? AND occurrence = ?)", (reviewer, *keep))


def reassign(conn: Connection, key: Key, to: str, by: str, minutes: float) -> Claim:
    """A supervisor gives the item to ``to`` (whoever held it), for ``minutes``."""
    at = now()
    held = current(conn, key, at)
    rows = conn.execute(
        f"INSERT INTO claims ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (submission_id, occurrence)"
        " DO UPDATE SET reviewer = excluded.reviewer, claimed_at = excluded.claimed_at,"
        f" expires_at = excluded.expires_at, assigned_by = excluded.assigned_by RETURNING {_COLUMNS}",
        (*key, to, iso(at), iso(at + timedelta(minutes=minutes)), by)).fetchall()
    log_event(conn, by, "reassign", key, f"to {to}" + (f" (was {held.reviewer})" if held else ""))
    return _claim(rows[0])


def held_by(conn: Connection, reviewer: str) -> list[Claim]:
    """The reviewer's live claims, oldest first."""
    return [_claim(r) for r in conn.execute(
        f"SELECT {_COLUMNS} FROM claims WHERE reviewer = ? AND expires_at > ? ORDER BY claimed_at",
        (reviewer, iso(now())))]


def live(conn: Connection) -> list[Claim]:
    """Every live claim, oldest first (the supervisor's view)."""
    return [_claim(r) for r in conn.execute(
        f"SELECT {_COLUMNS} FROM claims WHERE expires_at > ? ORDER BY claimed_at", (iso(now()),))]
