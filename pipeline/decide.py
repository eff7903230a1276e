"""Decide stage: one submission's fields, consumer and photo result -> status and reasons.

Pure: everything it needs is passed in (the reuse look-up is done by the caller
against the database), so the rule is testable on its own and portable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from pipeline.compare import compare, parse_number, typed_posterior
from pipeline.context import Consumer, PhotoResult, Plausible, Submission
from pipeline.ingest import IST, parse_timestamp
from pipeline.rules import UNCLEAR_REASONS, Reason, Status, Thresholds, status_for


@dataclass
class Decision:
    """The verdict on one submission."""

    status: Status
    reasons: list[Reason] = field(default_factory=list)
    clear: bool = False
    cycle: str = ""  # YYYY-MM of the submission in IST
    units: float | None = None  # consumption implied by the typed reading


def cycle_of(submitted_at: str) -> str:
    """Billing cycle (YYYY-MM, IST) of a submission timestamp; '' when unparseable."""
    ts = parse_timestamp(submitted_at)
    return ts.astimezone(IST).strftime("%Y-%m") if ts else ""


def in_window(ts: datetime, th: Thresholds) -> bool:
    """True when the IST calendar day is within the reading window (1st-5th)."""
    return th.window_first_day <= ts.astimezone(IST).day <= th.window_last_day


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def plausible_for(consumer: Consumer | None, sub_ts: datetime | None, th: Thresholds) -> Plausible | None:
    """The readings the consumer's previous reading allows at ``sub_ts`` (None: a new connection)."""
    previous = parse_number(consumer.previous_reading) if consumer is not None else None
    if previous is None:
        return None  # new connection: nothing to compare with
    prev_date = _parse_date(consumer.previous_reading_date)
    days = 30.0
    if prev_date is not None and sub_ts is not None:
        days = max(1.0, float((sub_ts.astimezone(IST).date() - prev_date).days))
    return Plausible(previous.value, th.daily_limit(consumer.tariff_category) * days, th)


def _consumption_reasons(typed: float, ndigits: int, sub_ts: datetime | None, consumer: Consumer,
                         th: Thresholds) -> tuple[list[Reason], float | None]:
    """BELOW_PREVIOUS / HIGH_CONSUMPTION against the consumer's previous reading."""
    plausible = plausible_for(consumer, sub_ts, th)
    if plausible is None:
        return [], None
    why, units = plausible.judge(typed, ndigits)
    return ([why] if why is not None else []), units


def verification_confidence(photo: PhotoResult, typed_text: str) -> float:
    """Confidence that the display shows the typed reading (the hypothesis the consumer gave us).

    The reader's confidence is made of per-digit probabilities and factors for the
    row as a whole (blank cells, a second opinion, a clipped row). Here the
    per-digit part is replaced by the typed hypothesis' own probability, so a
    digit the consumer did not type (an untyped decimal on a rolling drum) does
    not count, and a typed digit the reader doubted counts in full.
    """
    from pipeline.read import MIN_CELL_PROB

    posterior = typed_posterior(photo.reading, photo.digit_alternatives, typed_text)
    if posterior is None or len(photo.digit_confidences) != len(photo.digit_alternatives):
        return photo.confidence
    tops = math.prod(max(c, MIN_CELL_PROB) for c in photo.digit_confidences)
    return float(min(1.0, photo.confidence * posterior / tops)) if tops > 0 else 0.0


def reading_reasons(photo: PhotoResult, typed_text: str, previous_text: str, th: Thresholds) -> list[Reason]:
    """How a clear photo's reading bears on the typed reading: a MISMATCH_* kind and/or LOW_CONFIDENCE."""
    match, why = compare(photo.reading, typed_text, previous_text) if photo.reading else (False, None)
    if photo.typed_posterior >= 0:  # the learned reader scored the typed reading itself (likelihood)
        from pipeline.reader.stage import verified

        if verified(photo.typed_posterior, photo.typed_logp, th):
            return []
        if match or why is None:
            return [Reason.LOW_CONFIDENCE]
        return [why] + ([Reason.LOW_CONFIDENCE] if photo.confidence < th.auto_accept_confidence else [])
    if match:  # the typed reading is the hypothesis: is the photo sure enough of it?
        low = verification_confidence(photo, typed_text) < th.auto_accept_confidence
        return [Reason.LOW_CONFIDENCE] if low else []
    if why is not None:  # how they differ; and whether the machine's own reading is unsure
        return [why] + ([Reason.LOW_CONFIDENCE] if photo.confidence < th.auto_accept_confidence else [])
    return [Reason.LOW_CONFIDENCE]  # nothing usable was read


def decide(sub: Submission, consumer: Consumer | None, photo: PhotoResult | None,
           reused: bool, th: Thresholds) -> Decision:
    """Apply the rules of docs/reasons.md to one submission."""
    reasons: list[Reason] = list(sub.row_problems)
    ts = parse_timestamp(sub.submitted_at)
    if ts is not None and not in_window(ts, th):
        reasons.append(Reason.OUTSIDE_WINDOW)
    if consumer is None:
        reasons.append(Reason.UNKNOWN_IVRS)
    typed = parse_number(sub.typed_reading)
    if typed is None:
        reasons.append(Reason.TYPED_NOT_A_NUMBER)

    photo_reasons = [Reason(r) for r in photo.reasons] if photo is not None else []
    reasons.extend(r for r in photo_reasons if r not in reasons)
    clear = photo is not None and photo.clear and not any(r in UNCLEAR_REASONS for r in reasons)
    units = None
    if photo is not None and clear and typed is not None:
        reasons.extend(reading_reasons(photo, sub.typed_reading, consumer.previous_reading if consumer else "", th))
        if consumer is not None:
            ndigits = len(photo.reading.split(".")[0]) if photo.reading else len(typed.integer)
            more, units = _consumption_reasons(typed.value, ndigits, ts, consumer, th)
            reasons.extend(more)
    if reused:
        reasons.append(Reason.PHOTO_REUSED)
    return Decision(status=status_for(reasons), reasons=reasons, clear=clear,
                    cycle=ts.astimezone(IST).strftime("%Y-%m") if ts else "", units=units)


def photo_verdict(photo: PhotoResult, th: Thresholds, typed: str | None = None) -> Decision:
    """What ``verify`` would decide from this photo alone: ``meter-verify read``'s verdict.

    The typed reading is ``typed``, else the photo's own reading (a consumer who typed
    what the photo shows). The checks that need a batch row (consumer master, window,
    earlier photos) are left out; everything the photo decides is the same code as
    :func:`decide`.
    """
    reasons = [Reason(r) for r in photo.reasons]
    clear = photo.clear and not any(r in UNCLEAR_REASONS for r in reasons)
    typed_text = photo.reading if typed is None else typed
    if clear:
        if parse_number(typed_text) is None:
            reasons.append(Reason.TYPED_NOT_A_NUMBER if typed is not None else Reason.LOW_CONFIDENCE)
        else:
            reasons.extend(reading_reasons(photo, typed_text, "", th))
    return Decision(status=status_for(reasons), reasons=reasons, clear=clear)
