"""Fonts for render2: Debian's Noto Sans faces, and a stroke font of our own.

The training generator (``samples/synth``) draws with DejaVu, Liberation, URW/Nimbus, DSEG
and OpenCV's Hershey fonts, so this renderer deliberately uses none of them: printed text
and drum digits come from the ``NotoSans-*`` / ``NotoSansDisplay-*`` faces of fonts-noto-core,
and, where those are missing (or for variety), from the polyline font defined below.
A face is named by a string: a file path, or ``"stroke"`` for the built-in font.
"""

from __future__ import annotations

import functools
import glob
import math
import os

from PIL import ImageDraw, ImageFont

NOTO_DIRS = ("/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto")
STROKE = "stroke"
Pt = tuple[float, float]


@functools.lru_cache(maxsize=4)
def noto_faces(upright: bool = True) -> tuple[str, ...]:
    """Noto Sans / Noto Sans Display files on this machine (sorted); italics only if not ``upright``."""
    found: set[str] = set()
    for d in NOTO_DIRS:
        for stem in ("NotoSans-", "NotoSansDisplay-"):
            for ext in ("ttf", "otf"):
                found.update(glob.glob(os.path.join(d, f"{stem}*.{ext}")))
    keep = sorted(p for p in found if not (upright and "italic" in os.path.basename(p).lower()))
    return tuple(keep)


def bold_faces() -> tuple[str, ...]:
    """Upright Noto faces with a heavy weight (for logos and drum digits)."""
    return tuple(p for p in noto_faces() if any(w in os.path.basename(p) for w in ("Bold", "Black", "SemiBold")))


@functools.lru_cache(maxsize=512)
def _ttf(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, max(4, size))


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 12) -> list[Pt]:
    """Points of an elliptic arc; angles in degrees, screen convention (90 = down)."""
    return [(cx + rx * math.cos(math.radians(a0 + (a1 - a0) * i / n)),
             cy + ry * math.sin(math.radians(a0 + (a1 - a0) * i / n))) for i in range(n + 1)]


def _ell(cx: float, cy: float, rx: float, ry: float) -> list[Pt]:
    return _arc(cx, cy, rx, ry, 0, 360, 20)


_P_BOWL = [[(0.06, 1.0), (0.06, 0.0), (0.32, 0.0)] + _arc(0.32, 0.26, 0.24, 0.26, -90, 90)[1:] + [(0.06, 0.52)]]

