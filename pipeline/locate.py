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
# (pyramid level, min blob height, max blob height) in that level's pixels
LEVELS = ((0, 7, 38), (1, 15, 38), (2, 15, 50))
MIN_SCORE = 0.12  # below this no row looks like a display -> None
# crop margins around the digit row, in digit heights (legend is right/below)
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 0.5, 1.6, 0.5, 0.8
REFINE_H = 40  # px: digit height in the refinement strip


@dataclass
class Row:
    """A candidate digit row found at search resolution, in work-image coordinates."""

    boxes: np.ndarray  # (n, 4) x, y, w, h of the digit blobs (work px)
    dark: bool  # True: dark digits on a light ground
    score: float
    angle: float  # radians, row direction vs the x axis
    height: float  # median blob height (work px, axis-aligned)


# ---------------------------------------------------------------- search


def _binaries(gray: np.ndarray) -> list[tuple[np.ndarray, bool]]:
    """Dark-ink and light-ink masks from a local-mean threshold."""
    g = gray.astype(np.int16)
    mean = cv2.blur(gray, (25, 25)).astype(np.int16)
    local_c = 8
    dark = ((g < mean - local_c).astype(np.uint8)) * 255
    light = ((g > mean + local_c).astype(np.uint8)) * 255
    return [(dark, True), (light, False)]


def _blobs(mask: np.ndarray, hmin: int, hmax: int) -> np.ndarray:
    """Digit-sized connected components as (n, 4) x, y, w, h."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    x, y, w, h, a = (stats[1:, i] for i in range(5))
    fill = a / np.maximum(w * h, 1)
    keep = (
        (h >= hmin) & (h <= hmax) & (w >= 2) & (w <= 1.3 * h) & (w >= 0.08 * h)
        & (fill > 0.12) & (fill < 0.92)
    )
    return np.stack([x[keep], y[keep], w[keep], h[keep]], axis=1).astype(np.float32)


def _group(boxes: np.ndarray) -> list[np.ndarray]:
    """Chain blobs into rows: nearest right neighbour of similar height and baseline."""
    n = len(boxes)
    if n < 3:
        return []
    if n > 700:  # keep the tallest; digits of the display are among them
        boxes = boxes[np.argsort(-boxes[:, 3])[:700]]
        n = 700
    x, y, w, h = boxes.T
    cx, cy = x + w / 2, y + h / 2
    dx = cx[None, :] - cx[:, None]
    dy = np.abs(cy[None, :] - cy[:, None])
    hr = h[None, :] / h[:, None]
    hi = h[:, None]
    ok = (
        (dx > 0.2 * hi) & (dx < 1.7 * hi) & (hr > 0.8) & (hr < 1.25)
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
        if len(idx) >= 3:
            groups.append(boxes[idx])
    return groups


def _score_row(b: np.ndarray) -> tuple[float, float]:
    """Shape score of a row (0..1, ignoring absolute size) and its angle."""
    b = b[np.argsort(b[:, 0] + b[:, 2] / 2)]
    x, y, w, h = b.T
    cx, cy = x + w / 2, y + h / 2
    n = len(b)
    hm = float(np.median(h))
    slope, icpt = np.polyfit(cx, cy, 1)
    angle = float(np.arctan(slope))
    if abs(angle) > np.radians(28):
        return 0.0, angle
    resid = float(np.sqrt(np.mean((cy - (slope * cx + icpt)) ** 2))) / hm
    cv_h = float(np.std(h) / hm)
    along = cx * np.cos(angle) + cy * np.sin(angle)
    right = (x + w) * np.cos(angle) + cy * np.sin(angle)
    pitch_c, pitch_r = np.diff(along), np.diff(np.sort(right))
    cv_p = min(float(np.std(pitch_c) / max(np.mean(pitch_c), 1e-3)),
               float(np.std(pitch_r) / max(np.mean(pitch_r), 1e-3)))
    pitch = float(np.median(pitch_c)) / hm
    aspect = float(np.median(w / h))
    n_term = {3: 0.45, 4: 0.8}.get(n, 1.0 if n <= 8 else (0.7 if n <= 10 else 0.35))
    s = n_term
    s *= float(np.exp(-((cv_h / 0.10) ** 2)))
    s *= float(np.exp(-((cv_p / 0.22) ** 2)))
    s *= float(np.exp(-((resid / 0.10) ** 2)))
    s *= 1.0 if 0.45 <= pitch <= 1.5 else 0.5
    s *= 1.0 if 0.25 <= aspect <= 0.95 else 0.5
    return s, angle


def _find_rows(gray: np.ndarray) -> list[Row]:
    """All candidate digit rows of the photo, best first (work coordinates)."""
    s0 = min(1.0, SEARCH_LONG_SIDE / max(gray.shape))
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
                for g in _group(_blobs(m, hmin, hmax)):
                    s, angle = _score_row(g)
                    if s <= 0.02:
                        continue
                    gb = g / scale
                    rows.append(Row(gb, dark, s, angle, float(np.median(gb[:, 3]))))
    if not rows:
        return []
    hmax_all = max(r.height for r in rows if r.score > 0.2) if any(r.score > 0.2 for r in rows) else 1.0
    for r in rows:
        r.score *= min(1.0, r.height / hmax_all) ** 1.5
    rows.sort(key=lambda r: -r.score)
    return rows


# ---------------------------------------------------------------- refinement


def _band(profile: np.ndarray, centre: int) -> tuple[float, float] | None:
    """The run of 'inked' rows around ``centre`` in a row-ink profile."""
    if profile.max() <= 0:
        return None
    on = profile >= 0.2 * profile.max()
    # bridge short gaps (7-segment joints)
    k = max(1, REFINE_H // 10)
    on = cv2.morphologyEx(on.astype(np.uint8)[:, None], cv2.MORPH_CLOSE, np.ones((2 * k + 1, 1), np.uint8))[:, 0] > 0
    c = int(np.clip(centre, 0, len(on) - 1))
    if not on[c]:
        near = np.flatnonzero(on)
        if len(near) == 0:
            return None
        c = int(near[np.argmin(np.abs(near - c))])
        if abs(c - centre) > REFINE_H * 0.3:
            return None
    top = c
    while top > 0 and on[top - 1]:
        top -= 1
    bot = c
    while bot < len(on) - 1 and on[bot + 1]:
        bot += 1
    return float(top), float(bot + 1)


def _refine(gray: np.ndarray, row: Row) -> tuple[np.ndarray, float] | None:
    """Digit-row quad (TL, TR, BR, BL) in work coordinates and its mean height."""
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
    W = int((u1 - u0) * k + 2 * REFINE_H)
    H = 3 * REFINE_H
    # work -> strip: rotate by -angle about (mx, my), scale k, put u0 at x=REFINE_H
    M = np.array([[ca * k, sa * k, 0.0], [-sa * k, ca * k, 0.0]], np.float64)
    M[0, 2] = REFINE_H - u0 * k - k * (ca * mx + sa * my)
    M[1, 2] = H / 2 - k * (-sa * mx + ca * my)
    strip = cv2.warpAffine(gray, M, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mean = cv2.blur(strip, (31, 31)).astype(np.int16)
    s16 = strip.astype(np.int16)
    ink = (s16 < mean - 6) if row.dark else (s16 > mean + 6)
    x0, x1 = REFINE_H, W - REFINE_H
    thirds = np.linspace(x0, x1, 4).astype(int)
    ends = []
    for a, c in ((thirds[0], thirds[1]), (thirds[2], thirds[3])):
        prof = ink[:, a:c].mean(axis=1)
        band = _band(prof, H // 2)
        if band is None:
            return None
        ends.append(((a + c) / 2, band))
    (xa, (ta, ba)), (xb, (tb, bb)) = ends
    if min(ba - ta, bb - tb) < 0.5 * REFINE_H or max(ba - ta, bb - tb) > 1.8 * REFINE_H:
        return None

    def line(v0: float, v1: float, xq: float) -> float:
        return v0 + (v1 - v0) * (xq - xa) / max(xb - xa, 1.0)

    pts = np.array([
        [x0, line(ta, tb, x0)], [x1, line(ta, tb, x1)], [x1, line(ba, bb, x1)], [x0, line(ba, bb, x0)],
    ], np.float64)
    Minv = cv2.invertAffineTransform(M)
    quad = pts @ Minv[:, :2].T + Minv[:, 2]
    height = float(((ba - ta) + (bb - tb)) / 2 / k)
    return quad.astype(np.float32), height


def _guess_kind(img: np.ndarray, quad: np.ndarray, dark: bool, height: float) -> str:
    """'drum' for light digits with a red last drum or drum gaps; else 'lcd'."""
    if dark:
        return "lcd"
    tr, br = quad[1], quad[2]
    right = (tr + br) / 2
    d = quad[1] - quad[0]
    d = d / max(np.linalg.norm(d), 1e-6)
    x0, y0 = (right - d * height * 0.6).astype(int)
    r = max(3, int(height * 0.5))
    patch = img[max(0, y0 - r):y0 + r, max(0, x0 - r):x0 + r]
    if patch.size:
        hsv = cv2.cvtColor(patch, cv2.COLOR_BGR2HSV)
        red = ((hsv[..., 0] < 10) | (hsv[..., 0] > 170)) & (hsv[..., 1] > 90) & (hsv[..., 2] > 60)
        if red.mean() > 0.15:
            return "drum"
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
    """The digit row comes within a fraction of a digit of the photo's edge."""
    pad = 0.3 * height
    h, w = shape[:2]
    return bool(
        (quad[:, 0] < pad).any() or (quad[:, 1] < pad).any()
        or (quad[:, 0] > w - 1 - pad).any() or (quad[:, 1] > h - 1 - pad).any()
    )


