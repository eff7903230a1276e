"""LOCATE on synthetic photos: finds the kWh display, rectifies it, says when there is none."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeline.context import PhotoContext
from pipeline.display import NORM_DIGIT_HEIGHT
from pipeline.locate import locate, rectify
from samples.synth import PhotoSpec, render_photo


def _photo(seed: int, **spec) -> tuple[np.ndarray, dict]:
    return render_photo(PhotoSpec(**spec), np.random.default_rng(seed))


def _angle(quad) -> float:
    q = np.asarray(quad, np.float64)
    return float(np.degrees(np.arctan2(q[1, 1] - q[0, 1], q[1, 0] - q[0, 0])))


def _found(disp, truth) -> bool:
    """Our row's centre lies in the true digit area and the digit height is within 25 %."""
    tq = np.asarray(truth["display_quad"], np.float32)
    c = disp.quad.mean(axis=0)
    inside = cv2.pointPolygonTest(tq, (float(c[0]), float(c[1])), False) >= 0
    return bool(inside and abs(disp.digit_height_px / truth["digit_height_px"] - 1) <= 0.25)


# rotated photos of both kinds (angles of the digit row: lcd -11, 12, 16; drum 20, -12, -8 degrees)
CASES = [("lcd", 4), ("lcd", 5), ("lcd", 9), ("drum", 3), ("drum", 4), ("drum", 11)]


@pytest.mark.parametrize(("kind", "seed"), CASES)
def test_locates_rotated_display(kind: str, seed: int) -> None:
    img, truth = _photo(seed, kind=kind)
    disp = locate(img, PhotoContext())
    assert disp is not None
    assert _found(disp, truth), (disp.quad, truth["display_quad"])
    assert disp.kind == kind
    assert abs(_angle(disp.quad) - _angle(truth["display_quad"])) < 4.0
    assert not disp.touches_frame
    assert 0.0 < disp.score <= 1.0


def test_display_follows_conventions() -> None:
    img, truth = _photo(4, kind="lcd")
    disp = locate(img)
    assert disp is not None
    assert disp.crop.dtype == np.uint8 and disp.crop.ndim == 3
    x, y, w, h = disp.digits_box
    assert h == NORM_DIGIT_HEIGHT
    assert x > 0 and y > 0 and x + w < disp.crop.shape[1] and y + h < disp.crop.shape[0]
    assert disp.quad.shape == (4, 2) and disp.quad.dtype == np.float32
    # TL, TR, BR, BL: clockwise in image coordinates, top edge above the bottom edge
    assert disp.quad[0, 1] < disp.quad[3, 1] and disp.quad[0, 0] < disp.quad[1, 0]
    assert disp.n_digit_candidates >= 2


def test_rectify_scales_digits_to_norm_height() -> None:
    img = np.zeros((400, 600, 3), np.uint8)
    quad = np.float32([[100, 100], [400, 100], [400, 160], [100, 160]])  # 60 px tall row
    crop, (x, y, w, h) = rectify(img, quad, 60.0)
    assert h == NORM_DIGIT_HEIGHT
    assert abs(w - 300 / 60 * NORM_DIGIT_HEIGHT) <= 1
    assert crop.shape[0] >= y + h and crop.shape[1] >= x + w


@pytest.mark.parametrize("make", [
    lambda: np.full((1200, 1600, 3), 128, np.uint8),
    lambda: np.random.default_rng(0).normal(128, 20, (1200, 1600, 3)).clip(0, 255).astype(np.uint8),
    lambda: cv2.GaussianBlur(
        np.random.default_rng(1).integers(0, 255, (1200, 1600, 3), dtype=np.uint8), (0, 0), 12),
])
def test_none_without_a_display(make) -> None:
    assert locate(make()) is None


def test_cut_off_display_touches_frame() -> None:
    img, truth = _photo(0, defect="cut_off")
    disp = locate(img)
    assert disp is not None and disp.touches_frame


def test_grayscale_input_is_accepted() -> None:
    img, truth = _photo(5, kind="lcd")
    disp = locate(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))
    assert disp is not None and _found(disp, truth)
    assert disp.crop.ndim == 3


def test_split_wide_cuts_a_bridged_pair_apart() -> None:
    """Two digit-tall strokes joined by a low bridge (a decimal point) become two blobs again."""
    from pipeline.refine import REFINE_H, _split_wide

    ink = np.zeros((3 * REFINE_H, 200), np.uint8)
    ink[40:80, 50:70] = 1  # a digit-like bar block
    ink[40:80, 80:100] = 1  # the next digit
    ink[74:80, 70:80] = 1  # the decimal point touching both
    n_before = cv2.connectedComponents(ink)[0] - 1
    n_after = cv2.connectedComponents(_split_wide(ink))[0] - 1
    assert (n_before, n_after) == (1, 2)
    single = np.zeros_like(ink)
    single[40:80, 50:70] = 1  # one digit-sized blob is left alone
    assert (_split_wide(single) == single).all()


