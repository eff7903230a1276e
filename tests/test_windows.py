"""Display-window proposals (pipeline.windows): the LCD glass found by its tone and shape."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeline.windows import find_windows, side_steps, window_crop, window_quad


def _meter(angle: float = 0.0, touch: bool = False) -> tuple[np.ndarray, tuple[float, float]]:
    """A light bezel with a darker glass window 180x60 (a left-to-right lighting gradient over
    it, dark strokes inside), a round button and a small label; returns (BGR image, glass centre)."""
    img = np.full((240, 320), 205, np.uint8)
    cx, cy = (160.0, 10.0) if touch else (160.0, 90.0)
    glass = np.zeros_like(img)
    box = cv2.boxPoints(((cx, cy), (180, 60), angle)).astype(np.int32)
    cv2.fillPoly(glass, [box], 255)
    ramp = np.tile(np.linspace(110, 165, img.shape[1]).astype(np.uint8), (img.shape[0], 1))
    img = np.where(glass > 0, ramp, img)
    a = np.deg2rad(angle)
    u, v = np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)])  # along, across the window
    for k in range(6):  # dark strokes across the window: digits' sides
        m = np.array([cx, cy]) + (27 * k - 70) * u
        p0, p1 = (m - 15 * v).round().astype(int), (m + 15 * v).round().astype(int)
        cv2.line(img, (int(p0[0]), int(p0[1])), (int(p1[0]), int(p1[1])), 60, 3)
    cv2.circle(img, (80, 190), 18, 60, -1)
    cv2.rectangle(img, (200, 175), (230, 200), 90, -1)
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR), (cx, cy)


@pytest.mark.parametrize("angle", [0.0, 8.0, -8.0])
def test_the_glass_is_the_first_window(angle: float) -> None:
    img, (cx, cy) = _meter(angle)
    found = find_windows(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))
    assert found, "no window found"
    (x, y), (w, h), a = found[0]
    assert abs(x - cx) < 6 and abs(y - cy) < 6
    assert 170 <= w <= 190 and 52 <= h <= 68
    assert abs(a - angle) < 2.0


def test_a_window_cut_by_the_photo_edge_is_no_proposal() -> None:
    img, _ = _meter(touch=True)
    assert all(abs(y - 10) > 15 for (_, y), _, _ in find_windows(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)))


def test_nothing_window_like_in_a_flat_or_noisy_image() -> None:
    rng = np.random.default_rng(3)
    assert find_windows(np.full((240, 320), 128, np.uint8)) == []
    noise = rng.integers(0, 256, (240, 320)).astype(np.uint8)
    assert find_windows(noise) == []


@pytest.mark.parametrize("angle", [0.0, 8.0])
def test_window_crop_is_upright_and_trimmed(angle: float) -> None:
    img, (cx, cy) = _meter(angle)
    rr = ((cx, cy), (180.0, 60.0), angle)
    crop = window_crop(img, rr, trim_y=0.1)
    assert crop.shape[0] == 48 and 175 <= crop.shape[1] <= 180
    g = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    # upright: each stroke is a dark column over the middle rows (a tilted crop smears it)
    cols = (g[10:-10] < 90).mean(axis=0)
    assert (cols > 0.9).sum() >= 6
    quad = window_quad(rr)
    assert quad.shape == (4, 2)
    assert np.allclose(quad.mean(axis=0), (cx, cy), atol=0.5)
    assert quad[0][0] < quad[1][0] and quad[0][1] < quad[3][1]  # TL, TR, BR, BL
    box = cv2.boxPoints(rr)  # the same corners as OpenCV's, in our order
    assert all(np.abs(box - q).sum(axis=1).min() < 0.5 for q in quad)


def test_side_steps_cut_a_strip_of_bezel() -> None:
    g = np.full((40, 150), 120, np.uint8)
    g[:, :12] = 200  # bezel the grey level took in with the glass
    g[:, 40:43] = 60  # a digit stroke is no step
    x0, x1 = side_steps(g)
    assert 11 <= x0 <= 14 and x1 == 150
    assert side_steps(np.full((40, 150), 120, np.uint8)) == (0, 150)
