"""LOCATE: find the meter's kWh display in a photo and rectify it.

The kWh register is, on practically every meter, the tallest and most regular
row of 4-8 digits on the meter face: equal heights, equal pitch, one baseline.
Serial numbers, ratings, barcodes and stickers are smaller, irregular or alone.

Search (reduced resolution, both polarities, three pyramid levels):
  1. local-mean threshold -> connected components that are digit-sized;
     a 3x3 closing variant also joins the separate segments of 7-segment digits;
  2. link each blob to its nearest right neighbour of similar height, close
     baseline and plausible pitch; chains become candidate rows;
  3. score each row (count, height, uniformity, pitch regularity, straightness).
Refinement (work resolution): cut a strip along the best rows, find the digit
band's top and bottom at both ends (handles perspective), and warp the quad to
a crop with digits ``NORM_DIGIT_HEIGHT`` tall and margins for window and legend.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.context import PhotoContext
from pipeline.display import NORM_DIGIT_HEIGHT, Display

SEARCH_LONG_SIDE = 800  # px: long side of the finest search level
FINE_LONG_SIDE = 1600  # px: the second search when the first found nothing (small, far meters)
# (pyramid level, min blob height, max blob height) in that level's pixels
LEVELS = ((0, 7, 44), (1, 12, 44), (2, 12, 50))
MIN_SCORE = 0.12  # below this no row looks like a display -> None
# crop margins around the digit row, in digit heights: window, legend (right/below) and room
# to see glare on a digit that was lost to it
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 2.0, 2.0, 1.0, 1.2
REFINE_H = 40  # px: digit height in the refinement strip
TOP_K = 5  # search candidates refined and re-scored
ALTERNATIVES = 3  # located rows offered to the reader, best first
GLARE_LEVEL = 245  # grey level of washed-out (glare) pixels
SIDE_TEXT_SCALE = 3.0  # characters beside the row (words of a page) that cost a factor e
CLUTTER_SCALE = 6.0  # blobs of digit size around a row that cost a factor e


@dataclass
class Row:
    """A candidate digit row found at search resolution, in work-image coordinates."""

    boxes: np.ndarray  # (n, 4) x, y, w, h of the digit blobs (work px)
    dark: bool  # True: dark digits on a light ground
    score: float  # shape score x size factor
    angle: float  # radians, row direction vs the x axis
    height: float  # median blob height (work px, axis-aligned)
    size: float = 1.0  # (height / tallest good row) ** 1.5
    clutter: float = 0.0  # digit-sized blobs around the row (see _clutter)


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


# ---------------------------------------------------------------- search


def _binaries(gray: np.ndarray) -> list[tuple[np.ndarray, bool]]:
    """Dark-ink and light-ink masks from a local-mean threshold."""
    g = gray.astype(np.int16)
    mean = cv2.blur(gray, (25, 25)).astype(np.int16)
    local_c = 8
    dark = ((g < mean - local_c).astype(np.uint8)) * 255
    light = ((g > mean + local_c).astype(np.uint8)) * 255
    return [(dark, True), (light, False)]


def _blobs(mask: np.ndarray, hmin: int, hmax: int, cut: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of digit height as (n, 5) x, y, w, h, fill (ink share of the box),
    and the mask of those shaped like a digit (the others are words, bars, blocks).

    ``cut``: a component about as wide as tall is first cut at its thin columns
    (see :func:`_cut_columns`): two LCD digits joined by their decimal point.
    """
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    x, y, w, h, a = (stats[1:, i] for i in range(5))
    wide = np.flatnonzero((h >= hmin) & (h <= hmax * 1.5) & (w > 0.85 * h) & (w <= 2.2 * h)) if cut else []
    if len(wide):
        parts = [_cut_columns(labels, i + 1, stats[i + 1]) for i in wide]
        cut = [i for i, p in zip(wide, parts, strict=True) if p is not None]
        if cut:
            extra = np.array([b for i, p in zip(wide, parts, strict=True) if p is not None for b in p], np.int64)
            keep = np.ones(len(x), bool)
            keep[cut] = False
            x, y, w, h, a = (np.concatenate([v[keep], extra[:, k]]) for k, v in enumerate((x, y, w, h, a)))
    fill = a / np.maximum(w * h, 1)
    tall = (h >= hmin * 0.6) & (h <= hmax * 1.5)
    x, y, w, h, fill = x[tall], y[tall], w[tall], h[tall], fill[tall]
    digit = (
        (h >= hmin) & (h <= hmax) & (w >= 2) & (w <= 1.3 * h) & (w >= 0.08 * h)
        & (fill > 0.12) & (fill < 0.92)  # a solid block is no digit
    )
    return np.stack([x, y, w, h, fill], axis=1).astype(np.float32), digit


