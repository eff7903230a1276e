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

_LUMA = np.array([0.114, 0.587, 0.299], np.float32)  # B, G, R weights (BT.601)


def to_gray(img: np.ndarray) -> np.ndarray:
    """Luma (BT.601) of a BGR image as float32; greyscale passes through."""
    a = np.asarray(img, dtype=np.float32)
    if a.ndim == 3:
        return a @ _LUMA  # one pass (twice as fast as three weighted channel sums)
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


def _directional_diffs(g: np.ndarray) -> list[np.ndarray]:
    """|Differences| to the next pixel at 0, 45, 90 and 135 degrees (per unit length)."""
    r2 = np.float32(np.sqrt(0.5))
    return [
        np.abs(g[:-1, 1:] - g[:-1, :-1]),
        np.abs(g[1:, 1:] - g[:-1, :-1]) * r2,
        np.abs(g[1:, :-1] - g[:-1, :-1]),
        np.abs(g[1:, :-1] - g[:-1, 1:]) * r2,
    ]


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

    Per direction (0, 45, 90, 135 degrees): the mean of the ``top_fraction``
    largest steps to the neighbour, after [1,2,1] smoothing, divided by the
    2-98 % intensity range; the weakest direction is returned, so motion blur,
    which keeps edges along the motion sharp, is caught. A step edge blurred by
    a Gaussian of sigma ``s`` px scores about ``0.3 / max(s, 1)``: it is a
    reciprocal edge width, ~0.15-0.35 for crisp digits, < 0.06 when the blur
    is a fifth of the digit height, -> 0 for a flat image. Only meaningful on
    images normalised to a known feature size (the rectified crop, digits 64 px
    tall). Useful threshold range 0.05-0.12. ``top_fraction`` 0.01-0.1 should
    cover the stroke outlines; images with contrast below ``min_contrast`` score 0.
    """
    g = _smooth121(np.asarray(gray, dtype=np.float32))
    if g.shape[0] < 3 or g.shape[1] < 3:
        return 0.0
    c = contrast(g)
    if c < min_contrast:
        return 0.0
    vals = []
    for d in _directional_diffs(g):
        d = d.ravel()
        k = max(1, int(top_fraction * d.size))
        vals.append(float(np.partition(d, d.size - k)[-k:].mean()))
    return min(vals) / c


def flat_field(gray: np.ndarray, window: int = 64) -> np.ndarray:
    """The image divided by its local mean over ``window`` x ``window`` pixels (about one
    digit height: 0.5-2 of it), scaled back to the image's mean level.

    A lighting gradient across a display (the glass dark at one end and lit at the
    other, as a small camera sees an LCD beside a window) then no longer counts as
    contrast; edges keep their steepness relative to the ink beside them.
    """
    g = np.asarray(gray, dtype=np.float32)
    if g.size == 0:
        return g
    r = max(1, window // 2)
    p = np.pad(g, r, mode="edge")
    c = np.pad(p.cumsum(axis=0).cumsum(axis=1), ((1, 0), (1, 0)))
    k = 2 * r + 1
    h, w = g.shape
    local = (c[k:k + h, k:k + w] - c[:h, k:k + w] - c[k:k + h, :w] + c[:h, :w]) / (k * k)
    return g / np.maximum(local, 1.0) * float(g.mean())


def display_sharpness(digits: np.ndarray, h: float, gradient_share: float = 0.4) -> float:
    """:func:`edge_sharpness` of a digit row (digits ``h`` px tall), measured flat-fielded
    when a lighting gradient makes up more than ``gradient_share`` (0.3-0.6) of the
    row's contrast: the gradient would count as contrast the edges do not span, and
    sharp digits would look soft. Without one, the plain measure stands, so borderline
    blur is judged as before."""
    plain = edge_sharpness(digits)
    coarse = np.asarray(digits, dtype=np.float32)[::2, ::2]  # the gradient test at half resolution (speed)
    if contrast(flat_field(coarse, int(h) // 2)) >= (1.0 - gradient_share) * contrast(coarse):
        return plain
    return max(plain, edge_sharpness(flat_field(digits, int(h))))


def washed_out_mask(gray: np.ndarray, feature_px: float = 64.0, level: float = 225.0,
                    max_local_range: float = 30.0) -> np.ndarray:
    """Blocks of the image lying in washed-out patches (glare), as a boolean block map.

    The image is averaged over blocks of ``feature_px / 16`` px (tames noise); a
    block is washed out when every block of the patch around it (about a third
    of ``feature_px``, the digit height, across) is at least ``level`` and the
    patch varies by less than ``max_local_range``: no stroke and no ground can be
    seen there. Digit strokes and the gaps between digits are narrower than the
    patch, so a clear display has no washed-out blocks even on white LCD glass.
    ``level`` 200-250, ``max_local_range`` 15-60.
    """
    g = np.asarray(gray, dtype=np.float32)
    f = max(1, int(round(feature_px / 16)))
    m = _block_reduce(g, f, np.mean)
    r = 2  # patch radius in blocks -> ~5 f = feature_px / 3
    if m.shape[0] < 1 or m.shape[1] < 1:
        return np.zeros((0, 0), bool)
    win = np.lib.stride_tricks.sliding_window_view(np.pad(m, r, mode="edge"), (2 * r + 1, 2 * r + 1))
    pmin = win.min(axis=(-1, -2))
    pmax = win.max(axis=(-1, -2))
    return (pmin >= level) & (pmax - pmin < max_local_range)


def washed_out_fraction(gray: np.ndarray, feature_px: float = 64.0, level: float = 225.0,
                        max_local_range: float = 30.0) -> float:
    """Fraction of the image in washed-out patches (see :func:`washed_out_mask`): 0 none, 1 all."""
    mask = washed_out_mask(gray, feature_px, level, max_local_range)
    return float(mask.mean()) if mask.size else 0.0


def block_edge_sharpness(gray: np.ndarray, block: int = 8, min_range: float = 40.0,
                         percentile: float = 90.0) -> float:
    """How crisp the crispest edges of a whole photo are, in absolute pixels.

    Per ``block`` x ``block`` tile and per direction (0, 45, 90, 135 degrees):
    the largest step to a neighbour divided by the tile's intensity range (a
    step edge blurred by sigma ``s`` px gives ~0.4 / s, a clean one up to 1).
    Tiles with a range below ``min_range`` (0-255; 20-80) hold no real edge and
    are skipped; per direction the ``percentile`` (50-99) over tiles is taken, so
    the best-focused content decides, and the result is the weakest direction,
    so motion blur (which leaves edges along the motion sharp) counts too.
    ~0.35-0.7 in focus, < 0.25 when everything is smeared by 3+ px, 0 when no
    tile has an edge.
    """
    g = np.asarray(gray, dtype=np.float32)
    h, w = ((g.shape[0] - 1) // block) * block, ((g.shape[1] - 1) // block) * block
    if h == 0 or w == 0:
        return 0.0
    g = g[:h + 1, :w + 1]

    def tile_max(a: np.ndarray) -> np.ndarray:
        rows = np.maximum.reduce([a[i:h:block, :w] for i in range(block)])  # strided rows: fast
        return rows.reshape(h // block, w // block, block).max(axis=2)

    rng = tile_max(g) + tile_max(-g)
    ok = rng >= min_range
    if not ok.any():
        return 0.0
    vals = []
    for d in _directional_diffs(g):
        vals.append(float(np.percentile(tile_max(d)[ok] / rng[ok], percentile)))
    return min(vals)


def is_uniform(gray: np.ndarray, min_std: float = 4.0) -> bool:
    """True when the image has (almost) no structure: std below ``min_std`` (2-10)."""
    g = np.asarray(gray, dtype=np.float32)
    return bool(g.size == 0 or g.std() < min_std)


# ---------------------------------------------------------------- entry points


def check_photo(img: np.ndarray, th: Thresholds, *, min_photo_brightness: float = 18.0,
                max_photo_saturated: float = 0.65, max_photo_brightness: float = 244.0,
                min_photo_sharpness: float = 0.40) -> tuple[list[Reason], dict[str, float]]:
    """Whole-photo checks before locating: black, blown-out, blank or smeared photos.

    Lenient on purpose: a dark room with a lit LCD is fine; the display checks
    judge what matters. ``min_photo_brightness`` 10-40, ``max_photo_saturated``
    0.5-0.95, ``max_photo_brightness`` (mean grey level of a washed-out photo whose
    whites are just below clipping; 240-250: clear photos of a white meter on a white
    wall reach ~238), ``min_photo_sharpness`` (:func:`block_edge_sharpness` on the
    photo at half size) 0.25-0.5: a photo whose crispest edges are all smeared is
    BLURRED even if the locator would still find some row of digits in it.
    """
    half = to_gray(np.asarray(img)[::2, ::2])
    small = half[::2, ::2]
    m = {
        "photo_brightness": brightness(small),
        "photo_saturated": saturated_fraction(small),
        "photo_std": float(small.std()),
    }
    reasons: list[Reason] = []
    if m["photo_brightness"] < min_photo_brightness:
        reasons.append(Reason.TOO_DARK)
    if m["photo_saturated"] > max_photo_saturated or m["photo_brightness"] > max_photo_brightness:
        reasons.append(Reason.OVEREXPOSED)
    if not reasons and is_uniform(small):
        reasons.append(Reason.NOT_A_METER)
    if not reasons:
        m["photo_sharpness"] = block_edge_sharpness(half)
        if m["photo_sharpness"] < min_photo_sharpness:
            reasons.append(Reason.BLURRED)
    return reasons, m


def _regions(display: Display, side: float, vert: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """Greyscale digit row of the crop (padded by a tenth of a digit) and the area
    around it, ``side`` digit heights to the left and right and ``vert`` above and below."""
    g = to_gray(display.crop)
    x, y, w, h = display.digits_box
    p = max(1, h // 10)
    digits = g[max(0, y - p):y + h + p, max(0, x - p):x + w + p]
    s, v = int(side * h), int(vert * h)
    band = g[max(0, y - v):y + h + v, max(0, x - s):x + w + s]
    return digits, band


def _clean_share(digits: np.ndarray, h: float, level: float = 250.0) -> float:
    """Share of digit-wide slices of the row with (almost) no clipped pixels."""
    cw = max(1, int(0.6 * h))
    n = digits.shape[1] // cw
    if n == 0:
        return 0.0
    sat = (digits[:, : n * cw] >= level).reshape(digits.shape[0], n, cw).mean(axis=(0, 2))
    return float((sat < 0.1).mean())


def check_display(img: np.ndarray, display: Display, th: Thresholds, *,
                  glare_level: float = 250.0, glare_side: float = 1.8, max_glare_cells: float = 0.5,
                  min_display_contrast: float = 45.0) -> tuple[list[Reason], dict[str, float]]:
    """Display checks on the rectified crop (``img``, the work image, is not needed today).

    Glare is searched along the digit row and ``glare_side`` digit heights beyond
    both ends, because a washed-out digit is not found as a digit: the row then
    seems to end where the glare begins. Its measure is the washed-out area in
    digit cells (0.6 x 1 digit height): 1.0 = one whole digit gone. Glare is
    clipped highlight: ``glare_level`` 240-252 (a white face plate in good light
    reaches ~245).
    ``max_glare_cells`` 0.15-1. ``min_display_contrast`` (2-98 % range of the
    digit row, 0-255; 20-80) catches fog, heavy blur and flat exposure.
    """
    digits, band = _regions(display, glare_side)
    h = float(display.digits_box[3])
    washed = washed_out_fraction(band, feature_px=h, level=glare_level)
    m = {
        "sharpness": display_sharpness(digits, h),
        "display_brightness": brightness(digits),
        "display_contrast": contrast(digits),
        "display_saturated": saturated_fraction(digits),
        "glare_on_digits": washed * band.size / max(0.6 * h * h, 1.0),
        "digit_height_px": float(display.digit_height_px),
        "locate_score": float(display.score),
    }
    m["clean_cells"] = _clean_share(digits, h)
    reasons: list[Reason] = []
    if m["display_brightness"] < th.min_mean_brightness:
        reasons.append(Reason.TOO_DARK)
    if m["display_saturated"] > th.max_saturated_fraction:
        # clipped everywhere: exposure; clipped in a patch while other digits are clean: glare
        reasons.append(Reason.OVEREXPOSED if m["clean_cells"] < 0.3 else Reason.GLARE_ON_DIGITS)
    elif m["glare_on_digits"] > max_glare_cells:
        reasons.append(Reason.GLARE_ON_DIGITS)
    if not reasons and (m["sharpness"] < th.min_sharpness or m["display_contrast"] < min_display_contrast):
        reasons.append(Reason.BLURRED)
    if display.touches_frame:
        reasons.append(Reason.DISPLAY_CUT_OFF)
    if m["digit_height_px"] < th.min_digit_height_px:
        reasons.append(Reason.DIGITS_TOO_SMALL)
    return reasons, m
