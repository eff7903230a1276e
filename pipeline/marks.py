"""Marks between and after the digit cells of a row (:mod:`pipeline.segment`): the
decimal point, a clock's colon and a drum's red tenths drum.

Column tests on the row's ink mask, so a dot touching a digit still counts: a
decimal point has ink at the baseline and none in the band above it; a colon has
ink in the upper and lower middle and none at the middle line. On drums the
decimals are the red drums.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from pipeline.segment import Cell, Row, cut_cell

DOT_MAX_W = 0.16  # widest decimal point close to a smaller decimal digit, in digit heights


@dataclass
class Marks:
    """Non-digit marks found between digit cells."""

    dots: list[tuple[float, float]] = field(default_factory=list)  # (x, y) centres of small dots
    colon_x: list[float] = field(default_factory=list)  # x of vertically stacked dot pairs


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of the runs of True in a 1-D bool array."""
    d = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    return list(zip(np.nonzero(d == 1)[0].tolist(), np.nonzero(d == -1)[0].tolist(), strict=True))


def _two_dots(strip: np.ndarray, top: float, bot: float) -> bool:
    """True when the columns ``strip`` hold exactly two short ink runs, upper and lower middle."""
    H = bot - top
    runs = _runs(strip[max(0, int(top - 0.05 * H)):int(bot + 0.1 * H)].any(axis=1))
    if len(runs) != 2:
        return False
    off = max(0, int(top - 0.05 * H)) - top
    (a0, a1), (b0, b1) = ((r0 + off, r1 + off) for r0, r1 in runs)
    short = a1 - a0 <= 0.25 * H and b1 - b0 <= 0.25 * H
    return short and 0.15 * H <= (a0 + a1) / 2 <= 0.48 * H and 0.52 * H <= (b0 + b1) / 2 <= 0.88 * H


def _lone_dot(base: np.ndarray, r0: int, r1: int, H: float) -> bool:
    """A narrow baseline mark with a gap after it: a decimal point, not the end of the next
    digit's bottom segment (which runs on to the right)."""
    gap = max(2, int(round(0.05 * H)))
    return r1 - r0 <= DOT_MAX_W * H and not base[r1:r1 + gap].any()


def _touching_dots(base: np.ndarray, above: np.ndarray, high: np.ndarray, cells: list[Cell],
                   found: list[tuple[float, float]], H: float, bot: float) -> list[tuple[float, float]]:
    """Seven-segment decimal points squeezed between two digits (tight spacing), which the
    zone test misses: in the columns between one digit's strokes and the next one's, a
    baseline mark 0.06-0.25 digit heights wide with nothing above it, a gap after it
    (a '3''s bottom segment reaches left of its strokes but runs on to them) and ink
    up at the baseline (``high``: a legend letter under the row only rises into the band)."""
    dots = []
    for a, b in zip(cells, cells[1:], strict=False):
        if a.kind != "blob" or b.kind != "blob" or not (math.isfinite(a.body1) and math.isfinite(b.body0)):
            continue
        lo, hi = int(a.body1) + 1, int(b.body0)
        if hi - lo < 2 or any(a.body1 < x < b.body0 + 0.1 * H for x, _ in found):
            continue
        for r0, r1 in _runs(base[lo:hi] & ~above[lo:hi]):
            # wider than a segment end that slant leaves sticking out of the previous digit
            wmin = (0.08 if r0 == 0 else 0.06) * H
            if wmin <= r1 - r0 <= 0.25 * H and r1 < hi - lo and not base[lo + r1] and high[lo + r0:lo + r1].any():
                dots.append((lo + (r0 + r1) / 2.0, bot))
                break
    return dots


