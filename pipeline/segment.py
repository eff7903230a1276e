"""Digit-row geometry for the read stage: where the digits, blank positions, decimal
point and colon of a located display are, independent of one threshold.

Per display (rectified crop, digits ~64 px tall), from the geometry of the row:

1. Ink: local contrast against a morphological background (black-hat /
   top-hat wider than a stroke), so glare and uneven light do not move the
   threshold and faint LCD ghost segments stay below it. Polarity: the
   background is the majority of the row; drums default to light digits.
2. Geometry: slant = the shear giving the sharpest column profile; after
   deslanting, parts are grouped into digit blobs (seven-segment bodies are
   their vertical strokes; segments drawn apart are joined through their
   horizontal segments); digit height, width and pitch come from the blobs;
   joined digits are cut at thin bridges; empty positions inside the row
   become cells at the pitch.
3. Marks (decimal point, colon, red tenths drum): :mod:`pipeline.marks`.

:mod:`pipeline.read` classifies the cells and turns them into a reading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.display import NORM_DIGIT_HEIGHT, Display


@dataclass
class Row:
    """The deslanted digit row and what was measured on it."""

    gray: np.ndarray  # deslanted grey row, ink polarity unchanged
    bgr: np.ndarray  # deslanted colour row (red tenths drum)
    mask: np.ndarray  # binary ink mask (255 = ink)
    origin: tuple[int, int]  # (x, y) of the row image in the crop
    slant: float  # tan of the slant removed (top moves right)
    dark_ink: bool
    height: float  # digit height (px)
    top: int = 0
    bottom: int = 0
    vert: np.ndarray | None = None  # vertical strokes of the mask (seven-segment bodies)
    clipped: tuple[bool, bool] = (False, False)  # the crop's left / right edge cuts the row margin


@dataclass
class Cell:
    """One digit position in row coordinates (after deslanting)."""

    x0: float
    x1: float
    kind: str = "blob"  # "blob" (ink found), "gap" (empty position inside the row), "dash"
    ink_h: float = 0.0  # height of the ink blob (px)
    body0: float = math.inf  # left edge of the digit's own vertical strokes (blobs only)
    body1: float = -math.inf  # right edge of them


def _x_overlap(a: list[float], b: list[float]) -> float:
    """Width over which boxes [x0, y0, x1, y1, ...] overlap in x (negative: the gap between them)."""
    return min(a[2], b[2]) - max(a[0], b[0])


def _union(a: list[float], b: list[float]) -> list[float]:
    """The box [x0, y0, x1, y1] holding both boxes."""
    return [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]


def odd(v: float) -> int:
    return max(3, int(round(v)) | 1)


def _shear(img: np.ndarray, k: float, yc: float, border: int = cv2.BORDER_REPLICATE) -> np.ndarray:
    """Shift each row by -k*(yc - y): undoes a slant whose top leans right by k per px."""
    if abs(k) < 1e-3:
        return img.copy()
    M = np.float32([[1, k, -k * yc], [0, 1, 0]])
    flags = cv2.INTER_NEAREST if img.dtype == np.uint8 and img.ndim == 2 and img.max() <= 1 else cv2.INTER_LINEAR
    return cv2.warpAffine(img, M, (img.shape[1], img.shape[0]), flags=flags, borderMode=border)


def _estimate_slant(mask: np.ndarray, yc: float) -> float:
    """Shear (tan) in [-0.1, 0.36] whose deslanted column profile is sharpest."""
    ys, xs = np.nonzero(mask)
    if len(xs) < 20:
        return 0.0
    width = mask.shape[1] + mask.shape[0]
    best_k, best = 0.0, -1.0
    for k in np.arange(-0.1, 0.361, 0.02):
        cols = np.round(xs + k * (ys - yc)).astype(np.int64) + mask.shape[0]
        prof = np.bincount(np.clip(cols, 0, width * 2), minlength=width * 2).astype(np.float64)
        score = float((prof ** 2).sum())
        if score > best * 1.002:  # prefer the smallest slant among near-ties
            best_k, best = float(k), score
    return best_k


def _ink_mask(gray: np.ndarray, H: float, dark_ink: bool) -> np.ndarray:
    """Binary ink mask from local contrast: black-hat / top-hat wider than a stroke, so the
    threshold follows the local background (glare, uneven light), not one global level."""
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (odd(0.45 * H), odd(0.45 * H)))
    ink = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT if dark_ink else cv2.MORPH_TOPHAT, k)
    t_otsu, _ = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return ((ink > max(float(t_otsu), 0.33 * float(np.percentile(ink, 99.5)), 12.0)) * 255).astype(np.uint8)


def _plausible(mask: np.ndarray, H: float) -> np.ndarray:
    """The mask without parts that cannot belong to a digit (frame edges, big glare blobs)."""
    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    h, w = stats[:, 3], stats[:, 2]
    keep = (h <= 1.35 * H) & (w <= 2.5 * H)
    keep[0] = False
    return (keep[lab] * 255).astype(np.uint8)


def _polarity(g: np.ndarray, display: Display) -> bool:
    """True for dark digits. The background is the majority of the row image (median near
    the light or the dark end); when that is unclear, drums have light digits and LCDs
    dark ones. A drum keeps the locator's polarity: bright drum edges and the plate
    confuse the majority vote."""
    if display.kind == "drum" and display.dark_digits is not None:
        return display.dark_digits
    lo, med, hi = np.percentile(g, (5, 50, 95)) if g.size else (0.0, 128.0, 255.0)
    pos = (med - lo) / max(hi - lo, 1.0)
    return bool(pos > 0.5) if (pos > 0.62 or pos < 0.38) else display.kind != "drum"


def row_image(display: Display, dark_ink: bool | None = None, wider: tuple[float, float] = (0.0, 0.0)) -> Row:
    """Cut, threshold and deslant the digit row of ``display`` (``dark_ink``: forced polarity;
    ``wider``: extra margin left / right, in digit heights)."""
    crop = display.crop
    x, y, w, h = (int(round(v)) for v in display.digits_box)
    H = float(h) if h > 8 else float(NORM_DIGIT_HEIGHT)
    # a digit the locator left out still falls inside (an LCD's small decimals sit further
    # out; a drum window's frame comes close after the last drum)
    mx, my = int((1.5 if display.kind == "lcd" else 1.1) * H), int(0.25 * H)
    mxl, mxr = mx + int(wider[0] * H), mx + int(wider[1] * H)
    X0, Y0 = max(0, x - mxl), max(0, y - my)
    X1, Y1 = min(crop.shape[1], x + w + mxr), min(crop.shape[0], y + h + my)
    bgr = crop[Y0:Y1, X0:X1]
    if bgr.ndim == 2:
        bgr = cv2.cvtColor(bgr, cv2.COLOR_GRAY2BGR)
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    g = cv2.GaussianBlur(gray, (3, 3), 0)
    if dark_ink is None:
        dark_ink = _polarity(g, display)
    mask = _ink_mask(g, H, dark_ink)
    mask = _plausible(mask, H)
    yc = (y - Y0) + h / 2.0
    slant = _estimate_slant(mask, yc)
    mask = (_shear(mask, slant, yc, cv2.BORDER_CONSTANT) > 127).astype(np.uint8) * 255
    return Row(gray=_shear(gray, slant, yc), bgr=_shear(bgr, slant, yc), mask=mask, origin=(X0, Y0),
               slant=slant, dark_ink=dark_ink, height=H, top=y - Y0, bottom=y - Y0 + h,
               clipped=(x - mxl < 0, x + w + mxr > crop.shape[1]))


def digit_blobs(row: Row, kind: str) -> tuple[list[list[float]], list[float]]:
    """Digit blobs [x0, y0, x1, y1, body_x0, body_x1] and x centres of date dashes.

    Tall parts overlapping in x are one digit; short parts inside the digit band
    join the digit they overlap (horizontal segments). For seven-segment digits
    the body is the span of the blob's own vertical strokes, so a decimal point
    or colon touching a digit does not widen it.
    """
    n, labels, stats, _ = cv2.connectedComponentsWithStats(row.mask, connectivity=8)
    Hb = row.height
    tall, small = [], []
    W = row.mask.shape[1]
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if area < max(4, 0.0015 * Hb * Hb) or ((x == 0 or x + w >= W) and h < 0.75 * Hb):
            continue  # specks, and small parts cut by the row's ends (legend, window frame)
        (tall if h >= 0.3 * Hb else small).append([float(x), float(y), float(x + w), float(y + h), i])
    tall.sort(key=lambda b: b[0])
    if tall and kind == "drum":  # a part that starts low and hangs below the row is a decimal comma
        # (gas and water counters) or print under the row, not a digit: it must not join the digit it
        # touches (an LCD's decimal point is a mark, found in the mask)
        hs = np.array([b[3] - b[1] for b in tall])
        full = [b for b, h in zip(tall, hs, strict=True) if h >= 0.7 * hs.max()]
        t0, b0 = float(np.median([b[1] for b in full])), float(np.median([b[3] for b in full]))
        low = [b[1] > t0 + 0.35 * (b0 - t0) and b[3] > b0 + 0.1 * (b0 - t0)
               and b[2] - b[0] <= 0.3 * (b0 - t0) and 0 < b[0] and b[2] < W  # a rolling digit is wider
               for b in tall]
        tall = [b for b, lo in zip(tall, low, strict=True) if not lo]
    groups: list[list[float]] = []
    ids: list[list[int]] = []
    for b in tall:
        if groups:
            g = groups[-1]
            if _x_overlap(g, b) > 0.3 * min(g[2] - g[0], b[2] - b[0]):
                groups[-1] = _union(g, b)
                ids[-1].append(int(b[4]))
                continue
        groups.append(list(b[:4]))
        ids.append([int(b[4])])
    # a thin line taller than a digit, or running out of the row image, is the display
    # window's edge (often broken in pieces), never a '1'
    Hm = row.mask.shape[0]
    edge = [g[2] - g[0] <= 0.25 * Hb and (g[3] - g[1] >= 1.3 * Hb or (g[3] - g[1] >= 0.8 * Hb and (
        g[1] <= 1 or g[3] >= Hm - 1))) for g in groups]
    groups = [g for g, e in zip(groups, edge, strict=True) if not e]
    ids = [i for i, e in zip(ids, edge, strict=True) if not e]
    if not groups:
        return [], []
    tallest = max(g[3] - g[1] for g in groups)
    big = [g for g in groups if g[3] - g[1] >= 0.5 * tallest]
    band_t, band_b = float(np.median([g[1] for g in big])), float(np.median([g[3] for g in big]))
    hb = band_b - band_t
    rest = []
    for b in small:
        w = b[2] - b[0]
        owner = None
        if b[1] >= band_t - 0.12 * hb and b[3] <= band_b + 0.12 * hb and not (w <= 0.25 * hb and b[3] - b[1] <= 0.25 * hb):
            owner = next((j for j, g in enumerate(groups) if _x_overlap(g, b) > 0.5 * w), None)
        if owner is not None:  # a horizontal segment of that digit
            g = groups[owner]
            groups[owner] = _union(g, b)
            ids[owner].append(int(b[4]))
        else:
            rest.append(b)
    if kind == "lcd":
        rest = _bridge_segments(groups, ids, rest, hb)
        rest = _stack_strokes(groups, ids, rest, hb, band_t, band_b)
    keep = [j for j, g in enumerate(groups) if 0.6 * hb <= g[3] - g[1] <= 1.9 * hb]
    if not keep:
        return [], []
    digits = [groups[j] for j in keep]
    top = float(np.median([g[1] for g in digits]))
    bot = float(np.median([g[3] for g in digits]))
    row.top, row.bottom, row.height = int(round(top)), int(round(bot)), max(8.0, bot - top)
    H = bot - top
    vert = row.mask
    if kind == "lcd":
        vert = cv2.morphologyEx(row.mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, odd(0.28 * H))))
    row.vert = vert
    for j, g in zip(keep, digits, strict=True):
        x0, x1 = int(g[0]), int(g[2])
        own = np.isin(labels[int(top):int(bot) + 1, x0:x1], ids[j]) & (vert[int(top):int(bot) + 1, x0:x1] > 0)
        cols = np.nonzero(own.any(axis=0))[0]
        g += [g[0] + float(cols.min()), g[0] + float(cols.max()) + 1] if len(cols) else [g[0], g[2]]
    dashes = [(b[0] + b[2]) / 2 for b in rest if kind == "lcd"
              and 0.2 * H <= b[2] - b[0] <= 0.8 * H and b[3] - b[1] <= 0.3 * H
              and abs((b[1] + b[3]) / 2 - (top + bot) / 2) <= 0.2 * H]
    return digits, dashes


def _stack_strokes(groups: list[list[float]], ids: list[list[int]], rest: list[list[float]], hb: float,
                   band_t: float, band_b: float, *, min_span: float = 0.6) -> list[list[float]]:
    """Make a digit of an upper and a lower vertical stroke left over, in place (a '1' on a
    faint LCD: each of its two segments thresholds shorter than a third of the digit, so
    neither counts as a digit part); return the parts left over.

    The strokes must be upright (1.5 times as tall as wide), inside the digit band, one
    above the other and overlapping in x, together spanning ``min_span`` of the band:
    colon dots and a decimal point are no strokes, legend letters stand side by side.
    """
    strokes = [b for b in rest if b[3] - b[1] >= 1.5 * (b[2] - b[0]) and b[3] - b[1] >= 0.15 * hb
               and b[1] >= band_t - 0.12 * hb and b[3] <= band_b + 0.12 * hb]
    used: set[int] = set()
    for up in sorted(strokes, key=lambda b: b[1]):
        if int(up[4]) in used:
            continue
        for lo in strokes:
            if int(lo[4]) in used or lo is up or lo[1] < up[3] - 0.05 * hb:
                continue
            overlap = _x_overlap(up, lo)
            if overlap > 0.3 * min(up[2] - up[0], lo[2] - lo[0]) and lo[3] - up[1] >= min_span * hb:
                box = [min(up[0], lo[0]), up[1], max(up[2], lo[2]), lo[3]]
                at = next((j for j, g in enumerate(groups) if g[0] > box[0]), len(groups))
                groups.insert(at, box)
                ids.insert(at, [int(up[4]), int(lo[4])])
                used |= {int(up[4]), int(lo[4])}
                break
    return [b for b in rest if int(b[4]) not in used]


def _bridge_segments(groups: list[list[float]], ids: list[list[int]], rest: list[list[float]], hb: float,
                     *, reach: float = 0.12, max_width: float = 0.9) -> list[list[float]]:
    """Join two neighbouring vertical-stroke groups through a horizontal segment that
    spans the gap between them, in place; return the parts left over.

    On LCDs whose segments are drawn apart (fuel pumps, some meters) a '4' or '2'
    is two columns of strokes with free horizontal segments between them. A part
    counts as a bridge when each of its ends lies within ``reach`` digit heights of
    the two groups and the joined digit is at most ``max_width`` heights wide, so
    the horizontal of a '3' next to a '1' (which ends far from the '1') joins
    nothing.
    """
    left: list[list[float]] = []
    bridged: set[int] = set()  # digits joined here, by their first component's label
    for b in rest:
        w = b[2] - b[0]
        owner = next((j for j, g in enumerate(groups) if ids[j][0] in bridged
                      and _x_overlap(g, b) > 0.5 * w
                      and b[1] >= g[1] - reach * hb and b[3] <= g[3] + reach * hb), None)
        if owner is not None:  # another segment of a digit joined by an earlier bridge
            g = groups[owner]
            groups[owner] = _union(g, b)
            ids[owner].append(int(b[4]))
            continue
        j = next((j for j in range(len(groups) - 1)
                  if groups[j][2] <= b[2] and b[0] <= groups[j + 1][0]
                  and b[0] - groups[j][2] <= reach * hb and groups[j + 1][0] - b[2] <= reach * hb
                  and groups[j + 1][2] - groups[j][0] <= max_width * hb
                  and b[1] >= min(groups[j][1], groups[j + 1][1]) - reach * hb
                  and b[3] <= max(groups[j][3], groups[j + 1][3]) + reach * hb), None)
        if j is None:
            left.append(b)
            continue
        g, h = groups[j], groups.pop(j + 1)
        groups[j] = [min(g[0], h[0], b[0]), min(g[1], h[1], b[1]), max(g[2], h[2], b[2]), max(g[3], h[3], b[3])]
        ids[j] += ids.pop(j + 1) + [int(b[4])]
        bridged.add(ids[j][0])
    return left


def _split_wide(row: Row, x0: float, x1: float, wd: float) -> list[float]:
    """Cut points splitting [x0, x1) at thin bridges until no piece is wider than a digit.

    Cuts only where no vertical stroke is (so a '0' is never halved) and where the
    column holds little ink (a colon, a decimal point or blur joining two digits).
    """
    H = row.height
    if x1 - x0 <= 1.3 * wd:
        return []
    rows = slice(int(row.top), int(row.bottom) + 1)
    cols = slice(int(x0), int(x1))
    prof = (row.mask[rows, cols] > 0).sum(axis=0).astype(np.float32)
    if row.vert is not row.mask:  # seven-segment: never cut through a vertical stroke
        prof[(row.vert[rows, cols] > 0).any(axis=0)] = np.inf
    lo, hi = int(0.25 * wd), len(prof) - int(0.25 * wd)
    if hi <= lo:
        return []
    vert = row.vert[rows, cols] > 0
    mid = vert.shape[0] // 2
    upper, lower = vert[:mid].any(axis=0), vert[mid:].any(axis=0)

    def whole(a: int, b: int) -> bool:  # a digit has strokes in its upper and its lower half
        return bool(upper[a:b].any() and lower[a:b].any())

    for k in lo + np.argsort(prof[lo:hi], kind="stable"):
        if prof[k] > 0.3 * H:
            break
        if whole(0, int(k)) and whole(int(k) + 1, len(prof)):
            cut = float(int(x0) + int(k))
            return _split_wide(row, x0, cut, wd) + [cut] + _split_wide(row, cut + 1, x1, wd)
    return []


def pitch_cells(row: Row, digits: list[list[float]], dashes: list[float], kind: str) -> tuple[list[Cell], float, float]:
    """Cells at the digit pitch: merged blobs split, empty positions inside the row inserted.

    Returns (cells, pitch, typical digit width). A cell spans one pitch around the
    digit centre; seven-segment '1's sit at the right of their cell.
    """
    H = row.height
    widths = [g[2] - g[0] for g in digits]  # boxes: a '3' has strokes on one side only
    wmax = (0.9 if kind == "lcd" else 1.2) * H  # one digit, not a '1' nor joined digits
    wide = [w for w in widths if 0.35 * H <= w <= wmax]
    wd = float(np.median(wide)) if wide else float(np.clip(np.median(widths), 0.35 * H, wmax))
    pieces = []
    rows = slice(int(row.top), int(row.bottom) + 1)
    for g in digits:  # digits joined by a colon, a dot or blur are cut at thin bridges
        # (a drum digit near the camera is wider than the median; two joined drums are ~2x)
        cuts = [g[4]] + _split_wide(row, g[4], g[5], wd if kind == "lcd" else 1.25 * wd) + [g[5]]
        if len(cuts) == 2 and g[5] - g[4] > 1.6 * wd:  # fused without a thin bridge: even split
            n = int(round((g[5] - g[4]) / (1.15 * wd)))
            cuts = [g[4] + j * (g[5] - g[4]) / n for j in range(n + 1)]
        for a, b in zip(cuts, cuts[1:], strict=False):
            vc = np.nonzero((row.vert[rows, int(a):int(b) + 1] > 0).any(axis=0))[0]
            if len(vc):  # a piece without a stroke (a lone colon or dot) is no digit
                ys = np.nonzero((row.mask[:, int(a):int(b) + 1] > 0).any(axis=1))[0]
                pieces.append((int(a) + float(vc.min()), int(a) + float(vc.max()) + 1, float(ys.max() - ys.min() + 1)))
    refs: list[tuple[float, float, float, float]] = []  # (x reference, ink height, stroke edges)
    for x0, x1, ih in pieces:
        w = x1 - x0
        n = max(1, int(round(w / (wd * 1.25)))) if w > 1.6 * wd else 1
        if n > 1:  # touching digits: split evenly
            refs += [(x0 + (j + 0.5) * w / n, ih, x0 + j * w / n, x0 + (j + 1) * w / n) for j in range(n)]
        elif kind == "lcd" and w < 0.75 * wd:
            refs.append((x1 - wd / 2, ih, x0, x1))
        else:
            refs.append(((x0 + x1) / 2, ih, x0, x1))
    refs.sort()
    # pitch from full-height blobs: short ink beside the row (glare, a window edge) would
    # otherwise set a pitch of its own spacing
    tall_ih = 0.8 * float(np.median([r[1] for r in refs])) if refs else 0.0
    full = [r[0] for r in refs if r[1] >= tall_ih]
    diffs = np.diff(full if len(full) >= 2 else [r[0] for r in refs])
    pitch = max(_commonest_step(diffs), wd * 1.05) if len(diffs) else wd * 1.35
    if kind == "drum":  # (an LCD's smaller decimal digits may sit closer than a pitch)
        refs = _merge_close(refs, 0.45 * pitch)
    inner = [d for d in dashes if refs and refs[0][0] < d < refs[-1][0]]  # date dashes sit between digits
    items = sorted([(r, "blob", ih, (b0, b1)) for r, ih, b0, b1 in refs]
                   + [(d, "dash", 0.0, (math.inf, -math.inf)) for d in inner])
    half = min(pitch, 1.15 * wd + 0.3 * H) / 2.0
    cells: list[Cell] = []
    prev = None
    for r, what, ih, (b0, b1) in items:
        if prev is not None:
            extra = int(round((r - prev) / pitch)) - 1
            for j in range(1, extra + 1):
                c = prev + j * (r - prev) / (extra + 1)
                cells.append(Cell(c - half, c + half, "gap"))
        cells.append(Cell(r - half, r + half, what, ih, b0, b1))
        prev = r
    return cells, pitch, wd


def _merge_close(refs: list[tuple[float, float, float, float]], near: float) -> list[tuple[float, float, float, float]]:
    """Pieces whose references lie closer than ``near`` are one digit: a drum window's
    shadowed edge beside the digit it frames, never two digits (they sit a pitch apart)."""
    out: list[tuple[float, float, float, float]] = []
    for r in refs:
        if out and r[0] - out[-1][0] < near:
            p = out[-1]
            b0, b1 = min(p[2], r[2]), max(p[3], r[3])
            out[-1] = ((b0 + b1) / 2, max(p[1], r[1]), b0, b1)
        else:
            out.append(r)
    return out


def _commonest_step(diffs: np.ndarray, tol: float = 0.15) -> float:
    """The digit pitch: the spacing most neighbour pairs share (within ``tol``), the
    smaller on a tie. Not the smallest spacing: a speck or a window frame next to a
    digit would set it, and gap cells would then be read between every two digits."""
    near = [(int(np.sum(np.abs(diffs - d) <= tol * d)), -float(d)) for d in diffs]
    best = -max(near)[1]
    return float(np.median(diffs[np.abs(diffs - best) <= tol * best]))


def cut_cell(img: np.ndarray, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
    """Sub-image with replicated border where the box leaves the image."""
    xi0, xi1, yi0, yi1 = int(math.floor(x0)), int(math.ceil(x1)), int(math.floor(y0)), int(math.ceil(y1))
    pad = max(0, -xi0, -yi0, xi1 - img.shape[1], yi1 - img.shape[0])
    if pad:
        img = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    return img[yi0 + pad:yi1 + pad, xi0 + pad:xi1 + pad]
