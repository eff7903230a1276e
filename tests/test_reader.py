"""The learned reader (pipeline/reader): likelihood verification, the detector, row choice, and end to end."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.reader import detector, select
from pipeline.reader.ctc import log_softmax
from pipeline.reader.likelihood import near_misses, score_typed
from pipeline.reader.rows import ALPHABET

ROOT = Path(__file__).resolve().parent.parent
BATCH = ROOT / "samples" / "batch"
C = len(ALPHABET) + 1


def row_showing(text: str, sure: float = 0.98, frames_per_char: int = 3, doubt: dict | None = None) -> np.ndarray:
    """Log-probabilities of a row that shows ``text``: each character for a few frames, blanks between.

    ``doubt`` maps a character position to (other character, its probability).
    """
    blank = np.full(C, (1 - sure) / (C - 1))
    blank[0] = sure
    frames = [blank]
    for i, ch in enumerate(text):
        for _ in range(frames_per_char):
            p = np.full(C, (1 - sure) / (C - 1))
            p[ALPHABET.index(ch) + 1] = sure
            if doubt and i in doubt:
                other, q = doubt[i]
                p[ALPHABET.index(other) + 1] = q
                p[ALPHABET.index(ch) + 1] = sure - q
            frames.append(p)
        frames.append(blank)
    return log_softmax(np.log(np.array(frames)))


def test_the_typed_reading_wins_against_its_near_misses():
    lp = row_showing("0012345.6")
    free = "0012345.6"  # the recognizer's own reading, as pipeline.reader.predict passes it
    s = score_typed(lp, "12345", free=free)
    assert s.posterior > 0.99 and s.logp > np.log(0.5)
    assert score_typed(lp, "12345.6", free=free).posterior > 0.99  # decimals typed as shown
    for wrong in ("12346", "12354", "1234", "123456", "2345", "12345.7"):
        got = score_typed(lp, wrong, free=free)
        assert got.posterior < 0.01 and got.logp < np.log(0.01), wrong


def test_a_doubtful_digit_keeps_the_posterior_low():
    lp = row_showing("04821", doubt={3: ("7", 0.35)})  # the '2' might be a '7'
    s = score_typed(lp, "4821")
    assert 0.3 < s.posterior < 0.9 and s.best_alternative in ("4871", "48721", "48271")


def test_a_short_typed_reading_does_not_match_part_of_a_longer_number():
    lp = row_showing("41820")  # the consumer typed only the last four digits
    s = score_typed(lp, "1820")
    assert s.posterior < 0.01 and s.best_alternative == "41820"


def test_a_reading_that_is_no_number_is_not_scored():
    assert score_typed(row_showing("123"), "12a4") is None


def test_near_misses_cover_the_usual_slips():
    alts = set(near_misses("4438", previous="4835", free="4938"))
    assert {"4938", "4483", "438", "44388", "4835"} <= alts and "4438" not in alts


def test_the_register_is_the_tallest_number_row():
    lp_big, lp_serial, lp_word = row_showing("035259"), row_showing("45180029"), row_showing("")
    rows = [select.read_row(0, lp_serial, 30.0), select.read_row(1, lp_big, 120.0), select.read_row(2, lp_word, 150)]
    best, rivals = select.choose(rows)
    assert best.index == 1 and rivals == []
    best, rivals = select.choose(rows + [select.read_row(3, row_showing("61234"), 110.0)])
    assert best.index == 1 and [r.text for r in rivals] == ["61234"]


def test_a_row_the_finder_confirms_wins_over_a_taller_one_it_does_not():
    plate = replace(select.read_row(0, row_showing("1200"), 140.0), register_score=0.1)
    register = replace(select.read_row(1, row_showing("035259"), 90.0), register_score=0.8)
    best, rivals = select.choose([plate, register])
    assert best.index == 1
    assert [r.text for r in rivals] == ["1200"]  # a doubt it still reports: it flags, never accepts
    best, _ = select.choose([plate], confirmed_only=True)
    assert best is None
    best, _ = select.choose([plate])
    assert best.index == 0  # unscored or unconfirmed rows fall back to the tallest


def _truth_rows() -> list[tuple[str, dict]]:
    out = []
    with (BATCH / "annotations.jsonl").open(encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            t = a.get("truth") or {}
            if t.get("clear") and t.get("digit_quads"):
                out.append((a["photo"], t))
    return out


@pytest.mark.parametrize(("photo", "truth"), _truth_rows()[:8], ids=lambda v: v if isinstance(v, str) else "")
def test_the_detector_proposes_the_digit_row(photo, truth):
    img = cv2.imread(str(BATCH / photo))
    quads = np.array(truth["digit_quads"], np.float32)
    centre = quads.reshape(-1, 2).mean(axis=0)
    props = [p for side in (480, 736) for p in detector.propose(img, long_side=side)]
    inside = [p for p in props if cv2.pointPolygonTest(p.quad, (float(centre[0]), float(centre[1])), False) >= 0]
    assert inside, f"no proposal covers the digit row of {photo}"
    height = float(np.mean([np.linalg.norm(q[3] - q[0]) for q in quads]))
    assert any(0.6 * height <= p.height <= 2.5 * height for p in inside)


@pytest.mark.parametrize(("photo", "truth"), _truth_rows()[:8], ids=lambda v: v if isinstance(v, str) else "")
def test_the_finder_marks_the_register_row(photo, truth):
    from pipeline.reader import finder
    from pipeline.reader.predict import FINDER_SIDES

    img = cv2.imread(str(BATCH / photo))
    quads = np.array(truth["digit_quads"], np.float32)
    centre = quads.reshape(-1, 2).mean(axis=0)
    props = [p for side in FINDER_SIDES for p in finder.find(img, long_side=side)]
    inside = [p for p in props if cv2.pointPolygonTest(p.quad, (float(centre[0]), float(centre[1])), False) >= 0]
    assert inside, f"no finder quad covers the digit row of {photo}"
    height = float(np.mean([np.linalg.norm(q[3] - q[0]) for q in quads]))
    assert any(0.6 * height <= p.height <= 2.5 * height for p in inside)


@pytest.mark.parametrize(("photo", "truth"), _truth_rows()[:4], ids=lambda v: v if isinstance(v, str) else "")
def test_the_finder_scores_the_register_row_above_the_rest_of_the_photo(photo, truth):
    from pipeline.reader import finder
    from pipeline.reader.predict import FINDER_SIDES

    img = cv2.imread(str(BATCH / photo))
    maps = [finder.prob_map(img, side) for side in FINDER_SIDES]
    quads = np.array(truth["digit_quads"], np.float32)
    row = np.array([quads[0][0], quads[-1][1], quads[-1][2], quads[0][3]], np.float32)
    on_row = finder.row_score(maps, row)
    h, w = img.shape[:2]
    size = row.max(axis=0) - row.min(axis=0)
    corners = [np.array([[x, y], [x + size[0], y], [x + size[0], y + size[1]], [x, y + size[1]]], np.float32)
               for x, y in ((0, 0), (w - size[0] - 1, h - size[1] - 1))]
    assert on_row >= select.REGISTER_ROW_MIN_SCORE, f"{photo}: the register row scores {on_row:.2f}"
    assert all(finder.row_score(maps, c) < select.REGISTER_ROW_MIN_SCORE for c in corners)


def test_rectify_cuts_the_quad_upright():
    img = np.zeros((200, 300, 3), np.uint8)
    cv2.rectangle(img, (50, 80), (250, 120), (255, 255, 255), -1)
    quad = np.float32([[50, 80], [250, 80], [250, 120], [50, 120]])
    out = detector.rectify(img, quad, 40)
    assert out.shape[:2] == (40, 200) and out.mean() > 240
    assert detector.rectify(img, np.roll(quad, 1, axis=0), 40).shape[:2] == (40, 200)  # started at another corner


def _clear_samples() -> list[tuple[str, str]]:
    with (BATCH / "truth.csv").open(encoding="utf-8") as f:
        truth = {r["submission_id"]: r for r in csv.DictReader(f)}
    with (BATCH / "submissions.csv").open(encoding="utf-8", errors="replace") as f:
        subs = {r["submission_id"]: r for r in csv.DictReader(f)}
    return [(subs[s]["photo"], t["true_reading"]) for s, t in truth.items()
            if t["expected_status"] == "valid" and t["kind"] == "lcd" and s in subs]


def test_verify_with_the_learned_reader_never_accepts_what_it_should_not(tmp_path):
    """The whole batch through `verify --reader learned`: a row per input row, nothing wrongly valid."""
    from pipeline.verify import run_verify

    summary = run_verify(BATCH / "submissions.csv", BATCH / "consumers.csv", tmp_path / "m.db",
                         tmp_path / "r.csv", workers=2, reader="learned")
    with (tmp_path / "r.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with (BATCH / "truth.csv").open(encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    assert len(rows) == summary.rows == len(truth)
    wrongly_valid = [(r["submission_id"], t["case"]) for r, t in zip(rows, truth, strict=True)
                     if r["status"] == "valid" and t["expected_status"] != "valid"]
    assert wrongly_valid == []
    unclear_valid = [r["submission_id"] for r, t in zip(rows, truth, strict=True)
                     if r["status"] == "valid" and t["clear"] != "true"]
    assert unclear_valid == []


def test_finder_regions_grow_the_core_back_to_the_whole_row():
    """A core of 40x5 map pixels at stride 4 is a row of (40 + 2 * GROW_END * 5) * 4 by 5 * GROW_HEIGHT * 4 pixels."""
    from pipeline.reader.finder import GROW_END, GROW_HEIGHT, STRIDE, regions

    prob = np.zeros((60, 80), np.float32)
    prob[20:25, 10:50] = 0.95  # the row's core
    prob[50:52, 70:72] = 0.55  # a faint speck: below min_score
    (p,) = regions(prob, scale=0.5)  # the map was made from the photo at half size
    xs, ys = p.quad[:, 0], p.quad[:, 1]
    assert p.score > 0.9
    # centre: core centre (30, 22.5) in map pixels -> (30 * 4 / 0.5, 22.5 * 4 / 0.5)
    assert abs(xs.mean() - 30 * STRIDE / 0.5) < 12 and abs(ys.mean() - 22.5 * STRIDE / 0.5) < 12
    width, height = (40 + 2 * GROW_END * 5) * 8, 5 * GROW_HEIGHT * 8  # map pixels * STRIDE / scale
    assert 0.95 * width < xs.max() - xs.min() < 1.05 * width + 8
    assert 0.95 * height < ys.max() - ys.min() < 1.05 * height + 8


def test_finder_input_is_padded_to_a_multiple_of_16():
    from pipeline.reader.finder import PAD, prepare

    x, s = prepare(np.zeros((1200, 1600, 3), np.uint8), 480)
    assert s == pytest.approx(0.3)
    assert x.shape[:2] == (1, 3) and x.shape[2] % PAD == 0 and x.shape[3] % PAD == 0
    assert x.shape[3] == 480 and x.shape[2] >= 360


def test_pooled_sources_keep_the_better_read_of_each_line():
    """The text detector and the finder boxing one line: the read with the higher probability stands alone."""
    from pipeline.reader.detector import Proposal
    from pipeline.reader.predict import _best_of_each_line
    from pipeline.reader.select import ReadRow

    def quad(x, y, w, h):
        return np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])

    props = [Proposal(quad(100, 100, 300, 60), 0.9),  # text detector: the register
             Proposal(quad(105, 108, 290, 70), 0.8),  # finder: the same line, boxed taller
             Proposal(quad(100, 300, 200, 20), 0.9)]  # another line ("1200 imp/kWh")
    logp = np.zeros((4, 12), np.float32)

    def row(i, conf):
        return ReadRow(i, "1234", conf, [conf] * 4, logp, props[i % 3].height)

    # indices past the crop count are the widened reads of the same crops (predict._read)
    kept = _best_of_each_line(props, [row(0, 0.6), row(4, 0.95), row(2, 0.9)])
    assert sorted((r.index % 3, r.confidence) for r in kept) == [(1, 0.95), (2, 0.9)]


def test_a_row_too_dark_to_see_is_unclear_whatever_the_models_say():
    """S000016-like: the models may read a row of mean grey 20, the display threshold still holds it back."""
    from pipeline.reader.predict import LearnedReading
    from pipeline.reader.stage import row_brightness, row_too_dark
    from pipeline.rules import DEFAULT_THRESHOLDS as TH

    dark = np.full((48, 200, 3), 20, np.uint8)
    dark[10:38, 20:180:20] = 5  # digits darker still
    lit = np.clip(dark.astype(int) * 6, 0, 255).astype(np.uint8)
    assert row_too_dark(row_brightness(LearnedReading(reading="1234", crop=dark)), TH)
    assert not row_too_dark(row_brightness(LearnedReading(reading="1234", crop=lit)), TH)
    assert not row_too_dark(row_brightness(LearnedReading()), TH)  # nothing read: the photo checks decide


def _point_in_doubt(text: str, p_missing: float) -> np.ndarray:
    """A row showing ``text`` whose decimal point the recognizer misses with probability ``p_missing``."""
    lp = np.exp(row_showing(text))
    i = 1 + 4 * text.index(".")  # frames: a blank, then 3 frames and a blank per character
    lp[i] = lp[i + 2] = lp[0]  # the point is one frame wide, a blank either side
    lp[i + 1, :] = (1 - 0.98) / (C - 2)
    lp[i + 1, ALPHABET.index(".") + 1] = 0.98 - p_missing
    lp[i + 1, 0] = p_missing
    return np.log(lp)


def test_the_previous_reading_rules_out_the_reading_with_its_point_dropped():
    """2737.2 on a Genus LCD, its point faint: 27372 competes, unless the previous reading makes it impossible."""
    from pipeline.context import Plausible

    lp = _point_in_doubt("2737.2", 0.1)
    alone = score_typed(lp, "2737", free="2737.2")
    assert alone.best_alternative == "27372" and alone.posterior < 0.95
    prior = Plausible(previous=2650.0, limit=1800.0)
    s = score_typed(lp, "2737", free="2737.2", plausible=prior)
    assert s.posterior > 0.99 and s.logp > np.log(0.5)
    # a wrong typing still loses: the row shows 2737.2, not 2738
    assert score_typed(lp, "2738", free="2737.2", plausible=prior).logp < np.log(0.01)


def test_plausible_readings_follow_the_consumption_rule():
    from pipeline.context import Plausible
    from pipeline.rules import Reason

    p = Plausible(previous=99950.0, limit=300.0)
    assert p.judge(100100.0, 6) == (None, 150.0)
    assert p.judge(99990.0, 5) == (None, 40.0)
    assert p.judge(20.0, 5) == (None, 70.0)  # a 5-digit register rolled over 99999
    assert p.judge(99000.0, 5)[0] is Reason.BELOW_PREVIOUS
    assert p.judge(100400.0, 6)[0] is Reason.HIGH_CONSUMPTION
    assert not Plausible(previous=2650.0, limit=1800.0).admits(27372.0, 5)


def test_the_display_test_screen_is_no_kwh_reading():
    from pipeline.compare import segment_test
    from pipeline.reader.predict import LearnedReading
    from pipeline.reader.stage import other_register
    from pipeline.rules import DEFAULT_THRESHOLDS

    assert segment_test("88888888") and segment_test("888888.88")
    assert not segment_test("88888") and not segment_test("0888888") and not segment_test("188888")
    blank = np.zeros((10, 10, 3), np.uint8)
    other, _, _ = other_register(blank, LearnedReading(reading="88888888"), DEFAULT_THRESHOLDS, checks=())
    assert other == "display test"
    other, _, _ = other_register(blank, LearnedReading(reading="08883888"), DEFAULT_THRESHOLDS, checks=())
    assert other == ""
