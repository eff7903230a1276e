"""QUALITY: is the photo, and the located display in it, clear enough to read?

The measurements are pure NumPy functions on greyscale arrays (``uint8`` or
float in 0-255), each with its threshold as a keyword default whose meaningful
range is documented, in the style of scikit-image's ``measure.blur_effect``.
Two entry points turn measurements into reasons:

- :func:`check_photo` before locating: the whole photo is black, white or blank;
- :func:`check_display` on the rectified display: blur relative to digit size,
  darkness, overexposure, glare over the digits, a cut-off row, tiny digits.

Blur is measured on the rectified crop, where digits are always
``NORM_DIGIT_HEIGHT`` pixels tall, so an edge that is 3 px wide on 30 px digits
counts the same as one 6 px wide on 60 px digits.
"""

from __future__ import annotations

import numpy as np

from pipeline.display import Display
from pipeline.rules import Reason, Thresholds

# ---------------------------------------------------------------- helpers


def to_gray(img: np.ndarray) -> np.ndarray:
    """Luma (BT.601) of a BGR image as float32; greyscale passes through."""
    a = np.asarray(img, dtype=np.float32)
    if a.ndim == 3:
        return a[..., 0] * 0.114 + a[..., 1] * 0.587 + a[..., 2] * 0.299
    return a


def _smooth121(a: np.ndarray) -> np.ndarray:
    """Separable [1, 2, 1] / 4 smoothing with edge replication (tames pixel noise)."""
    p = np.pad(a, 1, mode="edge")
    a = (p[:-2, 1:-1] + 2 * p[1:-1, 1:-1] + p[2:, 1:-1]) / 4
    p = np.pad(a, 1, mode="edge")
    return (p[1:-1, :-2] + 2 * p[1:-1, 1:-1] + p[1:-1, 2:]) / 4


