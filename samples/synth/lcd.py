"""Electronic-meter LCD rendering: seven-segment digits, ghosts, icons, legends."""

from __future__ import annotations

import cv2
import numpy as np

from . import fonts
from . import sevenseg as ss
from .spec import LEGENDS, DisplaySpec, RenderedDisplay, parse_value, reading_string, visible_labels

#: LCD background colours (BGR): grey-green, grey, greenish-yellow, backlit green.
LCD_BACKGROUNDS = {
    "grey_green": (150, 172, 160),
    "grey": (166, 170, 168),
    "green_yellow": (130, 184, 178),
    "backlit": (95, 205, 150),
}
INK = (0.85, 0.97)  # lit segment darkness, share of the way from glass to segment colour
ICON_WORDS = ("R", "Y", "B", "L1", "L2", "L3", "REV", "MD", "TOD", "ERR", "COMM", "kVArh", "kW")


def _sans(rng: np.random.Generator) -> str:
    """A clean sans font for LCD legends (TTF if present, else Hershey simplex)."""
    ttf = [f"ttf:{p}" for p in fonts.ttf_fonts() if "Sans" in p and "Mono" not in p]
    return fonts.pick(rng, ttf) if ttf else "hershey:0:1"


def _background(h: int, w: int, base: tuple[int, int, int], rng: np.random.Generator) -> np.ndarray:
    """LCD glass background with a gentle gradient, fine texture and an inner shadow."""
    col = np.array(base, np.float32) + rng.uniform(-10, 10, 3).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gx, gy = rng.uniform(-0.08, 0.08, 2)
    grad = 1.0 + gx * (xx / max(w, 1) - 0.5) + gy * (yy / max(h, 1) - 0.5)
    small = rng.normal(0, 1, (max(2, h // 24), max(2, w // 24))).astype(np.float32)
    blotch = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC) * 0.015
    shade = grad + blotch
    # inner shadow of the recessed glass (top and left edges)
    sd = max(2.0, h * rng.uniform(0.04, 0.1))
    shade *= 1.0 - 0.18 * np.exp(-yy / sd) - 0.1 * np.exp(-xx / sd)
    img = col[None, None, :] * shade[..., None]
    img += rng.normal(0, 1.2, (h, w, 1)).astype(np.float32)
    return img


def render_lcd(spec: DisplaySpec, rng: np.random.Generator) -> RenderedDisplay:
    """Render an LCD display flat (see :class:`DisplaySpec`)."""
    pos, dec, colon = parse_value(spec.value)
    labels = visible_labels(pos, dec, spec.blank_leading)
    n = len(pos)
    H = float(spec.digit_height)
    W = H * rng.uniform(0.46, 0.6)
    thick = rng.random() < 0.5
    t = H * (rng.uniform(0.13, 0.17) if thick else rng.uniform(0.085, 0.115))
    gap = max(0.6, t * rng.uniform(0.06, 0.16))
    bevel = rng.uniform(0.6, 1.0)
    slant = spec.slant_deg if spec.slant_deg is not None else (
        0.0 if rng.random() < 0.15 else float(rng.uniform(2, 12)))
    sh = ss.slant_shift(H, slant)
    spacing = W * rng.uniform(0.26, 0.45)
    pitch = W + spacing
    variant = {"seven_with_f": bool(rng.random() < 0.3), "nine_with_d": bool(rng.random() < 0.8),
               "six_with_a": bool(rng.random() < 0.9)}
    ghost_on = spec.ghost if spec.ghost is not None else bool(rng.random() < 0.85)
    ghost_c = float(rng.uniform(0.03, 0.15)) if ghost_on else 0.0
    if spec.ink is not None:  # a faint LCD (low contrast, seen at an angle): its ghosts fade alike
        ghost_c *= spec.ink / (sum(INK) / 2)

    legend = spec.legend if spec.legend is not None else fonts.pick(rng, LEGENDS.get(spec.register, ("",)))
    imp_arrow = legend.endswith(" Imp")
    legend_word = legend.replace(" Imp", "")
    font = _sans(rng)
    lh = H * rng.uniform(0.24, 0.36)
    lmask = fonts.text_mask(legend_word, font, int(round(lh))) if legend_word else np.zeros((1, 1), np.uint8)
    legend_below = bool(rng.random() < 0.3) and legend_word != ""
    small_index = rng.random() < 0.4
    sh_small = H * rng.uniform(0.28, 0.38)

    pl = H * rng.uniform(0.3, 0.55)
    pt = H * rng.uniform(0.45, 0.7) + (sh_small * 1.1 if small_index and rng.random() < 0.5 else 0.0)
    pb = H * rng.uniform(0.25, 0.42) + (lh * 1.4 if legend_below else 0.0)
    if spec.tight:  # a prepayment unit's small glass: the digits close to its left and bottom edge
        legend_below = False
        pl, pb = H * rng.uniform(0.08, 0.2), H * rng.uniform(0.06, 0.15)
    digits_w = n * pitch - spacing + sh
    right_extra = 0.0 if legend_below else (H * 0.25 + lmask.shape[1] + (H * 0.5 if imp_arrow else 0.0))
    pr = H * rng.uniform(0.25, 0.5) + (H * 0.3 if imp_arrow else 0.0)
    bz = H * rng.uniform(0.1, 0.3)
    lcd_w = pl + digits_w + right_extra + pr
    lcd_h = pt + H + pb
    cw, ch = int(np.ceil(lcd_w + 2 * bz)), int(np.ceil(lcd_h + 2 * bz))
    ox, oy = bz, bz  # LCD area origin inside the canvas
    x0, y0 = ox + pl, oy + pt

    lit = np.zeros((ch, cw), np.uint8)
    ghost = np.zeros((ch, cw), np.uint8)
    boxes = []
    for i, lab in enumerate(labels):
        xi = x0 + i * pitch
        boxes.append((float(xi), float(y0), float(W + sh), float(H)))
        ch_i = lab if lab else " "
        on, off = ss.digit_polys(ch_i, xi, y0, W, H, t, gap, slant, bevel, **variant)
        ss.fill(lit, on)
        ss.fill(ghost, off)
        # decimal point slot after every digit (ghost), lit after `dec`
        dp = ss.dot_poly(xi + W + spacing * 0.45, y0 + H - t * 0.5, t * 0.95)
        if i < n - 1:
            ss.fill(lit if dec == i else ghost, [dp])
    if colon is not None:
        cx = x0 + colon * pitch + W + spacing * 0.5
        k = sh / H
        dots = [ss.dot_poly(cx + (H - yy) * k, y0 + yy, t * 0.95) for yy in (H * 0.3, H * 0.72)]
        ss.fill(lit, dots)

    # legend (lit) and other unit legends (ghost)
    legend_box = None
    if legend_word:
        if legend_below:
            lx, ly = x0 + digits_w - lmask.shape[1], y0 + H + lh * 0.5
        else:
            lx = x0 + digits_w + H * 0.25
            ly = y0 + H - lmask.shape[0] if rng.random() < 0.7 else y0
        fonts.blend_mask(lit, lmask, lx, ly, 255)
        legend_box = (float(round(lx)), float(round(ly)), float(lmask.shape[1]), float(lmask.shape[0]))
        if imp_arrow:
            ax, ay, s = lx + lmask.shape[1] + H * 0.12, ly + lmask.shape[0] * 0.5, H * 0.14
            ss.fill(lit, [np.array([(ax, ay - s), (ax + s * 1.6, ay), (ax, ay + s)], np.float64)])
            fonts.put_text(lit, "Imp", ax - H * 0.05, ly - H * 0.22, H * 0.13, 255, font)
        if ghost_on and not legend_below and rng.random() < 0.6:
            other = fonts.pick(rng, ("kVAh", "kW", "kVArh", "V", "A"))
            gy = ly - lh * 1.5 if ly > y0 + H * 0.4 else ly + lh * 1.5
            fonts.put_text(ghost, other, lx, gy, lh * 0.8, 255, font)

    # icons / annunciators along the top
    ix = ox + pl
    iy = oy + pt * 0.18
    ih = max(3.0, min(pt * 0.35, H * 0.18))
    x_end = ox + lcd_w - pr
    if small_index:
        sw = sh_small * 0.55
        txt = fonts.pick(rng, ("180", "01", "1", "8", "180"))
        for j, c in enumerate(txt):
            on, off = ss.digit_polys(c, ix + j * sw * 1.35, oy + pt - sh_small * 1.25, sw, sh_small,
                                     sh_small * 0.13, 0.6, slant)
            ss.fill(lit, on)
            ss.fill(ghost, off)
            if len(txt) == 3 and j < 2:
                ss.fill(lit, [ss.dot_poly(ix + j * sw * 1.35 + sw * 1.15, oy + pt - sh_small * 0.3,
                                          sh_small * 0.12)])
        ix += len(txt) * sw * 1.35 + H * 0.3
    while ix < x_end - ih * 2:
        r = rng.random()
        target = lit if rng.random() < 0.35 else ghost
        if r < 0.35:  # triangle / arrow
            up = rng.random() < 0.5
            tri = np.array([(ix, iy + (ih if up else 0)), (ix + ih, iy + (ih if up else 0)),
                            (ix + ih / 2, iy + (0 if up else ih))], np.float64)
            ss.fill(target, [tri])
            ix += ih * 1.8
        elif r < 0.5:  # battery
            cv2.rectangle(target, (int(ix), int(iy)), (int(ix + ih * 1.6), int(iy + ih * 0.8)), 255,
                          max(1, int(ih * 0.15)), cv2.LINE_AA)
            ix += ih * 2.4
        elif r < 0.65:  # segment-test bars
            for _ in range(int(rng.integers(2, 5))):
                ss.fill(target, [ss.dot_poly(ix + ih * 0.4, iy + ih * 0.5, ih * 0.5)])
                ix += ih * 0.9
            ix += ih * 0.6
        else:
            word = fonts.pick(rng, ICON_WORDS)
            box = fonts.put_text(target, word, ix, iy, ih * 0.8, 255, font)
            ix += box[2] + ih * 0.8

    # compose
    key = fonts.pick(rng, tuple(LCD_BACKGROUNDS))
    bg = _background(ch, cw, LCD_BACKGROUNDS[key], rng)
    g = ghost.astype(np.float32)[..., None] / 255.0
    img = bg * (1.0 - ghost_c * g)
    a = lit.astype(np.float32)[..., None] / 255.0
    # faint shadow of lit segments on the reflector
    shift = np.float32([[1, 0, t * 0.35], [0, 1, t * 0.35]])
    shadow = cv2.warpAffine(lit, shift, (cw, ch))
    shadow = cv2.GaussianBlur(shadow, (0, 0), max(0.5, t * 0.3)).astype(np.float32)[..., None] / 255.0
    img *= 1.0 - rng.uniform(0.04, 0.14) * shadow
    seg_col = bg.mean(axis=(0, 1)) * rng.uniform(0.12, 0.28) + rng.uniform(0, 12)
    ink = rng.uniform(*INK)  # drawn even when given, so the draws after it stay the same
    if spec.ink is not None:
        ink = spec.ink
    img = img * (1 - a * ink) + seg_col[None, None, :] * (a * ink)
    if spec.tight:  # light from one side: one end of the glass 0.55-0.75 as bright as the other
        ramp = np.linspace(rng.uniform(0.55, 0.75), 1.0, cw, dtype=np.float32)
        img *= (ramp if rng.random() < 0.5 else ramp[::-1])[None, :, None]
    img = np.clip(img, 0, 255).astype(np.uint8)
    # bezel
    bez_v = rng.uniform(20, 60) if rng.random() < 0.6 else rng.uniform(110, 200)
    bez = tuple(int(np.clip(bez_v + d, 0, 255)) for d in rng.uniform(-6, 6, 3))
    b = int(round(bz))
    if b > 0:
        img[:b], img[-b:], img[:, :b], img[:, -b:] = bez, bez, bez, bez
    return RenderedDisplay(
        image=img, digit_boxes=boxes, digit_labels=labels, decimal_after=dec, legend_box=legend_box,
        legend_text=legend, kind="lcd", register=spec.register,
        reading=reading_string(labels, dec, colon), colon_after=colon,
        window_box=(float(b), float(b), float(cw - 2 * b), float(ch - 2 * b)),
    )
