"""Whole synthetic phone photos of meters (and of non-meters) with ground truth."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from . import degrade as dg
from .display import random_display_spec, render_display
from .meter import build_face
from .notmeter import render_not_meter
from .spec import DisplaySpec

DEFECTS = ("blur", "dark", "overexposed", "glare", "cut_off", "small", "not_meter")


@dataclass
class PhotoSpec:
    """What photo to make. ``None`` fields are drawn at random."""

    display: DisplaySpec | None = None
    defect: str | None = None  # one of DEFECTS or None for a clear photo
    size: tuple[int, int] = (1600, 1200)  # (width, height)
    kind: str | None = None  # 'lcd' | 'drum' when display is None
    register: str = "kWh"
    kwh: float | None = None  # true cumulative reading when display is None
    digit_height_px: float | None = None  # at this photo size; None -> random


def _rot(roll: float, pitch: float, yaw: float) -> np.ndarray:
    """Camera rotation Rz(roll) @ Rx(pitch) @ Ry(yaw), degrees."""
    r, p, y = np.radians([roll, pitch, yaw])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    return rz @ rx @ ry


def _homography(center: tuple[float, float], scale: float, f: float, R: np.ndarray) -> np.ndarray:
    """Face plane -> photo homography; ``center`` (face px) lands on (0, 0)."""
    Z = f / scale
    K = np.array([[f, 0, 0], [0, f, 0], [0, 0, 1.0]])
    Rt = np.column_stack([R[:, 0], R[:, 1], [0, 0, Z]])
    T = np.array([[1, 0, -center[0]], [0, 1, -center[1]], [0, 0, 1.0]])
    return K @ Rt @ T


def _apply(H: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Apply a homography to an (N, 2) array of points."""
    p = cv2.perspectiveTransform(pts.reshape(-1, 1, 2).astype(np.float64), H)
    return p.reshape(-1, 2)


def _box_quad(b: tuple[float, float, float, float]) -> np.ndarray:
    x, y, w, h = b
    return np.array([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], np.float64)


def _digit_height(H: np.ndarray, boxes: list, off: tuple[int, int]) -> float:
    """Mean projected height of the digit boxes (mid-top to mid-bottom)."""
    hs = []
    for x, y, w, h in boxes:
        p = _apply(H, np.array([(x + off[0] + w / 2, y + off[1]), (x + off[0] + w / 2, y + off[1] + h)]))
        hs.append(float(np.linalg.norm(p[1] - p[0])))
    return float(np.mean(hs))


def _quad_mask(shape: tuple[int, int], quad: np.ndarray) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(m, np.round(quad * 4).astype(np.int32), 1, cv2.LINE_8, shift=2)
    return m.astype(bool)


_LUMA = np.array([0.114, 0.587, 0.299], np.float32)


