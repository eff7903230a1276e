"""Text-line proposals in a whole photo: the PP-OCRv4 detector (DBNet) run with onnxruntime.

The detector (Apache-2.0, from PaddleOCR as shipped in the rapidocr-onnxruntime
wheel; models/README.md) marks text pixels in a probability map. The
post-processing here is the DB one, in OpenCV: threshold the map, take each
connected region's minimum-area rectangle, keep it if the map is confident inside
it, and grow it by the DB "unclip" ratio to cover the whole characters. Each
proposal is a quadrilateral in photo pixels; the recognizer reads every one and
pipeline.reader.select picks the register's row.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.reader import onnx

DET_MODEL = "text_det"
MEAN, STD = 0.5, 0.5  # the detector's input normalisation (x / 255 - 0.5) / 0.5


@dataclass(frozen=True)
class Proposal:
    """A text line: its corners (4 x 2, clockwise from top-left) and the detector's score."""

    quad: np.ndarray
    score: float
    height_px: float | None = None  # the text height when it is known otherwise than from the quad

    @property
    def height(self) -> float:
        """The shorter side: the text's height in photo pixels."""
        if self.height_px is not None:
            return self.height_px
        q = self.quad
        return float(min(np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[2] - q[1])))

    @property
    def width(self) -> float:
        q = self.quad
        return float(max(np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[2] - q[1])))


def verify() -> None:
    """Start-up check: the detector file is present and unchanged (ModelError otherwise)."""
    onnx.verify(DET_MODEL)


def _input(img: np.ndarray, long_side: int) -> tuple[np.ndarray, float, float]:
    h, w = img.shape[:2]
    scale = long_side / max(h, w)
    nh, nw = max(32, int(round(h * scale / 32)) * 32), max(32, int(round(w * scale / 32)) * 32)
    small = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    x = (small[:, :, ::-1].astype(np.float32) / 255.0 - MEAN) / STD  # the model was trained on RGB
    return x.transpose(2, 0, 1)[None], w / nw, h / nh


def _order(pts: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left, the long side horizontal-ish."""
    c = pts.mean(axis=0)
    ang = np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0])
    pts = pts[np.argsort(ang)]  # from about -180 deg: top-left first when the box is near upright
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def propose(img: np.ndarray, *, long_side: int = 960, threshold: float = 0.3, min_score: float = 0.5,
            unclip: float = 1.6, min_height: float = 6.0, max_proposals: int = 24) -> list[Proposal]:
    """Text-line quads in ``img`` (BGR), most confident first.

    ``long_side``: the photo's long side at detection (640-1280; larger finds smaller text,
    slower). ``threshold``/``min_score``/``unclip``: the DB post-processing (PP-OCR's defaults).
    ``min_height``: proposals lower than this many photo pixels are dropped.
    """
    x, sx, sy = _input(img, long_side)
    prob = onnx.session(DET_MODEL).run(None, {"x": x})[0][0, 0]
    mask = (prob > threshold).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    out: list[Proposal] = []
    for c in contours:
        if len(c) < 4:
            continue
        (cx, cy), (w, h), angle = cv2.minAreaRect(c)
        if min(w, h) < 2:
            continue
        region = np.zeros_like(mask)
        cv2.drawContours(region, [c], -1, 1, -1)
        x0, y0, bw, bh = cv2.boundingRect(c)
        sub = region[y0:y0 + bh, x0:x0 + bw].astype(bool)
        score = float(prob[y0:y0 + bh, x0:x0 + bw][sub].mean())
        if score < min_score:
            continue
        d = w * h * unclip / (2 * (w + h))  # DB unclip: grow each side by area * ratio / perimeter
        box = cv2.boxPoints(((cx, cy), (w + 2 * d, h + 2 * d), angle))
        box[:, 0] *= sx
        box[:, 1] *= sy
        p = Proposal(_order(box.astype(np.float32)), score)
        if p.height >= min_height:
            out.append(p)
    out.sort(key=lambda p: -p.score)
    return out[:max_proposals]


def rectify(img: np.ndarray, quad: np.ndarray, height: int = 64) -> np.ndarray:
    """The quad cut out upright, ``height`` px high, its long side horizontal."""
    q = quad.astype(np.float32)
    w_top, h_left = np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[3] - q[0])
    if h_left > w_top:  # a vertical box: read it along its long side
        q = np.roll(q, -1, axis=0)
        w_top, h_left = h_left, w_top
    out_w = max(8, int(round(w_top * height / max(h_left, 1.0))))
    dst = np.float32([[0, 0], [out_w - 1, 0], [out_w - 1, height - 1], [0, height - 1]])
    m = cv2.getPerspectiveTransform(q, dst)
    return cv2.warpPerspective(img, m, (out_w, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
