"""The register-row finder: a small fully convolutional net that marks the meter's digit row in a photo.

Trained here (scripts/train_finder.py) on generated photos, zoomed, turned and
re-coloured at training time, it outputs at a quarter of the input resolution the
probability that a pixel lies in the *core* of a register digit row (the row
shrunk to half its height and a quarter-height in from each end, as DBNet shrinks
text). Post-processing in OpenCV: threshold, connected regions, each region's
minimum-area rectangle grown back to the full row. Unlike a generic text detector
it learns seven-segment and drum rows, and not the printed text around them.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.reader import onnx
from pipeline.reader.detector import Proposal, _order

FINDER_MODEL = "row_finder"
STRIDE = 4  # output pixels per input pixel, each way
PAD = 16  # the input is padded to a multiple of this
GROW_HEIGHT = 2.0  # the core is half the row's height
GROW_END = 0.5  # ... and a quarter of the row's height in from each end, per core height: 0.25 / 0.5


def verify() -> None:
    """Start-up check: the finder file is present and unchanged (ModelError otherwise)."""
    onnx.verify(FINDER_MODEL)


def prepare(img: np.ndarray, long_side: int) -> tuple[np.ndarray, float]:
    """(1, 3, H, W) float32 input (BGR / 255 - 0.5, padded to a multiple of PAD) and the scale used."""
    h, w = img.shape[:2]
    s = long_side / max(h, w)
    nw, nh = max(PAD, int(round(w * s))), max(PAD, int(round(h * s)))
    small = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    ph, pw = (-nh) % PAD, (-nw) % PAD
    small = cv2.copyMakeBorder(small, 0, ph, 0, pw, cv2.BORDER_REPLICATE)
    return (small.astype(np.float32) / 255.0 - 0.5).transpose(2, 0, 1)[None], s


def regions(prob: np.ndarray, scale: float, *, threshold: float = 0.5, min_score: float = 0.6,
            min_core_px: int = 3) -> list[Proposal]:
    """Row quads (photo pixels) from a probability map at STRIDE; the most confident first.

    ``threshold`` (0.3-0.7) binarises the map, ``min_score`` (0.5-0.9) is the least mean
    probability inside a kept region, ``min_core_px`` its least area in map pixels.
    """
    mask = (prob > threshold).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for k in range(1, n):
        if stats[k, cv2.CC_STAT_AREA] < min_core_px:
            continue
        ys, xs = np.nonzero(labels == k)
        score = float(prob[ys, xs].mean())
        if score < min_score:
            continue
        (cx, cy), (w, h), angle = cv2.minAreaRect(np.stack([xs, ys], 1).astype(np.float32))
        if w < h:  # keep the long side as the width
            w, h, angle = h, w, angle + 90
        w, h = w + 1.0, h + 1.0  # the rectangle joins pixel centres: a pixel more each way is the core's extent
        grown = ((cx + 0.5, cy + 0.5), (w + 2 * GROW_END * h, h * GROW_HEIGHT), angle)
        box = cv2.boxPoints(grown) * (STRIDE / scale)
        out.append(Proposal(_order(box.astype(np.float32)), score))
    out.sort(key=lambda p: -p.score)
    return out


def find(img: np.ndarray, long_side: int = 480) -> list[Proposal]:
    """The register-row candidates in a BGR photo, most confident first."""
    x, s = prepare(img, long_side)
    logits = onnx.session(FINDER_MODEL).run(None, {"photo": x})[0][0, 0]
    prob = 1.0 / (1.0 + np.exp(-logits))
    return regions(prob, s)
