"""LOCATE: find the meter's kWh display in a photo and rectify it.

Search (:mod:`pipeline.rowsearch`, reduced resolution): candidate digit rows,
scored by count, height, uniformity, pitch regularity and straightness.
Refinement (:mod:`pipeline.refine`, work resolution): cut a strip along the best
rows, find the digit band's top and bottom at both ends (handles perspective).
Here: re-score, and warp the quad to a crop with digits ``NORM_DIGIT_HEIGHT`` tall
and margins for window and legend. The best rows are offered to the reader, best
first.
"""
from __future__ import annotations

import cv2
import numpy as np

from pipeline.context import PhotoContext
from pipeline.display import NORM_DIGIT_HEIGHT, Display
from pipeline.refine import Refined, refine
from pipeline.rowsearch import SEARCH_LONG_SIDE, Row, find_rows, score_row

FINE_LONG_SIDE = 1600  # px: the second search when the first found nothing (small, far meters)
MIN_SCORE = 0.12  # below this no row looks like a display -> None
# crop margins around the digit row, in digit heights: window, legend (right/below) and room
# to see glare on a digit that was lost to it
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 3.5, 3.5, 1.0, 1.2
TOP_K = 8  # search candidates refined and re-scored
ALTERNATIVES = 3  # located rows offered to the reader, best first
SIDE_TEXT_SCALE = 3.0  # characters beside the row (words of a page) that cost a factor e


def _guess_kind(img: np.ndarray, quad: np.ndarray, dark: bool, height: float) -> str:
    """'drum' when the last cell of the row, or the one after it, is a red (tenths) drum,
    or for light digits on a black, unlit ground; else 'lcd'."""
    right = (quad[1] + quad[2]) / 2
    d = quad[1] - quad[0]
    d = d / max(np.linalg.norm(d), 1e-6)
    r = max(3, int(height * 0.45))
    for off in (-0.6, 0.6):  # last cell in the row; a red drum the row stopped before
        x0, y0 = (right + d * height * off).astype(int)
        patch = img[max(0, y0 - r):max(0, y0 + r), max(0, x0 - r):max(0, x0 + r)]
        if patch.size:
            hsv = cv2.cvtColor(patch, cv2.COLOR_BGR2HSV)
            red = ((hsv[..., 0] < 10) | (hsv[..., 0] > 170)) & (hsv[..., 1] > 90) & (hsv[..., 2] > 60)
            if red.mean() > 0.25:
                return "drum"
    if dark:
        return "lcd"
    return "lcd" if _backlit(img, quad) else "drum"


def _backlit(img: np.ndarray, quad: np.ndarray) -> bool:
    """True when the ground around light digits is coloured (a lit LCD), not black drums."""
    x, y, w, h = cv2.boundingRect(quad.astype(np.int32))
    patch = img[max(0, y):y + h, max(0, x):x + w]
    if patch.size == 0:
        return False
    hsv = cv2.cvtColor(patch, cv2.COLOR_BGR2HSV)
    ground = hsv[..., 2] < np.percentile(hsv[..., 2], 50)
    return bool(np.median(hsv[..., 1][ground]) > 80 and np.median(hsv[..., 2][ground]) > 50)


def rectify(img: np.ndarray, quad: np.ndarray, height: float) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Warp the digit-row quad (with margins) to a crop where digits are NORM_DIGIT_HEIGHT tall."""
    top_w = np.linalg.norm(quad[1] - quad[0])
    bot_w = np.linalg.norm(quad[2] - quad[3])
    left_h = np.linalg.norm(quad[3] - quad[0])
    right_h = np.linalg.norm(quad[2] - quad[1])
    mean_h = max((left_h + right_h) / 2, 1.0)
    dw = max(int(round((top_w + bot_w) / 2 / mean_h * NORM_DIGIT_HEIGHT)), 8)
    dh = NORM_DIGIT_HEIGHT
    ml, mr = int(MARGIN_LEFT * dh), int(MARGIN_RIGHT * dh)
    mt, mb = int(MARGIN_TOP * dh), int(MARGIN_BOTTOM * dh)
    dst = np.array([[ml, mt], [ml + dw, mt], [ml + dw, mt + dh], [ml, mt + dh]], np.float32)
    H = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    crop = cv2.warpPerspective(img, H, (ml + dw + mr, mt + dh + mb), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
    return crop, (ml, mt, dw, dh)


def _touches(quad: np.ndarray, shape: tuple[int, ...], height: float) -> bool:
    """The digit row itself comes within a fraction of a digit of the photo's edge."""
    d = quad[1] - quad[0]
    d = d / max(float(np.linalg.norm(d)), 1e-6)
    n = np.array([-d[1], d[0]])
    ext = 0.25 * height
    q = quad.astype(np.float64).copy()
    q[[0, 3]] -= d * ext
    q[[1, 2]] += d * ext
    q[[0, 1]] -= n * 0.25 * height
    q[[2, 3]] += n * 0.25 * height
    h, w = shape[:2]
    return bool((q[:, 0] < 0).any() or (q[:, 1] < 0).any() or (q[:, 0] > w - 1).any() or (q[:, 1] > h - 1).any())


def locate(img: np.ndarray, ctx: PhotoContext | None = None, *, fine: bool = True) -> Display | None:
    """The photo's kWh display, rectified; None when nothing looks like one.

    ``fine``: when the coarse search finds nothing, search again at full resolution
    (far meters with small digits); off where only "is there a display?" matters.
    """
    found = locate_all(img, ctx, fine=fine, limit=1)
    return found[0] if found else None


