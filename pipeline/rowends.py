"""Where a digit row ends: does it go on past the crop, or past the cells read?

Checks on a row image (:mod:`pipeline.segment`) that decide whether the reader looks
wider (the locator stopped short of a thin '1'), keeps a wider row only when it
carries the digits on, and distrusts a reading whose row was clipped by the crop or
continues with ink no cell holds (a faint digit in unjoined pieces).
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.segment import Cell, Row


def more_digits_beyond(row: Row, digits: list[list[float]], near: float = 1.0,
                        step: float = 1.5) -> tuple[float, float]:
    """Extra margins (digit heights, left / right) when a full-height digit blob starts or
    ends within ``near`` digit heights (less room than a digit needs) of a row-image end
    that the crop did not clip: the row may go on beyond it."""
    if not digits:
        return 0.0, 0.0
    H, W = row.height, row.mask.shape[1]
    tall = [g for g in digits if g[3] - g[1] >= 0.8 * H]
    if not tall:
        return 0.0, 0.0
    left = not row.clipped[0] and min(g[0] for g in tall) < near * H
    right = not row.clipped[1] and max(g[2] for g in tall) > W - near * H
    return (step if left else 0.0), (step if right else 0.0)


def continues_row(row: Row, digits: list[list[float]], wide: Row, wide_digits: list[list[float]],
                  height_tol: float = 0.15, max_step: float = 1.6) -> bool:
    """True when the blobs that the wider row image ``wide`` adds to ``digits`` carry the
    digit row on: each as tall as the row's digits (within ``height_tol``) and each within
    ``max_step`` digit spacings of the row as it grows."""
    if len(digits) < 2:
        return False
    shift = wide.origin[0] - row.origin[0]  # x in ``row`` = x in ``wide`` + shift
    centres = sorted((g[0] + g[2]) / 2 for g in digits)
    step = float(np.median(np.diff(centres)))
    h = float(np.median([g[3] - g[1] for g in digits]))
    lo, hi = centres[0], centres[-1]
    extra = sorted((g for g in wide_digits if not lo - 0.5 * step <= (g[0] + g[2]) / 2 + shift <= hi + 0.5 * step),
                   key=lambda g: abs((g[0] + g[2]) / 2 + shift - (lo + hi) / 2))
    for g in extra:  # nearest first, so the row grows one digit at a time
        c = (g[0] + g[2]) / 2 + shift
        if abs((g[3] - g[1]) - h) > height_tol * h or not (lo - max_step * step <= c <= hi + max_step * step):
            return False
        lo, hi = min(lo, c), max(hi, c)
    return True


def ink_beyond(row: Row, cells: list[Cell], first: int, last: int, pitch: float, *,
               reach: float = 1.3, min_extent: float = 0.55) -> bool:
    """True when ink no cell holds continues the row past its first or last read cell:
    within ``reach`` pitches, inside the digit band and together spanning ``min_extent``
    of the digit height, in two or more pieces shaped like segments (long and thin) or digit parts
    (0.4 of its height). Parts of a digit the segmentation did not join (a faint '4' or
    '1') look like that; a legend ('kWh'), a decimal point and a column of icons are
    shorter or compact, the window's edge beside the digits is one piece, and a piece of
    it lines up with ink running out of the band above or below.
    """
    if not cells or last < first:
        return False
    H = row.height
    lo, hi = row.top - 0.15 * H, row.bottom + 0.15 * H
    _, _, stats, _ = cv2.connectedComponentsWithStats(row.mask, connectivity=8)
    stats = stats[1:]
    out_of_band = [(x - 0.15 * H, y - 0.3 * H, x + w + 0.15 * H, y + h + 0.3 * H)
                   for x, y, w, h, _ in stats if h >= 0.15 * H and (y < lo or y + h > hi)]
    x0s, x1s = cells[first].x0, cells[last].x1
    spans: dict[str, list[tuple[float, float]]] = {"left": [], "right": []}
    for x, y, w, h, area in stats:
        if h < 0.15 * H or y < lo or y + h > hi or area < 0.01 * H * H:
            continue
        if h < 0.4 * H and max(w, h) < 1.6 * min(w, h):
            continue  # short and compact: a dot, an icon, a letter, no segment of a digit
        cx = x + w / 2
        if any(c.x0 <= cx <= c.x1 for c in cells) or any(
                a < x + w and x < c and b < y + h and y < d for a, b, c, d in out_of_band):
            continue
        if x1s < cx <= x1s + reach * pitch:
            spans["right"].append((float(y), float(y + h)))
        elif x0s - reach * pitch <= cx < x0s:
            spans["left"].append((float(y), float(y + h)))
    return any(len(sp) >= 2 and max(b for _, b in sp) - min(a for a, _ in sp) >= min_extent * H for sp in spans.values())


def cut_off(row: Row) -> bool:
    """True when digit ink runs into a crop edge that clipped the row: a digit may be missing."""
    H, band = row.height, row.mask[row.top + int(0.2 * row.height):row.bottom - int(0.2 * row.height)]
    edge = max(2, int(0.08 * H))
    return bool((row.clipped[0] and band[:, :edge].any()) or (row.clipped[1] and band[:, -edge:].any()))