def _cut_columns(labels: np.ndarray, i: int, stat: np.ndarray, max_col: float = 0.25) -> list[tuple] | None:
    """Boxes (x, y, w, h, area) of component ``i`` split at columns holding at most
    ``max_col`` of its height (away from its ends); None when there is no such column."""
    x, y, w, h = (int(v) for v in stat[:4])
    sub = labels[y:y + h, x:x + w] == i
    cols = sub.sum(axis=0)
    thin = cols <= max_col * h
    edge = max(1, int(0.25 * h))
    thin[:edge] = False
    thin[-edge:] = False
    if not thin.any():
        return None
    out = []
    start, gap = None, 0
    for c in range(w + 1):
        solid = c < w and not thin[c]
        if solid and start is None:
            if out:
                joint = sub[:, gap + 1:c - 1]  # the thin stretch, less a column at either end
                if c - gap > 0.35 * h or (joint.any() and np.flatnonzero(joint.any(axis=1))[0] < 0.6 * h):
                    return None  # long, or inked above the baseline band: not a decimal point
            start = c
        elif not solid and start is not None:
            rows = np.flatnonzero(sub[:, start:c].any(axis=1))
            ph = rows[-1] - rows[0] + 1 if len(rows) else 0
            if ph < 0.7 * h or c - start > 0.9 * ph:
                return None  # the parts must be digit-tall and digit-narrow
            out.append((x + start, y + int(rows[0]), c - start, int(rows[-1] - rows[0] + 1),
                        int(sub[rows[0]:rows[-1] + 1, start:c].sum())))
            start, gap = None, c
    return out if 2 <= len(out) <= 3 else None  # more parts: a textured block (an LCD's glass)


def _group(boxes: np.ndarray) -> list[np.ndarray]:
    """Chain blobs into rows: nearest right neighbour of similar height and baseline.

    Returns index arrays into ``boxes`` (rows of at least 2 blobs).
    """
    n = len(boxes)
    if n < 2:
        return []
    sel = np.arange(n)
    if n > 700:  # keep the tallest; digits of the display are among them
        sel = np.argsort(-boxes[:, 3])[:700]
        boxes = boxes[sel]
        n = 700
    x, y, w, h = boxes.T[:4]
    cx, cy = x + w / 2, y + h / 2
    dx = cx[None, :] - cx[:, None]
    dy = np.abs(cy[None, :] - cy[:, None])
    hr = h[None, :] / h[:, None]
    hi = h[:, None]
    ok = (
        (dx > 0.2 * hi) & (dx < 2.0 * hi) & (hr > 0.72) & (hr < 1.39)
        & (dy < 0.4 * dx + 0.12 * hi)
        & (x[None, :] > x[:, None] + 0.5 * w[:, None])  # not nested / overlapping much
    )
    cost = np.where(ok, dx + 2.0 * dy, np.inf)
    nxt = np.argmin(cost, axis=1)
    has = np.isfinite(cost[np.arange(n), nxt])
    # union-find over the links; keep only one incoming link per blob
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    taken = np.zeros(n, bool)
    order = np.argsort(cost[np.arange(n), nxt])
    for i in order:
        if not has[i]:
            continue
        j = nxt[i]
        if taken[j]:
            continue
        taken[j] = True
        parent[find(i)] = find(j)
    roots = np.array([find(i) for i in range(n)])
    groups = []
    for r in np.unique(roots):
        idx = np.flatnonzero(roots == r)
        if len(idx) >= 2:
            groups.append(sel[idx])
    return groups


