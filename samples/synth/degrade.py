"""Backgrounds and camera/photo effects (lighting, blur, noise, glare, JPEG)."""

from __future__ import annotations

import cv2
import numpy as np

BACKGROUNDS = ("wall", "wood", "concrete", "meter_box", "tiles")


def _lowfreq(h: int, w: int, cells: int, rng: np.random.Generator) -> np.ndarray:
    """Smooth random field (float32, ~N(0,1)) of size (h, w)."""
    small = rng.normal(0, 1, (max(2, cells), max(2, int(cells * w / max(h, 1))))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def background(size: tuple[int, int], rng: np.random.Generator, kind: str | None = None) -> np.ndarray:
    """A textured background (float32 BGR) of ``size`` = (w, h)."""
    w, h = size
    kind = kind or BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))]
    if kind == "wall":
        base = np.array(rng.choice([(200, 215, 225), (170, 200, 210), (150, 190, 160), (210, 200, 180),
                                    (140, 160, 200)]), np.float32) + rng.uniform(-20, 20, 3)
        sh, sw = h // 4, w // 4
        f = 1 + 0.05 * _lowfreq(sh, sw, 5, rng) + 0.03 * _lowfreq(sh, sw, 40, rng)
        f *= 1 - np.clip(_lowfreq(sh, sw, 8, rng) - 1.2, 0, None) * 0.3
        f = cv2.resize(f, (w, h), interpolation=cv2.INTER_LINEAR)
        img = f[..., None] * base.astype(np.float32)[None, None, :]
    elif kind == "wood":
        base = np.array((40, 80, 130), np.float32) * rng.uniform(0.7, 1.3)
        sh, sw = h // 2, w // 2
        xx = np.arange(sw, dtype=np.float32)[None, :]
        warp = _lowfreq(sh, sw, 6, rng) * 10
        grain = np.sin((xx + warp) / rng.uniform(1.5, 4.5)) * 0.08 + 0.04 * _lowfreq(sh, sw, 60, rng)
        grain = cv2.resize(grain.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
        img = (1 + grain)[..., None] * base.astype(np.float32)[None, None, :]
    elif kind == "concrete":
        v = rng.uniform(110, 170)
        img = np.full((h, w, 3), v, np.float32) + rng.uniform(-8, 8, 3)
        sh, sw = h // 3, w // 3
        f = 1 + 0.04 * _lowfreq(sh, sw, 6, rng) + 0.025 * _lowfreq(sh, sw, 60, rng)
        f += 0.035 * rng.standard_normal((sh, sw), dtype=np.float32)
        img *= cv2.resize(f, (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
    elif kind == "tiles":
        v = rng.uniform(170, 230)
        img = np.full((h, w, 3), v, np.float32) + rng.uniform(-10, 10, 3)
        step = int(rng.uniform(150, 300))
        off = int(rng.integers(step))
        for x in range(off, w, step):
            img[:, x:x + 3] *= 0.7
        for y in range(off, h, step):
            img[y:y + 3] *= 0.7
    else:  # metal meter box interior
        v = rng.uniform(90, 170)
        img = np.full((h, w, 3), v, np.float32) + rng.uniform(-10, 10, 3)
        img *= (1 + 0.04 * cv2.resize(_lowfreq(h // 4, w // 4, 4, rng), (w, h)))[..., None]
        rust = np.clip(cv2.resize(_lowfreq(h // 4, w // 4, 6, rng), (w, h)) - 1.6, 0, 1) * 0.35
        img = img * (1 - rust[..., None]) + rust[..., None] * np.array([25, 45, 75], np.float32)
    # cables occasionally
    for _ in range(int(rng.integers(0, 3)) if rng.random() < 0.4 else 0):
        v = rng.uniform(15, 60)
        c = (v, v, v) if rng.random() < 0.7 else (v, v, rng.uniform(120, 200))
        x0, x1 = rng.uniform(0, w, 2)
        bend = rng.normal(0, 0.08 * w)
        ys = np.linspace(-10, h + 10, 30)
        tt = ys / h
        xs = x0 + (x1 - x0) * tt + bend * np.sin(np.pi * tt)
        pts = np.stack([xs, ys], 1).astype(np.int32)
        th = int(rng.uniform(8, 22) * w / 1600)
        cv2.polylines(img, [pts], False, c, th, cv2.LINE_AA)
        cv2.polylines(img, [pts - (th // 4, 0)], False, tuple(min(255, ch + 40) for ch in c), max(1, th // 5),
                      cv2.LINE_AA)
    return img.astype(np.float32)


def lighting(img: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """Uneven light: a linear gradient, a soft shadow edge and vignetting (float32)."""
    H, W = img.shape[:2]
    h, w = max(2, H // 8), max(2, W // 8)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    g = (np.cos(ang) * (xx / w - 0.5) + np.sin(ang) * (yy / h - 0.5))
    field = 1.0 + strength * rng.uniform(0.1, 0.45) * g
    if rng.random() < 0.45 * strength:  # soft shadow across part of the frame
        a2 = rng.uniform(0, 2 * np.pi)
        d = np.cos(a2) * (xx - w * rng.uniform(0.2, 0.8)) + np.sin(a2) * (yy - h * rng.uniform(0.2, 0.8))
        soft = rng.uniform(20, 120) / 8
        field *= 1 - strength * rng.uniform(0.15, 0.4) / (1 + np.exp(-d / soft))
    r2 = ((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2
    field *= 1 - rng.uniform(0.1, 0.4) * r2
    field = cv2.resize(field.astype(np.float32), (W, H), interpolation=cv2.INTER_LINEAR)
    return img * field[..., None]


def colour_cast(img: np.ndarray, rng: np.random.Generator, amount: float = 0.07) -> np.ndarray:
    """White-balance error: warm/cool temperature shift plus a small green/magenta tint."""
    temp = rng.uniform(-1, 1) * amount
    tint = rng.uniform(-0.25, 0.25) * amount
    gains = np.array([1 + temp, 1 + tint, 1 - temp], np.float32)  # BGR
    return np.multiply(img, gains[None, None, :], dtype=np.float32)


def motion_kernel(length: float, angle_deg: float) -> np.ndarray:
    """Normalised linear motion-blur kernel."""
    k = int(np.ceil(length)) | 1
    ker = np.zeros((k, k), np.float32)
    c = k // 2
    dx, dy = np.cos(np.radians(angle_deg)) * length / 2, np.sin(np.radians(angle_deg)) * length / 2
    cv2.line(ker, (int(round(c - dx)), int(round(c - dy))), (int(round(c + dx)), int(round(c + dy))), 1.0, 1,
             cv2.LINE_AA)
    return ker / max(ker.sum(), 1e-6)


def blur(img: np.ndarray, sigma: float, motion: float = 0.0, angle: float = 0.0) -> np.ndarray:
    """Gaussian defocus ``sigma`` then linear motion blur of ``motion`` px."""
    if sigma > 6:  # large blur: work at half resolution (same look, 4x cheaper)
        h, w = img.shape[:2]
        small = cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        img = cv2.resize(cv2.GaussianBlur(small, (0, 0), sigma / 2), (w, h), interpolation=cv2.INTER_LINEAR)
    elif sigma > 0.2:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    if motion >= 2:
        img = cv2.filter2D(img, -1, motion_kernel(motion, angle))
    return img


def glare(img: np.ndarray, cx: float, cy: float, rx: float, ry: float, angle: float,
          strength: float) -> np.ndarray:
    """Add a specular blob: saturated core and soft halo (float32 in, float32 out)."""
    h, w = img.shape[:2]
    x0, x1 = int(max(0, cx - 3 * rx - 3 * ry)), int(min(w, cx + 3 * rx + 3 * ry))
    y0, y1 = int(max(0, cy - 3 * rx - 3 * ry)), int(min(h, cy + 3 * rx + 3 * ry))
    if x1 <= x0 or y1 <= y0:
        return img
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    ca, sa = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    u = ((xx - cx) * ca + (yy - cy) * sa) / rx
    v = (-(xx - cx) * sa + (yy - cy) * ca) / ry
    r2 = u * u + v * v
    core = np.clip(1.6 - r2, 0, 1)  # flat saturated inside r < ~0.77
    halo = np.exp(-r2 / 2.5)
    a = np.clip(strength * np.maximum(core, 0.6 * halo), 0, 1)[..., None]
    img[y0:y1, x0:x1] = img[y0:y1, x0:x1] * (1 - a) + 255 * 1.15 * a
    return img


def sensor_noise(img: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Luma + chroma noise (chroma at quarter resolution), brighter pixels a bit noisier."""
    h, w = img.shape[:2]
    luma = rng.standard_normal((h, w), dtype=np.float32)
    chroma = rng.standard_normal((h // 4 + 1, w // 4 + 1, 3), dtype=np.float32)
    chroma = cv2.resize(chroma, (w, h), interpolation=cv2.INTER_LINEAR)
    noise = cv2.scaleAdd(chroma, 0.7, cv2.merge([luma, luma, luma]))
    small = cv2.resize(img, (w // 8 + 1, h // 8 + 1), interpolation=cv2.INTER_AREA)
    lum = cv2.cvtColor(np.ascontiguousarray(small, dtype=np.float32), cv2.COLOR_BGR2GRAY)
    scale = cv2.resize(sigma * (0.6 + 0.4 * np.clip(lum / 128, 0, 2)), (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.add(img.astype(np.float32, copy=False), noise * scale[..., None])


def gamma(img: np.ndarray, g: float) -> np.ndarray:
    """Gamma curve on 0..255 floats (g < 1 brightens the darks without clipping)."""
    return cv2.pow(np.clip(img, 0, 255).astype(np.float32) * (1 / 255.0), float(g)) * 255.0


def to_uint8(img: np.ndarray) -> np.ndarray:
    """Clip and convert to uint8."""
    return np.clip(img, 0, 255).astype(np.uint8)


def encode_jpeg(img: np.ndarray, quality: int) -> bytes:
    """Encode a BGR uint8 image as baseline JPEG bytes at ``quality`` (deterministic)."""
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()
