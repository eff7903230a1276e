"""Synthetic sample generator: determinism, truth fields, batch files, mix proportions."""

import csv

import numpy as np
import pytest

from pipeline.rules import Reason, Status
from samples.synth import DisplaySpec, render_digit, render_display
from samples.synth.batch import CONSUMER_HEADER, SUBMISSION_HEADER, TRUTH_HEADER, _counts, make_batch
from samples.synth.cases import BENCHMARK_WEIGHTS, typed_correct, typed_mistake
from samples.synth.photo import PhotoSpec, render_photo

TRUTH_KEYS = {"reading", "kind", "register", "clear", "defect", "display_quad", "digit_height_px", "meter"}


def test_render_display_deterministic_and_geometry():
    spec = DisplaySpec(kind="lcd", value="012345.6", blank_leading=True)
    a = render_display(spec, np.random.default_rng(3))
    b = render_display(spec, np.random.default_rng(3))
    assert a.image.tobytes() == b.image.tobytes()
    assert a.digit_labels == ["", "1", "2", "3", "4", "5", "6"]
    assert a.reading == "12345.6" and a.decimal_after == 5
    assert len(a.digit_boxes) == 7
    h, w = a.image.shape[:2]
    for x, y, bw, bh in a.digit_boxes:
        assert 0 <= x and x + bw <= w and 0 <= y and y + bh <= h


def test_drum_red_tenths_and_midroll():
    rd = render_display(DisplaySpec(kind="drum", value="01234.5", midroll=(5,)), np.random.default_rng(1))
    assert rd.decimal_after == 4 and rd.reading == "01234.5" and rd.midroll == [5]
    assert rd.digit_labels == list("012345")


@pytest.mark.parametrize("kind", ["lcd", "drum"])
def test_render_digit_shapes(kind):
    rng = np.random.default_rng(0)
    for label in list("0123456789") + ["none"] * 5:
        cell = render_digit(kind, label, rng)
        assert cell.shape == (48, 32) and cell.dtype == np.uint8


def test_render_photo_deterministic_and_truth():
    spec = PhotoSpec(kind="lcd")
    img1, t1 = render_photo(spec, np.random.default_rng(11))
    img2, t2 = render_photo(spec, np.random.default_rng(11))
    assert img1.tobytes() == img2.tobytes() and t1 == t2
    assert img1.shape == (1200, 1600, 3)
    assert TRUTH_KEYS <= set(t1)
    assert t1["clear"] is True and t1["meter"] is True and t1["defect"] is None
    assert len(t1["display_quad"]) == 4
    assert t1["digit_height_px"] >= 24.5
    assert t1["display_mean"] >= 70


@pytest.mark.parametrize("defect", ["small", "cut_off", "dark", "overexposed", "not_meter"])
def test_defects(defect):
    img, t = render_photo(PhotoSpec(defect=defect), np.random.default_rng(5))
    assert t["clear"] is False and t["defect"] == defect
    if defect == "small":
        assert t["digit_height_px"] < 12
    if defect == "cut_off":
        q = np.array(t["digit_quads"])
        outside = [(d[:, 0].max() < 0) or (d[:, 0].min() > 1600) for d in q]
        assert any(outside)
    if defect == "dark":
        assert t["display_mean"] < 30
    if defect == "overexposed":
        assert t["display_mean"] > 230
    if defect == "not_meter":
        assert t["meter"] is False


def test_typed_variants():
    rng = np.random.default_rng(0)
    for _ in range(50):
        t = typed_correct("012345.6", rng)
        assert t in ("12345", "012345", "12345.6")
    assert typed_mistake("mismatch_decimal", "12345.6", 12000, rng) in ("123456", "1234.56")
    s = typed_mistake("mismatch_swapped", "12345", 12000, rng)
    assert sorted(s) == sorted("12345") and s != "12345"


def test_counts_proportions():
    c = _counts(BENCHMARK_WEIGHTS, 400)
    assert sum(c.values()) == 400
    assert 240 <= c["valid"] <= 256
    mismatch = sum(v for k, v in c.items() if k.startswith("mismatch_"))
    assert 72 <= mismatch <= 88


def test_make_batch_files(tmp_path):
    out = make_batch(tmp_path / "b", 24, seed=2, size=(640, 480))
    with open(out / "submissions.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == SUBMISSION_HEADER and len(rows) == 25
    with open(out / "consumers.csv", newline="") as f:
        assert next(csv.reader(f)) == CONSUMER_HEADER
    with open(out / "truth.csv", newline="") as f:
        truth = list(csv.DictReader(f))
    assert list(truth[0]) == TRUTH_HEADER
    codes = {r.value for r in Reason}
    for t in truth:
        assert t["expected_status"] in {s.value for s in Status}
        assert all(c in codes for c in t["expected_reasons"].split(";") if c)
    assert sum(t["expected_status"] == "valid" for t in truth) >= 10
    for r in rows[1:]:
        if r[3].startswith("photos/"):
            assert (out / r[3]).exists() or any(t["case"] == "photo_missing" for t in truth)
    again = make_batch(tmp_path / "c", 24, seed=2, size=(640, 480))
    assert (again / "submissions.csv").read_bytes() == (out / "submissions.csv").read_bytes()
    assert (again / "photos" / "S000003.jpg").exists() == (out / "photos" / "S000003.jpg").exists()


def test_faint_lcd_segments_and_ghosts_fade_together():
    """``DisplaySpec.ink`` draws a faint LCD (low contrast, seen at an angle): lit segments
    lighter than by default, ghost segments fading with them; the default draws nothing new."""
    def contrast(ink):
        rd = render_display(DisplaySpec(kind="lcd", value="8888", ghost=False, ink=ink), np.random.default_rng(7))
        g = rd.image.mean(axis=2)
        x, y, w, h = (int(v) for v in rd.digit_boxes[0])
        cell = g[y:y + h, x:x + w]
        return float(np.percentile(cell, 95) - np.percentile(cell, 3))

    assert contrast(0.35) < 0.6 * contrast(None)
    a = render_display(DisplaySpec(kind="lcd", value="1234"), np.random.default_rng(3)).image
    b = render_display(DisplaySpec(kind="lcd", value="1234", ink=None), np.random.default_rng(3)).image
    assert np.array_equal(a, b)


def test_tight_lcd_glass_is_close_and_unevenly_lit() -> None:
    """``DisplaySpec.tight`` puts the digits close to the glass's left and bottom edge and
    lights the glass from one side; the default draws as before."""
    from samples.synth import DisplaySpec, render_display

    def margins(tight: bool) -> tuple[float, float, float]:
        rd = render_display(DisplaySpec(kind="lcd", value="12345", ghost=False, tight=tight), np.random.default_rng(5))
        wx, wy, ww, wh = rd.window_box
        x, y, w, h = rd.digits_box
        g = rd.image.mean(axis=2)
        above = g[int(wy) + 2:int(y) - 2]  # the glass above the digits (a few icons: the median)
        ends = float(np.median(above[:, int(wx) + 2:int(wx) + 8])), float(np.median(above[:, int(wx + ww) - 8:int(wx + ww) - 2]))
        return (x - wx) / h, (wy + wh - (y + h)) / h, min(ends) / max(ends)

    left, bottom, light = margins(True)
    assert left < 0.22 and bottom < 0.17 and light < 0.8
    left, bottom, light = margins(False)
    assert left > 0.25 and light > 0.8
