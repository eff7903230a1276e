"""Stroke-drawn digits for training: stencil / DIN-like shapes with the style variants
fonts rarely have (open-top 4, barred 7, flagged and based 1, straight-tailed 6 and 9).

Used by scripts/train_digits.py beside the TrueType fonts; training-time only.
"""

from __future__ import annotations

import cv2
import numpy as np


def stroke_glyph(ch: str, h: int, rng: np.random.Generator) -> np.ndarray:
    """A digit drawn with strokes (stencil / DIN-like shapes with style variants), mask 0..1, h rows."""
    S = 8  # supersampling
    aspect = rng.uniform(0.45, 0.65)
    t = rng.uniform(0.08, 0.17)  # stroke width / height
    H = h * S
    W = int(H * aspect)
    pad = int(t * H)
    img = np.zeros((H + 2 * pad, W + 2 * pad), np.uint8)
    th = max(1, int(t * H))

    def P(x, y):
        return (int(pad + x * W), int(pad + y * H))

    def line(*pts):
        cv2.polylines(img, [np.array([P(*p) for p in pts], np.int32)], False, 255, th, cv2.LINE_AA)

    def ell(cx, cy, ax, ay, a0=0, a1=360):
        cv2.ellipse(img, P(cx, cy), (int(ax * W), int(ay * H)), 0, a0, a1, 255, th, cv2.LINE_AA)

    v = rng.random()
    if ch == "0":
        ell(0.5, 0.5, 0.5, 0.5)
    elif ch == "1":
        x = 0.6
        line((x, 0), (x, 1))
        if v < 0.8:
            line((x, 0), (0.2, 0.25))
        if rng.random() < 0.4:
            line((0.2, 1), (0.95, 1))
    elif ch == "2":
        ell(0.5, 0.27, 0.45, 0.27, 180, 360 + 35)
        line((0.85, 0.45), (0.02, 1), (0.98, 1))
    elif ch == "3":
        if v < 0.5:
            ell(0.5, 0.25, 0.42, 0.25, 180 + 20, 360 + 90)
            ell(0.5, 0.73, 0.46, 0.27, -90, 160)
        else:  # flat-topped 3
            line((0.05, 0), (0.9, 0), (0.45, 0.42))
            ell(0.5, 0.7, 0.46, 0.3, -90, 160)
    elif ch == "4":
        stem = 0.72
        if v < 0.5:  # open top
            line((0.5, 0), (0.02, 0.7), (0.98, 0.7))
            line((stem, 0.3), (stem, 1))
        else:
            line((stem, 1), (stem, 0), (0.02, 0.7), (0.98, 0.7))
    elif ch == "5":
        line((0.9, 0), (0.15, 0), (0.1, 0.45))
        ell(0.5, 0.68, 0.45, 0.32, -150, 150)
    elif ch == "6":
        ell(0.5, 0.7, 0.46, 0.3)
        if v < 0.5:
            line((0.75, 0), (0.06, 0.68))
        else:
            ell(0.55, 0.6, 0.5, 0.6, 180, 290)
    elif ch == "7":
        line((0.02, 0), (0.98, 0), (0.35, 1) if v < 0.6 else (0.55, 1))
        if rng.random() < 0.3:
            line((0.3, 0.5), (0.85, 0.5))
    elif ch == "8":
        ell(0.5, 0.24, 0.38, 0.24)
        ell(0.5, 0.72, 0.46, 0.28)
    elif ch == "9":
        ell(0.5, 0.3, 0.46, 0.3)
        if v < 0.5:
            line((0.94, 0.32), (0.25, 1))
        else:
            line((0.95, 0.3), (0.92, 0.72), (0.62, 1.0), (0.12, 0.93))
    m = img.astype(np.float32) / 255.0
    ys, xs = np.nonzero(m > 0.1)
    m = m[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    w = max(1, int(round(m.shape[1] * h / m.shape[0])))
    return cv2.resize(m, (w, h), interpolation=cv2.INTER_AREA)

