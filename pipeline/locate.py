"""LOCATE: find the meter's kWh display in a photo and rectify it.

Search (:mod:`pipeline.rowsearch`, reduced resolution): candidate digit rows,
scored by count, height, uniformity, pitch regularity and straightness.
Refinement (here, work resolution): cut a strip along the best rows, find the
digit band's top and bottom at both ends (handles perspective), re-score, and
warp the quad to a crop with digits ``NORM_DIGIT_HEIGHT`` tall and margins for
window and legend. The best rows are offered to the reader, best first.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.context import PhotoContext
from pipeline.display import NORM_DIGIT_HEIGHT, Display
from pipeline.rowsearch import SEARCH_LONG_SIDE, Row, find_rows, score_row

FINE_LONG_SIDE = 1600  # px: the second search when the first found nothing (small, far meters)
MIN_SCORE = 0.12  # below this no row looks like a display -> None
# crop margins around the digit row, in digit heights: window, legend (right/below) and room
# to see glare on a digit that was lost to it
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 3.5, 3.5, 1.0, 1.2
REFINE_H = 40  # px: digit height in the refinement strip
TOP_K = 8  # search candidates refined and re-scored
ALTERNATIVES = 3  # located rows offered to the reader, best first
GLARE_LEVEL = 245  # grey level of washed-out (glare) pixels
SIDE_TEXT_SCALE = 3.0  # characters beside the row (words of a page) that cost a factor e


@dataclass
class Refined:
    """A row measured at work resolution in a strip rotated to its direction."""

    quad: np.ndarray  # TL, TR, BR, BL of the digit row (work px)
    height: float  # mean digit height (work px)
    comps: np.ndarray  # (n, 5) digit components in the strip: x, y, w, h, fill
    contrast: float  # |median ink - median ground| in the digit band, 0-255
    pitch: float  # digit pitch (work px)
    glare_cells: float = 0.0  # digit cells washed out by glare next to / inside the row
    cut: bool = False  # the photo's edge comes before the display window's edge
    side_text: int = 0  # well-inked characters as tall as the digits on the same line (a page)


# ---------------------------------------------------------------- refinement


def _strip_components(ink: np.ndarray, depth: np.ndarray, centre: float) -> np.ndarray:
    """Ink components crossing the strip's centre line that are about a digit tall.

    Rows: x, y, w, h, fill, mean ``depth`` (how far the ink stands out from its
    surroundings; LCD ghost segments stand out much less than lit ones).
    """
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    x, y, w, h, a = (stats[1:, i].astype(np.float64) for i in range(5))
    keep = (
        (y <= centre + 3) & (y + h >= centre - 3) & (h >= 0.5 * REFINE_H) & (h <= 1.6 * REFINE_H)
        & (w >= 2) & (w <= 1.4 * REFINE_H)
    )
    fill = a / np.maximum(w * h, 1)
    dsum = np.bincount(labels.ravel(), weights=depth.ravel(), minlength=n)[1:]
    dmean = dsum / np.maximum(a, 1)
    return np.stack([x[keep], y[keep], w[keep], h[keep], fill[keep], dmean[keep]], axis=1)


def _split_wide(ink: np.ndarray, max_aspect: float = 1.0, max_col: float = 0.25) -> np.ndarray:
    """Cut digit-tall components wider than ``max_aspect`` x their height at their thin columns.

    A decimal point between two LCD digits joins them into one wide blob that no
    digit-shaped test accepts; the columns where the join is (one short run of ink,
    at most ``max_col`` of the height, in the lower part, away from the blob's ends)
    are cleared. Columns inside a digit hold two or three bars (a '0', an '8') or a
    bar at the top (a '7'): they are no join.
    """
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    out = ink
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i, :4])
        if h < 0.5 * REFINE_H or h > 1.6 * REFINE_H or w <= max_aspect * h:
            continue
        own = labels[y:y + h, x:x + w] == i
        cols = own.sum(axis=0)
        runs = (own[1:] & ~own[:-1]).sum(axis=0) + own[0]
        first = np.argmax(own, axis=0)  # top of the ink in each column
        thin = (cols <= max_col * h) & (runs == 1) & (first >= 0.5 * h)
        edge = int(0.25 * h)
        thin[:edge] = thin[-edge:] = False
        if thin.any():
            if out is ink:
                out = ink.copy()
            sub = out[y:y + h, x:x + w]
            sub[:, thin & (cols > 0)] = np.where(labels[y:y + h, x:x + w][:, thin & (cols > 0)] == i, 0,
                                                 sub[:, thin & (cols > 0)])
    return out


def _chain(comps: np.ndarray, x0: float, x1: float) -> np.ndarray:
    """Components of the digit row: those over the coarse extent, grown left/right by pitch."""
    if len(comps) >= 2:  # drop faint components (ghost segments) next to well-inked ones
        strong = np.percentile(comps[:, 5], 90)
        comps = comps[comps[:, 5] >= 0.4 * strong]
    cx = comps[:, 0] + comps[:, 2] / 2
    seed = (cx >= x0) & (cx <= x1)
    if seed.sum() < 2:
        return comps[seed]
    hm = float(np.percentile(comps[seed, 3], 75))  # 7-segment '1', '4', '7' are shorter
    ym = float(np.median(comps[seed, 1] + comps[seed, 3] / 2))
    ratio = comps[:, 3] / hm
    fits = (ratio > 0.68) & (ratio < 1.2) & (np.abs(comps[:, 1] + comps[:, 3] / 2 - ym) < 0.2 * hm)
    inrow = seed & fits
    if inrow.sum() < 2:
        return comps[seed]
    p = _row_pitch(cx[inrow], hm)
    right = comps[:, 0] + comps[:, 2]
    for step in (1, -1):  # grow right, then left, one pitch-consistent cell at a time
        while True:
            idx = np.flatnonzero(inrow)
            end = idx[np.argmax(cx[idx] * step)]
            best, best_dev = -1, 0.25
            for i in np.flatnonzero(fits & ~inrow):
                dc = (cx[i] - cx[end]) * step
                if dc <= 0.3 * p:
                    continue
                k = round(dc / p)
                if k not in (1, 2):  # two: one cell lost (glare, a blank)
                    continue
                dev = min(abs(dc / p - k), abs((right[i] - right[end]) * step / p - k))
                if dev < best_dev:
                    best, best_dev = i, dev
            if best < 0:
                break
            inrow[best] = True
    return comps[inrow]


def _row_pitch(cx: np.ndarray, hm: float) -> float:
    """Cell pitch of a row from its digit centres, allowing missing cells."""
    d = np.diff(np.sort(cx))
    if len(d) == 0:
        return 0.8 * hm
    p0 = max(float(d.min()), 0.4 * hm)
    m = np.clip(np.round(d / p0), 1, 3)
    return float(d.sum() / m.sum())


def _side_text(all_comps: np.ndarray, row: np.ndarray) -> int:
    """Characters on the row's line, outside it, as tall and as well inked as its digits.

    A display stands alone in its window (legends are smaller, unlit segments
    fainter); a number on a printed page has words beside it.
    """
    if len(all_comps) == 0 or len(row) == 0:
        return 0
    in_row = (all_comps[:, None, :2] == row[None, :, :2]).all(axis=2).any(axis=1)
    hm = float(np.percentile(row[:, 3], 75))
    ym = float(np.median(row[:, 1] + row[:, 3] / 2))
    strong = 0.4 * float(np.percentile(row[:, 5], 90))
    other = all_comps[~in_row]
    ok = (other[:, 3] >= 0.7 * hm) & (np.abs(other[:, 1] + other[:, 3] / 2 - ym) < 0.25 * hm) & (other[:, 5] >= strong)
    return int(ok.sum())


def _fit_edge(xs: np.ndarray, ys: np.ndarray, tol: float) -> tuple[float, float]:
    """Line y = a x + b through row edge points, dropping the worst outliers once."""
    if len(xs) < 3 or np.ptp(xs) < 1:
        return 0.0, float(np.median(ys))
    a, b = np.polyfit(xs, ys, 1)
    res = np.abs(ys - (a * xs + b))
    good = res <= max(tol, np.median(res) * 3)
    if good.sum() >= 3 and not good.all():
        a, b = np.polyfit(xs[good], ys[good], 1)
    return float(a), float(b)


def _refine(gray: np.ndarray, row: Row) -> Refined | None:
    """Re-find the row at work resolution along its own direction (see :class:`Refined`)."""
    b = row.boxes
    cx, cy = b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2
    ca, sa = np.cos(row.angle), np.sin(row.angle)
    # true digit height from the axis-aligned box of a rotated digit (aspect ~0.55)
    h = row.height / (abs(ca) + 0.55 * abs(sa))
    k = REFINE_H / h
    mx, my = float(np.mean(cx)), float(np.mean(cy))
    u = (cx - mx) * ca + (cy - my) * sa  # along the row
    hw = (b[:, 2] * abs(ca) + b[:, 3] * abs(sa)) / 2  # half width along row (approx)
    u0, u1 = float(np.min(u - hw)), float(np.max(u + hw))
    pad = 4 * REFINE_H
    W = int((u1 - u0) * k + 2 * pad)
    H = 3 * REFINE_H
    # work -> strip: rotate by -angle about (mx, my), scale k, put u0 at x=pad
    M = np.array([[ca * k, sa * k, 0.0], [-sa * k, ca * k, 0.0]], np.float64)
    M[0, 2] = pad - u0 * k - k * (ca * mx + sa * my)
    M[1, 2] = H / 2 - k * (-sa * mx + ca * my)
    strip = cv2.warpAffine(gray, M, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mean = cv2.blur(strip, (31, 31)).astype(np.int16)
    s16 = strip.astype(np.int16)
    ink = ((s16 < mean - 6) if row.dark else (s16 > mean + 6)).astype(np.uint8)
    ink = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    ink = _split_wide(ink)
    ink &= _inside_pixels(M, gray.shape, W, H)  # no ink from the replicated border: a digit cut
    depth = (mean - s16) if row.dark else (s16 - mean)  # by the photo's edge stays a narrow blob
    all_comps = _strip_components(ink, depth.astype(np.float64), H / 2)
    if len(all_comps) < 2:
        return None
    comps = _chain(all_comps, pad, W - pad)
    if len(comps) < 2:
        return None
    xs = comps[:, 0] + comps[:, 2] / 2
    tol = 0.08 * REFINE_H
    full = comps[:, 3] >= 0.88 * comps[:, 3].max()  # digits with both top and bottom bars
    if full.sum() < 2:
        full[:] = True
    at, bt = _fit_edge(xs[full], comps[full, 1], tol)
    ab, bb = _fit_edge(xs[full], comps[full, 1] + comps[full, 3], tol)
    x0, x1 = float(comps[:, 0].min()), float((comps[:, 0] + comps[:, 2]).max())
    d = np.diff(np.sort(xs))
    pitch_s = float(np.median(d)) if len(d) else REFINE_H * 0.8
    gx0, gx1, glare_cells = _glare_extend(strip, x0, x1, pitch_s)
    pts = np.array([
        [x0, at * x0 + bt], [x1, at * x1 + bt], [x1, ab * x1 + bb], [x0, ab * x0 + bb],
    ], np.float64)
    hl, hr = pts[3, 1] - pts[0, 1], pts[2, 1] - pts[1, 1]
    if min(hl, hr) < 0.4 * REFINE_H or max(hl, hr) > 1.8 * REFINE_H:
        return None
    Minv = cv2.invertAffineTransform(M)
    quad = pts @ Minv[:, :2].T + Minv[:, 2]
    height = float((hl + hr) / 2 / k)
    y0, y1 = int(max(0, pts[:, 1].min())), int(min(H, pts[:, 1].max() + 1))
    band, band_ink = s16[y0:y1, int(x0):int(x1) + 1], ink[y0:y1, int(x0):int(x1) + 1] > 0
    contrast = 0.0
    if band_ink.any() and (~band_ink).any():
        contrast = abs(float(np.median(band[band_ink])) - float(np.median(band[~band_ink])))
    if glare_cells > 0:  # the digit row goes on under the glare: include those cells
        pts = np.array([
            [gx0, at * gx0 + bt], [gx1, at * gx1 + bt], [gx1, ab * gx1 + bb], [gx0, ab * gx0 + bb],
        ], np.float64)
        quad = pts @ Minv[:, :2].T + Minv[:, 2]
    side = _side_text(all_comps, comps)
    inside = _inside_columns(M, gray.shape, W, H)
    cut = _cut_off(strip, inside, gx0, gx1, contrast, all_comps, pitch_s)
    return Refined(quad.astype(np.float32), height, comps, contrast, pitch_s / k, glare_cells, cut, side)


def _glare_extend(strip: np.ndarray, x0: float, x1: float, pitch: float) -> tuple[float, float, float]:
    """Washed-out (saturated) stretches of the digit band touching the row or inside it.

    Glare hides whole digits, so the row seems to stop or break where it begins.
    Returns the row's ends extended over adjacent glare and the glare length in cells.
    """
    c = strip.shape[0] // 2
    band = strip[c - int(0.3 * REFINE_H):c + int(0.3 * REFINE_H)]
    washed = (band >= GLARE_LEVEL).mean(axis=0) >= 0.6
    if not washed.any():
        return x0, x1, 0.0
    gap, reach = int(max(0.6 * REFINE_H, 1.5 * pitch)), int(3 * pitch)  # may skip one faint digit
    i0, i1 = int(x0), int(x1)

    def walk(start: int, step: int) -> int:
        """Last washed column of a run starting within ``gap`` of ``start``, else ``start``."""
        end, i, seen = start, start, False
        limit = start + step * reach
        while 0 <= i < len(washed) and (i - limit) * step < 0:
            if washed[i]:
                end, seen = i, True
            elif (i - end) * step > gap and (seen or (i - start) * step > gap):
                break
            i += step
        return end if seen else start

    n0, n1 = walk(i0, -1), walk(i1, 1)
    cells = float(washed[n0:n1 + 1].sum()) / max(pitch, 1.0)
    return float(min(n0, x0)), float(max(n1, x1)), cells if cells >= 0.5 else 0.0


def _in_photo(Minv: np.ndarray, shape: tuple[int, ...], xs: np.ndarray, ys: np.ndarray | float) -> np.ndarray:
    """Do the strip points (xs, ys) map, through the inverse strip transform, into the photo?"""
    px = Minv[0, 0] * xs + Minv[0, 1] * ys + Minv[0, 2]
    py = Minv[1, 0] * xs + Minv[1, 1] * ys + Minv[1, 2]
    return (px >= 0) & (px <= shape[1] - 1) & (py >= 0) & (py <= shape[0] - 1)


def _inside_pixels(M: np.ndarray, shape: tuple[int, ...], W: int, H: int) -> np.ndarray:
    """uint8 mask of the strip pixels that come from inside the photo."""
    xs, ys = np.arange(W, dtype=np.float32), np.arange(H, dtype=np.float32)[:, None]
    return _in_photo(cv2.invertAffineTransform(M), shape, xs, ys).astype(np.uint8)


def _inside_columns(M: np.ndarray, shape: tuple[int, ...], W: int, H: int) -> np.ndarray:
    """Per strip column: does the digit band's centre line lie inside the photo?"""
    Minv = cv2.invertAffineTransform(M)
    xs = np.arange(W, dtype=np.float64)
    ok = np.ones(W, bool)
    for yy in (H / 2 - 0.5 * REFINE_H, H / 2 + 0.5 * REFINE_H):  # top and bottom of the band
        ok &= _in_photo(Minv, shape, xs, yy)
    return ok


def _cut_off(strip: np.ndarray, inside: np.ndarray, x0: float, x1: float, contrast: float,
             comps: np.ndarray, pitch: float) -> bool:
    """Does the photo end before the display window does, on either side of the row?

    Walking out from each end of the row along the digit band, the window's own
    edge is a strong step across the whole band that is not the stroke of a
    digit-sized blob (a partly visible or ghost digit). Reaching the photo's
    edge first (within a few cells) means part of the display may be cut off: digits, or
    blank cells of an LCD whose reading then cannot be trusted to be complete.
    """
    c = strip.shape[0] // 2
    band = strip[c - int(0.35 * REFINE_H):c + int(0.35 * REFINE_H)].astype(np.int16)
    step = np.abs(band[:, 2:] - band[:, :-2])
    strong = (step >= max(15.0, 0.15 * contrast)).mean(axis=0) >= 0.7
    border = np.zeros(strip.shape[1], bool)
    border[1:-1] = strong
    for cx, _, cw, *_ in comps:  # strokes of digit-sized blobs are not the window's edge
        border[max(0, int(cx) - 2):int(cx + cw) + 3] = False
    reach = int(max(3 * REFINE_H, 2 * pitch))
    for start, stop, stepd in ((int(x0), max(-1, int(x0) - reach), -1),
                               (int(x1), min(len(inside), int(x1) + reach), 1)):
        if not inside[min(max(start, 0), len(inside) - 1)]:
            return True
        beyond = int(0.15 * REFINE_H)  # a window edge needs some photo beyond it
        for i in range(start + stepd * int(0.1 * REFINE_H), stop, stepd):
            if not inside[i]:
                return True
            j = i + stepd * beyond
            if border[i] and 0 <= j < len(inside) and inside[j]:
                break
    return False


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
        ref = _refine(gray, row)
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