def _block_reduce(a: np.ndarray, f: int, fn=np.mean) -> np.ndarray:
    """Non-overlapping ``f`` x ``f`` block reduction (edges trimmed)."""
    h, w = (a.shape[0] // f) * f, (a.shape[1] // f) * f
    if h == 0 or w == 0:
        return a
    return fn(a[:h, :w].reshape(h // f, f, w // f, f), axis=(1, 3))


# ---------------------------------------------------------------- measurements


def brightness(gray: np.ndarray) -> float:
    """Mean of the brighter half of the pixels, 0-255.

    On an LCD that is the glass, on a drum counter the digits: the part that a
    reader must see, independent of how much black the display itself has.
    Useful threshold range 20-80 (below it the display is too dark to read).
    """
    g = np.asarray(gray, dtype=np.float32).ravel()
    if g.size == 0:
        return 0.0
    med = np.median(g)
    top = g[g >= med]
    return float(top.mean())


def saturated_fraction(gray: np.ndarray, level: float = 250.0) -> float:
    """Fraction of pixels at or above ``level`` (clipped highlights). ``level`` 235-255."""
    g = np.asarray(gray)
    return float((g >= level).mean()) if g.size else 0.0


def contrast(gray: np.ndarray, low: float = 2.0, high: float = 98.0) -> float:
    """Robust intensity range: ``high`` minus ``low`` percentile, 0-255."""
    g = np.asarray(gray, dtype=np.float32)
    if g.size == 0:
        return 0.0
    lo, hi = np.percentile(g, [low, high])
    return float(hi - lo)


def edge_sharpness(gray: np.ndarray, top_fraction: float = 0.04, min_contrast: float = 10.0) -> float:
    """Steepness of the strongest edges relative to the image's contrast.

    The mean gradient magnitude of the ``top_fraction`` strongest-gradient
    pixels, after [1,2,1] smoothing, divided by the 2-98 % intensity range.
    A step edge blurred by a Gaussian of sigma ``s`` px scores about
    ``0.4 / max(s, 1)``, so the value is a reciprocal edge width: ~0.3-0.45 for
    crisp edges, ~0.1 at s = 4 px, -> 0 for a flat image. Only meaningful on
    images normalised to a known feature size (the rectified crop). Useful
    threshold range 0.08-0.2. ``top_fraction`` 0.01-0.1 should cover the
    stroke outlines; images with contrast below ``min_contrast`` score 0.
    """
    g = _smooth121(np.asarray(gray, dtype=np.float32))
    if g.shape[0] < 3 or g.shape[1] < 3:
        return 0.0
    c = contrast(g)
    if c < min_contrast:
        return 0.0
    gy, gx = np.gradient(g)
    mag = np.hypot(gx, gy).ravel()
    k = max(1, int(top_fraction * mag.size))
    top = np.partition(mag, mag.size - k)[-k:]
    return float(top.mean() / c)


def washed_out_fraction(gray: np.ndarray, feature_px: float = 64.0, level: float = 225.0,
                        max_local_range: float = 30.0) -> float:
    """Fraction of the image lying in washed-out patches (glare).

    A patch about a third of ``feature_px`` (the digit height) across is washed
    out when even its darkest pixel is at least ``level`` and its range is below
    ``max_local_range``: no stroke or ground can be seen there. Digit strokes and
    the gaps between digits are narrower than the patch, so a clear display
    scores 0 even on a white LCD glass. ``level`` 200-250, ``max_local_range``
    15-60. Result 0 (none) to 1 (all washed out).
    """
    g = np.asarray(gray, dtype=np.float32)
    f = max(1, int(round(feature_px / 16)))
    lo = _block_reduce(g, f, np.min)
    hi = _block_reduce(g, f, np.max)
    r = 2  # neighbourhood radius in blocks -> patch of ~5 f = feature_px / 3
    if lo.shape[0] < 2 * r + 1 or lo.shape[1] < 2 * r + 1:
        return float(((lo >= level) & (hi - lo < max_local_range)).mean())
    win_lo = np.lib.stride_tricks.sliding_window_view(np.pad(lo, r, mode="edge"), (2 * r + 1, 2 * r + 1))
    win_hi = np.lib.stride_tricks.sliding_window_view(np.pad(hi, r, mode="edge"), (2 * r + 1, 2 * r + 1))
    pmin = win_lo.min(axis=(-1, -2))
    pmax = win_hi.max(axis=(-1, -2))
    washed = (pmin >= level) & (pmax - pmin < max_local_range)
    return float(washed.mean())


def is_uniform(gray: np.ndarray, min_std: float = 4.0) -> bool:
    """True when the image has (almost) no structure: std below ``min_std`` (2-10)."""
    g = np.asarray(gray, dtype=np.float32)
    return bool(g.size == 0 or g.std() < min_std)


# ---------------------------------------------------------------- entry points


def check_photo(img: np.ndarray, th: Thresholds, *, min_photo_brightness: float = 18.0,
                max_photo_saturated: float = 0.75) -> tuple[list[Reason], dict[str, float]]:
    """Whole-photo checks before locating: black, blown-out or blank photos.

    Lenient on purpose: a dark room with a lit LCD is fine; the display checks
    judge what matters. ``min_photo_brightness`` 10-40, ``max_photo_saturated`` 0.5-0.95.
    """
    g = to_gray(img)
    small = g[::4, ::4]
    m = {
        "photo_brightness": brightness(small),
        "photo_saturated": saturated_fraction(small),
        "photo_std": float(small.std()),
    }
    reasons: list[Reason] = []
    if m["photo_brightness"] < min_photo_brightness:
        reasons.append(Reason.TOO_DARK)
    if m["photo_saturated"] > max_photo_saturated:
        reasons.append(Reason.OVEREXPOSED)
    if not reasons and is_uniform(small):
        reasons.append(Reason.NOT_A_METER)
    return reasons, m


def _digit_region(display: Display) -> np.ndarray:
    """Greyscale digit row of the crop, padded by a tenth of a digit height."""
    g = to_gray(display.crop)
    x, y, w, h = display.digits_box
    p = max(1, h // 10)
    return g[max(0, y - p):y + h + p, max(0, x - p):x + w + p]


def check_display(img: np.ndarray, display: Display, th: Thresholds, *,
                  glare_level: float = 225.0) -> tuple[list[Reason], dict[str, float]]:
    """Display checks on the rectified crop; ``img`` is the work image (unused today)."""
    digits = _digit_region(display)
    h = float(display.digits_box[3])
    m = {
        "sharpness": edge_sharpness(digits),
        "display_brightness": brightness(digits),
        "display_contrast": contrast(digits),
        "display_saturated": saturated_fraction(digits),
        "glare_on_digits": washed_out_fraction(digits, feature_px=h, level=glare_level),
        "digit_height_px": float(display.digit_height_px),
        "locate_score": float(display.score),
    }
    reasons: list[Reason] = []
    if m["display_brightness"] < th.min_mean_brightness:
        reasons.append(Reason.TOO_DARK)
    if m["display_saturated"] > th.max_saturated_fraction:
        reasons.append(Reason.OVEREXPOSED)
    if m["glare_on_digits"] > th.max_glare_on_digits and Reason.OVEREXPOSED not in reasons:
        reasons.append(Reason.GLARE_ON_DIGITS)
    if m["sharpness"] < th.min_sharpness and not reasons:
        reasons.append(Reason.BLURRED)
    if display.touches_frame:
        reasons.append(Reason.DISPLAY_CUT_OFF)
    if m["digit_height_px"] < th.min_digit_height_px:
        reasons.append(Reason.DIGITS_TOO_SMALL)
    return reasons, m