def locate(img: np.ndarray, ctx: PhotoContext | None = None) -> Display | None:
    """The photo's kWh display, rectified; None when nothing looks like one."""
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    bgr = img if img.ndim == 3 else cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    rows = _find_rows(gray)
    best = None
    for row in _dedupe(rows)[:4]:
        if row.score < MIN_SCORE:
            break
        ref = _refine(gray, row)
        if ref is None:
            continue
        best = (row, *ref)
        break
    if best is None:
        return None
    row, quad, height = best
    crop, box = rectify(bgr, quad, height)
    return Display(
        kind=_guess_kind(bgr, quad, row.dark, height),
        crop=crop,
        digits_box=box,
        quad=quad,
        digit_height_px=height,
        score=float(min(1.0, row.score)),
        touches_frame=_touches(quad, img.shape, height),
        n_digit_candidates=len(row.boxes),
    )


def _dedupe(rows: list[Row]) -> list[Row]:
    """Drop rows whose centre lies inside a better row's extent (same row seen twice)."""
    kept: list[Row] = []
    for r in rows:
        c = np.array([np.mean(r.boxes[:, 0] + r.boxes[:, 2] / 2), np.mean(r.boxes[:, 1] + r.boxes[:, 3] / 2)])
        dup = False
        for k in kept:
            x0, y0 = k.boxes[:, 0].min(), k.boxes[:, 1].min()
            x1, y1 = (k.boxes[:, 0] + k.boxes[:, 2]).max(), (k.boxes[:, 1] + k.boxes[:, 3]).max()
            if x0 <= c[0] <= x1 and y0 <= c[1] <= y1:
                dup = True
                break
        if not dup:
            kept.append(r)
    return kept
