"""One phone photo of a meter, from a seed: ``render_photo(seed) -> (jpeg_bytes, truth_row)``.

Everything is drawn from ``numpy.random.default_rng(seed)``, so a seed alone reproduces a
photo byte for byte. About 60 % LCD / 40 % drum and 80 % clear; an unclear photo has
exactly one deliberate defect (``why_unclear``), chosen so that a person could not read
the kWh register with certainty; clear photos stay within limits where digits stay legible.
"""

from __future__ import annotations

import cv2
import numpy as np

from . import body as bd
from . import camera as cam
from . import drum, lcd, scene

#: why a photo is unclear -> weight among unclear photos
UNCLEAR = {"not_kwh": 0.24, "blur": 0.22, "glare_on_digits": 0.17, "cut_off": 0.15, "too_small": 0.16,
           "display_off": 0.06}
OTHER_SCREENS = ("kVAh", "MD kW", "date", "time", "test", "BP kWh")
LAYOUT_WEIGHTS = {"genus_1ph": 0.24, "genus_3ph": 0.16, "lt_em101": 0.16, "tangedco_3ph": 0.14, "hpl": 0.14,
                  "secure_lg": 0.16}
TRUTH_FIELDS = ["file", "reading", "kind", "register", "clear", "why_unclear", "midroll", "glare", "display_quad",
                "layout", "seed", "shown", "kwh", "digit_height_px", "display_frac", "tilt_deg", "roll_deg",
                "defocus_px", "shake_px", "zoom_soften", "jpeg_quality", "width", "height", "background", "case",
                "finger", "light"]


def parse_size(size: str | tuple[int, int]) -> tuple[int, int]:
    """``'1600x1200'`` or (1600, 1200) -> (width, height)."""
    if isinstance(size, str):
        w, h = size.lower().split("x")
        return int(w), int(h)
    return int(size[0]), int(size[1])


def _choice(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], np.float64)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _fits(quad: np.ndarray, w: int, h: int, margin: float) -> bool:
    return bool((quad[:, 0] >= margin).all() and (quad[:, 0] <= w - margin).all()
                and (quad[:, 1] >= margin).all() and (quad[:, 1] <= h - margin).all())


def _warp_over(dst: np.ndarray, src: np.ndarray, H: np.ndarray) -> None:
    """Warp ``src`` (uint8 RGBA) with homography ``H`` and blend it over ``dst`` (float32 RGB), ROI only."""
    h, w = dst.shape[:2]
    sh, sw = src.shape[:2]
    corners = cam.project(H, np.array([(0, 0), (sw, 0), (sw, sh), (0, sh)], np.float64))
    x0, y0 = (max(0, int(np.floor(v))) for v in corners.min(axis=0))
    x1, y1 = min(w, int(np.ceil(corners[:, 0].max())) + 1), min(h, int(np.ceil(corners[:, 1].max())) + 1)
    if x1 <= x0 or y1 <= y0:
        return
    T = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ H
    rgba = cv2.warpPerspective(src, T, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderValue=0)
    a = rgba[..., 3].astype(np.float32) * (1.0 / 255.0)
    roi = dst[y0:y1, x0:x1]
    roi[:] = cv2.blendLinear(rgba[..., :3].astype(np.float32), roi, a, 1.0 - a)


def _rgba(rgb: np.ndarray) -> np.ndarray:
    """Opaque uint8 RGBA from a float or uint8 RGB array."""
    u8 = np.clip(rgb, 0, 255).astype(np.uint8) if rgb.dtype != np.uint8 else rgb
    return np.dstack([u8, np.full(u8.shape[:2], 255, np.uint8)])


