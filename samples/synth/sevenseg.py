"""Seven-segment geometry: bevelled segment polygons, slant, decimal point, colon."""

from __future__ import annotations

import math

import cv2
import numpy as np

#: Lit segments per character (a top, b top-right, c bottom-right, d bottom,
#: e bottom-left, f top-left, g middle).
SEGMENTS: dict[str, str] = {
    "0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg",
    "5": "acdfg", "6": "acdefg", "7": "abc", "8": "abcdefg", "9": "abcdfg",
    "-": "g", " ": "", "": "",
    # letters some meters show in legends / menus
    "E": "adefg", "r": "eg", "P": "abefg", "F": "aefg", "H": "bcefg", "L": "def", "A": "abcefg",
}
ALL = "abcdefg"


def segments_for(ch: str, seven_with_f: bool = False, nine_with_d: bool = True,
                 six_with_a: bool = True) -> str:
    """Lit segments of ``ch`` for a font variant (7 with a hook, 9 without tail, 6 without top)."""
    s = SEGMENTS.get(ch, "")
    if ch == "7" and seven_with_f:
        s += "f"
    if ch == "9" and not nine_with_d:
        s = s.replace("d", "")
    if ch == "6" and not six_with_a:
        s = s.replace("a", "")
    return s


def segment_polygons(w: float, h: float, t: float, gap: float, bevel: float = 1.0) -> dict[str, np.ndarray]:
    """Unslanted segment polygons inside the box [0, w] x [0, h].

    ``t`` is the stroke thickness, ``gap`` the clearance between segments and
    ``bevel`` (0..1) how pointed the segment ends are (1 = classic hexagon).
    """
    ht = t / 2.0
    bv = ht * bevel
    xl, xr, yt, yb, ym = ht, w - ht, ht, h - ht, h / 2.0

    def hseg(y: float, x0: float, x1: float) -> np.ndarray:
        a, b = x0 + gap, x1 - gap
        return np.array([(a, y), (a + bv, y - ht), (b - bv, y - ht), (b, y),
                         (b - bv, y + ht), (a + bv, y + ht)], np.float64)

    def vseg(x: float, y0: float, y1: float) -> np.ndarray:
        a, b = y0 + gap, y1 - gap
        return np.array([(x, a), (x + ht, a + bv), (x + ht, b - bv), (x, b),
                         (x - ht, b - bv), (x - ht, a + bv)], np.float64)

    return {
        "a": hseg(yt, xl, xr), "g": hseg(ym, xl, xr), "d": hseg(yb, xl, xr),
        "f": vseg(xl, yt, ym), "b": vseg(xr, yt, ym), "e": vseg(xl, ym, yb), "c": vseg(xr, ym, yb),
    }


def slant_shift(h: float, slant_deg: float) -> float:
    """Horizontal shift of the top of a digit of height ``h`` slanted by ``slant_deg``."""
    return h * math.tan(math.radians(slant_deg))


def place(poly: np.ndarray, x0: float, y0: float, h: float, slant_deg: float) -> np.ndarray:
    """Slant a polygon (top moves right) and move it to (x0, y0)."""
    k = math.tan(math.radians(slant_deg))
    out = poly.copy()
    out[:, 0] = out[:, 0] + (h - out[:, 1]) * k + x0
    out[:, 1] = out[:, 1] + y0
    return out


def fill(mask: np.ndarray, polys: list[np.ndarray], value: int = 255) -> None:
    """Anti-aliased sub-pixel polygon fill into a uint8 mask."""
    if not polys:
        return
    pts = [np.round(p * 16).astype(np.int32) for p in polys]
    cv2.fillPoly(mask, pts, value, cv2.LINE_AA, shift=4)


def digit_polys(ch: str, x0: float, y0: float, w: float, h: float, t: float, gap: float,
                slant_deg: float, bevel: float = 1.0, segs: str | None = None,
                **variant: bool) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(lit, unlit) polygons of one seven-segment character placed at (x0, y0)."""
    base = segment_polygons(w, h, t, gap, bevel)
    lit = segs if segs is not None else segments_for(ch, **variant)
    on = [place(base[s], x0, y0, h, slant_deg) for s in ALL if s in lit]
    off = [place(base[s], x0, y0, h, slant_deg) for s in ALL if s not in lit]
    return on, off


def dot_poly(cx: float, cy: float, size: float) -> np.ndarray:
    """A small square (decimal point / colon dot) centred at (cx, cy)."""
    s = size / 2.0
    return np.array([(cx - s, cy - s), (cx + s, cy - s), (cx + s, cy + s), (cx - s, cy + s)], np.float64)
