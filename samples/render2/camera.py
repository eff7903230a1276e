"""The phone camera: plane-to-photo projection and the degradations of a real snapshot.

Projection: a pinhole camera looking at the meter plane, tilted up to 35 degrees about a
random axis, rolled, at a distance that makes the digit row a chosen share of the width.
Degradations (own code, unlike ``samples/synth``'s Gaussian blur / line kernels): uneven
light with a soft cast shadow, flash glare with a flat saturated core and halo, a white
balance cast, defocus with a disc (bokeh) kernel, camera shake along a random-walk path,
digital-zoom softness, signal-dependent sensor noise with blotchy chroma, phone sharpening
halos and PIL JPEG at quality 40-95 with 4:2:0 or 4:4:4 chroma.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image


def rotation(tilt_deg: float, axis_deg: float, roll_deg: float) -> np.ndarray:
    """Tilt the plane by ``tilt_deg`` about an in-plane axis at ``axis_deg``, then roll it."""
    t, a, r = np.radians([tilt_deg, axis_deg, roll_deg])
    k = np.array([np.cos(a), np.sin(a), 0.0])  # Rodrigues about k
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    Rt = np.eye(3) + np.sin(t) * K + (1 - np.cos(t)) * K @ K
    Rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return Rz @ Rt


def plane_to_photo(anchor: tuple[float, float], R: np.ndarray, f: float, scale: float,
                   centre_px: tuple[float, float]) -> np.ndarray:
    """Homography: plane units -> photo px, with plane point ``anchor`` landing on ``centre_px``
    at ``scale`` px per unit (before foreshortening)."""
    dist = f / scale
    src = np.array([(0, 0), (1, 0), (1, 1), (0, 1)], np.float64) * 4.0 - 2.0
    P = np.column_stack([src, np.zeros(4)]) @ R.T + np.array([0, 0, dist])
    dst = f * P[:, :2] / P[:, 2:3] + np.array(centre_px)
    H = cv2.getPerspectiveTransform((src + np.array(anchor)).astype(np.float32), dst.astype(np.float32))
    return H.astype(np.float64)


def project(H: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Apply homography ``H`` to (N, 2) points."""
    p = np.column_stack([pts, np.ones(len(pts))]) @ H.T
    return p[:, :2] / p[:, 2:3]


