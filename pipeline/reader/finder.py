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
GROW_HEIGHT = 1.5  # the row's height per core height. The target core is half the row (2.0), but the
# net's cores come out fatter (its loss weighs the core 3:1): on the synthetic validation photos
# (data/finder_val.npz, found and refined) 2.0 gave rows 1.71x too tall, 1.5 gives ~1.3x, the margin
# the recognizer learnt with
GROW_END = 0.5  # ... and a quarter of the row's height in from each end, per core height: 0.25 / 0.5
REFINE_VIEW = (320, 240)  # (w, h) of the close-up a row is found again in: the training views' size
REFINE_ROW_SHARE = 0.5  # ... where the row spans this share of the close-up's width


def verify() -> None:
    """Start-up check: the finder file is present and unchanged (ModelError otherwise)."""
    onnx.verify(FINDER_MODEL)


def _as_input(img: np.ndarray) -> np.ndarray:
    """A BGR image as the net's (1, 3, H, W) float32 input: BGR / 255 - 0.5."""
    return (img.astype(np.float32) / 255.0 - 0.5).transpose(2, 0, 1)[None]


def prepare(img: np.ndarray, long_side: int) -> tuple[np.ndarray, float]:
    """(1, 3, H, W) float32 input (BGR / 255 - 0.5, padded to a multiple of PAD) and the scale used."""
    h, w = img.shape[:2]
    s = long_side / max(h, w)
    nw, nh = max(PAD, int(round(w * s))), max(PAD, int(round(h * s)))
    small = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    ph, pw = (-nh) % PAD, (-nw) % PAD
    small = cv2.copyMakeBorder(small, 0, ph, 0, pw, cv2.BORDER_REPLICATE)
    return _as_input(small), s


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


def _prob(x: np.ndarray) -> np.ndarray:
    logits = onnx.session(FINDER_MODEL).run(None, {"photo": x})[0][0, 0]
    return 1.0 / (1.0 + np.exp(-logits))


def find(img: np.ndarray, long_side: int = 480) -> list[Proposal]:
    """The register-row candidates in a BGR photo, most confident first."""
    return regions(*prob_map(img, long_side))


def prob_map(img: np.ndarray, long_side: int = 480) -> tuple[np.ndarray, float]:
    """The finder's map of a BGR photo (P(register-row core) at STRIDE) and the photo-to-input scale."""
    x, s = prepare(img, long_side)
    return _prob(x), s


def _axes(quad: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(centre, half the row's length vector, half its height vector) of a quad; the long side is the row."""
    q = quad.astype(np.float64)
    c = q.mean(axis=0)
    u, v = (q[1] - q[0] + q[2] - q[3]) / 2, (q[3] - q[0] + q[2] - q[1]) / 2
    if np.linalg.norm(v) > np.linalg.norm(u):  # a vertical box: its long side is the row
        u, v = v, u
    return c, u / 2, v / 2


def _mean_over(maps: list[tuple[np.ndarray, float]], poly: np.ndarray) -> float:
    """The finder's mean probability inside a polygon (photo pixels), the best over the maps given."""
    best = 0.0
    for prob, s in maps:
        pts = poly * (s / STRIDE)
        mask = np.zeros(prob.shape, np.uint8)
        cv2.fillConvexPoly(mask, np.round(pts * 16).astype(np.int32), 1, cv2.LINE_8, shift=4)
        if not mask.any():  # thinner than a map pixel: the pixel at its centre
            cx, cy = np.clip(np.round(poly.mean(axis=0) * s / STRIDE).astype(int), 0, np.array(prob.shape[::-1]) - 1)
            best = max(best, float(prob[cy, cx]))
        else:
            best = max(best, float(prob[mask.astype(bool)].mean()))
    return best


def row_score(maps: list[tuple[np.ndarray, float]], quad: np.ndarray) -> float:
    """How much the finder takes a row (any source's quad, photo pixels) for the register's: 0-1.

    The mean of the finder's probability over the row's core (its middle half in
    height, as the finder learnt it), the best over the maps given (one per scale).
    A generic text detector boxes the plate's printed numbers as readily as the
    register; the finder learnt to mark only the register's digit row.
    """
    c, hu, hv = _axes(quad)
    return _mean_over(maps, np.array([c - 0.8 * hu - 0.5 * hv, c + 0.8 * hu - 0.5 * hv,
                                      c + 0.8 * hu + 0.5 * hv, c - 0.8 * hu + 0.5 * hv]))


def refine(img: np.ndarray, prop: Proposal, *, view: tuple[int, int] = REFINE_VIEW,
           row_share: float = REFINE_ROW_SHARE) -> Proposal:
    """The same row found again in a close-up where it spans ``row_share`` of the view.

    In the whole photo a small row's core is a pixel or two of the map, so its quad
    is coarse. The finder learnt rows of 5-85 % of a view; in a close-up at about
    half (``row_share`` 0.3-0.7) the quad follows the row to a pixel. The region
    that holds the first quad's centre wins; none holding it, the first quad stays.
    """
    w, h = view
    c = prop.quad.mean(axis=0)
    s = row_share * w / max(prop.width, 1.0)
    m = np.float32([[s, 0, w / 2 - s * c[0]], [0, s, h / 2 - s * c[1]]])
    close = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
    for p in regions(_prob(_as_input(close)), 1.0):
        if cv2.pointPolygonTest(p.quad, (w / 2, h / 2), False) >= 0:
            back = (p.quad - np.float32([w / 2, h / 2])) / s + c.astype(np.float32)
            return Proposal(back.astype(np.float32), max(p.score, prop.score))
    return prop