#: Glyphs as polylines in a box 0..~0.6 wide and 0..1 high (cap height 1, y down).
GLYPHS: dict[str, list[list[Pt]]] = {
    "0": [_ell(0.3, 0.5, 0.27, 0.48)],
    "1": [[(0.1, 0.22), (0.34, 0.02), (0.34, 1.0)]],
    "2": [_arc(0.3, 0.28, 0.26, 0.26, 195, 395) + [(0.04, 1.0), (0.58, 1.0)]],
    "3": [_arc(0.3, 0.26, 0.24, 0.24, 205, 450), _arc(0.3, 0.73, 0.27, 0.27, 270, 520)],
    "4": [[(0.46, 1.0), (0.46, 0.0), (0.02, 0.7), (0.6, 0.7)]],
    "5": [[(0.54, 0.02), (0.12, 0.02), (0.07, 0.47)] + _arc(0.3, 0.68, 0.27, 0.31, 215, 510)],
    "6": [_arc(0.32, 0.5, 0.27, 0.48, 295, 165), _ell(0.31, 0.71, 0.26, 0.28)],
    "7": [[(0.02, 0.02), (0.58, 0.02), (0.22, 1.0)]],
    "8": [_ell(0.3, 0.25, 0.22, 0.23), _ell(0.3, 0.74, 0.27, 0.26)],
    "9": [_ell(0.3, 0.29, 0.26, 0.28), _arc(0.29, 0.5, 0.28, 0.48, 0, 115)],
    "A": [[(0.0, 1.0), (0.3, 0.0), (0.6, 1.0)], [(0.1, 0.66), (0.5, 0.66)]],
    "B": [[(0.06, 1.0), (0.06, 0.0), (0.32, 0.0)] + _arc(0.32, 0.24, 0.2, 0.24, -90, 90)[1:] + [(0.06, 0.48)],
          [(0.32, 0.48)] + _arc(0.36, 0.74, 0.22, 0.26, -90, 90)[1:] + [(0.06, 1.0)]],
    "C": [_arc(0.33, 0.5, 0.28, 0.48, -40, -320)],
    "D": [[(0.06, 1.0), (0.06, 0.0), (0.26, 0.0)] + _arc(0.26, 0.5, 0.3, 0.5, -90, 90)[1:] + [(0.06, 1.0)]],
    "E": [[(0.55, 0.0), (0.06, 0.0), (0.06, 1.0), (0.55, 1.0)], [(0.06, 0.5), (0.45, 0.5)]],
    "F": [[(0.55, 0.0), (0.06, 0.0), (0.06, 1.0)], [(0.06, 0.5), (0.45, 0.5)]],
    "G": [_arc(0.33, 0.5, 0.28, 0.48, -40, -355) + [(0.61, 0.56), (0.36, 0.56)]],
    "H": [[(0.06, 0.0), (0.06, 1.0)], [(0.54, 0.0), (0.54, 1.0)], [(0.06, 0.5), (0.54, 0.5)]],
    "I": [[(0.2, 0.0), (0.2, 1.0)], [(0.05, 0.0), (0.35, 0.0)], [(0.05, 1.0), (0.35, 1.0)]],
    "J": [[(0.5, 0.0)] + _arc(0.3, 0.72, 0.2, 0.28, 0, 180)],
    "K": [[(0.06, 0.0), (0.06, 1.0)], [(0.55, 0.0), (0.06, 0.6)], [(0.22, 0.46), (0.58, 1.0)]],
    "L": [[(0.06, 0.0), (0.06, 1.0), (0.52, 1.0)]],
    "M": [[(0.02, 1.0), (0.07, 0.0), (0.33, 0.72), (0.59, 0.0), (0.64, 1.0)]],
    "N": [[(0.06, 1.0), (0.06, 0.0), (0.54, 1.0), (0.54, 0.0)]],
    "O": [_ell(0.32, 0.5, 0.3, 0.5)],
    "P": _P_BOWL,
    "Q": [_ell(0.32, 0.5, 0.3, 0.5), [(0.38, 0.7), (0.64, 1.02)]],
    "R": _P_BOWL + [[(0.3, 0.52), (0.57, 1.0)]],
    "S": [_arc(0.3, 0.26, 0.24, 0.24, -25, -270) + _arc(0.3, 0.74, 0.27, 0.26, -90, 150)[1:]],
    "T": [[(0.0, 0.0), (0.6, 0.0)], [(0.3, 0.0), (0.3, 1.0)]],
    "U": [[(0.06, 0.0)] + _arc(0.3, 0.7, 0.24, 0.3, 180, 0) + [(0.54, 0.0)]],
    "V": [[(0.0, 0.0), (0.3, 1.0), (0.6, 0.0)]],
    "W": [[(0.0, 0.0), (0.18, 1.0), (0.36, 0.3), (0.54, 1.0), (0.72, 0.0)]],
    "X": [[(0.03, 0.0), (0.57, 1.0)], [(0.57, 0.0), (0.03, 1.0)]],
    "Y": [[(0.0, 0.0), (0.3, 0.5), (0.6, 0.0)], [(0.3, 0.5), (0.3, 1.0)]],
    "Z": [[(0.03, 0.0), (0.57, 0.0), (0.03, 1.0), (0.57, 1.0)]],
    "k": [[(0.06, 0.0), (0.06, 1.0)], [(0.44, 0.38), (0.06, 0.74)], [(0.2, 0.62), (0.48, 1.0)]],
    "h": [[(0.06, 0.0), (0.06, 1.0)], [(0.06, 0.6)] + _arc(0.27, 0.6, 0.21, 0.2, 180, 360)[1:] + [(0.48, 1.0)]],
    ".": [_ell(0.1, 0.94, 0.05, 0.05)],
    ",": [[(0.12, 0.92), (0.06, 1.1)]],
    ":": [_ell(0.1, 0.3, 0.05, 0.05), _ell(0.1, 0.85, 0.05, 0.05)],
    "-": [[(0.06, 0.55), (0.42, 0.55)]],
    "+": [[(0.06, 0.55), (0.5, 0.55)], [(0.28, 0.33), (0.28, 0.77)]],
    "/": [[(0.42, 0.0), (0.04, 1.0)]],
    "&": [[(0.58, 1.0)] + _arc(0.26, 0.24, 0.16, 0.22, 60, -200)[::-1][:-1] + [(0.1, 0.7)] +
          _arc(0.28, 0.76, 0.2, 0.24, 180, 60)[1:] + [(0.6, 0.5)]],
    "#": [[(0.18, 0.1), (0.14, 0.9)], [(0.44, 0.1), (0.4, 0.9)], [(0.03, 0.35), (0.58, 0.35)],
          [(0.02, 0.66), (0.56, 0.66)]],
}
_ADV_GAP = 0.2
_SPACE = 0.42


