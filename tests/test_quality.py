"""QUALITY: the pure measurements at their extremes, and each reason on a degraded photo."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from pipeline import quality as q
from pipeline.locate import locate
from pipeline.rules import DEFAULT_THRESHOLDS, UNCLEAR_REASONS, Reason
from samples.synth import PhotoSpec, render_photo

TH = replace(DEFAULT_THRESHOLDS, min_sharpness=0.08)  # the value the checks were tuned with


def _step(blur: float = 0.0) -> np.ndarray:
    """Digit-like strokes: a checker of 24 px squares (edges in both directions), optionally blurred."""
    yy, xx = np.mgrid[0:72, 0:288]
    img = np.where((yy // 24 + xx // 24) % 2 == 0, 200.0, 40.0).astype(np.float32)
    return cv2.GaussianBlur(img, (0, 0), blur) if blur else img


# ---------------------------------------------------------------- pure functions


def test_brightness_and_saturation_extremes() -> None:
    assert q.brightness(np.zeros((10, 10))) == 0.0
    assert q.brightness(np.full((10, 10), 255)) == 255.0
    assert q.brightness(np.array([]).reshape(0, 0)) == 0.0
    assert q.saturated_fraction(np.full((5, 5), 255)) == 1.0
    assert q.saturated_fraction(np.full((5, 5), 249)) == 0.0
    assert q.contrast(np.full((5, 5), 77)) == 0.0
    assert q.contrast(_step()) == pytest.approx(160.0)


def test_edge_sharpness_falls_with_blur() -> None:
    sharp = q.edge_sharpness(_step())
    mild = q.edge_sharpness(_step(2.0))
    heavy = q.edge_sharpness(_step(6.0))
    assert sharp > 0.25
    assert sharp > mild > heavy
    assert heavy < 0.07
    assert q.edge_sharpness(np.full((64, 64), 128.0)) == 0.0  # flat: no edges
    assert q.edge_sharpness(np.zeros((2, 2))) == 0.0


def test_edge_sharpness_catches_motion_blur() -> None:
    """Horizontal motion keeps horizontal edges sharp; the weakest direction decides."""
    kernel = np.full((1, 15), 1 / 15, np.float32)
    moved = cv2.filter2D(_step(), -1, kernel, borderType=cv2.BORDER_REPLICATE)
    assert q.edge_sharpness(moved) < 0.5 * q.edge_sharpness(_step())


def test_edge_sharpness_ignores_contrast() -> None:
    low = _step() * 0.3 + 100
    assert q.edge_sharpness(low) == pytest.approx(q.edge_sharpness(_step()), rel=0.05)


def test_display_sharpness_sees_through_a_lighting_gradient() -> None:
    """A row dark at one end and lit at the other: the plain measure counts the gradient
    as contrast and calls sharp digits soft; the flat-fielded one does not, and blur
    under the same gradient stays blur. Without a gradient the plain measure stands."""
    ramp = np.linspace(0.45, 1.25, 288, dtype=np.float32)[None, :]
    sharp = (_step() * 0.15 + 120) * ramp  # faint strokes, strong light gradient
    blurred = (_step(6.0) * 0.15 + 120) * ramp
    assert q.edge_sharpness(sharp) < 0.08  # what made such LCDs "blurred"
    assert q.display_sharpness(sharp, 64) > 0.15
    assert q.display_sharpness(blurred, 64) < 0.07
    assert q.display_sharpness(_step(2.0), 64) == q.edge_sharpness(_step(2.0))


def test_flat_field_keeps_the_level_and_removes_the_gradient() -> None:
    ramp = np.tile(np.linspace(50, 200, 300, dtype=np.float32), (60, 1))
    flat = q.flat_field(ramp, 64)
    assert flat.shape == ramp.shape
    assert flat.mean() == pytest.approx(ramp.mean(), rel=0.05)
    assert q.contrast(flat[:, 40:-40]) < 0.2 * q.contrast(ramp[:, 40:-40])


def test_block_edge_sharpness() -> None:
    rng = np.random.default_rng(0)
    scene = cv2.resize(rng.integers(0, 2, (30, 40)).astype(np.float32) * 200, (400, 300),
                       interpolation=cv2.INTER_NEAREST)
    crisp = q.block_edge_sharpness(scene)
    smeared = q.block_edge_sharpness(cv2.GaussianBlur(scene, (0, 0), 4))
    assert crisp > 0.6 > 0.3 > smeared
    assert q.block_edge_sharpness(np.full((100, 100), 50.0)) == 0.0


def test_washed_out_fraction() -> None:
    white = np.full((64, 256), 255.0)
    assert q.washed_out_fraction(white, feature_px=64) == 1.0
    stripes = np.full((64, 256), 255.0)
    stripes[:, ::12] = 30  # strokes every 12 px: a white LCD with digits is not washed out
    assert q.washed_out_fraction(stripes, feature_px=64) == 0.0
    half = np.full((64, 256), 120.0)
    half[:, 128:] = 255
    assert 0.3 < q.washed_out_fraction(half, feature_px=64) < 0.55
    assert q.washed_out_fraction(np.full((64, 256), 255.0), level=256) == 0.0


def test_is_uniform() -> None:
    assert q.is_uniform(np.full((20, 20), 9.0))
    assert not q.is_uniform(_step())


# ---------------------------------------------------------------- entry points


def test_check_photo_extremes() -> None:
    assert Reason.TOO_DARK in q.check_photo(np.zeros((1200, 1600, 3), np.uint8), TH)[0]
    assert Reason.OVEREXPOSED in q.check_photo(np.full((1200, 1600, 3), 255, np.uint8), TH)[0]
    assert q.check_photo(np.full((1200, 1600, 3), 128, np.uint8), TH)[0] == [Reason.NOT_A_METER]


@pytest.fixture(scope="module")
def clear():
    """A clear synthetic photo and its located display."""
    img, truth = render_photo(PhotoSpec(kind="lcd"), np.random.default_rng(4))
    disp = locate(img)
    assert disp is not None
    return img, disp


def test_clear_photo_has_no_reason(clear) -> None:
    img, disp = clear
    assert q.check_photo(img, TH)[0] == []
    reasons, metrics = q.check_display(img, disp, TH)
    assert reasons == []
    assert {"sharpness", "display_brightness", "glare_on_digits", "digit_height_px"} <= set(metrics)


def _with_crop(disp, fn, **changes):
    return replace(disp, crop=fn(disp.crop.copy()), **changes)


def test_each_display_reason_fires(clear) -> None:
    img, disp = clear
    x, y, w, h = disp.digits_box

    def glare(c: np.ndarray) -> np.ndarray:
        cv2.ellipse(c, (x + w // 3, y + h // 2), (int(h * 0.7), int(h * 0.6)), 0, 0, 360, (255, 255, 255), -1)
        return c

    cases = {
        Reason.BLURRED: _with_crop(disp, lambda c: cv2.GaussianBlur(c, (0, 0), 12)),
        Reason.TOO_DARK: _with_crop(disp, lambda c: (c * 0.12).astype(np.uint8)),
        Reason.OVEREXPOSED: _with_crop(disp, lambda c: np.clip(c.astype(np.int32) * 3, 0, 255).astype(np.uint8)),
        Reason.GLARE_ON_DIGITS: _with_crop(disp, glare),
        Reason.DISPLAY_CUT_OFF: replace(disp, touches_frame=True),
        Reason.DIGITS_TOO_SMALL: replace(disp, digit_height_px=10.0),
    }
    for reason, d in cases.items():
        got = q.check_display(img, d, TH)[0]
        assert reason in got, (reason, got)
        assert all(r in UNCLEAR_REASONS for r in got)


@pytest.mark.parametrize(("defect", "seed", "expected"), [
    ("blur", 0, {Reason.BLURRED}),
    ("dark", 0, {Reason.TOO_DARK}),
    ("overexposed", 1, {Reason.OVEREXPOSED}),
    ("glare", 0, {Reason.GLARE_ON_DIGITS, Reason.OVEREXPOSED}),
    ("cut_off", 0, {Reason.DISPLAY_CUT_OFF}),
])
def test_degraded_photo_is_unclear(defect: str, seed: int, expected: set[Reason]) -> None:
    img, _ = render_photo(PhotoSpec(defect=defect), np.random.default_rng(seed))
    reasons, _ = q.check_photo(img, TH)
    if not reasons:
        disp = locate(img)
        reasons = [Reason.NOT_A_METER] if disp is None else q.check_display(img, disp, TH)[0]
    assert expected & set(reasons), reasons
