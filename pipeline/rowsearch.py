"""Row search for the locate stage: candidate digit rows of a photo at reduced resolution.

The kWh register is, on practically every meter, the tallest and most regular
row of 4-8 digits on the meter face: equal heights, equal pitch, one baseline.
Serial numbers, ratings, barcodes and stickers are smaller, irregular or alone.

Search (reduced resolution, both polarities, three pyramid levels):
  1. local-mean threshold -> connected components that are digit-sized;
     a 3x3 closing variant also joins the separate segments of 7-segment digits;
  2. link each blob to its nearest right neighbour of similar height, close
     baseline and plausible pitch; chains become candidate rows;
  3. score each row (count, height, uniformity, pitch regularity, straightness).

:mod:`pipeline.locate` refines the best rows at work resolution and rectifies them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SEARCH_LONG_SIDE = 800  # px: long side of the finest search level
# (pyramid level, min blob height, max blob height) in that level's pixels
LEVELS = ((0, 7, 44), (1, 12, 44), (2, 12, 50))
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


# ---------------------------------------------------------------- search


def _med(v: np.ndarray) -> float:
    """np.median of a short 1-d array, without its overhead (called ~100 times a photo)."""
    s = np.sort(v, axis=None)
    n = len(s)
    return float(s[n // 2]) if n % 2 else float(0.5 * (s[n // 2 - 1] + s[n // 2]))


def _fit_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares slope and intercept of y on x: np.polyfit(x, y, 1) without its SVD."""
    xm, ym = float(x.mean()), float(y.mean())
    dx = x - xm
    sxx = float(dx @ dx)
    a = float(dx @ (y - ym)) / sxx if sxx > 0 else 0.0
    return a, ym - a * xm


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
    From 5 spacings on, the one furthest from the median is left out: a digit widened
    by a decimal point joined to it (or an LCD's narrow '1' beside it) shifts one
    spacing, and a row of 6-8 digits must not fail on that alone.
    """
    d = np.diff(np.sort(pos))
    if len(d) == 0:
        return 1.0, 0
    p0 = max(float(d.min()), 0.4 * hm)
    m = np.clip(np.round(d / p0), 1, 3)
    missing = int((m - 1).sum())
    if len(d) >= 5:
        keep = np.argsort(np.abs(d / m - _med(d / m)))[:-1]
        d, m = d[keep], m[keep]
    p = float(d.sum() / m.sum())
    return float(np.std(d / m - p) / max(p, 1e-3)), missing


def score_row(b: np.ndarray, extra_cells: int = 0) -> tuple[float, float]:
    """Shape score of a row (0..1, ignoring absolute size) and its angle.

    ``extra_cells``: cells known to be there but unseen (washed out by glare).
    """
    b = b[np.argsort(b[:, 0] + b[:, 2] / 2)]
    x, y, w, h, fill = b.T[:5]
    cx, cy = x + w / 2, y + h / 2
    n = len(b)
    hm = _med(h)
    slope, icpt = _fit_line(cx, cy)
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
    aspect = _med(w / h)
    cells = n + miss + extra_cells
    # a register has 4-8 cells; 10+ digits in a row are a serial or consumer number
    n_term = {2: 0.3, 3: 0.45, 4: 0.8}.get(cells, 1.0 if cells <= 8 else (0.7 if cells <= 10 else 0.25))
    s = n_term * 0.85**miss
    s *= float(np.exp(-((cv_h / 0.10) ** 2)))
    s *= float(np.exp(-((cv_p / 0.15) ** 2)))
    s *= float(np.exp(-((resid / 0.10) ** 2)))
    s *= 1.0 if 0.25 <= aspect <= 0.95 else 0.5
    s *= 1.0 if _med(fill) < 0.82 else 0.3  # solid bars and blocks are not digits
    return s, angle


def _clutter(boxes: np.ndarray, row: np.ndarray, angle: float) -> float:
    """Characters as tall as the row's digits near it but not in it (text lines of a page).

    Counted within 3 digit heights above and below the row, a word blob
    as as many characters as it is wide; a meter's display window has none (its
    legends and icons are much smaller).
    """
    b = row
    hm = _med(b[:, 3])
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
        hm = _med(b[:, 3])
        cx, cy = b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2
        slope, icpt = _fit_line(cx, cy)
        res = np.abs(cy - (slope * cx + icpt))
        keep = (b[:, 3] <= 1.25 * hm) & (b[:, 3] >= 0.6 * hm) & (res <= max(0.2 * hm, _med(res) * 3))
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


def find_rows(gray: np.ndarray, long_side: int = SEARCH_LONG_SIDE, cut: bool = False) -> list[Row]:
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
                    s, angle = score_row(blobs[idx])
                    if s <= 0.02:
                        continue
                    clutter = _clutter(allb, blobs[idx], angle)
                    s *= float(np.exp(-clutter / CLUTTER_SCALE))
                    gb = blobs[idx, :4] / scale
                    rows.append(Row(gb, dark, s, angle, _med(gb[:, 3]), clutter=clutter))
    if not rows:
        return []
    hmax_all = max((r.height for r in rows if r.score > 0.2 and len(r.boxes) >= 3), default=1.0)
    for r in rows:
        r.size = min(1.0, r.height / hmax_all) ** 1.5
        r.score *= r.size
    rows.sort(key=lambda r: -r.score)
    return rows
