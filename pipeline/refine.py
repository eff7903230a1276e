"""REFINE (part of locate): a search row measured again at work resolution.

A strip is cut along the row's direction with digits REFINE_H px tall; in it the
digit components are found with a local threshold, chained, and the digit band's
top and bottom fitted at both ends (perspective). Also measured there: contrast,
pitch, glare cells next to the row, print beside it, and whether the photo's edge
comes before the display window's edge. :mod:`pipeline.locate` scores the result
and rectifies the display.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.rowsearch import Row

REFINE_H = 40  # px: digit height in the refinement strip
GLARE_LEVEL = 245  # grey level of washed-out (glare) pixels


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


def refine(gray: np.ndarray, row: Row) -> Refined | None:
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