def _blurred_dots(row: Row, cells: list[Cell], found: list[tuple[float, float]], *, min_gap: float = 0.05,
                  min_excess: float = 0.4) -> list[tuple[float, float]]:
    """Seven-segment decimal points that blur has merged with both neighbours' bottom bars,
    so the ink mask shows no mark of their own: in the grey image, the columns between
    one digit's strokes and the next one's are dark at the baseline but not at the
    digits' top nor their middle. A digit's bars bleed into that gap alike at top and
    bottom, and no digit has a bottom bar without a top bar, so only a dot darkens the
    baseline alone. ``min_gap`` (digit heights, 0.03-0.1): narrowest gap tested;
    ``min_excess`` (0.25-0.6): how much darker, on the scale from the row's ground to
    its ink, the baseline must be than the top and middle of the gap."""
    H, top, bot = row.height, row.top, row.bottom
    g = row.gray.astype(np.float32)
    if not row.dark_ink:
        g = 255.0 - g
    band = g[max(0, int(top)):int(bot) + 1]
    if band.size == 0:
        return []
    ink, ground = np.percentile(band, 5), np.percentile(band, 90)
    if ground - ink < 20:
        return []
    dark = np.clip((ground - g) / (ground - ink), 0.0, 1.0)

    def level(x0: int, x1: int, y0: float, y1: float) -> float:
        rows = dark[max(0, int(y0)):max(int(y0) + 1, int(y1)), x0:x1]
        return float(rows.mean()) if rows.size else 0.0

    dots = []
    for a, b in zip(cells, cells[1:], strict=False):
        if a.kind != "blob" or b.kind != "blob" or not (math.isfinite(a.body1) and math.isfinite(b.body0)):
            continue
        x0, x1 = int(math.ceil(a.body1)), int(b.body0)
        if x1 - x0 < max(2, min_gap * H) or any(a.body1 - 0.1 * H < x < b.body0 + 0.1 * H for x, _ in found):
            continue
        base = level(x0, x1, bot - 0.12 * H, bot)
        rest = max(level(x0, x1, top, top + 0.12 * H), level(x0, x1, top + 0.4 * H, bot - 0.3 * H))
        if base - rest >= min_excess:
            dots.append(((x0 + x1) / 2.0, bot))
    return dots


def find_marks(row: Row, cells: list[Cell]) -> Marks:
    """Decimal points and colons in the spacing between neighbouring cells.

    Column test, so a dot touching a digit still counts: a decimal point has ink
    at the baseline and none in the band above it; a colon has ink in the upper
    and lower middle and none at the middle line.
    """
    H, top, bot = row.height, row.top, row.bottom
    m = row.mask > 0
    hh = m.shape[0]

    def band(a: float, b: float) -> np.ndarray:
        return m[max(0, int(a)):min(hh, max(int(a) + 1, int(b)))].any(axis=0)

    base, above = band(bot - 0.2 * H, bot + 0.12 * H), band(bot - 0.5 * H, bot - 0.24 * H)
    upper, lower = band(top + 0.18 * H, top + 0.45 * H), band(top + 0.58 * H, top + 0.85 * H)
    middle, rim = band(top + 0.47 * H, top + 0.55 * H), band(top - 0.05 * H, top + 0.1 * H)
    floor = band(bot - 0.08 * H, bot + 0.1 * H)
    high = band(bot - 0.2 * H, bot + 0.03 * H)  # a point reaches up to the baseline; a legend's ascender under it does not
    marks = Marks()
    centres = [(c.x0 + c.x1) / 2 for c in cells]
    # a decimal point sits in the spacing, nearer the digit it follows (about 0.45-0.55
    # of a pitch after that digit's centre); a segment end of the next digit lies further right
    # Decimal digits are often printed smaller and closer, which moves the dot up to about
    # 0.7 of the way: there only a narrow mark counts (a segment end is wider)
    # and before the strokes of the next digit (the end of a '5's bottom segment is not)
    zones = [(ca + 0.36 * (cb - ca), cb - 0.42 * (cb - ca), min(cb - 0.28 * (cb - ca), nxt.body0 - 0.03 * H))
             for ca, cb, nxt in zip(centres, centres[1:], cells[1:], strict=False)]
    for kind, flags in (("dot", base & ~above), ("colon", upper & lower & ~middle & ~rim & ~floor)):
        for r0, r1 in _runs(flags):  # runs over the whole row: a segment end is not cut short
            x, w = (r0 + r1) / 2.0, r1 - r0
            if not 0.04 * H <= w <= 0.3 * H:
                continue
            if not any(a <= x <= b or (kind == "dot" and b < x <= c and _lone_dot(base, r0, r1, H))
                       for a, b, c in zones):
                continue
            if kind == "dot" and row.vert is not row.mask and high[r0:r1].any():  # drums: red drums
                marks.dots.append((x, bot))
            elif kind == "colon" and row.vert is not row.mask and _two_dots(m[:, int(x) - 1:int(x) + 2],
                                                                            top, bot):  # clocks are LCDs
                marks.colon_x.append(x)
    if row.vert is not row.mask:
        marks.dots += _touching_dots(base, above, high, cells, marks.dots, H, bot)
        marks.dots += _blurred_dots(row, cells, marks.dots)
    if marks.colon_x:  # the lower dot of a colon is not a decimal point
        marks.dots = [d for d in marks.dots if all(abs(d[0] - x) > 0.15 * H for x in marks.colon_x)]
    return marks


