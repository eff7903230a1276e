"""Display-window proposals: where the LCD glass (or a drum window) is when no digit row is.

The row search (:mod:`pipeline.rowsearch`) finds a display by its digits. Small,
faint LCD digits close to the glass's edge defeat it: at 320x240 the local-mean
threshold fills the grey glass, and the digits join its frame. The glass itself is
still plain to see: a rectangle of one tone, set in a lighter or darker bezel.

A window is a connected set of pixels at or below (or at or above) one grey level,
for a few levels between the photo's 10th and 90th percentiles, whose convex hull is
a wide rectangle:

- area ``min_area``-``max_area`` of the photo (0.003-0.4: a 320x240 frame's glass
  is ~0.03); ``aspect`` long / short side 2.2-8 (a kWh window is wide); long side
  within ``max_angle`` degrees of horizontal;
- hull fills its bounding rectangle (``min_rectangularity`` 0.8-0.95), and the set
  fills its hull (``min_solidity`` 0.5-0.8: digits and glare leave holes).

:func:`window_crop` cuts a window out upright, its top and bottom edge trimmed (a
glass frame next to the digits joins them to it in the ink mask); the read stage
reads the crop as a display crop. The proposals are used only for photos whose
row search found nothing (see :func:`pipeline.photo._window_reading`).
"""

from __future__ import annotations

import cv2
import numpy as np

RotatedRect = tuple[tuple[float, float], tuple[float, float], float]  # (centre, (long, short), degrees)
WINDOW_LONG_SIDE = 640  # px: long side of the image the windows are searched in


