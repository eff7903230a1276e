"""Small, picklable data that travels between stages and to worker processes.

The per-photo work is a pure function of (photo bytes, :class:`PhotoContext`), so
the same code runs in a process pool today and on a cluster later.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.rules import DEFAULT_THRESHOLDS, Reason, Thresholds


@dataclass(frozen=True)
class PhotoContext:
    """What a worker needs to process one photo."""

    thresholds: Thresholds = DEFAULT_THRESHOLDS
    crop_dir: str | None = None  # where rectified display crops are written
    debug_dir: str | None = None  # optional overlays for humans
    # Tesseract on every legend and as a second opinion on the digits; off by default: the
    # legend is OCR'd only where the digits disagree with the typed reading (measured slower)
    use_tesseract: bool = False
    # which reader reads the photo: "classic" (hand-built geometry + digit classifier) or "learned"
    # (pipeline/reader: text-line detector, sequence recognizer, typed reading scored by likelihood)
    reader: str = "classic"


@dataclass(frozen=True)
class Plausible:
    """Which readings the consumer's previous reading allows now: the consumption rule in one place.

    A reading below the previous one is a register roll-over (99987 -> 00012) only when
    the units it implies are within the roll-over cap (``Thresholds.rollover_cap``,
    the billing feed's rule too); above it, at most ``limit`` units. The decision uses it on the
    typed reading (BELOW_PREVIOUS, HIGH_CONSUMPTION); the learned reader uses it as a
    prior, so that a near miss that no consumer could have on the meter now (the
    reading with its decimal point dropped: 27372 for 2737.2, previous 2650) does not
    stand against the typed reading. Small and picklable: it travels with the photo.
    """

    previous: float
    limit: float  # most units plausible since the previous reading
    thresholds: Thresholds = DEFAULT_THRESHOLDS  # the roll-over cap (Thresholds.rollover_cap, as billing)

    def judge(self, value: float, ndigits: int) -> tuple[Reason | None, float]:
        """(None, units) when plausible, else (BELOW_PREVIOUS or HIGH_CONSUMPTION, units)."""
        units = value - self.previous
        if units < 0:
            modulus = 10.0 ** max(ndigits, len(str(int(self.previous))))
            rolled = modulus - self.previous + value  # register wrapped past 99999
            if 0 <= rolled <= self.thresholds.rollover_cap(self.limit, modulus):
                return None, rolled
            return Reason.BELOW_PREVIOUS, units
        if units > self.limit:
            return Reason.HIGH_CONSUMPTION, units
        return None, units

    def admits(self, value: float, ndigits: int) -> bool:
        return self.judge(value, ndigits)[0] is None


@dataclass
class Submission:
    """One row of the submissions CSV, as parsed (fields may be invalid)."""

    row_number: int  # 1-based data row in the CSV (header is row 0)
    submission_id: str
    ivrs: str
    typed_reading: str
    photo: str
    submitted_at: str
    user_type: str
    mobile: str
    email: str
    row_problems: list[Reason] = field(default_factory=list)  # found while parsing the row
    typed_entered: str = ""  # the typed reading exactly as sent (typed_reading is its ASCII form)
    # resolved and inside the photos root (pipeline.sources): a Path, or a URL for a URL root; else None
    photo_path: Path | str | None = None


@dataclass(frozen=True)
class Consumer:
    """One row of the consumer master."""

    ivrs: str
    name: str
    previous_reading: str
    previous_reading_date: str
    tariff_category: str


@dataclass
class PhotoResult:
    """What the image stages found in one photo. Plain data: JSON- and pickle-friendly."""

    reasons: list[str] = field(default_factory=list)  # Reason values found by the image stages
    clear: bool = False
    kind: str = ""  # "lcd" | "drum" | ""
    reading: str = ""  # digits with '.' where the display has a decimal point
    confidence: float = 0.0
    digit_confidences: list[float] = field(default_factory=list)
    digit_alternatives: list[dict[str, float]] = field(default_factory=list)  # per digit: label -> prob
    register: str = ""  # legend found: "kWh" or what else the display shows
    phash: str = ""  # 16 hex digits, whole photo
    crop_phash: str = ""  # 16 hex digits, rectified display
    crop: str = ""  # path of the saved rectified crop
    width: int = 0
    height: int = 0
    metrics: dict[str, float] = field(default_factory=dict)  # quality measurements
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    error: str = ""  # message of an unexpected error, for the log
    reader: str = "classic"  # which reader produced the reading
    typed_posterior: float = -1.0  # learned reader: the typed reading's share against its near misses (-1: none)
    typed_logp: float = 0.0  # learned reader: log P(the row shows the typed reading)
    typed_alternative: str = ""  # learned reader: the most probable other integer reading

    def to_dict(self) -> dict:
        return asdict(self)
