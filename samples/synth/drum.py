"""Mechanical drum (cyclometer) counter rendering."""

from __future__ import annotations

import cv2
import numpy as np

from . import fonts
from .spec import DisplaySpec, RenderedDisplay, parse_value, reading_string


def _drum_cell(label: int, roll: float, font: str, gh: int, cw: int, chh: int, pitch: float,
               drum_col: np.ndarray, ink: np.ndarray, shade_k: float) -> np.ndarray:
    """One drum cell (chh x cw, BGR float). ``roll`` in [0, 1) moves ``label+1`` up into view."""
    # surface strip: digits label-1 .. label+2 stacked with `pitch` spacing
    strip_h = int(np.ceil(pitch * 4))
    strip = np.zeros((strip_h, cw), np.float32)
    for k, d in enumerate(range(label - 1, label + 3)):
        g = fonts.glyph(str(d % 10), font, gh).astype(np.float32) / 255.0
        gw = min(g.shape[1], cw - 2)
        g = g[:, :gw]
        cy = pitch * (k + 0.5)
        y = int(round(cy - gh / 2))
        x = int(round((cw - gw) / 2))
        if y >= 0 and y + gh <= strip_h:
            strip[y:y + gh, x:x + gw] = np.maximum(strip[y:y + gh, x:x + gw], g)
    # cylinder: window row v in [-1, 1] sees surface arc position R*asin(v)
    centre = pitch * (1.5 + roll)  # surface coordinate at the window centre
    R = chh / 2.0 * 1.08
    v = (np.arange(chh, dtype=np.float32) + 0.5 - chh / 2.0) / R
    s = centre + R * np.arcsin(np.clip(v, -0.999, 0.999))
    map_y = np.repeat(s[:, None], cw, axis=1).astype(np.float32)
    map_x = np.repeat(np.arange(cw, dtype=np.float32)[None, :], chh, axis=0)
    a = cv2.remap(strip, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    shade = np.sqrt(np.clip(1 - v ** 2, 0, 1)) ** shade_k
    cell = drum_col[None, None, :] * (1 - a[..., None]) + ink[None, None, :] * a[..., None]
    return cell * (0.25 + 0.75 * shade)[:, None, None]


def render_drum(spec: DisplaySpec, rng: np.random.Generator) -> RenderedDisplay:
    """Render a drum counter window with the plate around it and a printed 'kWh'."""
    pos, dec, _ = parse_value(spec.value)
    n = len(pos)
    red_last = dec is not None and dec == n - 2
    gh = int(round(spec.digit_height))
    font = fonts.pick(rng, fonts.digit_fonts())
    cw = int(round(gh * rng.uniform(0.78, 0.98)))
    chh = int(round(gh * rng.uniform(1.35, 1.6)))
    pitch = gh * rng.uniform(1.3, 1.55)
    sep = max(2, int(round(gh * rng.uniform(0.08, 0.2))))
    frame = max(2, int(round(gh * rng.uniform(0.12, 0.3))))
    win_w = n * cw + (n + 1) * sep
    win_h = chh + 2 * frame
    v, cream = rng.uniform(175, 240), rng.uniform(0, 22)
    plate_col = np.array([v - cream, v - cream * 0.35, v], np.float32)  # white .. cream, BGR
    lh = gh * rng.uniform(0.35, 0.55)
    legend = spec.legend if spec.legend is not None else "kWh"
    font_txt = fonts.pick(rng, fonts.text_fonts())
    lmask = fonts.text_mask(legend, font_txt, int(round(lh))) if legend else np.zeros((1, 1), np.uint8)
    legend_pos = fonts.pick(rng, ("right", "right", "above", "below"))
    mx = int(round(gh * rng.uniform(0.35, 0.7)))
    my = int(round(gh * rng.uniform(0.3, 0.6)))
    extra_r = lmask.shape[1] + int(gh * 0.4) if legend_pos == "right" else 0
    extra_t = lmask.shape[0] + int(gh * 0.25) if legend_pos == "above" else 0
    extra_b = lmask.shape[0] + int(gh * 0.25) if legend_pos == "below" else 0
    W = win_w + 2 * mx + extra_r
    Hc = win_h + 2 * my + extra_t + extra_b
    img = np.empty((Hc, W, 3), np.float32)
    img[:] = plate_col
    img += rng.normal(0, 1.5, (Hc, W, 1)).astype(np.float32)
    wx, wy = mx, my + extra_t
    win_col = rng.uniform(8, 30)
    # window recess shadow then the black window
    cv2.rectangle(img, (wx - 2, wy - 2), (wx + win_w + 2, wy + win_h + 2), (plate_col * 0.55).tolist(), -1)
    img[wy:wy + win_h, wx:wx + win_w] = win_col
    drum_base = rng.uniform(22, 48)
    ink = np.array([rng.uniform(205, 245)] * 3, np.float32) - rng.uniform(0, 10, 3).astype(np.float32)
    shade_k = rng.uniform(0.6, 1.6)
    boxes, labels, midroll = [], [], []
    for i, ch in enumerate(pos):
        d = int(ch) if ch.isdigit() else 0
        roll = 0.0
        if i in spec.midroll:
            f = float(rng.uniform(0.12, 0.4))
            # label d stays the majority digit: show (d, d+1) at f or (d-1, d) at 1-f
            if rng.random() < 0.5:
                base, roll = d, f
            else:
                base, roll = (d - 1) % 10, 1.0 - f
            midroll.append(i)
        else:
            base = d
            if rng.random() < 0.25:  # small resting misalignment
                roll = float(rng.uniform(-0.06, 0.06)) % 1.0
                if roll > 0.5:
                    base, roll = (d - 1) % 10, roll
        is_red = red_last and i == n - 1
        drum_col = (np.array([35, 35, rng.uniform(140, 185)], np.float32) if is_red
                    else np.array([drum_base] * 3, np.float32) + rng.uniform(-3, 3, 3).astype(np.float32))
        cell = _drum_cell(base, roll, font, gh, cw, chh, pitch, drum_col, ink, shade_k)
        cx = wx + sep + i * (cw + sep)
        cy = wy + frame
        img[cy:cy + chh, cx:cx + cw] = cell
        boxes.append((float(cx), float(cy + (chh - gh) / 2), float(cw), float(gh)))
        labels.append(str(d) if ch.isdigit() else "")
    # glass / cover highlight across the window
    hl = np.zeros((Hc, W), np.float32)
    y_h = wy + int(win_h * rng.uniform(0.1, 0.3))
    cv2.rectangle(hl, (wx, y_h), (wx + win_w, y_h + max(1, int(win_h * 0.08))), 1.0, -1)
    hl = cv2.GaussianBlur(hl, (0, 0), max(1.0, gh * 0.1)) * rng.uniform(0, 25)
    img += hl[..., None]
    legend_box = None
    if legend:
        ink_txt = rng.uniform(10, 50)
        if legend_pos == "right":
            lx, ly = wx + win_w + int(gh * 0.3), wy + (win_h - lmask.shape[0]) // 2
        elif legend_pos == "above":
            lx, ly = wx + win_w - lmask.shape[1], my
        else:
            lx, ly = wx + win_w - lmask.shape[1], wy + win_h + int(gh * 0.25)
        tmp = np.clip(img, 0, 255).astype(np.uint8)
        fonts.blend_mask(tmp, lmask, lx, ly, ink_txt)
        img = tmp.astype(np.float32)
        legend_box = (float(lx), float(ly), float(lmask.shape[1]), float(lmask.shape[0]))
    if red_last and rng.random() < 0.4:  # "x1/10" mark under the red drum
        tmp = np.clip(img, 0, 255).astype(np.uint8)
        fonts.put_text(tmp, "1/10", wx + win_w - sep - cw / 2, wy + win_h + 2, gh * 0.2, 30, font_txt,
                       anchor="ct")
        img = tmp.astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    return RenderedDisplay(
        image=out, digit_boxes=boxes, digit_labels=labels, decimal_after=dec if red_last else None,
        legend_box=legend_box, legend_text=legend, kind="drum", register=spec.register,
        reading=reading_string(labels, dec if red_last else None, None), midroll=midroll,
        window_box=(float(wx), float(wy), float(win_w), float(win_h)),
    )


def drum_halfroll_cell(rng: np.random.Generator, gh: int = 48) -> np.ndarray:
    """A drum cell exactly half-way between two digits (a 'none' training sample)."""
    font = fonts.pick(rng, fonts.digit_fonts())
    cw, chh = int(gh * rng.uniform(0.78, 0.98)), int(gh * rng.uniform(1.35, 1.6))
    d = int(rng.integers(10))
    cell = _drum_cell(d, 0.5, font, gh, cw, chh, gh * rng.uniform(1.3, 1.55),
                      np.array([rng.uniform(22, 48)] * 3, np.float32),
                      np.array([rng.uniform(205, 245)] * 3, np.float32), rng.uniform(0.6, 1.6))
    return np.clip(cell, 0, 255).astype(np.uint8)