def scaled(H: np.ndarray, px_per_unit: float, offset: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Homography for a layer drawn at ``px_per_unit`` whose origin is plane point ``offset``."""
    S = np.array([[1 / px_per_unit, 0, offset[0]], [0, 1 / px_per_unit, offset[1]], [0, 0, 1]])
    return H @ S


def light_field(w: int, h: int, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """Gain map (float32, (h, w, 3)): a light gradient, a lamp pool, vignetting, maybe a cast shadow."""
    sw, sh = max(4, w // 8), max(4, h // 8)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    xx, yy = xx / sw - 0.5, yy / sh - 0.5
    a = rng.uniform(0, 2 * np.pi)
    g = 1.0 + strength * rng.uniform(0.05, 0.35) * (np.cos(a) * xx + np.sin(a) * yy)
    cx, cy = rng.uniform(-0.5, 0.5, 2)
    g += strength * rng.uniform(0.0, 0.3) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / rng.uniform(0.05, 0.3))
    g *= 1.0 - rng.uniform(0.1, 0.4) * (xx ** 2 + yy ** 2) ** 1.5 * 2.5
    if rng.random() < 0.35 * strength:  # the phone's / photographer's shadow: a soft half-plane
        b = rng.uniform(0, 2 * np.pi)
        d = np.cos(b) * xx + np.sin(b) * yy - rng.uniform(0.15, 0.45)
        g *= 1.0 - rng.uniform(0.2, 0.45) / (1.0 + np.exp(-d / rng.uniform(0.02, 0.08)))
    g3 = np.repeat(g[..., None], 3, axis=2)
    return cv2.resize(g3, (w, h), interpolation=cv2.INTER_LINEAR)


def glare(img: np.ndarray, cx: float, cy: float, r_core: float, rng: np.random.Generator) -> None:
    """A flash reflection on the cover: flat saturated core of radius ``r_core``, a halo (in place).
    The smooth profile is computed on a coarse grid and enlarged, so big spots stay cheap."""
    h, w = img.shape[:2]
    R = int(r_core * 4.5) + 2
    x0, y0, x1, y1 = max(0, int(cx) - R), max(0, int(cy) - R), min(w, int(cx) + R), min(h, int(cy) + R)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    st = max(1, int(r_core / 12))
    gw, gh = (x1 - x0 + st - 1) // st + 1, (y1 - y0 + st - 1) // st + 1
    yy, xx = np.mgrid[0:gh, 0:gw].astype(np.float32)
    e = rng.uniform(0.6, 1.0)
    ang = rng.uniform(0, np.pi)
    dx, dy = xx * st + x0 - cx, yy * st + y0 - cy
    u, v = dx * np.cos(ang) + dy * np.sin(ang), (-dx * np.sin(ang) + dy * np.cos(ang)) / e
    d = np.sqrt(u * u + v * v) / max(r_core, 1.0)
    core = np.clip((1.15 - d) / 0.3, 0, 1)
    halo = np.exp(-(d ** 2) / rng.uniform(2.0, 5.0)) * rng.uniform(0.35, 0.7)
    a = np.clip(core + halo, 0, 1).astype(np.float32)
    core = core.astype(np.float32)
    if st > 1:
        size = ((gw - 1) * st + 1, (gh - 1) * st + 1)
        a = cv2.resize(a, size, interpolation=cv2.INTER_LINEAR)[: y1 - y0, : x1 - x0]
        core = cv2.resize(core, size, interpolation=cv2.INTER_LINEAR)[: y1 - y0, : x1 - x0]
    else:
        a, core = a[: y1 - y0, : x1 - x0], core[: y1 - y0, : x1 - x0]
    roi = img[y0:y1, x0:x1]
    lift = np.full_like(roi, 255.0)
    roi[:] = cv2.blendLinear(roi, lift, 1.0 - a, a) + 40.0 * core[..., None]


def white_balance(rng: np.random.Generator) -> tuple[str, tuple[float, float, float]]:
    """A tungsten, fluorescent, shade or neutral colour cast: its name and RGB gains (applied in ``tone``)."""
    kind = ("neutral", "tungsten", "fluorescent", "shade", "tungsten")[int(rng.integers(5))]
    gains = {"neutral": (1.0, 1.0, 1.0), "tungsten": (1.12, 1.0, 0.8), "fluorescent": (0.95, 1.06, 0.92),
             "shade": (0.9, 0.98, 1.1)}[kind]
    g = np.array(gains) * rng.uniform(0.97, 1.03, 3)
    return kind, (float(g[0]), float(g[1]), float(g[2]))


def disc_kernel(r: float) -> np.ndarray:
    """Normalised disc (lens defocus) kernel of radius ``r`` px, anti-aliased edge."""
    n = int(np.ceil(r)) + 1
    yy, xx = np.mgrid[-n:n + 1, -n:n + 1].astype(np.float32)
    k = np.clip(r + 0.5 - np.sqrt(xx * xx + yy * yy), 0, 1)
    return k / k.sum()


def shake_kernel(length: float, rng: np.random.Generator) -> np.ndarray:
    """Camera-shake kernel: a random walk with momentum of total extent ~``length`` px."""
    n = int(np.ceil(length)) + 3
    k = np.zeros((2 * n + 1, 2 * n + 1), np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    p = np.zeros(2)
    pts = [p.copy()]
    steps = max(8, int(length * 3))
    for _ in range(steps):
        ang += rng.normal(0, 0.35)
        p = p + np.array([np.cos(ang), np.sin(ang)]) * (length / steps)
        pts.append(p.copy())
    pts = np.array(pts)
    pts -= pts.mean(axis=0)
    cv2.polylines(k, [np.round((pts + n) * 8).astype(np.int32).reshape(-1, 1, 2)], False, 1.0, 1, cv2.LINE_AA,
                  shift=3)
    s = k.sum()
    if s <= 0:
        k[n, n] = 1.0
        s = 1.0
    ys, xs = np.nonzero(k > 0)
    r = int(max(abs(ys - n).max(), abs(xs - n).max()))  # crop symmetrically around the centre
    return k[n - r:n + r + 1, n - r:n + r + 1] / s


def optics(img: np.ndarray, defocus_px: float, shake_px: float, rng: np.random.Generator) -> np.ndarray:
    """Apply defocus and shake; large kernels run at reduced size to keep the cost flat."""
    k = None
    if defocus_px >= 0.6:
        k = disc_kernel(defocus_px)
    if shake_px >= 1.0:
        s = shake_kernel(shake_px, rng)
        k = s if k is None else cv2.filter2D(np.pad(s, k.shape[0] // 2), -1, k)
    if k is None:
        return img
    if k.shape[0] > 25:  # blur at half size, enlarge back
        h, w = img.shape[:2]
        small = cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        k2 = cv2.resize(k, (max(3, k.shape[1] // 2 | 1), max(3, k.shape[0] // 2 | 1)), interpolation=cv2.INTER_AREA)
        small = cv2.filter2D(small, -1, k2 / k2.sum(), borderType=cv2.BORDER_REFLECT)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT)


def zoom_soften(img: np.ndarray, factor: float) -> np.ndarray:
    """Digital zoom / low sensor resolution: shrink by ``factor`` and enlarge back."""
    if factor <= 1.05:
        return img
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(8, int(w / factor)), max(8, int(h / factor))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def sensor_noise(img: np.ndarray, rng: np.random.Generator, level: float) -> np.ndarray:
    """Shot + read noise (sigma grows with brightness; ~2 px grain as after demosaicing) and
    blotchy low-frequency chroma noise."""
    h, w = img.shape[:2]
    hw, hh = max(2, w // 2), max(2, h // 2)
    luma = cv2.cvtColor(cv2.resize(img, (hw, hh), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
    sig = np.sqrt(np.maximum(luma, 0.0) * (level * level / 32.0) + 0.6 * level * level)
    n = rng.standard_normal((hh, hw), dtype=np.float32) * sig
    ch = rng.standard_normal((max(2, h // 8), max(2, w // 8), 3), dtype=np.float32) * (level * 1.6)
    noise = cv2.resize(ch, (hw, hh), interpolation=cv2.INTER_LINEAR) + n[..., None]
    return cv2.add(img, cv2.resize(noise, (w, h), interpolation=cv2.INTER_LINEAR))


def sharpen(img: np.ndarray, amount: float) -> np.ndarray:
    """Phone-style unsharp mask (leaves bright/dark halos along edges)."""
    if amount <= 0:
        return img
    soft = cv2.GaussianBlur(img, (0, 0), 1.6)
    return cv2.addWeighted(img, 1 + amount, soft, -amount, 0)


def tone(img: np.ndarray, exposure: float, wb: tuple[float, float, float], gamma: float) -> np.ndarray:
    """Exposure and white-balance gains, then a gamma / contrast curve (LUT); returns uint8 RGB."""
    M = np.diag([exposure * wb[0], exposure * wb[1], exposure * wb[2]]).astype(np.float32)
    u8 = cv2.convertScaleAbs(cv2.max(cv2.transform(img, M), 0.0))  # per-channel gain, saturating to uint8
    lut = (np.power(np.arange(256) / 255.0, gamma) * 255.0 + 0.5).astype(np.uint8)
    return cv2.LUT(u8, lut)


def encode_jpeg(rgb: np.ndarray, quality: int, subsampling: int) -> bytes:
    """JPEG bytes via Pillow (``subsampling`` 0 = 4:4:4, 2 = 4:2:0); deterministic."""
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, format="JPEG", quality=int(quality), subsampling=subsampling,
                                     optimize=False)
    return buf.getvalue()
