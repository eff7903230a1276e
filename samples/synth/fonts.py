"""Fonts: discovery of TrueType fonts and cached text / glyph masks.

Two families are used: TrueType fonts found on the machine (rendered with PIL)
and OpenCV's built-in Hershey fonts (always available). A font is named by a
string id: ``"ttf:/path/to/font.ttf"`` or ``"hershey:<face>:<thickness>"``.
Outputs are deterministic on one machine; another machine with other fonts
installed gives other (equally valid) images for the same seed.
"""

from __future__ import annotations

import functools
import glob
import os

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", os.path.expanduser("~/.fonts"))
# serif, symbol and fallback faces (Ghostscript's URW fonts come with ssocr's dependencies)
# (DSEG seven/fourteen-segment faces are no printed text: the row renderer uses them by name, dseg_fonts())
_SKIP = ("serif", "math", "extralight", "italic", "oblique", "emoji", "symbol", "fallback", "d050000l",
         "c059", "p052", "bookman", "z003", "roman", "bdita", "dingbat", "dseg")

HERSHEY_FACES = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_PLAIN,
    cv2.FONT_HERSHEY_COMPLEX,
)


@functools.lru_cache(maxsize=1)
def ttf_fonts() -> tuple[str, ...]:
    """Sans-serif upright TrueType fonts installed on this machine (sorted paths)."""
    found: set[str] = set()
    for d in _FONT_DIRS:
        if os.path.isdir(d):
            for ext in ("ttf", "otf", "TTF"):
                found.update(glob.glob(os.path.join(d, "**", f"*.{ext}"), recursive=True))
    keep = [p for p in found if not any(s in os.path.basename(p).lower() for s in _SKIP)
            and not _review_page_font(p)]
    return tuple(p for p in sorted(keep) if _has_digits(p))


def _review_page_font(path: str) -> bool:
    """Debian's fonts-noto-core, installed by scripts/setup.sh for the Hindi review page, is left out:
    installing it must not change the photos a seed generates (tests, benchmarks, training data).
    Its Noto Sans faces are skipped; Noto (Sans) Mono, from fonts-noto-mono, stays as before."""
    name = os.path.basename(path).lower()
    return name.startswith("noto") and "mono" not in name


def _has_digits(path: str) -> bool:
    """True when the font draws ten different digits and Latin letters: fallback fonts
    (CJK, a package's dependency) draw the same empty box for every missing glyph."""
    try:
        font = ImageFont.truetype(path, 32)
    except OSError:
        return False
    masks = set()
    for ch in "0123456789kWh":
        im = Image.new("L", (40, 48), 0)
        ImageDraw.Draw(im).text((4, 4), ch, font=font, fill=255)
        masks.add(np.asarray(im).tobytes())
    return len(masks) == 13


@functools.lru_cache(maxsize=1)
def digit_fonts() -> tuple[str, ...]:
    """Font ids suitable for printed counter digits (TTF sans + Hershey variants)."""
    ids = [f"ttf:{p}" for p in ttf_fonts() if "mono" not in os.path.basename(p).lower()]
    ids += ["hershey:0:2", "hershey:0:3", "hershey:2:2", "hershey:2:3", "hershey:1:2"]
    return tuple(ids)


@functools.lru_cache(maxsize=1)
def text_fonts() -> tuple[str, ...]:
    """Font ids for labels printed on meter bodies."""
    ids = [f"ttf:{p}" for p in ttf_fonts()]
    ids += ["hershey:0:1", "hershey:0:2", "hershey:1:1", "hershey:2:1"]
    return tuple(ids)


def pick(rng: np.random.Generator, seq: tuple[str, ...] | list[str]) -> str:
    """Deterministically pick one element of a sequence."""
    return seq[int(rng.integers(len(seq)))]