def find_windows(gray: np.ndarray, *, levels: tuple[int, ...] = tuple(range(10, 91, 5)),
                 min_area: float = 0.003, max_area: float = 0.4, aspect: tuple[float, float] = (2.2, 8.0),
                 max_angle: float = 30.0, min_rectangularity: float = 0.85, min_solidity: float = 0.55,
                 limit: int = 4) -> list[RotatedRect]:
    """Window rectangles in ``gray`` (work coordinates), largest first, at most ``limit``; none
    that reaches the photo's edge (a display cut off is not read)."""
    s = min(1.0, WINDOW_LONG_SIDE / max(gray.shape))
    g = cv2.resize(gray, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else gray
    g = cv2.GaussianBlur(g, (3, 3), 0)
    area = float(g.size)
    found: list[tuple[float, RotatedRect]] = []
    ts = np.unique(np.percentile(g, levels).astype(np.int64))
    ts = np.unique(np.concatenate([ts, (ts[:-1] + ts[1:]) // 2]))  # and between: two tones far apart
    for t in ts:
        for level_set in (g <= t, g >= t):
            n, lab, stats, _ = cv2.connectedComponentsWithStats(level_set.astype(np.uint8), connectivity=4)
            for i in np.flatnonzero((stats[:, 4] >= min_area * area) & (stats[:, 2] * stats[:, 3] <= 2 * max_area * area)):
                if i == 0:
                    continue
                x, y, w, h = stats[i, :4]
                if x == 0 or y == 0 or x + w == g.shape[1] or y + h == g.shape[0]:
                    continue  # cut off by the photo's edge: no whole display to read
                rr = _rectangle(lab, i, stats[i], area, min_area, max_area, aspect, max_angle,
                                min_rectangularity, min_solidity)
                if rr is not None:
                    (cx, cy), (w, h), ang = rr
                    found.append((w * h, ((cx / s, cy / s), (w / s, h / s), ang)))
    found.sort(key=lambda f: -f[0])
    return _distinct([rr for _, rr in found], limit)


def _rectangle(lab: np.ndarray, i: int, stat: np.ndarray, area: float, min_area: float, max_area: float,
               aspect: tuple[float, float], max_angle: float, min_rect: float,
               min_solid: float) -> RotatedRect | None:
    """The rectangle of component ``i`` when it looks like a window, else None."""
    x, y, w, h, a = (int(v) for v in stat)
    ys, xs = np.nonzero(lab[y:y + h, x:x + w] == i)
    hull = cv2.convexHull(np.column_stack([xs + x, ys + y]).astype(np.int32))
    hull_area = float(cv2.contourArea(hull))
    if not min_area * area <= hull_area <= max_area * area:
        return None
    (cx, cy), (rw, rh), ang = cv2.minAreaRect(hull)
    if rw < rh:
        rw, rh, ang = rh, rw, ang + 90.0
    ang = (ang + 90.0) % 180.0 - 90.0
    if not aspect[0] <= rw / max(rh, 1.0) <= aspect[1] or abs(ang) > max_angle:
        return None
    rect = hull_area / max(rw * rh, 1.0)
    if rect < min_rect or a / max(hull_area, 1.0) < min_solid:
        return None
    return (float(cx), float(cy)), (float(rw), float(rh)), float(ang)


def _distinct(rects: list[RotatedRect], limit: int) -> list[RotatedRect]:
    """The rectangles without near-copies (the same window at another grey level)."""
    kept: list[RotatedRect] = []
    for r in rects:
        (cx, cy), (w, h), _ = r
        if not any(abs(cx - k[0][0]) < 0.1 * k[1][0] and abs(cy - k[0][1]) < 0.25 * k[1][1]
                   and 0.8 < w / k[1][0] < 1.25 and 0.8 < h / k[1][1] < 1.25 for k in kept):
            kept.append(r)
            if len(kept) >= limit:
                break
    return kept


def window_crop(img: np.ndarray, rr: RotatedRect, *, trim_y: float = 0.08) -> np.ndarray:
    """The window ``rr`` cut out upright at the photo's scale, ``trim_y`` of its height off its
    top and bottom (0-0.15), a strip of bezel at either end cut off (:func:`side_steps`)."""
    (cx, cy), (w, h), ang = rr
    W, H = max(1, int(round(w))), max(1, int(round(h * (1 - 2 * trim_y))))
    M = cv2.getRotationMatrix2D((cx, cy), ang, 1.0)
    M[:, 2] += (W / 2.0 - cx, H / 2.0 - cy)
    crop = cv2.warpAffine(img, M, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    x0, x1 = side_steps(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop)
    return crop[:, x0:x1]


def side_steps(gray: np.ndarray, *, search: float = 0.15, min_step: float = 30.0) -> tuple[int, int]:
    """Columns [x0, x1) of a window crop without a strip of bezel at either end: the grey
    level found the glass together with a bit of bezel beside it. A strip ends at the
    largest change of the median column level, over a quarter of the crop's height on
    each side (a digit's stroke is narrower: it does not move the median), within
    ``search`` of the width (0.05-0.25), when it is ``min_step`` grey levels or more (15-60)."""
    col = np.median(gray, axis=0).astype(np.float64)
    n = len(col)
    w = max(3, gray.shape[0] // 4)
    reach = int(search * n)
    if n < 4 * w or reach < 2:
        return 0, n

    def step(i: int) -> float:  # up to w columns left of i against up to w from i on
        return abs(float(np.median(col[max(0, i - w):i])) - float(np.median(col[i:min(n, i + w)])))

    def edge(first: int, steps: np.ndarray) -> int | None:  # the middle of the largest step's plateau
        if steps.max() < min_step:
            return None
        return first + int(round(float(np.mean(np.flatnonzero(steps >= 0.9 * steps.max())))))

    x0 = edge(1, np.array([step(i) for i in range(1, reach)]))
    x1 = edge(n - reach + 1, np.array([step(i) for i in range(n - reach + 1, n)]))
    return x0 or 0, x1 or n


def window_quad(rr: RotatedRect) -> np.ndarray:
    """The window's corners TL, TR, BR, BL (float32 (4, 2), work coordinates)."""
    (cx, cy), (w, h), ang = rr
    a = np.deg2rad(ang)
    u, v = np.array([np.cos(a), np.sin(a)]) * w / 2, np.array([-np.sin(a), np.cos(a)]) * h / 2
    c = np.array([cx, cy])
    return np.array([c - u - v, c + u - v, c + u + v, c - u + v], np.float32)
