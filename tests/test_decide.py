"""Decide stage: statuses and reasons from fields and a photo result."""

from pipeline.context import Consumer, PhotoResult, Submission
from pipeline.decide import decide
from pipeline.rules import DEFAULT_THRESHOLDS as TH
from pipeline.rules import Reason, Status

CONSUMER = Consumer("0012345678", "Ram", "12000", "2026-10-02", "domestic")


def sub(**kw):
    base = dict(row_number=1, submission_id="S1", ivrs="0012345678", typed_reading="12345",
                photo="photos/a.jpg", submitted_at="2026-11-03T10:00:00", user_type="registered",
                mobile="9876543210", email="")
    base.update(kw)
    return Submission(**base)


def photo(reading="012345.6", confidence=0.99, **kw):
    return PhotoResult(clear=True, reading=reading, confidence=confidence, register="kWh", phash="0" * 16, **kw)


def test_valid():
    d = decide(sub(), CONSUMER, photo(), False, TH)
    assert d.status == Status.VALID and d.reasons == [] and d.clear and d.cycle == "2026-11"
    assert d.units == 345


def test_mismatch_flagged():
    d = decide(sub(typed_reading="12845"), CONSUMER, photo(), False, TH)
    assert d.status == Status.FLAGGED and Reason.MISMATCH_ONE_DIGIT in d.reasons


def test_low_confidence_flagged_even_when_matching():
    d = decide(sub(), CONSUMER, photo(confidence=0.5), False, TH)
    assert d.status == Status.FLAGGED and d.reasons == [Reason.LOW_CONFIDENCE]


def test_unclear_photo_never_valid():
    p = PhotoResult(clear=False, reasons=[Reason.BLURRED.value])
    d = decide(sub(), CONSUMER, p, False, TH)
    assert d.status == Status.REJECTED and not d.clear and Reason.BLURRED in d.reasons


def test_window_in_ist():
    assert Reason.OUTSIDE_WINDOW in decide(sub(submitted_at="2026-11-06T00:10:00"), CONSUMER, photo(),
                                           False, TH).reasons
    # 2026-10-31 20:00 UTC is 1 Nov 01:30 IST: in the window
    assert decide(sub(submitted_at="2026-10-31T20:00:00Z"), CONSUMER, photo(), False, TH).status == Status.VALID
    assert Reason.OUTSIDE_WINDOW in decide(sub(submitted_at="2026-11-05T19:00:00Z"), CONSUMER, photo(),
                                           False, TH).reasons


def test_unknown_consumer_and_bad_typed():
    assert Reason.UNKNOWN_IVRS in decide(sub(), None, photo(), False, TH).reasons
    d = decide(sub(typed_reading="12a45"), CONSUMER, photo(), False, TH)
    assert d.status == Status.REJECTED and Reason.TYPED_NOT_A_NUMBER in d.reasons


def test_below_previous_and_high_consumption():
    low = Consumer("0012345678", "Ram", "13000", "2026-10-02", "domestic")
    assert Reason.BELOW_PREVIOUS in decide(sub(), low, photo(), False, TH).reasons
    far = Consumer("0012345678", "Ram", "2000", "2026-10-02", "domestic")
    d = decide(sub(), far, photo(), False, TH)
    assert d.status == Status.FLAGGED and Reason.HIGH_CONSUMPTION in d.reasons


def test_rollover_is_not_below_previous():
    rolled = Consumer("1", "A", "99987", "2026-10-02", "domestic")
    d = decide(sub(typed_reading="12"), rolled, photo(reading="00012"), False, TH)
    assert d.status == Status.VALID and d.units == 25


def test_wrap_of_most_of_the_register_is_below_previous():
    # an industrial limit (3000 kWh/day) would allow 99,211 units in a month; a 5-digit
    # register that wrapped so far is a wrong reading (found as a false accept on dev seed 1504)
    factory = Consumer("1", "A", "43037", "2026-10-01", "industrial")
    d = decide(sub(typed_reading="42248", submitted_at="2026-11-04T20:49:20"), factory, photo(reading="42248"),
               False, TH)
    assert d.status != Status.VALID and Reason.BELOW_PREVIOUS in d.reasons


def test_reused_photo_flagged():
    d = decide(sub(), CONSUMER, photo(), True, TH)
    assert d.status == Status.FLAGGED and d.reasons == [Reason.PHOTO_REUSED]


def test_other_register_rejected():
    p = photo()
    p.reasons = [Reason.NOT_KWH_REGISTER.value]
    assert decide(sub(), CONSUMER, p, False, TH).status == Status.REJECTED


def test_reasons_doc_is_current_and_complete():
    from pathlib import Path

    from pipeline.rules import REASON_TEXT, reasons_markdown

    assert set(REASON_TEXT) == set(Reason)
    assert Path("docs/reasons.md").read_text(encoding="utf-8") == reasons_markdown()


def test_untyped_uncertain_decimal_does_not_block_valid():
    p = photo(reading="012345.6", confidence=0.99 ** 6 * 0.5)
    p.digit_confidences = [0.99] * 6 + [0.5]
    p.digit_alternatives = [{"0": 0.99}, {"1": 0.99}, {"2": 0.99}, {"3": 0.99}, {"4": 0.99}, {"5": 0.99},
                            {"6": 0.5, "7": 0.5}]
    assert decide(sub(typed_reading="12345"), CONSUMER, p, False, TH).status == Status.VALID
    d = decide(sub(typed_reading="12345.6"), CONSUMER, p, False, TH)  # typed the doubtful digit
    assert d.status == Status.FLAGGED and Reason.LOW_CONFIDENCE in d.reasons


def test_doubted_typed_digit_is_low_confidence():
    p = photo(reading="12345", confidence=0.99 ** 4 * 0.6)
    p.digit_confidences = [0.99] * 4 + [0.6]
    p.digit_alternatives = [{"1": 0.99}, {"2": 0.99}, {"3": 0.99}, {"4": 0.99}, {"5": 0.6, "6": 0.4}]
    d = decide(sub(typed_reading="12345"), CONSUMER, p, False, TH)
    assert d.status == Status.FLAGGED and d.reasons == [Reason.LOW_CONFIDENCE]