def _glyph(ch: str) -> list[list[Pt]] | None:
    if ch in GLYPHS:
        return GLYPHS[ch]
    return GLYPHS.get(ch.upper())


def _advance(ch: str) -> float:
    g = _glyph(ch)
    if g is None:
        return _SPACE
    return max(x for stroke in g for x, _ in stroke) + _ADV_GAP


def stroke_width_of(text: str, cap_px: float) -> float:
    """Width in px of ``text`` in the stroke font at cap height ``cap_px``."""
    return sum(_advance(c) for c in text) * cap_px


def draw_stroke_text(draw: ImageDraw.ImageDraw, x: float, y_top: float, text: str, cap_px: float,
                     fill: int | tuple[int, ...], weight: float = 0.11, slant: float = 0.0,
                     squeeze: float = 1.0) -> None:
    """Draw ``text`` with the stroke font: top-left of the cap box at (x, y_top).

    ``weight`` is the pen width relative to the cap height, ``slant`` the shear (tan of the
    italic angle) and ``squeeze`` a horizontal scale (narrow drum digits)."""
    pen = max(1, int(round(cap_px * weight)))
    for ch in text:
        g = _glyph(ch)
        if g is not None:
            for stroke in g:
                pts = [(x + (px + (1.0 - py) * slant) * cap_px * squeeze, y_top + py * cap_px) for px, py in stroke]
                if len(pts) > 1:
                    draw.line(pts, fill=fill, width=pen, joint="curve")
                r = pen / 2.0
                for ex, ey in (pts[0], pts[-1]):
                    draw.ellipse((ex - r, ey - r, ex + r, ey + r), fill=fill)
        x += _advance(ch) * cap_px * squeeze


def text_size(text: str, px: float, face: str) -> tuple[float, float]:
    """(width, height) of the ink of ``text`` at size ``px`` (cap height for the stroke font)."""
    if face == STROKE:
        return stroke_width_of(text, px * 0.72), px * 0.72
    x0, y0, x1, y1 = _ttf(face, int(round(px))).getbbox(text)
    return float(x1 - x0), float(y1 - y0)


def draw_text(draw: ImageDraw.ImageDraw, x: float, y: float, text: str, px: float, face: str,
              fill: int | tuple[int, ...], anchor: str = "lt", weight: float = 0.11) -> tuple[float, float, float, float]:
    """Draw ``text`` with its ink box anchored at (x, y) and return that box (x0, y0, x1, y1).

    ``anchor``: first letter l/m/r (horizontal), second t/m/b (vertical) of the ink box."""
    w, h = text_size(text, px, face)
    x0 = x - {"l": 0.0, "m": w / 2, "r": w}[anchor[0]]
    y0 = y - {"t": 0.0, "m": h / 2, "b": h}[anchor[1]]
    if face == STROKE:
        draw_stroke_text(draw, x0, y0, text, h, fill, weight=weight)
    else:
        font = _ttf(face, int(round(px)))
        bx, by, _, _ = font.getbbox(text)
        draw.text((x0 - bx, y0 - by), text, font=font, fill=fill)
    return x0, y0, x0 + w, y0 + h


def pick_face(rng, bold: bool | None = None) -> str:
    """A random Noto face (``bold``: True heavy only, False regular only), or the stroke font."""
    faces = noto_faces()
    if bold is True:
        faces = bold_faces() or faces
    elif bold is False:
        faces = tuple(f for f in faces if f not in bold_faces()) or faces
    if not faces:
        return STROKE
    return faces[int(rng.integers(len(faces)))]
