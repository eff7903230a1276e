"""A reviewer's decision on a flagged submission: the one code path for the CLI and the review page.

The verifier's result in ``results`` is never overwritten. Each decision is a new
row in ``reviews`` (who, when, what, the reading before and after, why); the
latest row is the submission's effective outcome and the earlier ones stay as
history. Only flagged submissions can be decided: valid ones need no person and
rejected ones cannot be billed whatever a reviewer says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.billing import HELD_NEGATIVE, Units, hold_reason_for, register_width, units_for
from pipeline.compare import normalise_reading, parse_number
from pipeline.cycles import Outcome, ReviewAction, now_utc
from pipeline.exceptions import ExitCode, MeterVerifyError, NotReviewableError, UnknownReviewerError
from pipeline.ingest import IST, parse_timestamp
from pipeline.store.backends import Connection


@dataclass(frozen=True)
class ReviewRequest:
    """What a reviewer asks for: the action and, for correct/reject, the value or reason."""

    submission_id: str
    action: ReviewAction
    reviewer: str
    reading: str = ""  # for correct: the reading the photo shows, as the reviewer typed it
    reason: str = ""  # for reject (required); optional note for confirm/correct
    units_checked: bool = False  # confirm/correct: the reviewer saw the warning on the units and saves anyway


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
    reading_entered: str = ""  # correct: the reading exactly as the reviewer typed it ('१२३' stored as '123')
    units_checked: bool = False


class UnitsNeedCheckError(MeterVerifyError):
    """A correction that would bill negative or implausible units, not yet marked as checked."""

    exit_code = ExitCode.CHECK_UNITS

    def __init__(self, message: str, units: Units) -> None:
        super().__init__(message)
        self.units = units


def _usage(message: str) -> MeterVerifyError:
    return MeterVerifyError(message, exit_code=ExitCode.BAD_ARGS)


def validate(req: ReviewRequest) -> ReviewRequest:
    """Check the request on its own (before touching the database); return it normalised.

    The reading stays as typed in the request; :func:`decide` stores its ASCII form
    (``normalise_reading``) and keeps the typed text in ``reviews.reading_entered``.
    """
    reviewer = req.reviewer.strip()
    if not reviewer:
        raise _usage("--reviewer NAME is required: every decision records who made it")
    reading, reason = req.reading.strip(), req.reason.strip()
    if req.action is ReviewAction.CORRECT:
        if parse_number(reading) is None:
            raise _usage(f"--correct needs the reading the photo shows, digits with an optional '.', not {reading!r}")
    elif req.action is ReviewAction.REJECT and not reason:
        raise _usage("--reject needs a REASON the consumer and the next reviewer can understand")
    return ReviewRequest(req.submission_id.strip(), req.action, reviewer, reading, reason, req.units_checked)


def check_reviewer(conn: Connection, name: str) -> None:
    """The decision's reviewer must have an active account (``meter-verify reviewer add``)."""
    row = conn.execute("SELECT active FROM reviewers WHERE name = ?", (name,)).fetchone()
    if row is None:
        known = [r[0] for r in conn.execute("SELECT name FROM reviewers WHERE active = 1 ORDER BY name LIMIT 6")]
        hint = (f"; active reviewers: {', '.join(known)}" if known else
                "; the database has no reviewer accounts yet")
        raise UnknownReviewerError(f"no reviewer account named {name!r}: every decision must name a real "
                                   f"reviewer (create one with `meter-verify reviewer add {name}`){hint}")
    if not row[0]:
        raise UnknownReviewerError(f"the reviewer account {name!r} is disabled: it can no longer decide")


def _check_units(conn: Connection, req: ReviewRequest, occurrence: int, reading: str) -> None:
    """Refuse (nothing saved) a reading that the billing export would hold back for its units.

    The reviewer sees why and saves again with ``units_checked`` when the photo really
    shows it. The rule is billing's own (pipeline.billing.units_for, hold_reason_for).
    """
    row = conn.execute(
        "SELECT s.submitted_at, s.typed_reading, r.ocr_reading, r.reasons, c.previous_reading,"
        " c.previous_reading_date, c.tariff_category FROM submissions s LEFT JOIN results r"
        " ON r.submission_id = s.submission_id AND r.occurrence = s.occurrence LEFT JOIN consumers c"
        " ON c.ivrs = s.ivrs WHERE s.submission_id = ? AND s.occurrence = ?",
        (req.submission_id, occurrence)).fetchone()
    submitted_at, typed, ocr, reasons, previous, previous_date, tariff = (v or "" for v in row)
    ts = parse_timestamp(submitted_at)
    units = units_for(reading, previous, previous_date, ts.astimezone(IST).date() if ts else None, tariff,
                      register_width(ocr, typed))
    outcome = Outcome.CONFIRMED if req.action is ReviewAction.CONFIRM else Outcome.CORRECTED
    if hold_reason_for(units.problem, outcome, reasons.split(";"), False):
        raise UnitsNeedCheckError(units_warning(units, units.current, previous), units)


