"""Meter bodies with distractors (labels, serial numbers, barcodes, stickers ...)."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from . import fonts
from .spec import RenderedDisplay

BRANDS = ("GENIX", "SECURA", "LUMEN", "VOLTEX", "HPM", "AVANT", "ELMEX", "SUNRAY", "L&M", "KIRAN")
BODY_COLOURS = {  # BGR plastic colours
    "grey": (168, 168, 162), "light_grey": (200, 200, 196), "white": (226, 228, 228),
    "beige": (176, 200, 212), "black": (38, 38, 40), "dark_grey": (78, 80, 82),
}
UTILITIES = ("MPPKVVCL", "DISCOM", "BESCOM", "TPDDL", "MSEDCL", "UHBVN", "APEPDCL", "JVVNL")


@dataclass
class Face:
    """A meter body image in its own (flat) frame with where the display sits."""

    image: np.ndarray  # BGR uint8
    alpha: np.ndarray  # float32 0..1 body mask
    display_xy: tuple[int, int]  # top-left of the display image inside ``image``
    display: RenderedDisplay
    text_boxes: list[tuple[str, tuple[int, int, int, int]]] = field(default_factory=list)


def _rounded_mask(h: int, w: int, r: int) -> np.ndarray:
    """A filled rounded-rectangle mask (uint8 255)."""
    m = np.zeros((h, w), np.uint8)
    r = max(1, min(r, h // 2, w // 2))
    cv2.rectangle(m, (r, 0), (w - r, h - 1), 255, -1)
    cv2.rectangle(m, (0, r), (w - 1, h - r), 255, -1)
    for cx, cy in ((r, r), (w - r - 1, r), (r, h - r - 1), (w - r - 1, h - r - 1)):
        cv2.circle(m, (cx, cy), r, 255, -1, cv2.LINE_AA)
    return m


def plastic(h: int, w: int, col: tuple[int, ...] | np.ndarray, rng: np.random.Generator,
            grain: float = 3.0) -> np.ndarray:
    """Matte plastic surface: base colour, broad shading and fine grain (float32 BGR)."""
    col = np.asarray(col, np.float32)
    small = rng.normal(0, 1, (6, 6)).astype(np.float32)
    broad = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC) * 0.03
    yy = np.linspace(-0.5, 0.5, h, dtype=np.float32)[:, None]
    shade = 1.0 + broad + rng.uniform(-0.08, 0.08) * yy
    img = col[None, None, :] * shade[..., None]
    g = rng.standard_normal((h // 2 + 1, w // 2 + 1), dtype=np.float32)
    img += grain * cv2.resize(g, (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
    return img.astype(np.float32)


def _barcode(img: np.ndarray, x: int, y: int, w: int, h: int, ink: float, rng: np.random.Generator) -> None:
    """Draw a 1-D barcode in the box."""
    cv2.rectangle(img, (x - 3, y - 3), (x + w + 3, y + h + 3), (240, 240, 240), -1)
    units = rng.integers(1, 4, 200)
    total = 0
    scale = max(1.0, w / 110)
    for i, u in enumerate(units):
        bw = u * scale
        if total + bw > w:
            break
        if i % 2 == 0:
            cv2.rectangle(img, (int(x + total), y), (int(x + total + bw) - 1, y + h), (ink,) * 3, -1)
        total += bw


def _qr(img: np.ndarray, x: int, y: int, size: int, rng: np.random.Generator) -> None:
    """Draw a QR-like block (random modules + three finder squares)."""
    n = 21
    mod = rng.random((n, n)) < 0.5
    for fx, fy in ((0, 0), (n - 7, 0), (0, n - 7)):
        mod[fy:fy + 7, fx:fx + 7] = False
        mod[fy:fy + 7, fx] = mod[fy:fy + 7, fx + 6] = True
        mod[fy, fx:fx + 7] = mod[fy + 6, fx:fx + 7] = True
        mod[fy + 2:fy + 5, fx + 2:fx + 5] = True
    q = np.where(mod, 20, 240).astype(np.uint8)
    q = cv2.resize(q, (size, size), interpolation=cv2.INTER_NEAREST)
    q = cv2.copyMakeBorder(q, 4, 4, 4, 4, cv2.BORDER_CONSTANT, value=240)
    H, W = img.shape[:2]
    if y + q.shape[0] < H and x + q.shape[1] < W:
        img[y:y + q.shape[0], x:x + q.shape[1]] = q[..., None]


def _handwritten(img: np.ndarray, text: str, x: int, y: int, cap_h: float, colour: tuple[float, ...],
                 rng: np.random.Generator) -> tuple[int, int, int, int]:
    """A marker-written number: Hershey script, thick stroke, slanted and rotated."""
    face = fonts.pick(rng, (cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SIMPLEX))
    (tw, th), _ = cv2.getTextSize(text, face, 1.0, 1)
    scale = cap_h / max(th, 1)
    thick = max(2, int(cap_h * rng.uniform(0.08, 0.15)))
    (w, h), b = cv2.getTextSize(text, face, scale, thick)
    pad = int(cap_h)
    m = np.zeros((h + b + 2 * pad, w + 2 * pad), np.uint8)
    cv2.putText(m, text, (pad, pad + h), face, scale, 255, thick, cv2.LINE_AA)
    M = cv2.getRotationMatrix2D((m.shape[1] / 2, m.shape[0] / 2), float(rng.uniform(-12, 12)), 1.0)
    M[0, 1] += rng.uniform(-0.25, 0.1)
    m = cv2.warpAffine(m, M, (m.shape[1], m.shape[0]))
    return fonts.blend_mask(img, m, x - pad, y - pad, colour, float(rng.uniform(0.75, 0.95)))


def build_face(display: RenderedDisplay, rng: np.random.Generator) -> Face:
    """Compose a meter body around ``display`` with many digit-bearing distractors."""
    dimg = display.image
    dh, dw = dimg.shape[:2]
    hd = display.digit_height
    electronic = display.kind == "lcd"
    bw = int(dw * rng.uniform(1.35, 1.8)) if electronic else int(dw * rng.uniform(1.3, 1.7))
    bh = int(bw * rng.uniform(1.25, 1.6))
    key = fonts.pick(rng, tuple(BODY_COLOURS)) if electronic else fonts.pick(
        rng, ("black", "dark_grey", "grey", "black"))
    body_col = np.array(BODY_COLOURS[key], np.float32) + rng.uniform(-8, 8, 3).astype(np.float32)
    dark_body = body_col.mean() < 100
    ink = 235.0 if dark_body else 25.0
    img = plastic(bh, bw, body_col, rng)
    alpha = _rounded_mask(bh, bw, int(bw * rng.uniform(0.03, 0.09))).astype(np.float32) / 255.0
    font = fonts.pick(rng, fonts.text_fonts())
    boxes: list[tuple[str, tuple[int, int, int, int]]] = []

    # electromechanical: a light face plate behind glass, with the disc slot
    if not electronic:
        px0, py0 = int(bw * 0.08), int(bh * 0.06)
        px1, py1 = bw - px0, int(bh * rng.uniform(0.6, 0.7))
        plate = dimg[2, 2].astype(np.float32)
        img[py0:py1, px0:px1] = plastic(py1 - py0, px1 - px0, plate, rng, 1.5)
        ink_plate = 25.0
    else:
        px0, py0, px1, py1 = 0, 0, bw, bh
        ink_plate = ink

    # display position
    dx = int((bw - dw) / 2 + rng.uniform(-0.05, 0.05) * bw)
    dy = int(bh * (rng.uniform(0.16, 0.28) if electronic else rng.uniform(0.3, 0.4)))
    dx = int(np.clip(dx, 2, bw - dw - 2))
    if electronic:  # recess shadow around the LCD
        cv2.rectangle(img, (dx - 4, dy - 4), (dx + dw + 4, dy + dh + 4), (body_col * 0.6).tolist(), -1)
        y0_, x0_ = max(0, dy - 12), max(0, dx - 12)
        img[y0_:dy + dh + 12, x0_:dx + dw + 12] = cv2.GaussianBlur(img[y0_:dy + dh + 12, x0_:dx + dw + 12],
                                                                   (0, 0), 1.5)
    if electronic:
        img[dy:dy + dh, dx:dx + dw] = dimg
    else:  # feathered paste so the counter's plate margin melts into the face plate
        fm = np.ones((dh, dw), np.float32)
        r = max(2, int(min(dh, dw) * 0.12))
        ramp = np.linspace(0, 1, r, dtype=np.float32)
        fm[:r] *= ramp[:, None]
        fm[-r:] *= ramp[::-1, None]
        fm[:, :r] *= ramp[None, :]
        fm[:, -r:] *= ramp[None, ::-1]
        roi = img[dy:dy + dh, dx:dx + dw]
        img[dy:dy + dh, dx:dx + dw] = roi * (1 - fm[..., None]) + dimg.astype(np.float32) * fm[..., None]
        # rotating-disc slot under the counter: aluminium edge with a red mark
        sw_, sh_ = int(bw * rng.uniform(0.35, 0.55)), max(4, int(hd * rng.uniform(0.18, 0.3)))
        sx_, sy_ = int((bw - sw_) / 2), int(dy + dh + hd * rng.uniform(0.15, 0.4))
        if sy_ + sh_ < py1 - 4:
            img[sy_ - 2:sy_ + sh_ + 2, sx_ - 2:sx_ + sw_ + 2] = 15.0
            prof = np.linspace(-1, 1, sh_, dtype=np.float32)
            disc = (150 + 70 * (1 - prof ** 2))[:, None, None] * np.ones((1, sw_, 3), np.float32)
            mx_ = int(rng.uniform(0, sw_ - 12))
            disc[:, mx_:mx_ + max(3, sw_ // 14)] = (40, 40, 170) if rng.random() < 0.7 else (25, 25, 25)
            img[sy_:sy_ + sh_, sx_:sx_ + sw_] = disc

    def text(s: str, x: float, y: float, rel: float, col: float = ink, anchor: str = "lt") -> tuple:
        box = fonts.put_text(tmp, s, x, y, max(4.0, hd * rel), (col,) * 3, font, anchor=anchor)
        boxes.append((s, box))
        return box

    tmp = np.clip(img, 0, 255).astype(np.uint8)
    small = rng.uniform(0.16, 0.3)
    # brand + title at top
    ty = py0 + int((dy - py0) * rng.uniform(0.12, 0.3))
    text(fonts.pick(rng, BRANDS), bw / 2, ty, rng.uniform(0.3, 0.5), ink_plate, "ct")
    title = "SINGLE PHASE STATIC ENERGY METER" if electronic else "SINGLE PHASE ENERGY METER"
    text(title, bw / 2, ty + hd * 0.6, small * 0.7, ink_plate, "ct")
    # rating block below the display
    y = dy + dh + hd * rng.uniform(0.3, 0.6)
    x = px0 + bw * 0.1 if not electronic else bw * rng.uniform(0.08, 0.15)
    if electronic:
        led_x = int(bw * rng.uniform(0.55, 0.8))
        for j, lab in enumerate(("imp", "Earth") if rng.random() < 0.6 else ("CAL",)):
            cy = int(y + hd * 0.25 + j * hd * 0.5)
            on = rng.random() < 0.5
            cv2.circle(tmp, (led_x, cy), max(2, int(hd * 0.08)), (30, 30, 200) if on else (40, 40, 90), -1,
                       cv2.LINE_AA)
            if on:
                gr = int(hd * 0.5)
                glow = np.zeros((2 * gr + 1, 2 * gr + 1), np.float32)
                cv2.circle(glow, (gr, gr), max(2, int(hd * 0.15)), 1.0, -1)
                glow = cv2.GaussianBlur(glow, (0, 0), hd * 0.1)
                gm = np.clip(glow * 255, 0, 255).astype(np.uint8)
                fonts.blend_mask(tmp, gm, led_x - gr, cy - gr, (120, 140, 255), 0.5)
            text(lab, led_x + hd * 0.18, cy, small * 0.8, anchor="lm")
    imp = fonts.pick(rng, ("3200 imp/kWh", "1600 imp/kWh", "6400 imp/kWh") if electronic else (
        "600 rev/kWh", "1200 rev/kWh", "375 rev/kWh"))
    lines = [imp, fonts.pick(rng, ("230V 10-60A 50Hz", "240V 5-30A 50Hz", "230V 5-30A 50Hz",
                                    "3x240V 10-60A 50Hz")),
             fonts.pick(rng, ("Class 1.0", "Class 1.0  IS 13779", "CL 1.0", "Class 2.0")),
             f"Sr. No. {int(rng.integers(10**6, 10**8)):08d}" if rng.random() < 0.7 else
             f"M.No. {fonts.pick(rng, ('X', 'GP', 'LT'))}{int(rng.integers(10**5, 10**7))}",
             f"{fonts.pick(rng, ('Year', 'Mfg', 'MFD'))} {int(rng.integers(2012, 2026))}"]
    if rng.random() < 0.6:
        lines.append("IS 13779" if electronic else "IS 13010")
    for s in lines:
        box = text(s, x, y, small, ink_plate)
        y += box[3] + hd * small * 0.55
    # barcode / QR next to the rating block
    bx = int(bw * rng.uniform(0.55, 0.7))
    by = int(y - hd * rng.uniform(0.8, 1.6))
    if rng.random() < 0.75 and by + hd * 0.5 < bh:
        _barcode(tmp, bx, by, int(bw * 0.25), int(hd * rng.uniform(0.35, 0.6)), 20, rng)
        text(f"{int(rng.integers(10**8, 10**9))}", bx, by + hd * 0.65, small * 0.7, 25.0)
    if rng.random() < 0.4:
        _qr(tmp, int(bw * rng.uniform(0.72, 0.8)), int(min(bh - hd * 1.2, y + hd * 0.2)),
            int(hd * rng.uniform(0.6, 0.9)), rng)
    # printed kWh label on the body
    if rng.random() < 0.6:
        text("kWh", dx + dw - hd * 0.8, dy - hd * 0.55, rng.uniform(0.25, 0.35), ink_plate)
    # utility sticker with consumer number (sometimes large)
    if rng.random() < 0.55:
        big = rng.random() < 0.15
        sh_ = rng.uniform(0.55, 0.9) if big else rng.uniform(0.18, 0.3)
        sw_, shh = int(hd * sh_ * 7.5), int(hd * sh_ * 2.8)
        sx = int(rng.uniform(0.05, 0.4) * bw)
        sy = int(rng.uniform(0.72, 0.86) * bh) if not big else int(min(bh - shh - 4, y + hd * 0.3))
        colour = fonts.pick(rng, ("white", "yellow", "white"))
        sc = (235, 238, 238) if colour == "white" else (80, 220, 240)
        if sy + shh < bh and sx + sw_ < bw:
            cv2.rectangle(tmp, (sx, sy), (sx + sw_, sy + shh), sc, -1)
            cv2.rectangle(tmp, (sx, sy), (sx + sw_, sy + shh), (60, 60, 60), 1)
            text(fonts.pick(rng, UTILITIES), sx + sw_ * 0.05, sy + shh * 0.1, sh_ * 0.7, 25.0)
            text(f"{int(rng.integers(10**9, 10**11))}", sx + sw_ * 0.05, sy + shh * 0.5, sh_ * 0.95, 20.0)
    # handwritten marker number
    if rng.random() < 0.35:
        big = rng.random() < 0.3
        cap = hd * (rng.uniform(0.6, 1.1) if big else rng.uniform(0.25, 0.45))
        hx = int(rng.uniform(0.08, 0.5) * bw)
        hy = int(rng.uniform(0.05, 0.12) * bh) if rng.random() < 0.5 else int(rng.uniform(0.8, 0.9) * bh)
        col = fonts.pick(rng, ("black", "blue", "red", "white")) if dark_body else fonts.pick(
            rng, ("black", "blue", "red"))
        mc = {"black": (25, 25, 25), "blue": (150, 60, 30), "red": (40, 40, 190), "white": (235, 235, 235)}[col]
        num = str(int(rng.integers(10, 10**int(rng.integers(3, 7)))))
        boxes.append((num, _handwritten(tmp, num, hx, hy, cap, mc, rng)))
    # screws + terminal cover line + seal
    for sx_, sy_ in ((0.1, 0.04), (0.9, 0.04), (0.5, 0.95)):
        c = (int(sx_ * bw), int(sy_ * bh))
        r = max(3, int(hd * 0.12))
        cv2.circle(tmp, c, r, (150, 150, 150), -1, cv2.LINE_AA)
        cv2.line(tmp, (c[0] - r, c[1]), (c[0] + r, c[1]), (60, 60, 60), max(1, r // 4), cv2.LINE_AA)
    ty_line = int(bh * rng.uniform(0.8, 0.88))
    cv2.line(tmp, (0, ty_line), (bw, ty_line), (body_col * 0.55).tolist(), max(1, int(hd * 0.03)), cv2.LINE_AA)
    img = tmp.astype(np.float32)
    # transparent cover: slight tint + diagonal reflection band over the upper part
    cover_y = int(bh * rng.uniform(0.7, 0.85))
    tint = rng.uniform(0.96, 1.03, 3).astype(np.float32)
    img[:cover_y] *= tint
    yy, xx = np.mgrid[0:cover_y:4, 0:bw:4].astype(np.float32)
    ang = rng.uniform(-1, 1)
    band = np.exp(-(((xx - bw * rng.uniform(0.2, 0.8)) + ang * (yy - bh / 2)) / (bw * 0.06)) ** 2)
    band = cv2.resize(band * rng.uniform(0, 22), (bw, cover_y), interpolation=cv2.INTER_LINEAR)
    img[:cover_y] += band[..., None]
    img[cover_y - 1:cover_y + 1] *= 0.8
    return Face(image=np.clip(img, 0, 255).astype(np.uint8), alpha=alpha, display_xy=(dx, dy),
                display=display, text_boxes=boxes)
