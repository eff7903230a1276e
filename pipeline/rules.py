"""Statuses, reason codes and thresholds: the one place that owns them.

A reviewer reads these names in the results CSV and in docs/reasons.md, so they
are stable strings. Thresholds are grouped in :class:`Thresholds`, a frozen
dataclass that travels to worker processes inside the picklable context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    """Outcome of one submission."""

    VALID = "valid"  # bill from it; clear-and-valid enters the lucky draw
    FLAGGED = "flagged"  # a person must look
    REJECTED = "rejected"  # cannot be used; the consumer must resubmit


class Reason(StrEnum):
    """Stable reason codes. The value is what the results CSV carries."""

    # --- rejected: the row itself ---
    DUPLICATE_SUBMISSION_ID = "DUPLICATE_SUBMISSION_ID"
    MISSING_FIELD = "MISSING_FIELD"
    BAD_TIMESTAMP = "BAD_TIMESTAMP"
    UNKNOWN_IVRS = "UNKNOWN_IVRS"
    TYPED_NOT_A_NUMBER = "TYPED_NOT_A_NUMBER"
    OUTSIDE_WINDOW = "OUTSIDE_WINDOW"
    # --- rejected: the photo file ---
    PHOTO_MISSING = "PHOTO_MISSING"
    PHOTO_PATH_OUTSIDE_BATCH = "PHOTO_PATH_OUTSIDE_BATCH"
    PHOTO_EMPTY = "PHOTO_EMPTY"
    PHOTO_NOT_AN_IMAGE = "PHOTO_NOT_AN_IMAGE"
    PHOTO_TRUNCATED = "PHOTO_TRUNCATED"
    PHOTO_TOO_LARGE = "PHOTO_TOO_LARGE"
    # --- rejected: the photo is not clear or not usable ---
    NOT_A_METER = "NOT_A_METER"
    BLURRED = "BLURRED"
    TOO_DARK = "TOO_DARK"
    OVEREXPOSED = "OVEREXPOSED"
    GLARE_ON_DIGITS = "GLARE_ON_DIGITS"
    DISPLAY_CUT_OFF = "DISPLAY_CUT_OFF"
    DIGITS_TOO_SMALL = "DIGITS_TOO_SMALL"
    NOT_KWH_REGISTER = "NOT_KWH_REGISTER"
    PROCESSING_ERROR = "PROCESSING_ERROR"
    PROCESSING_TIMEOUT = "PROCESSING_TIMEOUT"  # past Thresholds.photo_timeout_s: the worker was stopped
    # --- flagged: the reading disagrees with what was typed ---
    MISMATCH_ONE_DIGIT = "MISMATCH_ONE_DIGIT"
    MISMATCH_SWAPPED_DIGITS = "MISMATCH_SWAPPED_DIGITS"
    MISMATCH_MISSING_DIGIT = "MISMATCH_MISSING_DIGIT"
    MISMATCH_EXTRA_DIGIT = "MISMATCH_EXTRA_DIGIT"
    MISMATCH_DECIMAL = "MISMATCH_DECIMAL"
    MISMATCH_PREVIOUS_READING = "MISMATCH_PREVIOUS_READING"
    MISMATCH_OTHER = "MISMATCH_OTHER"
    # --- flagged: other doubts ---
    LOW_CONFIDENCE = "LOW_CONFIDENCE"
    BELOW_PREVIOUS = "BELOW_PREVIOUS"
    HIGH_CONSUMPTION = "HIGH_CONSUMPTION"
    PHOTO_REUSED = "PHOTO_REUSED"
    OTHER_NUMBER_ON_METER = "OTHER_NUMBER_ON_METER"
    REGISTER_UNCONFIRMED = "REGISTER_UNCONFIRMED"  # the learned screen check doubts the live kWh screen: a person looks
    PHOTO_UNREACHABLE = "PHOTO_UNREACHABLE"  # the photo store failed (network, access), not the consumer


REJECT_REASONS: frozenset[Reason] = frozenset(
    r for r in Reason if not (r.value.startswith("MISMATCH_") or r in {
        Reason.LOW_CONFIDENCE, Reason.BELOW_PREVIOUS, Reason.HIGH_CONSUMPTION, Reason.PHOTO_REUSED,
        Reason.OTHER_NUMBER_ON_METER, Reason.PHOTO_UNREACHABLE, Reason.REGISTER_UNCONFIRMED,
    })
)
FLAG_REASONS: frozenset[Reason] = frozenset(set(Reason) - REJECT_REASONS)

#: Reasons that mean the photo itself is not clear (``clear=false`` in results).
UNCLEAR_REASONS: frozenset[Reason] = frozenset({
    Reason.BLURRED, Reason.TOO_DARK, Reason.OVEREXPOSED, Reason.GLARE_ON_DIGITS,
    Reason.DISPLAY_CUT_OFF, Reason.DIGITS_TOO_SMALL, Reason.NOT_A_METER,
    Reason.PHOTO_MISSING, Reason.PHOTO_PATH_OUTSIDE_BATCH, Reason.PHOTO_EMPTY,
    Reason.PHOTO_NOT_AN_IMAGE, Reason.PHOTO_TRUNCATED, Reason.PHOTO_TOO_LARGE,
    Reason.PROCESSING_ERROR, Reason.PROCESSING_TIMEOUT, Reason.PHOTO_UNREACHABLE,
})


#: What each code means, in words a reviewer (and docs/reasons.md) uses.
REASON_TEXT: dict[Reason, str] = {
    Reason.DUPLICATE_SUBMISSION_ID: "Another row already has this submission_id; only the first is verified.",
    Reason.MISSING_FIELD: "The row lacks a required field (submission_id, ivrs, photo or submitted_at).",
    Reason.BAD_TIMESTAMP: "submitted_at is not an ISO-8601 date-time.",
    Reason.UNKNOWN_IVRS: "The consumer number is not in the consumer master.",
    Reason.TYPED_NOT_A_NUMBER: "The typed reading is empty or not a plain number.",
    Reason.OUTSIDE_WINDOW: "Submitted outside the 1st-5th of the month (India time).",
    Reason.PHOTO_MISSING: "No photo file at the given path.",
    Reason.PHOTO_PATH_OUTSIDE_BATCH: "The photo path leaves the batch folder (.., absolute path or symlink): refused.",
    Reason.PHOTO_EMPTY: "The photo file is empty (0 bytes).",
    Reason.PHOTO_NOT_AN_IMAGE: "The file is not an image.",
    Reason.PHOTO_TRUNCATED: "The image file is cut short or corrupt.",
    Reason.PHOTO_TOO_LARGE: "The file or its pixel dimensions exceed the limits (decompression-bomb guard).",
    Reason.NOT_A_METER: "No meter display could be found in the photo.",
    Reason.BLURRED: "The digits are too blurred to read with certainty.",
    Reason.TOO_DARK: "The display is too dark.",
    Reason.OVEREXPOSED: "The display is washed out by too much light.",
    Reason.GLARE_ON_DIGITS: "A reflection covers part of the digits.",
    Reason.DISPLAY_CUT_OFF: "The display is cut off by the edge of the photo.",
    Reason.DIGITS_TOO_SMALL: "The meter is too far away: digits too small to read.",
    Reason.NOT_KWH_REGISTER: ("The display shows another value (a past billing period's BP, a time-of-day register, "
                              "MD, kVAh, voltage, date, time), not the current cumulative kWh."),
    Reason.REGISTER_UNCONFIRMED: ("The digits read as typed, but the display may show another register (a past "
                                  "billing period's BP, a time-of-day register): the screen check is not sure. "
                                  "A person checks the annunciators."),
    Reason.PROCESSING_ERROR: "The photo could not be processed (an internal error, logged for engineers).",
    Reason.PROCESSING_TIMEOUT: ("The photo took longer than the per-photo time limit (photo_timeout_s, "
                                "`verify --photo-timeout`) and was stopped, as a file that hangs the decoder "
                                "would; the batch went on."),
    Reason.MISMATCH_ONE_DIGIT: "The photo reading differs from the typed one in one digit.",
    Reason.MISMATCH_SWAPPED_DIGITS: "Two digits of the typed reading are swapped.",
    Reason.MISMATCH_MISSING_DIGIT: "The typed reading lacks a digit the display shows.",
    Reason.MISMATCH_EXTRA_DIGIT: "The typed reading has a digit more than the display.",
    Reason.MISMATCH_DECIMAL: "The digits agree but the decimal point is in another place (or was ignored).",
    Reason.MISMATCH_PREVIOUS_READING: "The consumer typed last month's reading, not the one on the display.",
    Reason.MISMATCH_OTHER: "The photo reading and the typed reading differ in several digits.",
    Reason.LOW_CONFIDENCE: ("The photo does not show the typed reading with enough certainty to accept it "
                            "automatically; beside a MISMATCH_* reason: the machine's own reading is unsure too."),
    Reason.BELOW_PREVIOUS: "The reading is below last month's (and is not a plausible register roll-over).",
    Reason.HIGH_CONSUMPTION: "The consumption since last month is implausibly high for the tariff.",
    Reason.PHOTO_REUSED: "The same photo (or a re-encoded or resized copy) was submitted before.",
    Reason.OTHER_NUMBER_ON_METER: ("Two numbers on the meter read clearly: the typed reading matches one that "
                                   "looked less like the display; a person confirms which is the kWh register."),
    Reason.PHOTO_UNREACHABLE: ("The photo store (a bucket or URL given with --photos) could not be read, after "
                               "retries: a network error or access denied, not the consumer's fault; check the "
                               "store, then the photo. The next verify run of the batch tries it again."),
}


def reasons_markdown() -> str:
    """docs/reasons.md, generated from this module so it never drifts."""
    lines = [
        "# Reason codes", "",
        "Generated by `python -m pipeline.rules > docs/reasons.md`; the codes are stable.",
        "A submission is **rejected** if any reject reason applies (the consumer must resubmit),",
        "else **flagged** if any flag reason applies (a reviewer decides), else **valid**.",
        "`clear=false` in the results for the reasons marked *unclear*.", "",
        "| code | status | meaning |", "|---|---|---|",
    ]
    for r in Reason:
        status = "rejected" if r in REJECT_REASONS else "flagged"
        mark = " (*unclear*)" if r in UNCLEAR_REASONS else ""
        lines.append(f"| `{r.value}` | {status}{mark} | {REASON_TEXT[r]} |")
    return "\n".join(lines) + "\n"


def status_for(reasons: list[Reason] | tuple[Reason, ...]) -> Status:
    """The status a set of reasons implies: any reject reason wins, then flags."""
    if any(r in REJECT_REASONS for r in reasons):
        return Status.REJECTED
    if reasons:
        return Status.FLAGGED
    return Status.VALID


@dataclass(frozen=True)
class Thresholds:
    """Every tunable number of the decision, named for a reviewer.

    Image-check thresholds are the keyword defaults of the functions in
    ``pipeline.quality``; the values here override them for a run.
    """

    # photo file limits
    max_photo_bytes: int = 25 * 1024 * 1024  # a phone JPEG is 2-8 MB
    max_photo_pixels: int = 60_000_000  # decompression-bomb guard (~ 9000 x 6600)
    work_long_side: int = 1600  # photos are decoded/shrunk to about this long side
    # per-photo time limit in seconds (verify --photo-timeout; 0: none): a photo that takes longer (a file
    # that hangs a decoder) has its worker process killed and is rejected as PROCESSING_TIMEOUT. A photo
    # takes 0.1-1 s; the limit is generous so a loaded machine never stops a good one
    photo_timeout_s: float = 60.0
    # this many photos in a row that the photo store failed to deliver (PHOTO_UNREACHABLE) stop verify
    # (exit 16): the store is down, and going on would only flag every photo left. 0: never stop.
    # Range 5-100: a few unreadable objects among good ones never trip it
    unreachable_stop_after: int = 20

    # quality (see pipeline.quality for meaning and ranges)
    min_sharpness: float = 0.08  # display edge sharpness (quality.edge_sharpness): crisp 0.11-0.35, blurred < 0.06
    min_mean_brightness: float = 45.0  # 0-255, display region
    max_saturated_fraction: float = 0.35  # fraction of display pixels >= 250
    max_glare_on_digits: float = 0.08  # fraction of digit pixels washed out
    min_digit_height_px: int = 18  # in the full photo at work size

    # reading
    auto_accept_confidence: float = 0.90  # min reading confidence for valid
    # the learned reader (pipeline/reader/likelihood.py): the typed reading is accepted only when it holds
    # this share of the probability against its near misses, and the row shows it with this probability
    typed_min_posterior: float = 0.98
    typed_min_probability: float = 0.3
    # the learned screen classifier (pipeline/reader/screen.py): a verified reading whose display shows with at
    # least this P another register (billing history BP, time of day, MD, kVAh...) is flagged
    # REGISTER_UNCONFIRMED for a person, not rejected: the model is not calibrated on real photos. Range 0.3-0.9
    other_register_min_p: float = 0.5
    min_ocr_digits: int = 3

    # window: readings are accepted on these days of the month (IST)
    window_first_day: int = 1
    window_last_day: int = 5

    # plausibility against the previous reading
    max_daily_kwh: dict[str, float] = field(default_factory=lambda: {
        "domestic": 60.0, "non-domestic": 300.0, "industrial": 3000.0, "agriculture": 150.0,
        "default": 300.0,
    })

    # a reading below the previous one is a register roll-over (99987 -> 00012) only when
    # the units it implies are within the daily limit AND at most this share of the
    # register's range: registers are sized not to wrap within a month, so a 'roll-over'
    # of 99211 units on a 5-digit register is a wrong or swapped reading
    max_rollover_share: float = 0.1

    # photo reuse: Hamming distance between 64-bit perceptual hashes
    reuse_max_hamming: int = 6

    def rollover_cap(self, limit_kwh: float, modulus: float) -> float:
        """Most units a register roll-over may imply: the consumption limit for the period,
        and at most ``max_rollover_share`` of the register's range (``modulus`` = 10^digits).
        One rule for the decision (pipeline.decide) and the billing feed (pipeline.billing)."""
        return min(limit_kwh, self.max_rollover_share * modulus)

    def daily_limit(self, tariff_category: str) -> float:
        """Implausible consumption per day for a tariff category (kWh/day)."""
        key = (tariff_category or "").strip().lower()
        return self.max_daily_kwh.get(key, self.max_daily_kwh["default"])


DEFAULT_THRESHOLDS = Thresholds()


if __name__ == "__main__":
    print(reasons_markdown(), end="")