def locate_all(img: np.ndarray, ctx: PhotoContext | None = None, *, fine: bool = True,
               limit: int = ALTERNATIVES, cut_joined: bool = False) -> list[Display]:
    """The most display-like digit rows, best first (at most ``limit``).

    The first is :func:`locate`'s answer; the others are what the reader tries when
    that one does not read as digits (a brand name or a printed word can out-score
    a small LCD). ``cut_joined``: search again with blobs cut where a decimal point
    joins two digits (a second pass for photos whose first rows did not read: on
    every photo it would also cut letters and glass into digit-like pieces).
    """
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    bgr = img if img.ndim == 3 else cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    cands = _candidates(gray, find_rows(gray, cut=cut_joined))
    best = _choose(cands)
    if best is None and fine and max(gray.shape) > SEARCH_LONG_SIDE:
        # a meter far from the camera: its digits are below the coarse search's smallest
        # blob; search once more at full work resolution (only photos that found nothing pay)
        cands = _candidates(gray, find_rows(gray, FINE_LONG_SIDE, cut=cut_joined))
        best = _choose(cands)
    if best is None:
        return []
    others = sorted((c for c in cands if c is not best and c[0] >= MIN_SCORE), key=lambda c: -c[0])
    return [_display(bgr, img.shape, c) for c in [best, *others][:limit]]


def _display(bgr: np.ndarray, shape: tuple[int, ...], cand: tuple[float, Row, Refined]) -> Display:
    """Rectify one candidate row into a :class:`Display`."""
    score, row, ref = cand
    quad, height = ref.quad, ref.height
    crop, box = rectify(bgr, quad, height)
    return Display(
        kind=_guess_kind(bgr, quad, row.dark, height),
        crop=crop,
        digits_box=box,
        quad=quad,
        digit_height_px=height,
        score=float(min(1.0, score)),
        touches_frame=ref.cut or _touches(quad, shape, height),
        n_digit_candidates=len(ref.comps),
        dark_digits=row.dark,
    )


def _candidates(gray: np.ndarray, rows: list[Row]) -> list[tuple[float, Row, Refined]]:
    """The best search rows refined at work resolution and re-scored."""
    refined: list[tuple[float, Row, Refined]] = []
    for row in _dedupe(rows, TOP_K):
        if row.score < MIN_SCORE * 0.5:
            break
        ref = refine(gray, row)
        if ref is None:
            continue
        refined.append((score_row(ref.comps, int(round(ref.glare_cells)))[0], row, ref))
    # the search scaled every row by the tallest one; when that one is no digit row at
    # work resolution (a background grid, a cable), the tallest refined row sets the scale
    tallest = max((ref.height for shape, _, ref in refined if shape > 0.2 and len(ref.comps) >= 3), default=0.0)
    cands: list[tuple[float, Row, Refined]] = []
    for shape, row, ref in refined:
        size = max(row.size, min(1.0, ref.height / tallest) ** 1.5) if tallest else row.size
        score = shape * size * float(np.clip((ref.contrast - 8) / 22, 0, 1))
        score *= float(np.exp(-ref.side_text / SIDE_TEXT_SCALE))
        cands.append((score, row, ref))
    return cands


def _choose(cands: list[tuple[float, Row, Refined]]) -> tuple[float, Row, Refined] | None:
    """The best candidate, unless it lies inside a taller, fair candidate.

    The holes of a row of '0's form a neat row of their own, and so do the
    segments of large 7-segment digits; the digits around them are taller.
    """
    cands = sorted((c for c in cands if c[0] >= MIN_SCORE), key=lambda c: -c[0])
    if not cands:
        return None
    best = cands[0]
    centre = best[2].quad.mean(axis=0)
    for c in cands[1:]:
        if c[2].height >= 1.3 * best[2].height and c[0] >= 0.35 * best[0]:
            # the taller row, stretched along itself by 1.5 digit heights each way: the
            # holes may belong to digits the taller row's chain did not reach
            quad = c[2].quad.astype(np.float64)
            d = quad[1] - quad[0]
            d *= 1.5 * c[2].height / max(float(np.linalg.norm(d)), 1e-6)
            quad[[0, 3]] -= d
            quad[[1, 2]] += d
            q = quad.reshape(-1, 1, 2).astype(np.float32)
            if cv2.pointPolygonTest(q, (float(centre[0]), float(centre[1])), False) >= 0:
                return c
    return best


def _dedupe(rows: list[Row], limit: int = 1000) -> list[Row]:
    """The first ``limit`` rows, dropping rows of similar height whose centre lies inside
    a better row's extent (the same row seen at another level or polarity)."""
    kept: list[tuple[Row, tuple[float, float, float, float]]] = []
    for r in rows:
        b = r.boxes
        cx, cy = float(np.mean(b[:, 0] + b[:, 2] / 2)), float(np.mean(b[:, 1] + b[:, 3] / 2))
        dup = any(
            0.75 < r.height / k.height < 1.33 and x0 <= cx <= x1 and y0 <= cy <= y1
            for k, (x0, y0, x1, y1) in kept
        )
        if not dup:
            ext = (float(b[:, 0].min()), float(b[:, 1].min()),
                   float((b[:, 0] + b[:, 2]).max()), float((b[:, 1] + b[:, 3]).max()))
            kept.append((r, ext))
            if len(kept) >= limit:
                break
    return [k for k, _ in kept]