def _display(kind: str, layout: str | None, why: str, ph: float, case_rgb: tuple[int, int, int],
             rng: np.random.Generator) -> tuple[object, dict]:
    """Render the LCD panel or drum counter; returns it and its truth fields."""
    if kind == "lcd":
        layout = layout or _choice(rng, LAYOUT_WEIGHTS)
        ints, decs = lcd.DIGITS[layout]
        n_int, n_dec = int(rng.choice(ints)), int(rng.choice(decs))
        zeros = bool(rng.random() < (0.8 if layout == "tangedco_3ph" else 0.55))
        top = min(10 ** n_int - 1, 99999 if "3ph" not in layout else 900000)
        kwh = float(np.exp(rng.uniform(np.log(40), np.log(top * 0.9))))
        kwh = float(np.floor(kwh * 100) / 100)
        register = "kWh"
        if why == "not_kwh":
            register = OTHER_SCREENS[int(rng.integers(len(OTHER_SCREENS)))]
        elif why == "display_off":
            register = "blank"
        screen = lcd.make_screen(register, kwh, n_int, n_dec, zeros, rng)
        panel = lcd.render_panel(layout, screen, ph, rng, case_rgb)
        reg = {"blank": ""}.get(screen.register, screen.register)
        return panel, {"reading": screen.reading, "shown": screen.shown, "register": reg, "layout": layout,
                       "kwh": kwh, "midroll": False}
    n = int(rng.integers(5, 8))
    tenths = bool(rng.random() < 0.65)
    n_int = n - 1 if tenths else n
    kwh = float(np.exp(rng.uniform(np.log(30), np.log(min(10 ** n_int - 1, 99999) * 0.9))))
    digits = str(int(kwh * (10 if tenths else 1))).rjust(n, "0")
    value = digits[:-1] + "." + digits[-1] if tenths else digits
    counter = drum.render_counter(value, ph, rng, midroll=bool(rng.random() < 0.15))
    return counter, {"reading": counter.reading, "shown": counter.reading, "register": "kWh",
                     "layout": "drum_" + counter.style, "kwh": float(counter.reading), "midroll": counter.midroll}


