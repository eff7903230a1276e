"""Drum-counter rows of another design than :mod:`drum`: separate drums on a plate, the decimals marked.

The real electromechanical meters in public-meter-photos showed the recognizer
drum rows the photo generator never draws: light drums with dark digits standing
apart on a grey plate, the decimal drums set in a red frame (the drum itself
still white), a comma or point printed between the last integer drum and the
first decimal one, a tick scale beside the last drum, and black drums with white
digits where only a comma marks the decimals. Each row is labelled with its
digits and, where the decimals are marked, the point.

Its own drawing code (PIL glyphs, per-drum shading), sharing nothing with
:mod:`drum` but the font list: a second design, not a variation of the first.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import fonts


def _ttf_digit_fonts() -> tuple[str, ...]:
    return tuple(f[4:] for f in fonts.digit_fonts() if f.startswith("ttf:"))


def framed_drum_row(rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, float, float, float], str]:
    """(BGR image, the digit row's box x, y, w, h, label) of one drum counter."""
    n_int = int(rng.integers(4, 8))
    r = rng.random()
    n_dec = 0 if r < 0.25 else (1 if r < 0.75 else int(rng.integers(2, 4)))
    digits = [str(int(v)) for v in rng.integers(0, 10, n_int + n_dec)]
    if rng.random() < 0.5:  # leading zeros, as a young meter shows
        lead = int(rng.integers(1, n_int))
        digits[:lead] = ["0"] * lead
    gh = int(rng.uniform(36, 70))  # digit height
    cw = int(gh * rng.uniform(0.7, 0.95))  # drum width
    ch = int(gh * rng.uniform(1.25, 1.6))  # drum window height
    sep = int(gh * rng.uniform(0.06, 0.7))  # plate between drums
    light = rng.random() < 0.6  # light drums with dark digits (else dark drums with light digits)
    plate = rng.uniform(90, 220, 3) if light else rng.uniform(20, 120, 3)
    mx, my = int(gh * rng.uniform(0.4, 1.0)), int(gh * rng.uniform(0.35, 0.7))
    n = n_int + n_dec
    red_frame = n_dec > 0 and rng.random() < 0.55
    mark = n_dec > 0 and (not red_frame or rng.random() < 0.6)  # comma or point before the decimals
    ticks = n_dec > 0 and rng.random() < 0.4
    extra = int(cw * 0.5) if ticks else 0
    w = 2 * mx + n * cw + (n - 1) * sep + extra
    h = 2 * my + ch
    im = Image.new("RGB", (w, h), tuple(int(v) for v in plate))
    d = ImageDraw.Draw(im)
    font = ImageFont.truetype(fonts.pick(rng, _ttf_digit_fonts()), int(gh * 1.3))
    top = my
    if red_frame:  # the decimal drums set in a red plate that reaches past them
        x0 = mx + n_int * (cw + sep) - int(sep * rng.uniform(0.3, 0.9))
        red = (int(rng.uniform(140, 220)), int(rng.uniform(10, 60)), int(rng.uniform(20, 70)))
        d.rectangle((x0, int(my * rng.uniform(0.0, 0.6)), w - int(mx * rng.uniform(0, 0.6)),
                     h - int(my * rng.uniform(0.0, 0.6))), fill=red)
    red_digits = n_dec > 0 and not red_frame and rng.random() < 0.4
    for i, ch_ in enumerate(digits):
        x = mx + i * (cw + sep)
        base = rng.uniform(185, 245) if light else rng.uniform(10, 50)
        # a drum is a cylinder: darker towards its top and bottom
        for yy in range(ch):
            t = abs(yy / max(1, ch - 1) - 0.5) * 2
            v = base * (1 - rng.uniform(0.25, 0.35) * t ** 2) if light else base + 25 * (1 - t ** 2)
            d.line((x, top + yy, x + cw - 1, top + yy), fill=(int(v),) * 3)
        ink = rng.uniform(0, 60) if light else rng.uniform(200, 250)
        colour = (int(ink),) * 3
        if red_digits and i >= n_int:
            colour = (int(rng.uniform(170, 230)), 20, 30)
        bx0, by0, bx1, by1 = font.getbbox(ch_)
        gx = x + (cw - (bx1 - bx0)) / 2 - bx0
        gy = top + (ch - (by1 - by0)) / 2 - by0 + rng.uniform(-0.06, 0.06) * gh
        d.text((gx, gy), ch_, font=font, fill=colour)
    mark_ink = (int(rng.uniform(0, 50)),) * 3 if plate.mean() > 110 or red_frame else (int(rng.uniform(200, 250)),) * 3
    if mark:
        px = mx + n_int * cw + (n_int - 1) * sep + sep / 2
        rr = max(2.0, gh * rng.uniform(0.07, 0.12))
        py = top + ch - rr * rng.uniform(0.5, 2.0)
        d.ellipse((px - rr, py - rr, px + rr, py + rr), fill=mark_ink)
        if rng.random() < 0.6:  # a comma's tail
            d.line((px + rr * 0.6, py, px - rr * 0.8, py + rr * 2.2), fill=mark_ink, width=max(1, int(rr * 0.8)))
    if ticks:
        tx = mx + n * cw + (n - 1) * sep + 2
        for k in range(10):
            y = top + ch * (0.1 + 0.08 * k)
            d.line((tx, y, tx + extra * (0.8 if k % 5 == 0 else 0.45), y), fill=mark_ink, width=max(1, gh // 25))
    label = "".join(digits[:n_int]) + ("." + "".join(digits[n_int:]) if n_dec else "")
    box = (float(mx), float(top + (ch - gh) / 2), float(n * cw + (n - 1) * sep), float(gh))
    return np.asarray(im)[..., ::-1].copy(), box, label
