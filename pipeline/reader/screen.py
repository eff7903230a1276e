"""Which screen the display shows, learned: the live kWh register, or another one (billing history, TOD, MD...).

A meter cycles through screens, and the digit row alone cannot tell them apart:
``BP 2`` (billing period 2), ``CUM BP``, ``tod5``, ``36t4``, ``MD`` or ``kVAh``
beside the same kind of digits make the reading another register's. The screen
classifier looks at the display around the chosen row (its context: a margin of
row heights on every side, where a meter puts its annunciators) and gives
P(another register). It is meant to replace the Tesseract legend check
(pipeline.reader.register), which does not read the small annunciators of real
LCDs and costs most of a photo's time; until it lets as many honest readings
through, it is selectable, not the default (pipeline.reader.predict.REGISTER_CHECKS).

The model (models/screen.onnx, trained by scripts/train_screen.py on
samples/synth/screens.py) is a small CNN; the crop geometry below is shared with
training so the two always cut the same context.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.reader import onnx

SCREEN_MODEL = "screen"

# the context cut around the row, in row heights (annunciators sit above, before and after the digits)
LEFT, RIGHT, TOP, BOTTOM = 1.0, 2.0, 1.0, 0.9
HEIGHT, WIDTH = 96, 352  # the classifier's input (grey); the context is fitted inside, aspect kept
CLASSES = ("kwh", "other")


def context_quad(quad: np.ndarray, height: float | None = None) -> np.ndarray:
    """The row's quad (TL, TR, BR, BL) grown by LEFT/RIGHT/TOP/BOTTOM row heights along its own axes."""
    q = np.asarray(quad, np.float32).reshape(4, 2)
    u = q[1] - q[0]
    u /= max(float(np.linalg.norm(u)), 1e-6)
    v = q[3] - q[0]
    v /= max(float(np.linalg.norm(v)), 1e-6)
    h = float(height) if height else float((np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2)
    return np.float32([q[0] - LEFT * h * u - TOP * h * v, q[1] + RIGHT * h * u - TOP * h * v,
                       q[2] + RIGHT * h * u + BOTTOM * h * v, q[3] - LEFT * h * u + BOTTOM * h * v])


def context_crop(img: np.ndarray, quad: np.ndarray, height: float | None = None) -> np.ndarray:
    """The display around the row, upright and grey, fitted into HEIGHT x WIDTH (uint8).

    Outside the photo is one flat grey (the photo's median): a close-up's context runs past its
    edge, and replicated edges would draw streaks no display has. Too wide a context is squeezed to WIDTH.
    """
    c = context_quad(quad, height)
    w_ctx = float(np.linalg.norm(c[1] - c[0]))
    h_ctx = float(np.linalg.norm(c[3] - c[0]))
    out_w = int(np.clip(round(w_ctx * HEIGHT / max(h_ctx, 1.0)), 8, WIDTH))
    dst = np.float32([[0, 0], [out_w - 1, 0], [out_w - 1, HEIGHT - 1], [0, HEIGHT - 1]])
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    fill = float(np.median(gray[::4, ::4]))
    scale = HEIGHT / max(h_ctx, 1.0)
    src = c
    if scale < 0.5:  # shrink first so the warp does not alias
        f = 2 * scale
        gray = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        src = c * f
    m = cv2.getPerspectiveTransform(src.astype(np.float32), dst)
    warped = cv2.warpPerspective(gray, m, (out_w, HEIGHT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                 borderValue=fill)
    out = np.empty((HEIGHT, WIDTH), np.uint8)
    out[:, :out_w] = warped
    out[:, out_w:] = warped[:, -1:]
    return out


def normalise(crop: np.ndarray) -> np.ndarray:
    """(HEIGHT, WIDTH) uint8 -> (1, HEIGHT, WIDTH) float32, zero mean and unit spread per crop."""
    x = crop.astype(np.float32)
    return ((x - x.mean()) / max(float(x.std()), 8.0))[None]


def verify() -> None:
    """Start-up check: the screen model is present and unchanged (ModelError otherwise)."""
    onnx.verify(SCREEN_MODEL)


def p_other(img: np.ndarray, quad: np.ndarray, height: float | None = None) -> float:
    """P(the display shows another register than the live cumulative kWh) around the row ``quad``."""
    x = normalise(context_crop(img, quad, height))[None]
    logits = onnx.session(SCREEN_MODEL).run(None, {"screen": x})[0][0].astype(np.float64)
    e = np.exp(logits - logits.max())
    return float(e[CLASSES.index("other")] / e.sum())