def render_array(seed: int, size: str | tuple[int, int] = (1600, 1200), orientation: str | None = None,
                 kind: str | None = None, layout: str | None = None, defect: str = "auto") -> tuple[np.ndarray, dict]:
    """Render the photo for ``seed`` as an RGB uint8 array, with its truth row (JPEG quality included).

    ``orientation``: 'landscape' | 'portrait' | None (30 % portrait); ``kind``: 'lcd' | 'drum' | None;
    ``defect``: 'auto' (80 % clear), 'none' (clear) or one of ``UNCLEAR``."""
    rng = np.random.default_rng(seed)
    W, H = parse_size(size)
    portrait = (orientation == "portrait") if orientation else bool(rng.random() < 0.3)
    if portrait != (H > W):
        W, H = H, W
    k = max(W, H) / 1600.0
    kind = kind or ("lcd" if rng.random() < 0.6 else "drum")
    if defect == "auto":
        defect = "none" if rng.random() < 0.8 else _choice(rng, UNCLEAR)
    if kind == "drum" and defect in ("not_kwh", "display_off"):
        defect = _choice(rng, {k2: v for k2, v in UNCLEAR.items() if k2 not in ("not_kwh", "display_off")})
    clear = defect == "none"
    # how big the digits will be: the row spans ~8-60 % of the width, or is tiny on purpose
    frac = float(np.exp(rng.uniform(np.log(0.08), np.log(0.6))))
    est_units = 6.5
    dh = frac * W / est_units
    if defect == "too_small":
        dh = rng.uniform(5.0, 9.0) * k
    elif defect == "blur":
        dh = max(dh, 20 * k)
    else:
        dh = max(dh, 18 * k)
    ph = float(np.clip(dh * 1.1, 14, 150))
    case = bd.case_colour(rng, kind)
    disp, truth = _display(kind, layout, defect, ph, case[1], rng)
    rows_units = float(disp.quad[:, 0].max() - disp.quad[:, 0].min()) / disp.ph
    scale = frac * W / rows_units  # px per unit = digit height in px before foreshortening
    if defect == "too_small":
        scale = dh
    else:
        scale = max(scale, (20 if defect == "blur" else 18) * k)
    pimg = disp.image
    pw_u, ph_u = pimg.shape[1] / disp.ph, pimg.shape[0] / disp.ph
    body = bd.render_body(kind, truth["layout"], (pw_u, ph_u), scale, rng, case)
    quad_plane = disp.quad / disp.ph + np.array(body.panel_at)
    cells_plane = [c / disp.ph + np.array(body.panel_at) for c in disp.cells]
    anchor = tuple(quad_plane.mean(axis=0))
    # camera
    tilt = min(35.0, abs(rng.normal(0, 13))) if rng.random() < 0.9 else rng.uniform(20, 35)
    axis = rng.uniform(0, 360)
    roll = float(np.clip(rng.normal(0, 7), -25, 25)) if rng.random() < 0.9 else rng.uniform(-25, 25)
    f = max(W, H) * rng.uniform(0.75, 1.1)
    bw_u, bh_u = body.size
    body_corners = np.array([(0, 0), (bw_u, 0), (bw_u, bh_u), (0, bh_u)], np.float64)
    for _ in range(12):  # keep the whole case in front of the lens
        R = cam.rotation(tilt, axis, roll)
        z = (np.column_stack([body_corners - np.array(anchor), np.zeros(4)]) @ R.T)[:, 2] + f / scale
        if z.min() > 0.45 * f / scale:
            break
        tilt *= 0.75
    Hp = cam.plane_to_photo(anchor, R, f, scale, (W / 2, H / 2))
    margin = 0.5 * dh + 0.02 * min(W, H)
    for _ in range(25):
        c = (rng.uniform(0.25, 0.75) * W, rng.uniform(0.25, 0.75) * H)
        Hc = cam.plane_to_photo(anchor, R, f, scale, c)
        if _fits(cam.project(Hc, quad_plane), W, H, margin):
            Hp = Hc
            break
    if defect == "cut_off":  # slide the row over the left or right edge: >= 1 whole digit outside
        cells_px = [cam.project(Hp, c) for c in cells_plane]
        m = int(rng.integers(1, max(2, len(cells_px) // 2 + 1)))
        if rng.random() < 0.5:
            dx = -3.0 - max(cp[:, 0].max() for cp in cells_px[:m])
        else:
            dx = W + 3.0 - min(cp[:, 0].min() for cp in cells_px[-m:])
        Hp = np.array([[1, 0, dx], [0, 1, 0], [0, 0, 1]], np.float64) @ Hp
    quad = cam.project(Hp, quad_plane)
    dh_px = float((np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1])) / 2)
    # scene and meter
    img, bg_kind = scene.background(W, H, rng)
    if rng.random() < 0.45:
        scene.cables(img, rng, int(rng.integers(1, 4)))
    Hb = cam.scaled(Hp, body.pb)
    alpha = body.image[..., 3]
    sh_off = rng.uniform(0.004, 0.02, 2) * max(W, H) * rng.choice([-1, 1], 2)
    Hs = np.array([[1, 0, sh_off[0]], [0, 1, sh_off[1]], [0, 0, 1]]) @ Hb
    small = (max(4, W // 4), max(4, H // 4))
    S4 = np.diag([0.25, 0.25, 1.0]) @ Hs
    shadow = cv2.warpPerspective(alpha, S4, small, flags=cv2.INTER_LINEAR).astype(np.float32) / 255.0
    shadow = cv2.GaussianBlur(shadow, (0, 0), 2 + 6 * rng.random())
    depth = rng.uniform(0.25, 0.55)
    ys, xs = np.nonzero(shadow > 0.01)
    if len(xs):  # darken the background under the case's drop shadow (its bounding box only)
        sub = shadow[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
        sx0, sy0 = xs.min() * 4, ys.min() * 4
        sx1, sy1 = min(W, sx0 + sub.shape[1] * 4), min(H, sy0 + sub.shape[0] * 4)
        sh_roi = cv2.resize(sub, (sub.shape[1] * 4, sub.shape[0] * 4), interpolation=cv2.INTER_LINEAR)
        roi = img[sy0:sy1, sx0:sx1]
        roi *= cv2.merge([1.0 - depth * sh_roi[: sy1 - sy0, : sx1 - sx0]] * 3)
    _warp_over(img, body.image, Hb)
    ratio = scale / disp.ph
    pph = disp.ph
    if ratio < 0.75:  # shrink the panel first: warping is a poor downsampler
        r = min(1.0, ratio * 1.25)
        pimg = cv2.resize(pimg, (max(2, int(pimg.shape[1] * r)), max(2, int(pimg.shape[0] * r))),
                          interpolation=cv2.INTER_AREA)
        pph = disp.ph * pimg.shape[1] / disp.image.shape[1]
    _warp_over(img, _rgba(pimg), cam.scaled(Hp, pph, body.panel_at))
    _cover(img, Hp, body.cover, rng, strong=not clear)
    grown = quad.mean(axis=0) + (quad - quad.mean(axis=0)) * 1.25 + np.sign(quad - quad.mean(axis=0)) * dh_px
    has_finger = bool(rng.random() < 0.12) and scene.finger(img, rng, grown)
    # light, glare, colour
    img = cv2.multiply(img, cam.light_field(W, H, rng))
    light, wb = cam.white_balance(rng)
    glare_kind = "none"
    if defect == "glare_on_digits":
        cell = cells_plane[int(rng.integers(len(cells_plane)))]
        c = cam.project(Hp, cell).mean(axis=0)
        cam.glare(img, float(c[0]), float(c[1]), dh_px * rng.uniform(1.25, 1.8), rng)
        glare_kind = "on_digits"
    elif rng.random() < 0.28:
        glare_kind = _glare_beside(img, quad, Hp, body, dh_px, rng)
    # optics and sensor
    defocus, shake, zf = 0.0, 0.0, 1.0
    if defect == "blur":
        if rng.random() < 0.5:
            defocus = max(4.0 * k, dh_px * rng.uniform(0.22, 0.38))
        else:
            shake = max(7.0 * k, dh_px * rng.uniform(0.75, 1.3))
    else:
        if rng.random() < 0.5:
            defocus = rng.uniform(0.0, min(1.4 * k, 0.06 * dh_px))
        if rng.random() < 0.3:
            shake = rng.uniform(1.0, max(1.0, min(3.0 * k, 0.12 * dh_px)))
        if rng.random() < 0.25 and dh_px / 16.0 > 1.2:
            zf = rng.uniform(1.2, min(2.5, dh_px / 16.0))
    img = cam.optics(img, defocus, shake, rng)
    img = cam.zoom_soften(img, zf)
    img = cam.sensor_noise(img, rng, rng.uniform(0.8, 4.0))
    if rng.random() < 0.5:
        img = cam.sharpen(img, rng.uniform(0.2, 0.9))
    out = cam.tone(img, rng.uniform(0.92, 1.12), wb, rng.uniform(0.85, 1.1))
    q = int(rng.integers(40, 96))
    if dh_px < 20 * k and defect != "too_small":
        q = max(q, 62)
    truth.update({
        "clear": clear, "why_unclear": "" if clear else defect, "glare": glare_kind, "kind": kind, "seed": int(seed),
        "display_quad": " ".join(f"{v:.1f}" for v in quad.reshape(-1)), "digit_height_px": round(dh_px, 1),
        "display_frac": round(float(quad[:, 0].max() - quad[:, 0].min()) / W, 3), "tilt_deg": round(float(tilt), 1),
        "roll_deg": round(float(roll), 1), "defocus_px": round(float(defocus), 2), "shake_px": round(float(shake), 2),
        "zoom_soften": round(float(zf), 2), "jpeg_quality": q, "width": W, "height": H, "background": bg_kind,
        "case": body.case, "finger": has_finger, "light": light, "file": "",
        "subsampling": 2 if rng.random() < 0.8 else 0})
    return out, truth


def _cover(img: np.ndarray, Hp: np.ndarray, cover: tuple[float, float, float, float], rng: np.random.Generator,
           strong: bool) -> None:
    """The transparent cover: a faint haze over it and a diagonal reflection band (in place)."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = cover
    s = 4
    quad = cam.project(Hp, np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], np.float64))
    bx0, by0 = (int(max(0, min(v, lim))) for v, lim in zip(quad.min(axis=0) - 8, (w, h), strict=True))
    bx1, by1 = (int(max(0, min(v, lim))) for v, lim in zip(quad.max(axis=0) + 8, (w, h), strict=True))
    if bx1 - bx0 < 8 or by1 - by0 < 8:
        return
    off = np.array([bx0, by0], np.float64)
    m = np.zeros(((by1 - by0) // s + 1, (bx1 - bx0) // s + 1), np.float32)
    cv2.fillPoly(m, [np.round((quad - off) / s).astype(np.int32).reshape(-1, 1, 2)], 1.0)
    band = np.zeros_like(m)
    t = rng.uniform(0.1, 0.9)
    bw = rng.uniform(0.06, 0.2) * (x1 - x0)
    sk = rng.uniform(-0.6, 0.6) * (y1 - y0)
    bx = x0 + t * (x1 - x0)
    bpoly = np.array([(bx + sk, y0), (bx + sk + bw, y0), (bx + bw - sk, y1), (bx - sk, y1)], np.float64)
    cv2.fillPoly(band, [np.round((cam.project(Hp, bpoly) - off) / s).astype(np.int32).reshape(-1, 1, 2)], 1.0)
    amount = rng.uniform(0.05, 0.22 if not strong else 0.3) if rng.random() < 0.7 else 0.0
    a = m * rng.uniform(0.02, 0.07) + band * m * amount
    a = cv2.GaussianBlur(a, (0, 0), 1.5 + 3 * rng.random())
    a = cv2.resize(a, (bx1 - bx0, by1 - by0), interpolation=cv2.INTER_LINEAR)
    roi = img[by0:by1, bx0:bx1]
    roi[:] = cv2.blendLinear(roi, np.full_like(roi, 245.0), 1.0 - a, a)


def _glare_beside(img: np.ndarray, quad: np.ndarray, Hp: np.ndarray, body: bd.Body, dh: float,
                  rng: np.random.Generator) -> str:
    """A flash spot on the case or cover that stays clear of the digits; 'beside' or 'none'."""
    h, w = img.shape[:2]
    bw_u, bh_u = body.size
    qpoly = quad.astype(np.float32).reshape(-1, 1, 2)
    r = dh * rng.uniform(0.5, 1.4)
    for _ in range(30):
        p = cam.project(Hp, np.array([[rng.uniform(0, bw_u), rng.uniform(0, bh_u * 0.8)]]))[0]
        if not (0 <= p[0] < w and 0 <= p[1] < h):
            continue
        if cv2.pointPolygonTest(qpoly, (float(p[0]), float(p[1])), True) < -3.3 * r - 0.5 * dh:
            cam.glare(img, float(p[0]), float(p[1]), r, rng)
            return "beside"
    return "none"


def render_photo(seed: int, **options: object) -> tuple[bytes, dict]:
    """JPEG bytes and the truth row of the photo for ``seed``. Options: ``size`` ('1600x1200' or a tuple),
    ``orientation``, ``kind``, ``layout``, ``defect`` (see ``render_array``)."""
    rgb, truth = render_array(seed, **options)  # type: ignore[arg-type]
    data = cam.encode_jpeg(rgb, truth["jpeg_quality"], truth.pop("subsampling"))
    return data, truth
