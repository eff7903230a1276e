"""The learned reader end to end on one photo: propose text lines, read them, pick the register, score the typed.

A pure function of (image, typed reading): it runs in the batch's worker
processes like the rest of the per-photo work (pipeline.photo).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from pipeline.reader import detector, recognizer, select
from pipeline.reader.likelihood import TypedScore, score_typed

CROP_HEIGHT = 48  # rows are cut at this height, then the recognizer resizes them to its own
DETECT_SIDES = (480, 736)  # the photo's long side at each detection pass: large and small text
WIDEN = (1.0, 1.7)  # each row is read as cut and widened by these factors (narrow digits)
MAX_ROWS = 12  # the tallest text lines read per photo


@dataclass
class LearnedReading:
    """What the learned reader found in one photo."""

    reading: str = ""  # the register row's free reading ('' when no number row was found)
    confidence: float = 0.0  # P(the row shows exactly that reading)
    char_probs: list[float] = field(default_factory=list)
    quad: np.ndarray | None = None  # the row's corners in photo pixels
    crop: np.ndarray | None = None  # the row as read (BGR, upright)
    typed: TypedScore | None = None  # the typed reading (or, none given, the free one) scored on the row
    rivals: list[str] = field(default_factory=list)  # other number rows nearly as tall
    rows_read: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    proposal: detector.Proposal | None = None  # the chosen row's proposal
    proposals: list[detector.Proposal] = field(default_factory=list)  # every text line found


def _dedupe(props: list[detector.Proposal]) -> list[detector.Proposal]:
    """Drop a proposal whose centre lies inside a larger one of the same height (a second scale's copy)."""
    keep: list[detector.Proposal] = []
    for p in sorted(props, key=lambda p: -p.width * p.height):
        c = p.quad.mean(axis=0)
        dup = False
        for k in keep:
            if abs(k.height - p.height) < 0.25 * k.height and \
                    cv2.pointPolygonTest(k.quad.astype(np.float32), (float(c[0]), float(c[1])), False) >= 0:
                dup = True
                break
        if not dup:
            keep.append(p)
    return keep


def _read(crops: list[np.ndarray], heights: list[float]) -> list[select.ReadRow]:
    """Each crop read at every WIDEN factor; per crop the most probable reading wins.

    Real LCDs often have taller, narrower digits than any renderer: widened, they
    leave the recognizer enough steps per digit (and a blank between equal ones).
    """
    batch = [cv2.resize(c, (max(8, int(round(c.shape[1] * f))), c.shape[0])) for f in WIDEN for c in crops]
    logps = recognizer.read_rows(batch)
    n = len(crops)
    best: list[select.ReadRow] = []
    for i in range(n):
        options = [select.read_row(k * n + i, logps[k * n + i], heights[i]) for k in range(len(WIDEN))]
        best.append(max(options, key=lambda r: r.confidence))
    return best


def _row_search(img: np.ndarray) -> list[tuple[detector.Proposal, np.ndarray]]:
    """Digit rows found by the classic row search (pipeline.locate), cut as row crops.

    A bridge while the detector is a generic text detector: issue 16's learned
    display finder replaces both.
    """
    from pipeline.locate import locate_all

    out = []
    for d in locate_all(img):
        x, y, w, h = d.digits_box
        m = 0.3 * h
        y0, y1 = int(max(0, y - m)), int(min(d.crop.shape[0], y + h + m))
        x0, x1 = int(max(0, x - m)), int(min(d.crop.shape[1], x + w + m))
        crop = d.crop[y0:y1, x0:x1]
        if crop.size == 0:
            continue
        quad = np.asarray(d.quad, np.float32).reshape(4, 2)
        out.append((detector.Proposal(quad, d.score, height_px=float(d.digit_height_px)), crop))
    return out


def read_photo(img: np.ndarray, typed: str | None = None, previous: str = "") -> LearnedReading:
    """Find and read the register's digit row in a BGR photo; score ``typed`` on it when given."""
    out = LearnedReading()
    t0 = time.perf_counter()
    props = _dedupe([p for side in DETECT_SIDES for p in detector.propose(img, long_side=side)])
    props = sorted(props, key=lambda p: -p.height)[:MAX_ROWS]  # the register is among the tallest lines
    t1 = time.perf_counter()
    crops = [detector.rectify(img, p.quad, CROP_HEIGHT) for p in props]
    heights = [p.height for p in props]
    rows = _read(crops, heights)
    best, rivals = select.choose(rows)
    if best is None and crops:  # an upside-down photo (a webcam mounted the other way) reads the other way
        crops = [cv2.rotate(c, cv2.ROTATE_180) for c in crops]
        rows = _read(crops, heights)
        best, rivals = select.choose(rows)
    if best is None:  # the text detector misses some large thin-stroke LCD digits: try the row search's rows
        extra = _row_search(img)
        if extra:
            props = props + [p for p, _ in extra]
            crops = crops + [c for _, c in extra]
            heights = heights + [p.height for p, _ in extra]
            rows = _read(crops, heights)
            best, rivals = select.choose(rows)
    out.rows_read = len(crops)
    out.proposals = props
    out.timings = {"detect": t1 - t0, "recognize": time.perf_counter() - t1}
    if best is None:
        return out
    i = best.index % len(crops)
    out.reading, out.confidence, out.char_probs = best.text, best.confidence, best.char_probs
    out.quad, out.proposal = props[i].quad, props[i]
    out.crop = crops[i]
    out.rivals = [r.text for r in rivals]
    # the typed reading, or (none given) the free reading itself: how sure is the row of it?
    out.typed = score_typed(best.logp, best.text if typed is None else typed, previous, best.text)
    return out
