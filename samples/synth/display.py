"""Display rendering entry points: random specs, whole displays, single digit cells."""

from __future__ import annotations

import cv2
import numpy as np

from . import fonts
from .drum import drum_halfroll_cell, render_drum
from .lcd import render_lcd
from .spec import DisplaySpec, RenderedDisplay, format_value

DIGIT_CROP = (32, 48)  # (w, h) of render_digit output


def render_display(spec: DisplaySpec, rng: np.random.Generator) -> RenderedDisplay:
    """Render ``spec`` flat (fronto-parallel) with exact digit geometry."""
    if spec.kind == "lcd":
        return render_lcd(spec, rng)
    if spec.kind == "drum":
        return render_drum(spec, rng)
    raise ValueError(f"unknown display kind {spec.kind!r}")


def kwh_value_string(kwh: float, kind: str, rng: np.random.Generator) -> str:
    """How a display of ``kind`` shows a cumulative kWh reading (random format)."""
    int_digits = len(str(int(kwh)))
    if kind == "lcd":
        decimals = int(rng.choice([0, 1, 1, 2], p=[0.4, 0.35, 0.15, 0.1]))
        n = int(np.clip(max(int_digits + decimals, rng.integers(5, 9)), 5, 8))
        decimals = min(decimals, n - int_digits) if n - int_digits > 0 else 0
        return format_value(kwh, n - decimals, decimals)
    n = int(np.clip(max(int_digits, rng.integers(5, 8)), 5, 7))
    if rng.random() < 0.5 and int_digits <= n - 1:
        return format_value(kwh, n - 1, 1)
    return format_value(kwh, n, 0)


def register_value_string(register: str, rng: np.random.Generator, kwh: float = 12345.6) -> str:
    """Value string for a register shown instead of kWh (lcd)."""
    if register == "MD":
        return format_value(rng.uniform(0.3, 9.9), 4, 3)
    if register == "kVAh":
        return format_value(kwh * rng.uniform(1.02, 1.15), 6, 1)
    if register == "V":
        return format_value(rng.uniform(205, 250), 5, 1)
    if register == "A":
        return format_value(rng.uniform(0.2, 40), 4, 2)
    if register == "Hz":
        return format_value(rng.uniform(49.8, 50.2), 4, 2)
    if register == "PF":
        return format_value(rng.uniform(0.8, 0.999), 3, 3)
    if register == "date":
        d, m = int(rng.integers(1, 29)), int(rng.integers(1, 13))
        return f"{d:02d}-{m:02d}-{int(rng.integers(23, 27)):02d}"
    if register == "time":
        hh, mm = int(rng.integers(0, 24)), int(rng.integers(0, 60))
        return f"{hh:02d}:{mm:02d}"
    raise ValueError(register)


def random_display_spec(rng: np.random.Generator, kind: str | None = None, register: str = "kWh",
                        kwh: float | None = None, decimal: bool | None = None) -> DisplaySpec:
    """A random, realistic display spec; ``decimal`` forces a decimal point on/off."""
    kind = kind or ("lcd" if rng.random() < 0.7 else "drum")
    if kwh is None:
        kwh = float(np.round(np.exp(rng.uniform(np.log(50), np.log(150000))), 2))
    if register == "kWh" or kind == "drum":
        value = kwh_value_string(kwh, kind, rng)
        for _ in range(20):
            if decimal is None or ("." in value) == decimal:
                break
            value = kwh_value_string(kwh, kind, rng)
        register = "kWh"
    else:
        value = register_value_string(register, rng, kwh)
    blank = kind == "lcd" and register not in ("date", "time") and (
        rng.random() < (0.35 if register == "kWh" else 0.8))
    midroll: tuple[int, ...] = ()
    if kind == "drum" and rng.random() < 0.15:
        n = len(value.replace(".", ""))
        midroll = (n - 1,) if rng.random() < 0.8 else (int(rng.integers(0, n)),)
    return DisplaySpec(kind=kind, value=value, register=register, blank_leading=bool(blank),
                       midroll=midroll, digit_height=float(rng.uniform(60, 90)))


def _crop(img: np.ndarray, cx: float, cy: float, w: float, h: float, angle: float,
          out: tuple[int, int] = DIGIT_CROP) -> np.ndarray:
    """Rotated crop of the (w x h) box centred at (cx, cy) resized to ``out``."""
    ow, oh = out
    s = ow / w
    M = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    M = np.vstack([M, [0, 0, 1]])
    T = np.array([[s, 0, ow / 2 - s * cx], [0, oh / h, oh / 2 - (oh / h) * cy], [0, 0, 1]])
    A = (T @ M)[:2]
    interp = cv2.INTER_AREA if s < 0.7 else cv2.INTER_LINEAR
    return cv2.warpAffine(img, A, (ow, oh), flags=interp, borderMode=cv2.BORDER_REPLICATE)


