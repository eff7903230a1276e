"""Compare stage: the photo's reading against what the consumer typed.

Readings are compared as the integer kWh with leading zeros ignored; decimals the
consumer typed must agree with the display's. When they differ, the difference is
named (one digit off, swapped digits, ...) so a reviewer sees at a glance what
probably happened.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pipeline.rules import Reason

_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
# Western 1,234,567 or Indian 12,34,567 grouping; not 123,45 (a decimal comma?) nor 1,2345
_GROUPED = re.compile(r"^([0-9]{1,3}(,[0-9]{3})+|[0-9]{1,2}(,[0-9]{2})*,[0-9]{3})(\.[0-9]+)?$")


@dataclass(frozen=True)
class Number:
    """A reading split into integer digits (no leading zeros) and decimal digits."""

    integer: str
    decimals: str | None  # None when no decimal point was given

    @property
    def value(self) -> float:
        return float(f"{self.integer}.{self.decimals or 0}")

    @property
    def digits(self) -> str:
        """All digits, leading zeros dropped: what a consumer who missed the point types."""
        return (self.integer + (self.decimals or "")).lstrip("0") or "0"


def _ascii_digit(ch: str) -> str:
    """Devanagari and other Unicode decimal digits typed on a phone count as 0-9."""
    return str(unicodedata.digit(ch)) if not ch.isascii() and unicodedata.category(ch) == "Nd" else ch


def normalise_reading(text: str) -> str:
    """A reading as stored: every Unicode decimal digit as ASCII (Devanagari '१२३' -> '123'), spaces
    and Indian or Western digit-grouping commas dropped when what is left is a number.

    Text that is no number keeps its characters (digits still mapped), so the decision
    can still say TYPED_NOT_A_NUMBER and a reviewer sees what was sent. What was
    entered is stored beside it for the audit history.
    """
    mapped = "".join(_ascii_digit(ch) for ch in (text or "").strip())
    compact = mapped.replace(" ", "")
    if _GROUPED.match(compact):
        compact = compact.replace(",", "")
    return compact if _NUMBER.match(compact) else mapped


def parse_number(text: str) -> Number | None:
    """Parse a typed or read reading; None when it is not a plain non-negative number."""
    text = "".join(_ascii_digit(ch) for ch in (text or "").strip().replace(" ", ""))
    if _GROUPED.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        return None
    integer, _, decimals = text.partition(".")
    return Number(integer.lstrip("0") or "0", decimals if "." in text else None)


SEGMENT_TEST_MIN_DIGITS = 6  # a row of only 8s at least this long is the display test, not a reading


def segment_test(text: str) -> bool:
    """The row shows the display test screen: every position an 8 (points aside), every segment lit.

    Static meters cycle through it (IS 16444 displays: "all segments on"); a consumer
    who photographs it and types the 8s has not read the kWh register. A real
    cumulative reading of 888888 kWh or more on a domestic meter is not to be billed
    unseen either, so the rule costs nothing but a look.
    """
    digits = text.replace(".", "")
    return len(digits) >= SEGMENT_TEST_MIN_DIGITS and set(digits) == {"8"}


def readings_match(ocr: Number, typed: Number) -> bool:
    """Same integer kWh, and any decimals typed agree with the display's."""
    if ocr.integer != typed.integer:
        return False
    if typed.decimals is None:
        return True
    shown = ocr.decimals or ""  # typed decimals must be the display's first ones (fewer is fine)
    return shown.ljust(len(typed.decimals), "0")[:len(typed.decimals)] == typed.decimals


def _one_substitution(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _transposition(a: str, b: str) -> bool:
    if len(a) != len(b):
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(diff) == 2 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def _one_deletion(longer: str, shorter: str) -> bool:
    if len(longer) != len(shorter) + 1:
        return False
    return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))


def classify_mismatch(ocr: Number, typed: Number, previous: Number | None) -> Reason:
    """Name how the typed reading differs from the display's."""
    if previous is not None and typed.integer == previous.integer and ocr.integer != previous.integer:
        return Reason.MISMATCH_PREVIOUS_READING
    if typed.digits == ocr.digits or (typed.decimals is None and typed.integer == ocr.digits):
        return Reason.MISMATCH_DECIMAL
    if ocr.integer == typed.integer:  # only the typed decimals disagree
        typed_dec = typed.decimals or ""
        shown = (ocr.decimals or "").ljust(len(typed_dec), "0")[:len(typed_dec)]
        return Reason.MISMATCH_ONE_DIGIT if _one_substitution(shown, typed_dec) else Reason.MISMATCH_OTHER
    a, b = ocr.integer, typed.integer
    if _one_substitution(a, b):
        return Reason.MISMATCH_ONE_DIGIT
    if _transposition(a, b):
        return Reason.MISMATCH_SWAPPED_DIGITS
    if _one_deletion(a, b):
        return Reason.MISMATCH_MISSING_DIGIT
    if _one_deletion(b, a):
        return Reason.MISMATCH_EXTRA_DIGIT
    return Reason.MISMATCH_OTHER


def compare(ocr_text: str, typed_text: str, previous_text: str = "") -> tuple[bool, Reason | None]:
    """(match, mismatch reason). ``ocr_text`` must be a parseable reading."""
    ocr, typed = parse_number(ocr_text), parse_number(typed_text)
    if ocr is None or typed is None:
        return False, None
    if readings_match(ocr, typed):
        return True, None
    return False, classify_mismatch(ocr, typed, parse_number(previous_text))


def typed_posterior(reading: str, alternatives: list[dict[str, float]], typed_text: str,
                    floor: float = 0.005) -> float | None:
    """Probability that the display shows what the consumer typed, from per-digit alternatives.

    The typed reading is a hypothesis: its digits are aligned with the display's
    at the decimal point; display digits left of what was typed must be (blanked)
    zeros; decimals the consumer did not type are free (billing uses the integer
    kWh). Returns the product of each aligned digit's probability, or None when
    the reading or the typed text cannot be aligned.
    """
    typed = parse_number(typed_text)
    if typed is None or not reading:
        return None
    int_part, _, dec_part = reading.partition(".")
    if len(int_part) + len(dec_part) != len(alternatives) or not (int_part + dec_part).isdigit():
        return None
    int_alts, dec_alts = alternatives[:len(int_part)], alternatives[len(int_part):]
    want_int = typed.integer if typed.integer != "0" else ""
    if len(want_int) > len(int_alts):
        return 0.0  # more integer digits typed than the display has
    want_int = want_int.rjust(len(int_alts), "0")
    want_dec = (typed.decimals or "")
    if len(want_dec) > len(dec_alts) and want_dec[len(dec_alts):].strip("0"):
        return 0.0  # decimals typed that the display does not show
    p = 1.0
    for alt, digit in zip(int_alts, want_int, strict=True):
        p *= max(alt.get(digit, 0.0), floor)
    for alt, digit in zip(dec_alts, want_dec, strict=False):
        p *= max(alt.get(digit, 0.0), floor)
    return p
