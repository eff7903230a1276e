"""A reviewer's decision on a flagged submission: the one code path for the CLI and the review page.

The verifier's result in ``results`` is never overwritten. Each decision is a new
row in ``reviews`` (who, when, what, the reading before and after, why); the
latest row is the submission's effective outcome and the earlier ones stay as
history. Only flagged submissions can be decided: valid ones need no person and
rejected ones cannot be billed whatever a reviewer says.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from pipeline.compare import parse_number
from pipeline.cycles import ReviewAction, now_utc
from pipeline.exceptions import ExitCode, MeterVerifyError, NotReviewableError


@dataclass(frozen=True)
class ReviewRequest:
    """What a reviewer asks for: the action and, for correct/reject, the value or reason."""

    submission_id: str
    action: ReviewAction
    reviewer: str
    reading: str = ""  # for correct: the reading the photo shows
    reason: str = ""  # for reject (required); optional note for confirm/correct


@dataclass(frozen=True)
class Review:
    """A stored decision."""

    review_id: int
    submission_id: str
    occurrence: int
    action: ReviewAction
    reading_before: str
    reading_after: str
    reason: str
    reviewer: str
    reviewed_at: str
    replaces: int | None  # the review this one supersedes, if the submission was decided before


def _usage(message: str) -> MeterVerifyError:
    return MeterVerifyError(message, exit_code=ExitCode.BAD_ARGS)


def validate(req: ReviewRequest) -> ReviewRequest:
    """Check the request on its own (before touching the database); return it normalised."""
    reviewer = req.reviewer.strip()
    if not reviewer:
        raise _usage("--reviewer NAME is required: every decision records who made it")
    reading, reason = req.reading.strip(), req.reason.strip()
    if req.action is ReviewAction.CORRECT:
        if parse_number(reading) is None:
            raise _usage(f"--correct needs the reading the photo shows, digits with an optional '.', not {reading!r}")
    elif req.action is ReviewAction.REJECT and not reason:
        raise _usage("--reject needs a REASON the consumer and the next reviewer can understand")
    return ReviewRequest(req.submission_id.strip(), req.action, reviewer, reading, reason)


def _flagged_key(conn: sqlite3.Connection, submission_id: str) -> tuple[int, str]:
    """(occurrence, typed reading) of the flagged submission with this id, or a clear error."""
    rows = conn.execute(
        "SELECT s.occurrence, s.typed_reading, r.status FROM submissions s LEFT JOIN results r"
        " ON r.submission_id = s.submission_id AND r.occurrence = s.occurrence"
        " WHERE s.submission_id = ? ORDER BY s.occurrence", (submission_id,)).fetchall()
    if not rows:
        raise NotReviewableError(f"no submission {submission_id!r} in the database")
    flagged = [r for r in rows if r[2] == "flagged"]
    if not flagged:
        statuses = ", ".join(sorted({r[2] or "not yet verified" for r in rows}))
        raise NotReviewableError(f"submission {submission_id} is {statuses}, not flagged: only flagged "
                                 "submissions are decided by a reviewer")
    return int(flagged[0][0]), flagged[0][1] or ""


def latest_review(conn: sqlite3.Connection, submission_id: str, occurrence: int) -> Review | None:
    row = conn.execute(
        "SELECT review_id, action, reading_before, reading_after, reason, reviewer, reviewed_at FROM reviews"
        " WHERE submission_id = ? AND occurrence = ? ORDER BY review_id DESC", (submission_id, occurrence)
    ).fetchone()
    if row is None:
        return None
    return Review(int(row[0]), submission_id, occurrence, ReviewAction(row[1]), row[2] or "", row[3] or "",
                  row[4] or "", row[5], row[6], None)


def history(conn: sqlite3.Connection, submission_id: str) -> list[Review]:
    """Every decision on a submission, oldest first."""
    out: list[Review] = []
    previous: int | None = None
    for row in conn.execute(
            "SELECT review_id, occurrence, action, reading_before, reading_after, reason, reviewer, reviewed_at"
            " FROM reviews WHERE submission_id = ? ORDER BY review_id", (submission_id,)):
        out.append(Review(int(row[0]), submission_id, int(row[1]), ReviewAction(row[2]), row[3] or "",
                          row[4] or "", row[5] or "", row[6], row[7], previous))
        previous = int(row[0])
    return out


def decide(req: ReviewRequest, conn: sqlite3.Connection) -> Review:
    """Record a reviewer's decision on a flagged submission and return it.

    ``reading_before`` is the reading in force before this decision (the previous
    review's, else the typed one); ``reading_after`` is the reading billed after it
    (empty for a rejection).
    """
    req = validate(req)
    conn.execute("BEGIN")
    try:
        occurrence, typed = _flagged_key(conn, req.submission_id)
        prev = latest_review(conn, req.submission_id, occurrence)
        before = typed if prev is None else (prev.reading_after or prev.reading_before)
        after = {ReviewAction.CONFIRM: typed, ReviewAction.CORRECT: req.reading,
                 ReviewAction.REJECT: ""}[req.action]
        at = now_utc()
        cur = conn.execute(
            "INSERT INTO reviews (submission_id, occurrence, action, reading_before, reading_after, reason,"
            " reviewer, reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (req.submission_id, occurrence, req.action.value, before, after, req.reason, req.reviewer, at))
        review_id = int(cur.lastrowid)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return Review(review_id, req.submission_id, occurrence, req.action, before, after, req.reason, req.reviewer,
                  at, prev.review_id if prev else None)


def describe(review: Review) -> str:
    """One line for the operator: what was decided."""
    what = {ReviewAction.CONFIRM: f"confirmed reading {review.reading_after}",
            ReviewAction.CORRECT: f"corrected reading {review.reading_before} -> {review.reading_after}",
            ReviewAction.REJECT: f"rejected ({review.reason})"}[review.action]
    again = f"; replaces review {review.replaces}" if review.replaces else ""
    return f"{review.submission_id}: {what} by {review.reviewer} (review {review.review_id}{again})"