def _jitter_cell(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Photo-like degradation of a small grayscale crop."""
    g = gray.astype(np.float32)
    lo, hi = rng.uniform(0, 60), rng.uniform(170, 255)
    c = rng.uniform(0.45, 1.15)
    g = (g - g.mean()) * c + g.mean()
    g = np.interp(g, [0, 255], [lo, hi]).astype(np.float32)
    if rng.random() < 0.12:  # glare patch
        yy, xx = np.mgrid[0:g.shape[0], 0:g.shape[1]].astype(np.float32)
        px, py = rng.uniform(0, g.shape[1]), rng.uniform(0, g.shape[0])
        r = rng.uniform(4, 14)
        g += rng.uniform(40, 140) * np.exp(-((xx - px) ** 2 + (yy - py) ** 2) / (2 * r * r))
    sig = rng.uniform(0, 1.3)
    if sig > 0.3:
        g = cv2.GaussianBlur(g, (0, 0), sig)
    g += rng.normal(0, rng.uniform(1, 9), g.shape).astype(np.float32)
    return np.clip(g, 0, 255).astype(np.uint8)


def render_digit(kind: str, label: str, rng: np.random.Generator) -> np.ndarray:
    """A 48x32 (h x w) grayscale crop of one digit cell, or of a non-digit ('none')."""
    if kind not in ("lcd", "drum"):
        raise ValueError(kind)
    if label != "none" and not (len(label) == 1 and label.isdigit()):
        raise ValueError(f"label must be '0'-'9' or 'none', got {label!r}")
    none_mode = ""
    if label == "none":
        modes = ("blank", "between", "background", "legend") if kind == "lcd" else (
            "halfroll", "edge", "between", "legend", "background")
        none_mode = fonts.pick(rng, modes)
    if kind == "drum" and none_mode == "halfroll":
        cell = cv2.cvtColor(drum_halfroll_cell(rng, 64), cv2.COLOR_BGR2GRAY)
        return _jitter_cell(_crop(cell, cell.shape[1] / 2, cell.shape[0] / 2, cell.shape[1] * 1.1,
                                  cell.shape[0] * 0.75, float(rng.uniform(-3, 3))), rng)
    mid = label if label != "none" else str(rng.integers(10))
    if none_mode == "blank":
        mid = " "
    neighbours = [str(d) for d in rng.integers(0, 10, 2)]
    value = neighbours[0] + mid + neighbours[1]
    if kind == "drum" and rng.random() < 0.3:
        value = neighbours[0] + mid + "." + neighbours[1]
    if kind == "lcd" and rng.random() < 0.2:
        value = neighbours[0] + mid + "." + neighbours[1]
    spec = DisplaySpec(kind=kind, value=value, digit_height=float(rng.uniform(40, 80)),
                       midroll=(1,) if kind == "drum" and label != "none" and rng.random() < 0.2 else ())
    rd = render_display(spec, rng)
    gray = cv2.cvtColor(rd.image, cv2.COLOR_BGR2GRAY)
    x, y, w, h = rd.digit_boxes[1]
    cx, cy = x + w / 2, y + h / 2
    ch = h * rng.uniform(1.08, 1.3)
    cw = ch * DIGIT_CROP[0] / DIGIT_CROP[1]
    cx += rng.uniform(-0.1, 0.1) * cw
    cy += rng.uniform(-0.07, 0.07) * ch
    if none_mode == "between":
        cx += (0.5 if rng.random() < 0.5 else -0.5) * (rd.digit_boxes[2][0] - rd.digit_boxes[1][0])
    elif none_mode == "edge":
        cx = rd.digit_boxes[0][0] - cw * rng.uniform(0.0, 0.35)
    elif none_mode == "legend" and rd.legend_box is not None:
        lx, ly, lw, lh = rd.legend_box
        cx, cy = lx + lw * rng.uniform(0.15, 0.85), ly + lh / 2
        ch = lh * rng.uniform(1.1, 1.8)
        cw = ch * DIGIT_CROP[0] / DIGIT_CROP[1]
    elif none_mode in ("background", "legend"):
        bx, by, bw, bh = rd.digits_box
        cy = by - ch * 0.55 if rng.random() < 0.5 else by + bh + ch * 0.45
        cx = bx + rng.uniform(0, bw)
    return _jitter_cell(_crop(gray, cx, cy, cw, ch, float(rng.uniform(-4, 4))), rng)