def _gray_at(img: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Luma of the pixels under ``mask`` (1-D float array)."""
    return img[mask].astype(np.float32) @ _LUMA


def render_photo(spec: PhotoSpec, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Render one photo (BGR uint8) and its truth dict (see module docs / README)."""
    w, h = spec.size
    k = max(w, h) / 1600.0
    if spec.defect == "not_meter":
        return render_not_meter((w, h), rng)
    if spec.defect not in (None, *DEFECTS):
        raise ValueError(f"unknown defect {spec.defect!r}")
    dspec = spec.display or random_display_spec(rng, spec.kind, spec.register, spec.kwh)
    disp = render_display(dspec, rng)
    face = build_face(disp, rng)
    off = face.display_xy
    dbx, dby, dbw, dbh = disp.digits_box
    center = (off[0] + dbx + dbw / 2, off[1] + dby + dbh / 2)

    if spec.defect == "small":
        target = rng.uniform(6, 11) * k
    elif spec.digit_height_px:
        target = spec.digit_height_px
    else:
        d = rng.uniform(25, 32) if rng.random() < 0.12 else rng.triangular(25, 42, 90)
        target = float(np.clip(d, 25, 90)) * k * 1.03
    tilt = rng.uniform(0, 25) * (rng.random() ** 0.7)
    ta = rng.uniform(0, 2 * np.pi)
    R = _rot(float(np.clip(rng.normal(0, 8), -20, 20)), tilt * np.cos(ta), tilt * np.sin(ta))
    f = w * rng.uniform(0.8, 1.2)
    scale = target / disp.digit_height
    H0 = _homography(center, scale, f, R)
    meas = _digit_height(H0, disp.digit_boxes, off)
    scale *= target / meas
    H0 = _homography(center, scale, f, R)
    digit_quads = [_apply(H0, _box_quad(b) + off) for b in disp.digit_boxes]
    win = disp.window_box or disp.digits_box
    win_quad = _apply(H0, _box_quad(win) + off)
    allpts = np.vstack(digit_quads + [win_quad])
    lo, hi = allpts.min(axis=0), allpts.max(axis=0)
    margin = 0.03 * w
    if spec.defect == "cut_off":
        n = len(digit_quads)
        j = int(rng.integers(1, max(2, n // 2) + 1))
        ty = rng.uniform(margin - lo[1], h - margin - hi[1]) if hi[1] - lo[1] < h - 2 * margin else h / 2
        dwid = float(np.ptp(digit_quads[0][:, 0]))
        if rng.random() < 0.5:  # cut on the left: digits 0..j-1 fully outside
            tx = -digit_quads[j - 1][:, 0].max() - rng.uniform(0.05, 0.4) * dwid
        else:
            tx = w - digit_quads[n - j][:, 0].min() + rng.uniform(0.05, 0.4) * dwid
    else:
        # people centre the display, roughly: normal around the frame centre, kept inside the frame
        tx = float(np.clip(w / 2 + rng.normal(0, 0.15 * w), margin - lo[0], max(margin - lo[0], w - margin - hi[0])))
        ty = float(np.clip(h / 2 + rng.normal(0, 0.15 * h), margin - lo[1], max(margin - lo[1], h - margin - hi[1])))
    Tm = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1.0]])
    H = Tm @ H0
    digit_quads = [q + (tx, ty) for q in digit_quads]
    win_quad = win_quad + (tx, ty)
    dquad = _apply(H, _box_quad(disp.digits_box) + off)
    dh_px = _digit_height(H, disp.digit_boxes, off)

    # pre-shrink the face so the warp itself scales by ~1
    pre = float(min(1.0, scale * 1.25))
    fimg, falpha = face.image, face.alpha
    if pre < 0.999:
        fimg = cv2.resize(fimg, None, fx=pre, fy=pre, interpolation=cv2.INTER_AREA)
        falpha = cv2.resize(falpha, (fimg.shape[1], fimg.shape[0]), interpolation=cv2.INTER_AREA)
    sx = face.image.shape[1] / fimg.shape[1]
    sy = face.image.shape[0] / fimg.shape[0]
    S = np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1.0]])
    Hs = H @ S
    warped = cv2.warpPerspective(fimg, Hs, (w, h), flags=cv2.INTER_LINEAR).astype(np.float32)
    a = cv2.warpPerspective(falpha, Hs, (w, h), flags=cv2.INTER_LINEAR)[..., None]

    img = dg.background((w, h), rng)
    sh = cv2.resize(a[..., 0], (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    sh = cv2.GaussianBlur(sh, (0, 0), max(1.0, 6 * k * scale))
    sh = cv2.warpAffine(sh, np.float32([[1, 0, rng.uniform(-5, 5) * k], [0, 1, rng.uniform(1, 6) * k]]),
                        (w // 4, h // 4))
    sh = cv2.resize(sh, (w, h), interpolation=cv2.INTER_LINEAR)
    img *= (1 - rng.uniform(0.25, 0.55) * sh)[..., None]
    img = img * (1 - a) + warped * a
    img = dg.lighting(img, rng, 0.8 if spec.defect is None else 1.0)
    img = dg.colour_cast(img, rng)

    dmask = _quad_mask((h, w), dquad)
    if not dmask.any():
        dmask[int(np.clip(dquad[:, 1].mean(), 0, h - 1)), int(np.clip(dquad[:, 0].mean(), 0, w - 1))] = True
    dh = max(dh_px, 4.0)
    if spec.defect == "glare":
        vis = [i for i, q in enumerate(digit_quads) if disp.digit_labels[i] != ""] or [0]
        j = vis[int(rng.integers(len(vis)))]
        q = digit_quads[j]
        c = q.mean(axis=0) + rng.uniform(-0.15, 0.15, 2) * dh
        ang = rng.uniform(0, 180)
        rx, ry = dh * rng.uniform(0.8, 1.8), dh * rng.uniform(0.7, 1.2)
        for _ in range(30):  # grow until the flat core covers the whole digit
            ca, sa = np.cos(np.radians(ang)), np.sin(np.radians(ang))
            u = ((q[:, 0] - c[0]) * ca + (q[:, 1] - c[1]) * sa) / rx
            v = (-(q[:, 0] - c[0]) * sa + (q[:, 1] - c[1]) * ca) / ry
            if (u * u + v * v).max() < 0.55:
                break
            rx, ry = rx * 1.1, ry * 1.1
        img = dg.glare(img, c[0], c[1], rx, ry, ang, 1.0)
    elif spec.defect is None and rng.random() < 0.3:  # glare somewhere on the body, off the display
        ys, xs = np.nonzero(a[..., 0] > 0.9)
        if len(xs):
            for _ in range(20):
                i = int(rng.integers(len(xs)))
                r = dh * rng.uniform(0.4, 1.2)
                cx, cy = float(xs[i]), float(ys[i])
                ex = np.vstack(digit_quads + [win_quad])
                dist = np.min(np.hypot(ex[:, 0] - cx, ex[:, 1] - cy))
                inside = cv2.pointPolygonTest(win_quad.astype(np.float32), (cx, cy), False) >= 0
                if dist > 3.5 * r + dh and not inside:
                    img = dg.glare(img, cx, cy, r * rng.uniform(1, 1.8), r, rng.uniform(0, 180),
                                   rng.uniform(0.6, 1.0))
                    break

    # exposure
    if spec.defect == "dark":
        m = float(_gray_at(img, dmask).mean())
        img *= rng.uniform(8, 24) / max(m, 1.0)
    elif spec.defect == "overexposed":
        haze = np.zeros((h // 4, w // 4), np.float32)
        cv2.fillConvexPoly(haze, np.round(win_quad / 4).astype(np.int32), 1.0)
        haze = cv2.GaussianBlur(haze, (0, 0), max(1.0, dh * 0.4))
        haze = cv2.resize(haze, (w, h), interpolation=cv2.INTER_LINEAR)
        img = img + (255 * rng.uniform(0.3, 0.6) * haze)[..., None]
        g = rng.uniform(1.6, 2.2)
        px = _gray_at(img, dmask)
        for _ in range(15):
            if float((px * g >= 252).mean()) >= 0.85:
                break
            g *= 1.2
        img *= g
    else:
        pxc = np.clip(img[dmask], 0, 255).astype(np.float32)
        m = float((pxc @ _LUMA).mean())
        if m < 78:
            lo_g, hi_g = 0.2, 1.0
            for _ in range(12):
                mid = (lo_g + hi_g) / 2
                if float((dg.gamma(pxc[None], mid)[0] @ _LUMA).mean()) >= 80:
                    lo_g = mid
                else:
                    hi_g = mid
            img = dg.gamma(img, lo_g)
        sat = float(((pxc @ _LUMA) >= 250).mean())
        if spec.defect != "glare" and sat > 0.05:
            img *= 0.85

    # optics + sensor
    if spec.defect == "blur":
        if rng.random() < 0.5:
            img = dg.blur(img, max(4.0 * k, dh * rng.uniform(0.2, 0.35)))
        else:
            img = dg.blur(img, rng.uniform(0.5, 1.5), max(6.0 * k, dh * rng.uniform(0.6, 1.1)),
                          rng.uniform(0, 180))
    else:
        img = dg.blur(img, rng.uniform(0.0, 1.2) * k, rng.uniform(0, 2.5) * k, rng.uniform(0, 180))
    img = dg.sensor_noise(img, rng, rng.uniform(1.5, 5.0))
    out = dg.to_uint8(img)

    truth = {
        "reading": disp.reading, "kind": disp.kind, "register": disp.register,
        "clear": spec.defect is None, "defect": spec.defect,
        "display_quad": np.round(dquad, 2).tolist(), "digit_height_px": round(dh_px, 2), "meter": True,
        "digit_quads": [np.round(q, 2).tolist() for q in digit_quads],
        "digit_labels": list(disp.digit_labels), "decimal_after": disp.decimal_after,
        "midroll": list(disp.midroll), "legend_text": disp.legend_text,
        "legend_quad": np.round(_apply(H, _box_quad(disp.legend_box) + off), 2).tolist()
        if disp.legend_box else None,
        "window_quad": np.round(win_quad, 2).tolist(),
        "display_mean": round(float(_gray_at(out, dmask).mean()), 1),
        "size": [w, h],
    }
    return out, truth