def test_locate_all_puts_locate_first_and_has_no_duplicates() -> None:
    from pipeline.locate import locate_all

    img, _ = _photo(4, kind="lcd")
    found = locate_all(img, PhotoContext())
    assert found and np.allclose(found[0].quad, locate(img).quad)
    centres = [tuple(np.round(d.quad.mean(axis=0))) for d in found]
    assert len(set(centres)) == len(centres)


def _cut(mask: np.ndarray):
    from pipeline.rowsearch import _cut_columns

    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    assert n == 2
    return _cut_columns(labels, 1, stats[1])


def test_cut_columns_splits_digits_joined_by_a_decimal_point_only() -> None:
    m = np.zeros((60, 80), np.uint8)
    m[10:40, 10:25] = 1  # two digit-like blocks 30 px tall ...
    m[10:40, 32:47] = 1
    dp = m.copy()
    dp[35:40, 25:32] = 1  # ... joined at the baseline by a decimal point
    parts = _cut(dp)
    assert parts is not None and len(parts) == 2
    assert all(p[3] == 30 for p in parts)
    mid = m.copy()
    mid[22:27, 25:32] = 1  # joined half-way up: a letter's bar, not a decimal point
    assert _cut(mid) is None
    frame = np.zeros((60, 120), np.uint8)
    cv2.rectangle(frame, (5, 10), (100, 40), 1, 2)  # a window frame: a long thin stretch
    assert _cut(frame) is None


def test_split_wide_cuts_a_decimal_join_but_not_inside_digits():
    """Two seven-segment '0's joined at the baseline by their decimal point are cut at
    the point only: the columns inside a '0' (two thin bars) are no join."""
    from pipeline.refine import REFINE_H, _split_wide

    ink = np.zeros((3 * REFINE_H, 120), np.uint8)
    top, bot = REFINE_H, 2 * REFINE_H
    for x0 in (10, 46):  # two '0's, 26 px wide, strokes 4 px
        cv2.rectangle(ink, (x0, top), (x0 + 25, bot - 1), 1, 4)
    ink[bot - 5:bot, 36:46] = 1  # the decimal point touching both
    out = _split_wide(ink)
    n, _, stats, _ = cv2.connectedComponentsWithStats(out, connectivity=8)
    widths = sorted(int(w) for w in stats[1:, 2])
    assert min(widths[-2:]) >= 24, widths  # both '0's whole (the point may stay with one)


def test_a_tall_row_that_does_not_refine_does_not_shrink_the_others(monkeypatch) -> None:
    """The coarse search scales rows by the tallest one; when that one is no digit row at
    work resolution (a background grid, a cable) the display row keeps its full score."""
    from pipeline import locate as loc
    from pipeline.rowsearch import Row

    def boxes(h: float, n: int) -> np.ndarray:
        return np.array([[100 + i * 0.7 * h, 100, 0.5 * h, h, 0.5] for i in range(n)], np.float32)

    tall = Row(boxes(100, 4), False, 0.6, 0.0, 100.0, size=1.0)
    small = Row(boxes(30, 5), True, 0.7 * 0.16, 0.0, 30.0, size=0.16)
    comps = np.array([[i * 30.0, 40, 22, 40, 0.5, 30] for i in range(5)])
    ref = loc.Refined(np.zeros((4, 2), np.float32), 30.0, comps, 60.0, 21.0)
    monkeypatch.setattr(loc, "refine", lambda gray, row: None if row is tall else ref)
    [(score, row, _)] = loc._candidates(np.zeros((10, 10), np.uint8), [tall, small])
    assert row is small and score >= loc.MIN_SCORE * 3


def test_an_lcd_row_with_narrow_ones_and_a_joined_point_scores_as_a_display():
    """'114317.3' (boxes measured on dev photo 1505/S000452): narrow '1's at the right of
    their cells, blurred bars that make some digits taller and '7.' widened by its point.
    One spacing off must not sink the row below the locator's floor (a brand name won)."""
    from pipeline.locate import MIN_SCORE
    from pipeline.rowsearch import score_row

    boxes = np.array([[160, 40, 11, 40, .8], [197, 41, 11, 39, .8], [216, 40, 28, 41, .5], [257, 35, 23, 50, .6],
                      [307, 41, 11, 39, .8], [330, 35, 32, 50, .3], [367, 36, 23, 49, .6]], float)
    assert score_row(boxes)[0] >= 2 * MIN_SCORE
    # a row with its spacing irregular all along is still no display
    jumbled = boxes.copy()
    jumbled[:, 0] = [160, 180, 230, 300, 315, 390, 400]
    assert score_row(jumbled)[0] < MIN_SCORE