def units_warning(units: Units, reading: str, previous: str) -> str:
    """The sentence a reviewer reads before saving a reading that billing would hold back."""
    if units.problem == HELD_NEGATIVE:
        return (f"the reading {reading} is below the previous reading {previous}: it would bill {units.units} "
                "units, and billing holds such a reading back until the previous reading is put right "
                "(a meter change?)")
    return (f"the reading {reading} would bill {units.units} units since the previous reading {previous}, "
            f"more than the {units.limit:.0f} plausible for the tariff")


def _flagged_key(conn: Connection, submission_id: str) -> tuple[int, str]:
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


def latest_review(conn: Connection, submission_id: str, occurrence: int) -> Review | None:
    row = conn.execute(
        "SELECT review_id, action, reading_before, reading_after, reason, reviewer, reviewed_at FROM reviews"
        " WHERE submission_id = ? AND occurrence = ? ORDER BY review_id DESC", (submission_id, occurrence)
    ).fetchone()
    if row is None:
        return None
    return Review(int(row[0]), submission_id, occurrence, ReviewAction(row[1]), row[2] or "", row[3] or "",
                  row[4] or "", row[5], row[6], None)


def history(conn: Connection, submission_id: str) -> list[Review]:
    """Every decision on a submission, oldest first."""
    out: list[Review] = []
    previous: int | None = None
    for row in conn.execute(
            "SELECT review_id, occurrence, action, reading_before, reading_after, reason, reviewer, reviewed_at,"
            " reading_entered, units_checked FROM reviews WHERE submission_id = ? ORDER BY review_id",
            (submission_id,)):
        out.append(Review(int(row[0]), submission_id, int(row[1]), ReviewAction(row[2]), row[3] or "",
                          row[4] or "", row[5] or "", row[6], row[7], previous, row[8] or "", bool(row[9])))
        previous = int(row[0])
    return out


def decide(req: ReviewRequest, conn: Connection,
           also: Callable[[Connection, Review], None] | None = None) -> Review:
    """Record a reviewer's decision on a flagged submission and return it.

    ``reading_before`` is the reading in force before this decision (the previous
    review's, else the typed one); ``reading_after`` is the reading billed after it
    (empty for a rejection). ``also`` runs in the same transaction once the review
    row is written (the review page takes the item out of its queue, drops the claim
    and writes the audit line there), so either all of it is stored or none.
    """
    req = validate(req)
    entered = req.reading if req.action is ReviewAction.CORRECT else ""
    conn.execute("BEGIN")
    try:
        check_reviewer(conn, req.reviewer)
        occurrence, typed = _flagged_key(conn, req.submission_id)
        prev = latest_review(conn, req.submission_id, occurrence)
        before = typed if prev is None else (prev.reading_after or prev.reading_before)
        after = {ReviewAction.CONFIRM: typed, ReviewAction.CORRECT: normalise_reading(req.reading),
                 ReviewAction.REJECT: ""}[req.action]
        if req.action is not ReviewAction.REJECT and not req.units_checked:
            _check_units(conn, req, occurrence, after)
        at = now_utc()
        review_id = conn.insert(
            "INSERT INTO reviews (submission_id, occurrence, action, reading_before, reading_after, reason,"
            " reviewer, reviewed_at, reading_entered, units_checked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (req.submission_id, occurrence, req.action.value, before, after, req.reason, req.reviewer, at,
             entered or None, int(req.units_checked) if req.action is not ReviewAction.REJECT else None),
            "review_id")
        review = Review(review_id, req.submission_id, occurrence, req.action, before, after, req.reason,
                        req.reviewer, at, prev.review_id if prev else None, entered,
                        req.units_checked and req.action is not ReviewAction.REJECT)
        if also is not None:
            also(conn, review)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return review


def describe(review: Review) -> str:
    """One line for the operator: what was decided."""
    typed = (f" (typed {review.reading_entered})" if review.reading_entered
             and review.reading_entered != review.reading_after else "")
    what = {ReviewAction.CONFIRM: f"confirmed reading {review.reading_after}",
            ReviewAction.CORRECT: f"corrected reading {review.reading_before} -> {review.reading_after}{typed}",
            ReviewAction.REJECT: f"rejected ({review.reason})"}[review.action]
    again = f"; replaces review {review.replaces}" if review.replaces else ""
    return f"{review.submission_id}: {what} by {review.reviewer} (review {review.review_id}{again})"