@functools.lru_cache(maxsize=4096)
def text_mask(text: str, font_id: str, cap_h: int) -> np.ndarray:
    """Tight uint8 mask (255 = ink) of ``text`` whose capital/digit height is ``cap_h`` px."""
    cap_h = max(3, int(cap_h))
    if font_id.startswith("ttf:"):
        size = max(4, int(round(cap_h / 0.73)))
        font = ImageFont.truetype(font_id[4:], size)
        x0, t, r, b = font.getbbox(text or " ")
        w, h = max(1, r - x0 + 4), max(1, b - t + 4)
        im = Image.new("L", (w, h), 0)
        ImageDraw.Draw(im).text((2 - x0, 2 - t), text, font=font, fill=255)
        m = np.asarray(im)
    else:
        _, face_s, thick_s = font_id.split(":")
        face, thick = int(face_s), int(thick_s)
        (tw, th), _ = cv2.getTextSize("0", face, 1.0, 1)
        scale = cap_h / max(th, 1)
        thick = max(1, int(round(thick * cap_h / 30)))
        (w, h), base = cv2.getTextSize(text or " ", face, scale, thick)
        m = np.zeros((h + base + 2 * thick + 4, w + 2 * thick + 4), np.uint8)
        cv2.putText(m, text, (thick + 2, h + thick + 2), face, scale, 255, thick, cv2.LINE_AA)
    ys, xs = np.nonzero(m > 20)
    if len(xs) == 0:
        return np.zeros((cap_h, max(1, cap_h // 2)), np.uint8)
    return np.ascontiguousarray(m[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1])


def blend_mask(img: np.ndarray, mask: np.ndarray, x: float, y: float,
               color: tuple[float, ...] | float, alpha: float = 1.0) -> tuple[int, int, int, int]:
    """Alpha-blend a solid ``color`` through ``mask`` at top-left (x, y); returns the box."""
    x, y = int(round(x)), int(round(y))
    h, w = mask.shape[:2]
    H, W = img.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, W), min(y + h, H)
    if x1 <= x0 or y1 <= y0:
        return (x, y, w, h)
    a = mask[y0 - y: y1 - y, x0 - x: x1 - x].astype(np.float32) * (alpha / 255.0)
    roi = img[y0:y1, x0:x1].astype(np.float32)
    col = np.asarray(color, np.float32)
    if img.ndim == 3:
        a = a[..., None]
        col = np.broadcast_to(col, (img.shape[2],)) if col.ndim else np.full(img.shape[2], col)
    img[y0:y1, x0:x1] = np.clip(roi * (1 - a) + col * a, 0, 255).astype(np.uint8)
    return (x, y, w, h)


def put_text(img: np.ndarray, text: str, x: float, y: float, cap_h: float, color: tuple[float, ...] | float,
             font_id: str, alpha: float = 1.0, anchor: str = "lt") -> tuple[int, int, int, int]:
    """Draw ``text`` with cap height ``cap_h``; anchor 'lt' (left-top), 'ct', 'lm', 'cm'."""
    m = text_mask(text, font_id, int(round(cap_h)))
    h, w = m.shape
    if anchor[0] == "c":
        x -= w / 2
    elif anchor[0] == "r":
        x -= w
    if anchor[1] == "m":
        y -= h / 2
    elif anchor[1] == "b":
        y -= h
    return blend_mask(img, m, x, y, color, alpha)


def glyph(ch: str, font_id: str, height: int, width: int | None = None) -> np.ndarray:
    """A digit glyph mask scaled to exactly ``height`` rows (and ``width`` if given)."""
    m = text_mask(ch, font_id, height)
    if width is None:
        width = max(1, int(round(m.shape[1] * height / max(m.shape[0], 1))))
    return cv2.resize(m, (int(width), int(height)), interpolation=cv2.INTER_AREA)


@functools.lru_cache(maxsize=1)
def dseg_fonts() -> tuple[str, ...]:
    """Seven-segment TrueType faces of Debian's fonts-dseg (sorted paths; empty when not installed)."""
    found: set[str] = set()
    for d in _FONT_DIRS:
        if os.path.isdir(d):
            found.update(glob.glob(os.path.join(d, "**", "DSEG7*.ttf"), recursive=True))
    # SEGG-CHAN draws little faces on its segments: a joke face, no meter's
    return tuple(sorted(f for f in found if "SEGGCHAN" not in os.path.basename(f).upper()))
