"""Seven-segment rows drawn with PIL: capsule, mitred-trapezoid and block segment shapes.

This geometry is independent of ``samples/synth`` (which draws bevelled hexagons with
OpenCV): segments here are pill-shaped rounded rectangles, trapezoids with 45-degree mitres,
or square blocks; the whole row is drawn upright at 2-3x supersampling and then sheared, so
slant, stroke and spacing ranges differ from the training generator's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw

#: lit segments per character (a top, b upper right, c lower right, d bottom, e lower left, f upper left, g middle)
SEGS: dict[str, str] = {
    "0": "abcdef", "1": "bc", "2": "abged", "3": "abgcd", "4": "fgbc", "5": "afgcd", "6": "afgedc",
    "7": "abc", "8": "abcdefg", "9": "abcdfg", "-": "g", " ": "", "E": "afged", "r": "eg", "b": "fgedc",
    "P": "abfge", "t": "fged", "n": "ceg", "o": "cdeg", "d": "bcdeg", "C": "adef", "H": "bcefg",
}
SHAPES = ("capsule", "trapezoid", "block")


@dataclass
class SegStyle:
    """How the digits of one display look (lengths are fractions of the digit height)."""

    shape: str = "trapezoid"
    aspect: float = 0.55  # digit width / height
    thick: float = 0.13  # stroke thickness / height
    gap: float = 0.025  # clearance between segments / height
    slant: float = 6.0  # degrees, top leans right
    pitch: float = 0.78  # cell advance / height
    dp_shape: str = "round"  # 'round' | 'square'
    dp_cell: bool = False  # the decimal point takes a narrow cell of its own
    seven_hook: bool = False  # 7 drawn with segment f
    nine_tail: bool = True  # 9 drawn with segment d
    six_top: bool = True  # 6 drawn with segment a


def random_style(rng: np.random.Generator, slant: tuple[float, float] = (0.0, 11.0)) -> SegStyle:
    """A random digit style (ranges chosen to differ from the training generator's)."""
    aspect = float(rng.uniform(0.46, 0.64))
    dp_cell = bool(rng.random() < 0.35)
    return SegStyle(
        shape=SHAPES[int(rng.integers(len(SHAPES)))], aspect=aspect, thick=aspect * float(rng.uniform(0.17, 0.27)),
        gap=float(rng.uniform(0.018, 0.045)), slant=float(rng.uniform(*slant)) if rng.random() < 0.8 else 0.0,
        pitch=aspect + float(rng.uniform(0.14, 0.3) if dp_cell else rng.uniform(0.2, 0.34)),
        dp_shape="round" if rng.random() < 0.6 else "square", dp_cell=dp_cell,
        seven_hook=bool(rng.random() < 0.3), nine_tail=bool(rng.random() < 0.75), six_top=bool(rng.random() < 0.85))


def lit_segments(ch: str, st: SegStyle) -> str:
    """Segments lit for ``ch`` in style ``st``."""
    s = SEGS.get(ch, "")
    if ch == "7" and st.seven_hook:
        s += "f"
    if ch == "9" and not st.nine_tail:
        s = s.replace("d", "")
    if ch == "6" and not st.six_top:
        s = s.replace("a", "")
    return s


def _seg_shapes(w: float, h: float, t: float, g: float, shape: str) -> dict[str, tuple[str, list]]:
    """Per segment: ('poly', points) or ('rrect', (x0, y0, x1, y1, radius)), digit box at (0, 0)."""
    m = h / 2.0
    if shape == "capsule":
        r = t / 2.0
        hx0, hx1 = r + g, w - r - g
        return {
            "a": ("rrect", (hx0, 0.0, hx1, t, r)), "g": ("rrect", (hx0, m - r, hx1, m + r, r)),
            "d": ("rrect", (hx0, h - t, hx1, h, r)),
            "f": ("rrect", (0.0, r + g, t, m - g, r)), "b": ("rrect", (w - t, r + g, w, m - g, r)),
            "e": ("rrect", (0.0, m + g, t, h - r - g, r)), "c": ("rrect", (w - t, m + g, w, h - r - g, r)),
        }
    if shape == "trapezoid":
        q = t / 2.0
        return {
            "a": ("poly", [(g, 0), (w - g, 0), (w - t - g, t), (t + g, t)]),
            "d": ("poly", [(t + g, h - t), (w - t - g, h - t), (w - g, h), (g, h)]),
            "g": ("poly", [(q + g, m), (t + g, m - q), (w - t - g, m - q), (w - q - g, m), (w - t - g, m + q),
                           (t + g, m + q)]),
            "f": ("poly", [(0, g), (t, t + g), (t, m - q - g), (q, m - g), (0, m - q - g)]),
            "b": ("poly", [(w, g), (w, m - q - g), (w - q, m - g), (w - t, m - q - g), (w - t, t + g)]),
            "e": ("poly", [(0, m + q + g), (q, m + g), (t, m + q + g), (t, h - t - g), (0, h - g)]),
            "c": ("poly", [(w, m + q + g), (w, h - g), (w - t, h - t - g), (w - t, m + q + g), (w - q, m + g)]),
        }
    q = t / 2.0  # block: square-ended bars, horizontals between the verticals
    return {
        "a": ("poly", [(t + g, 0), (w - t - g, 0), (w - t - g, t), (t + g, t)]),
        "g": ("poly", [(t + g, m - q), (w - t - g, m - q), (w - t - g, m + q), (t + g, m + q)]),
        "d": ("poly", [(t + g, h - t), (w - t - g, h - t), (w - t - g, h), (t + g, h)]),
        "f": ("poly", [(0, g), (t, g), (t, m - g), (0, m - g)]),
        "b": ("poly", [(w - t, g), (w, g), (w, m - g), (w - t, m - g)]),
        "e": ("poly", [(0, m + g), (t, m + g), (t, h - g), (0, h - g)]),
        "c": ("poly", [(w - t, m + g), (w, m + g), (w, h - g), (w - t, h - g)]),
    }


def _draw_seg(draw: ImageDraw.ImageDraw, kind: str, geo, ox: float, oy: float, s: float) -> None:
    if kind == "rrect":
        x0, y0, x1, y1, r = geo
        draw.rounded_rectangle((ox + x0 * s, oy + y0 * s, ox + x1 * s, oy + y1 * s), radius=r * s, fill=255)
    else:
        draw.polygon([(ox + x * s, oy + y * s) for x, y in geo], fill=255)


def _dot(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, shape: str) -> None:
    box = (cx - r, cy - r, cx + r, cy + r)
    if shape == "round":
        draw.ellipse(box, fill=255)
    else:
        draw.rectangle(box, fill=255)


@dataclass
class Row:
    """A rendered row: coverage masks (float32 0..1) and where the characters are."""

    lit: np.ndarray
    ghost: np.ndarray  # unlit segments of every cell (and unlit decimal points)
    quad: np.ndarray  # (4, 2) TL, TR, BR, BL of the digit cells (slanted), mask px
    cells: list[np.ndarray]  # per character cell, its (4, 2) quad
    height: float  # digit height, px


def parse_row(text: str) -> list[tuple[str, bool]]:
    """``'03525.9'`` -> [(char, decimal point after it)]; ':' becomes a cell of its own."""
    out: list[tuple[str, bool]] = []
    for ch in text:
        if ch == "." and out:
            out[-1] = (out[-1][0], True)
        else:
            out.append((ch, False))
    return out


def render_row(text: str, st: SegStyle, h_px: float, ghost_dp: bool = True) -> Row:
    """Draw ``text`` (digits, ' ', '-', ':', '.' after a cell) as a row of digits ``h_px`` tall."""
    ss = 3 if h_px < 40 else 2
    s = h_px * ss  # supersampled px per unit height
    k = math.tan(math.radians(st.slant))
    cells = parse_row(text)
    t, g = st.thick, st.gap
    dp_r = t * (0.62 if st.dp_shape == "round" else 0.55)
    dp_w = max(0.28, 2.6 * dp_r)
    pad = 0.15
    xs: list[float] = []  # left edge of each cell (units)
    x = pad
    for ch, dp in cells:
        xs.append(x)
        x += (0.32 if ch == ":" else st.aspect) + (st.pitch - st.aspect)
        if dp and st.dp_cell:
            x += dp_w
    width_u = x - (st.pitch - st.aspect) + pad + k * 1.0 + dp_w
    W, H = int(math.ceil(width_u * s)), int(math.ceil((1.0 + 2 * pad) * s))
    lit_im, gh_im = Image.new("L", (W, H), 0), Image.new("L", (W, H), 0)
    dl, dg = ImageDraw.Draw(lit_im), ImageDraw.Draw(gh_im)
    shapes = _seg_shapes(st.aspect, 1.0, t, g, st.shape)
    oy = pad * s
    quads: list[np.ndarray] = []
    for (ch, dp), x0 in zip(cells, xs, strict=True):
        if ch == ":":
            for cy in (0.3, 0.72):
                _dot(dl, (x0 + 0.16) * s, oy + cy * s, dp_r * s, st.dp_shape)
            cw = 0.32
        else:
            on = lit_segments(ch, st)
            for name, (kind, geo) in shapes.items():
                _draw_seg(dl if name in on else dg, kind, geo, x0 * s, oy, s)
            cw = st.aspect
        if ch != ":":
            dcx = (x0 + cw + dp_w / 2) if st.dp_cell else (x0 + cw + (st.pitch - st.aspect) / 2)
            if dp or ghost_dp:
                _dot(dl if dp else dg, dcx * s, oy + (1.0 - dp_r) * s, dp_r * s, st.dp_shape)
        quads.append(np.array([(x0, 0), (x0 + cw, 0), (x0 + cw, 1), (x0, 1)], np.float64))
    # shear: x' = x + k * (bottom - y), so the bottom line stays and the top leans right
    bottom = oy + s
    M = np.array([[1.0, -k, k * bottom], [0.0, 1.0, 0.0]], np.float32)
    masks = []
    for im in (lit_im, gh_im):
        a = np.asarray(im, np.uint8)
        a = cv2.warpAffine(a, M, (W, H), flags=cv2.INTER_LINEAR)
        a = cv2.resize(a, (max(1, W // ss), max(1, H // ss)), interpolation=cv2.INTER_AREA)
        masks.append(a.astype(np.float32) / 255.0)

    def to_px(q: np.ndarray) -> np.ndarray:
        out = q.copy()
        out[:, 0] = (q[:, 0] + k * (1.0 - q[:, 1])) * h_px
        out[:, 1] = q[:, 1] * h_px + pad * h_px
        return out

    cellq = [to_px(q) for q in quads]
    full = np.array([cellq[0][0], cellq[-1][1], cellq[-1][2], cellq[0][3]], np.float64)
    if cells[-1][1]:  # a decimal point after the last cell belongs to the row
        full[1, 0] += dp_w * h_px
        full[2, 0] += dp_w * h_px
    return Row(lit=masks[0], ghost=masks[1], quad=full, cells=cellq, height=h_px)


def small_row(text: str, h_px: float, shape: str = "block", slant: float = 0.0) -> Row:
    """A small plain seven-segment row (screen index, MD values) with square dots."""
    st = SegStyle(shape=shape, aspect=0.55, thick=0.16, gap=0.03, slant=slant, pitch=0.8, dp_shape="square")
    return render_row(text, st, h_px, ghost_dp=False)
