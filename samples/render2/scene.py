"""Scenes around the meter: painted walls, meter boxes, wooden boards, cables, a finger.

Textures are procedural and made at a quarter of the photo size (then enlarged), so a
1600x1200 background costs a few milliseconds: octave value noise, roller streaks,
damp stains and cracks for walls; planks with warped grain and knots for boards;
painted sheet metal with a door frame, bolts and rust for meter boxes.
"""

from __future__ import annotations

import cv2
import numpy as np

BACKGROUNDS = ("wall", "wall", "meter_box", "board", "concrete")
WALL_PAINTS = ((232, 222, 196), (206, 224, 236), (200, 226, 196), (238, 206, 206), (236, 214, 150),
               (222, 222, 216), (178, 206, 220), (246, 238, 226))
SKIN = ((226, 186, 160), (198, 150, 118), (160, 112, 84), (120, 82, 60), (236, 200, 176))


def octave_noise(h: int, w: int, cell: float, rng: np.random.Generator, octaves: int = 3) -> np.ndarray:
    """Smooth noise of size (h, w), features ~``cell`` px, roughly zero mean and unit spread."""
    out = np.zeros((h, w), np.float32)
    amp, tot = 1.0, 0.0
    for _ in range(octaves):
        gh, gw = max(2, int(h / cell) + 2), max(2, int(w / cell) + 2)
        g = rng.standard_normal((gh, gw)).astype(np.float32)
        out += amp * cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)
        tot += amp
        amp *= 0.5
        cell = max(1.0, cell / 2.2)
    return out / tot