def red_beyond(row: Row, digits: list[list[float]], min_share: float = 0.3) -> bool:
    """True when the row image goes on red after its last digit blob (``min_share`` of the
    pixels between it and the image's end): a drum's red tenths drum the blobs left out."""
    if not digits or row.clipped[1]:
        return False
    end = max(g[2] for g in digits) + 0.1 * row.height
    if row.bgr.shape[1] - end < 0.3 * row.height:
        return False
    cell = Cell(end, float(row.bgr.shape[1]))
    return _red_share(row, cell) >= min_share


def red_tenths_cell(row: Row, cells: list[Cell], pitch: float, min_share: float = 0.3) -> Cell | None:
    """The cell one pitch after the last one when it lies in the row image and is red: a
    drum's tenths drum mid-roll (parts of two digits, no digit-shaped blob). Its ink
    height is measured, so the reader treats it like any rolling drum."""
    if not cells:
        return None
    last, W = cells[-1], row.mask.shape[1]
    if _red_share(row, last) >= min_share:
        return None  # the red drum has its cell already
    cell = Cell(last.x0 + pitch, last.x1 + pitch, "blob")
    if cell.x0 + 0.7 * (cell.x1 - cell.x0) > W or _red_share(row, Cell(cell.x0, min(cell.x1, W))) < min_share:
        return None  # mostly outside the row image, or not red
    ys = np.nonzero((row.mask[:, int(cell.x0):int(cell.x1)] > 0).any(axis=1))[0]
    if not len(ys):
        return None
    cell.ink_h = float(ys.max() - ys.min() + 1)
    return cell


def _red_share(row: Row, cell: Cell) -> float:
    """Share of red pixels in a cell (the tenths drum of a mechanical counter; a dim or
    washed-out red drum in a JPEG keeps a saturation of about 80 of 255)."""
    patch = cut_cell(row.bgr, cell.x0, cell.x1, row.top, row.bottom)
    hsv = cv2.cvtColor(patch, cv2.COLOR_BGR2HSV)
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    red = ((h < 10) | (h > 165)) & (s > 50) & (v > 50)
    return float(red.mean()) if red.size else 0.0


def mark_between(cells: list[Cell], kept: list[int], xs: list[float]) -> int | None:
    """Index into ``kept`` of the first digit followed by a mark at one of ``xs``, else None."""
    centres = [(cells[i].x0 + cells[i].x1) / 2 for i in kept]
    return next((j for j in range(len(kept) - 1) if any(centres[j] < x < centres[j + 1] for x in xs)), None)


def decimal_after(cells: list[Cell], kept: list[int], marks: Marks, row: Row, kind: str) -> int | None:
    """Index into ``kept`` of the digit the decimal point follows (red drums first), else None."""
    if kind == "drum" and len(kept) >= 2:
        reds = [_red_share(row, cells[i]) > 0.2 for i in kept]
        if reds[-1] and not reds[0]:
            first = len(reds) - 1
            while first > 0 and reds[first - 1]:
                first -= 1
            return first - 1
    return mark_between(cells, kept, [x for x, _ in marks.dots])