def _pitch_cv(pos: np.ndarray, hm: float) -> tuple[float, int]:
    """Irregularity of the spacing of sorted positions, allowing whole missing cells.

    Returns (coefficient of variation of the cell pitch, number of missing cells).
    """
    d = np.diff(np.sort(pos))
    if len(d) == 0:
        return 1.0, 0
    p0 = max(float(d.min()), 0.4 * hm)
    m = np.clip(np.round(d / p0), 1, 3)
    p = float(d.sum() / m.sum())
    return float(np.std(d / m - p) / max(p, 1e-3)), int((m - 1).sum())


def _score_row(b: np.ndarray, extra_cells: int = 0) -> tuple[float, float]:
    """Shape score of a row (0..1, ignoring absolute size) and its angle.

    ``extra_cells``: cells known to be there but unseen (washed out by glare).
    """
    b = b[np.argsort(b[:, 0] + b[:, 2] / 2)]
    x, y, w, h, fill = b.T[:5]
    cx, cy = x + w / 2, y + h / 2
    n = len(b)
    hm = float(np.median(h))
    slope, icpt = np.polyfit(cx, cy, 1)
    angle = float(np.arctan(slope))
    if abs(angle) > np.radians(28):
        return 0.0, angle
    resid = float(np.sqrt(np.mean((cy - (slope * cx + icpt)) ** 2))) / hm
    # tallest half only: 7-segment '1', '4', '7' lack the top/bottom bars and rotated '1's look short
    tall = np.sort(h)[n // 2:]
    cv_h = float(np.std(tall) / np.mean(tall))
    ca, sa = np.cos(angle), np.sin(angle)
    cv_c, miss_c = _pitch_cv(cx * ca + cy * sa, hm)
    cv_r, miss_r = _pitch_cv((x + w) * ca + cy * sa, hm)
    cv_p, miss = (cv_c, miss_c) if cv_c <= cv_r else (cv_r, miss_r)
    aspect = float(np.median(w / h))
    cells = n + miss + extra_cells
    # a register has 4-8 cells; 10+ digits in a row are a serial or consumer number
    n_term = {2: 0.3, 3: 0.45, 4: 0.8}.get(cells, 1.0 if cells <= 8 else (0.7 if cells <= 10 else 0.25))
    s = n_term * 0.85**miss
    s *= float(np.exp(-((cv_h / 0.10) ** 2)))
    s *= float(np.exp(-((cv_p / 0.15) ** 2)))
    s *= float(np.exp(-((resid / 0.10) ** 2)))
    s *= 1.0 if 0.25 <= aspect <= 0.95 else 0.5
    s *= 1.0 if np.median(fill) < 0.82 else 0.3  # solid bars and blocks are not digits
    return s, angle


def _clutter(boxes: np.ndarray, row: np.ndarray, angle: float) -> float:
    """Characters as tall as the row's digits near it but not in it (text lines of a page).

    Counted within 3 digit heights above and below the row, a word blob
    as as many characters as it is wide; a meter's display window has none (its
    legends and icons are much smaller).
    """
    b = row
    hm = float(np.median(b[:, 3]))
    cx, cy = boxes[:, 0] + boxes[:, 2] / 2, boxes[:, 1] + boxes[:, 3] / 2
    rx, ry = b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2
    mx, my = rx.mean(), ry.mean()
    ca, sa = np.cos(angle), np.sin(angle)
    u = (cx - mx) * ca + (cy - my) * sa
    v = -(cx - mx) * sa + (cy - my) * ca
    ru = (rx - mx) * ca + (ry - my) * sa
    u0, u1 = ru.min() - 0.5 * hm, ru.max() + 0.5 * hm
    similar = (boxes[:, 3] > 0.6 * hm) & (boxes[:, 3] < 1.5 * hm) & (boxes[:, 2] < 12 * hm)
    near = (u > u0 - 3 * hm) & (u < u1 + 3 * hm) & (np.abs(v) < 3 * hm)
    off_row = np.abs(v) >= 0.6 * hm  # lines above/below; beside the row may be LCD ghost digits
    mask = similar & near & off_row
    return float(np.sum(np.maximum(1.0, boxes[mask, 2] / (0.6 * hm))))


def _prune(boxes: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Drop blobs of a chained row that are too tall for it or off its line.

    Chaining happily picks up an index digit, a legend letter or a ghost cell at
    either end; one such blob would spoil the row's height and angle.
    """
    for _ in range(2):
        if len(idx) < 3:
            return idx
        b = boxes[idx]
        hm = float(np.median(b[:, 3]))
        cx, cy = b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2
        slope, icpt = np.polyfit(cx, cy, 1)
        res = np.abs(cy - (slope * cx + icpt))
        keep = (b[:, 3] <= 1.25 * hm) & (b[:, 3] >= 0.6 * hm) & (res <= max(0.2 * hm, np.median(res) * 3))
        if keep.all():
            return idx
        idx = idx[keep]
    return idx


def _pair_ok(b: np.ndarray) -> bool:
    """Two blobs may be a short display (e.g. '58' with blank leading cells) only if
    both look like digits of one font: same height, digit-like aspect and ink share."""
    h, w, fill = b[:, 3], b[:, 2], b[:, 4]
    asp = w / h
    return bool(
        max(h) / min(h) < 1.15 and ((asp > 0.3) & (asp < 0.85)).all() and ((fill > 0.2) & (fill < 0.7)).all()
    )


def _find_rows(gray: np.ndarray, long_side: int = SEARCH_LONG_SIDE, cut: bool = False) -> list[Row]:
    """All candidate digit rows of the photo, best first (work coordinates)."""
    s0 = min(1.0, long_side / max(gray.shape))
    pyr = [cv2.resize(gray, None, fx=s0, fy=s0, interpolation=cv2.INTER_AREA) if s0 < 1 else gray]
    for _ in range(2):
        pyr.append(cv2.pyrDown(pyr[-1]))
    rows: list[Row] = []
    k3 = np.ones((3, 3), np.uint8)
    for lvl, hmin, hmax in LEVELS:
        img = pyr[lvl]
        scale = s0 / (2**lvl)
        for mask, dark in _binaries(img):
            for m in (mask, cv2.morphologyEx(mask, cv2.MORPH_CLOSE, k3)):
                allb, digit = _blobs(m, hmin, hmax, cut)
                blobs = allb[digit]
                for idx in _group(blobs):
                    idx = _prune(blobs, idx)
                    if len(idx) < 2 or (len(idx) == 2 and not _pair_ok(blobs[idx])):
                        continue
                    s, angle = _score_row(blobs[idx])
                    if s <= 0.02:
                        continue
                    clutter = _clutter(allb, blobs[idx], angle)
                    s *= float(np.exp(-clutter / CLUTTER_SCALE))
                    gb = blobs[idx, :4] / scale
                    rows.append(Row(gb, dark, s, angle, float(np.median(gb[:, 3])), clutter=clutter))
    if not rows:
        return []
    hmax_all = max((r.height for r in rows if r.score > 0.2 and len(r.boxes) >= 3), default=1.0)
    for r in rows:
        r.size = min(1.0, r.height / hmax_all) ** 1.5
        r.score *= r.size
    rows.sort(key=lambda r: -r.score)
    return rows


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

    A decimal point between two LCD digits, or a glare bridge, joins them into one
    wide blob that no digit-shaped test accepts; the columns where the join is
    (ink over at most ``max_col`` of the height, away from the blob's ends) are cleared.
    """
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    out = ink
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i, :4])
        if h < 0.5 * REFINE_H or h > 1.6 * REFINE_H or w <= max_aspect * h:
            continue
        cols = (labels[y:y + h, x:x + w] == i).sum(axis=0)
        thin = cols <= max_col * h
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
    cands = _candidates(gray, _find_rows(gray, cut=cut_joined))
    best = _choose(cands)
    if best is None and fine and max(gray.shape) > SEARCH_LONG_SIDE:
        # a meter far from the camera: its digits are below the coarse search's smallest
        # blob; search once more at full work resolution (only photos that found nothing pay)
        cands = _candidates(gray, _find_rows(gray, FINE_LONG_SIDE, cut=cut_joined))
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
    cands: list[tuple[float, Row, Refined]] = []
    for row in _dedupe(rows, TOP_K):
        if row.score < MIN_SCORE * 0.5:
            break
        ref = _refine(gray, row)
        if ref is None:
            continue
        shape, _ = _score_row(ref.comps, int(round(ref.glare_cells)))
        score = shape * row.size * float(np.clip((ref.contrast - 8) / 22, 0, 1))
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