def _wall(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    paint = np.array(WALL_PAINTS[int(rng.integers(len(WALL_PAINTS)))], np.float32) * rng.uniform(0.8, 1.03)
    f = 1.0 + 0.05 * octave_noise(h, w, max(8.0, w / 6), rng) + 0.02 * octave_noise(h, w, 3, rng, 2)
    if rng.random() < 0.6:  # roller streaks: noise stretched along one axis
        s = rng.standard_normal((h, 8) if rng.random() < 0.5 else (8, w)).astype(np.float32)
        f += rng.uniform(0.006, 0.016) * cv2.resize(s, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.5:  # damp stains / dirt near the meter
        st = octave_noise(h, w, w / 4, rng, 2)
        f *= 1.0 - 0.25 * np.clip(st - 0.8, 0, 1)
    img = f[..., None] * paint[None, None, :]
    for _ in range(int(rng.integers(0, 3)) if rng.random() < 0.4 else 0):  # hairline cracks in the plaster
        p = rng.uniform((0, 0), (w, h))
        ang = rng.uniform(0, 2 * np.pi)
        pts = [p]
        for _ in range(int(rng.integers(8, 30))):
            ang += rng.normal(0, 0.35)
            pts.append(pts[-1] + np.array([np.cos(ang), np.sin(ang)]) * rng.uniform(1, 4))
        cv2.polylines(img, [np.array(pts, np.int32)], False, tuple(float(c) * 0.78 for c in paint), 1, cv2.LINE_AA)
    return img


def _board(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    base = np.array((150, 100, 62), np.float32) * rng.uniform(0.55, 1.15)
    vertical = rng.random() < 0.5
    L, A = (h, w) if vertical else (w, h)  # along, across
    n_pl = int(rng.integers(2, 6))
    edges = np.sort(rng.uniform(0, A, n_pl - 1)).astype(int)
    across = np.arange(A, dtype=np.float32)[:, None]
    along = np.arange(L, dtype=np.float32)[None, :]
    warp = octave_noise(A, L, max(8.0, L / 3), rng, 2) * rng.uniform(1.5, 4.0) + along * rng.uniform(-0.02, 0.02)
    period = rng.uniform(0.8, 2.0)
    fibre = cv2.resize(rng.standard_normal((A, max(2, L // 16))).astype(np.float32), (L, A),
                       interpolation=cv2.INTER_LINEAR)
    grain = (np.sin((across + warp) / period) * 0.035 + 0.04 * fibre
             + 0.05 * octave_noise(A, L, max(4.0, L / 10), rng, 2))
    tone = np.ones((A, 1), np.float32)
    prev = 0
    for e in list(edges) + [A]:
        tone[prev:e] = rng.uniform(0.85, 1.12)
        prev = e
    f = (1.0 + grain) * tone
    for e in edges:
        f[max(0, e - 1):e + 1] *= 0.45
    for _ in range(int(rng.integers(0, 3))):  # knots
        cy, cx = rng.uniform(0, A), rng.uniform(0, L)
        r2 = ((across - cy) / rng.uniform(3, 8)) ** 2 + ((along - cx) / rng.uniform(8, 20)) ** 2
        f *= 1.0 - 0.35 * np.exp(-r2)
    if vertical:
        f = f.T
    return f[..., None] * base[None, None, :]


def _meter_box(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    paint = np.array([(120, 130, 128), (92, 120, 96), (150, 150, 146), (96, 110, 140), (186, 180, 168)]
                     [int(rng.integers(5))], np.float32) * rng.uniform(0.85, 1.1)
    f = 1.0 + 0.03 * octave_noise(h, w, w / 5, rng, 2)
    rust = np.clip(octave_noise(h, w, w / 7, rng, 3) - 1.0, 0, 1) * rng.uniform(0.0, 0.8)
    img = f[..., None] * paint[None, None, :]
    img = img * (1 - rust[..., None]) + rust[..., None] * np.array((120, 70, 40), np.float32)
    bw = int(w * rng.uniform(0.05, 0.1))  # the door frame at one or two edges
    for side in rng.permutation(4)[: int(rng.integers(1, 3))]:
        sl = [(slice(None), slice(0, bw)), (slice(None), slice(w - bw, w)),
              (slice(0, bw), slice(None)), (slice(h - bw, h), slice(None))][side]
        img[sl] *= rng.uniform(0.55, 0.8)
    for _ in range(int(rng.integers(2, 6))):  # bolts
        c = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
        r = max(2, int(w * rng.uniform(0.006, 0.012)))
        cv2.circle(img, c, r, (60.0, 60.0, 58.0), -1, cv2.LINE_AA)
        cv2.circle(img, (c[0] - r // 3, c[1] - r // 3), max(1, r // 3), (170.0, 170.0, 165.0), -1, cv2.LINE_AA)
    return img


def _concrete(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    v = rng.uniform(105, 175)
    f = 1.0 + 0.06 * octave_noise(h, w, w / 8, rng, 3) + 0.05 * rng.standard_normal((h, w)).astype(np.float32)
    return f[..., None] * (np.array((v, v * 0.98, v * 0.94), np.float32))[None, None, :]


def background(w: int, h: int, rng: np.random.Generator, kind: str | None = None) -> tuple[np.ndarray, str]:
    """A (h, w, 3) float32 RGB background and its kind."""
    kind = kind or BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))]
    sw, sh = max(8, w // 4), max(8, h // 4)
    small = {"wall": _wall, "board": _board, "meter_box": _meter_box, "concrete": _concrete}[kind](sh, sw, rng)
    img = cv2.resize(small.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    return img, kind


def cables(img: np.ndarray, rng: np.random.Generator, n: int) -> None:
    """Draw ``n`` sagging cables (cubic Bezier, with a highlight) across the image, in place."""
    h, w = img.shape[:2]
    cols = ((24, 24, 26), (40, 40, 44), (150, 30, 26), (30, 50, 120), (210, 210, 205), (60, 60, 62))
    t = np.linspace(0, 1, 60)[:, None]
    for _ in range(n):
        # enter and leave through the frame edges (top-bottom or left-right)
        if rng.random() < 0.6:
            p0 = np.array([rng.uniform(0, w), -0.05 * h])
            p3 = np.array([rng.uniform(0, w), 1.05 * h])
        else:
            p0 = np.array([-0.05 * w, rng.uniform(0, h)])
            p3 = np.array([1.05 * w, rng.uniform(0, h)])
        p1, p2 = p0 + rng.normal(0, w / 4, 2), p3 + rng.normal(0, w / 4, 2)
        pts = ((1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t ** 2 * p2 + t ** 3 * p3)
        th = max(3, int(w * rng.uniform(0.006, 0.016)))
        col = np.array(cols[int(rng.integers(len(cols)))], np.float32)
        poly = pts.astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(img, [poly + (th // 3, th // 2)], False, tuple(float(c) for c in col * 0.3), th, cv2.LINE_AA)
        cv2.polylines(img, [poly], False, tuple(float(c) for c in col), th, cv2.LINE_AA)
        cv2.polylines(img, [poly - (0, th // 4)], False, tuple(float(c) for c in np.minimum(col + 70, 255)),
                      max(1, th // 5), cv2.LINE_AA)


def finger(img: np.ndarray, rng: np.random.Generator, keep_out: np.ndarray) -> bool:
    """A blurred finger (and the hand's edge) entering from a frame edge; never over ``keep_out``
    (a polygon, photo px, e.g. the digit row grown by a margin). Returns True when drawn."""
    h, w = img.shape[:2]
    s = 4  # draw at quarter size: the finger is close to the lens, hence soft
    mh, mw = h // s, w // s
    for _ in range(6):
        side = int(rng.integers(4))
        pos = rng.uniform(0.1, 0.9)
        length = rng.uniform(0.15, 0.35) * min(w, h) / s
        width = rng.uniform(0.07, 0.12) * min(w, h) / s
        start = [(pos * mw, mh + width), (pos * mw, -width), (-width, pos * mh), (mw + width, pos * mh)][side]
        ang = [-np.pi / 2, np.pi / 2, 0.0, np.pi][side] + rng.uniform(-0.5, 0.5)
        tip = (start[0] + np.cos(ang) * length, start[1] + np.sin(ang) * length)
        m = np.zeros((mh, mw), np.float32)
        cv2.line(m, (int(start[0]), int(start[1])), (int(tip[0]), int(tip[1])), 1.0, int(width), cv2.LINE_AA)
        cv2.circle(m, (int(tip[0]), int(tip[1])), int(width / 2), 1.0, -1, cv2.LINE_AA)
        cv2.circle(m, (int(start[0]), int(start[1])), int(width * 1.6), 1.0, -1, cv2.LINE_AA)
        ko = np.zeros((mh, mw), np.uint8)
        cv2.fillPoly(ko, [(keep_out / s).astype(np.int32).reshape(-1, 1, 2)], 1)
        if (m[ko > 0] > 0.02).any():
            continue
        m = cv2.GaussianBlur(m, (0, 0), width * 0.18)
        if (m[ko > 0] > 0.02).any():
            continue
        skin = np.array(SKIN[int(rng.integers(len(SKIN)))], np.float32) * rng.uniform(0.7, 1.0)
        shade = 0.55 + 0.45 * np.clip(m * 1.6, 0, 1)
        nail = np.zeros_like(m)
        nx, ny = tip[0] - np.cos(ang) * width * 0.4, tip[1] - np.sin(ang) * width * 0.4
        cv2.ellipse(nail, ((nx, ny), (width * 0.6, width * 0.5), float(np.degrees(ang))), 1.0, -1, cv2.LINE_AA)
        nail = cv2.GaussianBlur(nail, (0, 0), width * 0.1) * 0.35
        col = shade[..., None] * skin[None, None, :] * (1 + nail[..., None])
        a = cv2.resize(np.clip(m * 1.3, 0, 1), (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
        col = cv2.resize(col, (w, h), interpolation=cv2.INTER_LINEAR)
        img[:] = img * (1 - a) + col * a
        return True
    return False
