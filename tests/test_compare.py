"""Compare stage: matching rules and named mismatches."""

import pytest

from pipeline.compare import compare, parse_number
from pipeline.rules import Reason


@pytest.mark.parametrize("ocr,typed", [
    ("012345.6", "12345"), ("012345.6", "012345"), ("012345.6", "12345.6"), ("012345.6", "12345.60"), ("848253.37", "848253.3"),
    ("45872", "45872"), ("00100", "100"), ("1,23,456", "123456"), ("1,234,567", "12,34,567"),
])
def test_matching_readings(ocr, typed):
    assert compare(ocr, typed) == (True, None)


@pytest.mark.parametrize("ocr,typed,previous,reason", [
    ("12345", "12845", "", Reason.MISMATCH_ONE_DIGIT),
    ("12345", "12354", "", Reason.MISMATCH_SWAPPED_DIGITS),
    ("12345", "1245", "", Reason.MISMATCH_MISSING_DIGIT),
    ("12345", "123457", "", Reason.MISMATCH_EXTRA_DIGIT),
    ("12345.6", "123456", "", Reason.MISMATCH_DECIMAL),
    ("12345.6", "1234.56", "", Reason.MISMATCH_DECIMAL),
    ("12345", "12100", "12100", Reason.MISMATCH_PREVIOUS_READING),
    ("12345.6", "12345.5", "", Reason.MISMATCH_ONE_DIGIT),
    ("12345.67", "12345.7", "", Reason.MISMATCH_ONE_DIGIT),
    ("12345", "99999", "", Reason.MISMATCH_OTHER),
])
def test_mismatch_is_named(ocr, typed, previous, reason):
    assert compare(ocr, typed, previous) == (False, reason)


@pytest.mark.parametrize("text", ["", "12a45", "-5", "1.2.3", "12 34x", "12e3", "½", "123,45", "1,23,45", "1,2345"])
def test_not_a_number(text):
    assert parse_number(text) is None


def test_devanagari_digits_are_numbers():
    assert parse_number("१२३४५") == parse_number("12345")


def test_typed_posterior_uses_only_typed_positions():
    from pipeline.compare import typed_posterior

    alts = [{"0": 0.99}, {"1": 0.99}, {"2": 0.98}, {"3": 0.99}, {"4": 0.97}, {"5": 0.5, "6": 0.5}]
    # the untyped tenths digit is uncertain (a drum mid-roll): it does not count
    assert typed_posterior("01234.5", alts, "1234") == pytest.approx(0.99 * 0.99 * 0.98 * 0.99 * 0.97)
    # typing the uncertain decimal makes it count
    assert typed_posterior("01234.5", alts, "1234.6") == pytest.approx(0.99 * 0.99 * 0.98 * 0.99 * 0.97 * 0.5)
    # a wrong typed digit gets the floor probability
    assert typed_posterior("01234.5", alts, "1284") < 0.01
    assert typed_posterior("01234.5", alts, "9991234") == 0.0
    assert typed_posterior("01234.5", alts, "12a") is None
