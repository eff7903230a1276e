"""Digit-row crops for training the sequence recognizer: many kinds of displays, one text line each.

A row crop is what a text detector hands the recognizer: the register's digit row
with some margin, maybe part of a legend or an icon beside it, slightly rotated,
blurred and compressed. Its label is the characters shown, in the recognizer's
alphabet (digits and '.'): blank cells are not labelled, leading zeros are.

The worlds are deliberately many, so that no single renderer's habits are learnt:
- LCDs from :mod:`lcd` (polygon segments), re-lit with other backlight colours
  (green, amber, blue-white, white, yellow) and sometimes in negative;
- LCDs drawn with the DSEG seven-segment fonts (Debian ``fonts-dseg``), with ghosts;
- the Indian static meter's LCD in those fonts: smaller tenths digits, a tiny point,
  a stacked "kW h" legend and a lamp icon right after the digits;
- the Genus and L&T six-digit screens: the tenths digit full size, a tight point,
  a large legend and pulse lamp, the display's dark frame at the edge;
- drum counters from :mod:`drum` (a red last drum carries the decimal point), and
  of another design from :mod:`drumrows` (separate drums on a plate, the decimals
  in a red frame or after a printed comma, a tick scale);
- rows composed of real drum and LCD digit crops (haverland-meterdigits,
  Apache-2.0) when they are given, mid-roll digits labelled by the share shown;
- printed text lines (words and letters of a meter's plate, logos, upside-down
  text, the odd number among them) labelled with their digits only, most with
  none: a text detector proposes every line of a meter face, and a recognizer
  that knows only digits otherwise reads a word as one.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline.reader.rows import ALPHABET, MAX_WIDTH, ROW_HEIGHT  # the recognizer's input

from . import fonts
from .display import random_display_spec, render_display
from .drumrows import framed_drum_row
from .spec import LEGENDS

#: backlight / glass colours (BGR) an LCD is re-lit with
BACKLIGHTS = {
    "green": (90, 225, 120), "lime": (70, 230, 170), "amber": (40, 150, 250), "orange": (30, 120, 245),
    "blue_white": (250, 225, 200), "white": (235, 240, 240), "yellow": (90, 225, 225),
    "grey_green": (150, 172, 160), "grey": (168, 170, 168), "ice": (240, 220, 170),
}


@dataclass(frozen=True)
class RealDigits:
    """Real digit crops by value (tenths), for composed rows: {value: [BGR images]}."""

    by_value: dict[float, list[np.ndarray]]

    @classmethod
    def load(cls, root: str | Path, keep: callable | None = None) -> RealDigits:  # type: ignore[valid-type]
        """Read haverland-meterdigits' manifest; ``keep(file)`` picks a split (None: all)."""
        root = Path(root)
        out: dict[float, list[np.ndarray]] = {}
        with (root / "manifest.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if keep is not None and not keep(row["file"]):
                    continue
                img = cv2.imread(str(root / row["file"]), cv2.IMREAD_COLOR)
                if img is not None:
                    out.setdefault(round(float(row["value"]), 1), []).append(img)
        return cls(out)


def _relight(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Re-light a rendered LCD with another backlight colour, sometimes in negative."""
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
    ref = float(np.percentile(gray, 90)) or 1.0
    lum = np.clip(gray / ref, 0, 1.2)
    if rng.random() < 0.12:  # negative LCD: light segments on a dark glass
        lum = np.clip(1.15 - lum, 0, 1.2) ** 1.3
        glass = np.array([rng.uniform(30, 90), rng.uniform(10, 50), rng.uniform(0, 30)], np.float32)
        ink = np.array(rng.uniform(170, 255, 3), np.float32)
        out = glass[None, None, :] * (1 - lum[..., None]) + ink[None, None, :] * lum[..., None]
    else:
        col = np.array(BACKLIGHTS[fonts.pick(rng, tuple(BACKLIGHTS))], np.float32) + rng.uniform(-20, 20, 3)
        out = lum[..., None] * col[None, None, :]
    return np.clip(out, 0, 255).astype(np.uint8)


def _dseg_lcd(rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, float, float, float], str]:
    """An LCD row drawn with a DSEG seven-segment font: (image, digits box, label)."""
    gray, box, label = dseg_lcd_gray(rng)
    return _relight(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), rng), box, label


def dseg_lcd_gray(rng: np.random.Generator, kwh_only: bool = False
                  ) -> tuple[np.ndarray, tuple[float, float, float, float], str]:
    """:func:`_dseg_lcd` before its backlight (grey); ``kwh_only``: no other register's legend beside it."""
    faces = fonts.dseg_fonts()
    face = faces[int(rng.integers(len(faces)))]
    n = int(rng.integers(4, 9))
    decimals = int(rng.choice([0, 1, 1, 2], p=[0.35, 0.4, 0.1, 0.15]))
    decimals = min(decimals, n - 1)
    digits = "".join(str(int(d)) for d in rng.integers(0, 10, n))
    lead = int(rng.integers(0, max(1, n - decimals - 1))) if rng.random() < 0.6 else 0
    blank = rng.random() < 0.35
    cells = ["!" if blank and i < lead else ("0" if i < lead else digits[i]) for i in range(n)]
    shown = "".join(cells)
    if decimals:
        shown = shown[:n - decimals] + "." + shown[n - decimals:]
    label = shown.replace("!", "")
    size = int(rng.uniform(44, 80))
    font = ImageFont.truetype(face, size)
    ghost_text = "8" * (n - decimals) + ("." if decimals else "") + "8" * decimals
    x0, y0, x1, y1 = font.getbbox(ghost_text)
    mx, my = int(size * rng.uniform(0.2, 1.6)), int(size * rng.uniform(0.25, 0.7))
    w, h = (x1 - x0) + 2 * mx + int(size * rng.uniform(0, 1.4)), (y1 - y0) + 2 * my
    bg = int(rng.uniform(150, 235))
    im = Image.new("L", (w, h), bg)
    d = ImageDraw.Draw(im)
    ink = int(rng.uniform(10, 70))
    if rng.random() < 0.8:
        d.text((mx - x0, my - y0), ghost_text, font=font, fill=int(bg - (bg - ink) * rng.uniform(0.03, 0.2)))
    d.text((mx - x0, my - y0), shown, font=font, fill=ink)
    r = rng.random()
    lf = ImageFont.truetype(fonts.ttf_fonts()[int(rng.integers(len(fonts.ttf_fonts())))],
                            int(size * rng.uniform(0.25, 0.45)))
    ex = mx + (x1 - x0) + size * rng.uniform(0.05, 0.25)  # just right of the digits
    if r < 0.4:  # a legend beside or under the digits
        word = fonts.pick(rng, LEGENDS["kWh"] + (("kWh", "kWh", "CUM") if kwh_only else ("kVAh", "kW", "CUM")))
        d.text((ex, my + (y1 - y0) * rng.uniform(0.4, 0.7)), word, font=lf, fill=ink)
    elif r < 0.65:  # a legend in two lines ("kW" over "h"), tall thin letters beside the last digit
        top, bottom = fonts.pick(rng, (("kW", "h"), ("k", "Wh"), ("kW", "h") if kwh_only else ("kVA", "h"),
                                       ("CUM", "kWh")))
        d.text((ex, my + (y1 - y0) * rng.uniform(-0.05, 0.2)), top, font=lf, fill=ink)
        d.text((ex + size * rng.uniform(0.1, 0.6), my + (y1 - y0) * rng.uniform(0.45, 0.7)), bottom, font=lf,
               fill=ink)
    if rng.random() < 0.25:  # an icon near the end: a bulb, a triangle, a battery
        cx, cy, rr = ex + size * rng.uniform(0.2, 1.0), my + (y1 - y0) * rng.uniform(0.2, 0.9), size * 0.15
        kind = int(rng.integers(3))
        if kind == 0:
            d.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), outline=ink, width=max(1, int(rr / 3)))
            d.line((cx, cy + rr, cx, cy + 2 * rr), fill=ink, width=max(1, int(rr / 3)))
        elif kind == 1:
            d.polygon([(cx, cy - rr), (cx + rr, cy + rr), (cx - rr, cy + rr)], outline=ink)
        else:
            d.rectangle((cx - rr * 1.5, cy - rr * 0.7, cx + rr * 1.5, cy + rr * 0.7), outline=ink,
                        width=max(1, int(rr / 4)))
    return np.asarray(im), (float(mx), float(my), float(x1 - x0), float(y1 - y0)), label


def _point_lcd(rng: np.random.Generator, same_size: bool = False
               ) -> tuple[np.ndarray, tuple[float, float, float, float], str]:
    """The Indian static meter's LCD, backlit (:func:`point_lcd_gray`)."""
    gray, box, label = point_lcd_gray(rng, same_size=same_size)
    return _relight(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), rng), box, label


def point_lcd_gray(rng: np.random.Generator, kwh_only: bool = False, same_size: bool = False
                   ) -> tuple[np.ndarray, tuple[float, float, float, float], str]:
    """The Indian static meter's LCD (Genus, L&T, HPL): tall narrow digits, smaller decimals, a tiny point.

    Grey, before its backlight; ``kwh_only``: no other register's legend beside it.

    The real Indian LCDs showed the recognizer what no other world had: the tenths
    digit drawn smaller than the integer ones (bottom-aligned), a decimal point of a
    pixel or two at the baseline, the "kW h" legend stacked right after the digits,
    often over the small tenths digit, with a bulb or a pulse icon under it, and a
    short word ("En", "CUM") before them. Labelled as read: digits and the point.

    ``same_size``: the Genus and L&T six-digit screens (seen on the real Indian
    photos): the tenths digit as tall as the others, the point tight between them,
    a large "kW h" legend with a big pulse-lamp icon under it, and often the
    display's dark frame at the crop's edge. The default draws exactly as before.
    """
    faces = fonts.dseg_fonts()
    face = faces[int(rng.integers(len(faces)))]
    n_int = int(rng.integers(3, 8))
    n_dec = 1 if rng.random() < 0.85 else 2
    integer = "".join(str(int(d)) for d in rng.integers(0, 10, n_int))
    lead = int(rng.integers(0, n_int)) if rng.random() < 0.7 else 0
    blank = rng.random() < 0.2
    cells = "".join("!" if blank and i < lead else ("0" if i < lead else integer[i]) for i in range(n_int))
    decimals = "".join(str(int(d)) for d in rng.integers(0, 10, n_dec))
    size = int(rng.uniform(48, 84))
    big = ImageFont.truetype(face, size)
    shrink = float(rng.uniform(0.55, 0.9))
    if same_size:
        shrink = float(rng.uniform(0.93, 1.0))
    small = ImageFont.truetype(face, max(12, int(size * shrink)))
    bx0, by0, bx1, by1 = big.getbbox("8" * n_int)
    sx0, sy0, sx1, sy1 = small.getbbox("8" * n_dec)
    legend_font = ImageFont.truetype(fonts.pick(rng, fonts.ttf_fonts()), int(size * rng.uniform(0.22, 0.38)
                                                                          * (rng.uniform(1.0, 1.5) if same_size else 1.0)))
    pre = fonts.pick(rng, ("En", "CUM", "kWh", "En" if kwh_only else "MD", "TOT", "")) if rng.random() < 0.25 else ""
    pre_w = int(legend_font.getlength(pre) + size * 0.15) if pre else 0
    mx, my = int(size * rng.uniform(0.15, 1.0)) + pre_w, int(size * rng.uniform(0.25, 0.6))
    gap = size * rng.uniform(0.04, 0.2)  # integer digits to the small ones (the point sits in it)
    if same_size:
        gap = size * rng.uniform(0.02, 0.09)
    legend_w = size * rng.uniform(0.6, 1.2)
    w = int(mx + (bx1 - bx0) + gap + (sx1 - sx0) + legend_w + size * rng.uniform(0.1, 0.8))
    h = int((by1 - by0) + 2 * my)
    bg = int(rng.uniform(150, 235))
    ink = int(rng.uniform(10, 70))
    ghost = int(bg - (bg - ink) * rng.uniform(0.03, 0.2))
    im = Image.new("L", (w, h), bg)
    d = ImageDraw.Draw(im)
    base = my + (by1 - by0)  # the digits' bottom
    bxy = (mx - bx0, my - by0)
    sxy = (mx + (bx1 - bx0) + gap - sx0, base - (sy1 - sy0) - sy0 - rng.uniform(0, 0.06) * size)
    if rng.random() < 0.7:
        d.text(bxy, "8" * n_int, font=big, fill=ghost)
        d.text(sxy, "8" * n_dec, font=small, fill=ghost)
    d.text(bxy, cells, font=big, fill=ink)
    d.text(sxy, decimals, font=small, fill=ink)
    r_dot = max(1.0, size * rng.uniform(0.025, 0.06))
    if same_size:  # a point the label names must stay visible at the recognizer's 32 px (stage 6)
        r_dot = size * rng.uniform(0.045, 0.08)
    px, py = mx + (bx1 - bx0) + gap * rng.uniform(0.3, 0.7), base - r_dot * rng.uniform(0.5, 1.5)
    d.ellipse((px - r_dot, py - r_dot, px + r_dot, py + r_dot), fill=ink)
    dec_x = mx + (bx1 - bx0) + gap
    if shrink < 0.72 and rng.random() < 0.5:  # the legend over the short tenths digit (Genus)
        lx = dec_x + (sx1 - sx0) * rng.uniform(0.0, 0.5)
    else:
        lx = dec_x + (sx1 - sx0) + size * rng.uniform(0.03, 0.2)
    top, bottom = fonts.pick(rng, (("kW", "h"), ("kWh", ""), ("kW", "h") if kwh_only else ("kVA", "h"), ("kW h", ""),
                                   ("", "")))
    d.text((lx, my - by0 * 0.2 + rng.uniform(-0.1, 0.1) * size), top, font=legend_font, fill=ink)
    if bottom:
        d.text((lx + legend_font.getlength(top) + size * 0.05, my + rng.uniform(-0.05, 0.15) * size), bottom,
               font=legend_font, fill=ink)
    small_lamp = rng.random() < 0.5
    if same_size:
        small_lamp = False
        if rng.random() < 0.8:
            _big_lamp(d, rng, lx + size * rng.uniform(0.05, 0.45), my + (by1 - by0) * rng.uniform(0.5, 0.78), size, ink)
        if rng.random() < 0.6:  # the display's dark frame at the left or the bottom of the crop
            frame = int(rng.uniform(0, 45))
            if rng.random() < 0.6:
                d.rectangle((0, 0, int(mx * rng.uniform(0.2, 0.8)), h), fill=frame)
            else:
                d.rectangle((0, h - int(my * rng.uniform(0.2, 0.7)), w, h), fill=frame)
    if small_lamp:  # a bulb (pulse lamp) or a battery under the legend
        cx, cy, rr = lx + size * rng.uniform(0.1, 0.4), my + (by1 - by0) * rng.uniform(0.4, 0.6), size * 0.08
        d.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), outline=ink, width=max(1, int(rr / 3)))
        for k in range(int(rng.integers(0, 5))):
            a = np.pi * (0.1 + 0.2 * k)
            d.line((cx + 1.4 * rr * np.cos(a), cy - 1.4 * rr * np.sin(a), cx + 2 * rr * np.cos(a),
                    cy - 2 * rr * np.sin(a)), fill=ink, width=max(1, int(rr / 4)))
    if pre:
        d.text((mx - pre_w, my + rng.uniform(0, 0.4) * (by1 - by0)), pre, font=legend_font, fill=ink)
    label = cells.replace("!", "") + "." + decimals
    box = (float(mx), float(my), float(w - mx - legend_w * rng.uniform(0.3, 1.0)), float(by1 - by0))
    return np.asarray(im), box, label


def _big_lamp(d: ImageDraw.ImageDraw, rng: np.random.Generator, cx: float, cy: float, size: float, ink: int) -> None:
    """The pulse lamp of a Genus or L&T screen: a bulb with a screw base and rays, a third of a digit tall."""
    rr = size * rng.uniform(0.08, 0.16)
    lw = max(1, int(rr / 3))
    d.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), outline=ink, width=lw)
    d.rectangle((cx - rr * 0.5, cy + rr * 0.9, cx + rr * 0.5, cy + rr * 1.6), outline=ink, width=max(1, lw - 1))
    for k in range(int(rng.integers(3, 8))):
        a = np.pi * (0.1 + 0.8 * k / 6)
        d.line((cx + 1.4 * rr * np.cos(a), cy - 1.4 * rr * np.sin(a), cx + 2.1 * rr * np.cos(a),
                cy - 2.1 * rr * np.sin(a)), fill=ink, width=lw)


#: words of a meter plate and display (no maker's name of the real sets: letters are letters)
PLATE_WORDS = ("TAMPER", "EARTH", "CUM", "kWh", "KWH", "kVAh", "imp/kWh", "Class", "Phase", "Wire", "Static",
               "Energy Meter", "Property of", "MADE IN INDIA", "REV", "LOAD", "MD", "TOD", "ISI", "BIS", "Sr. No.",
               "Volts", "Amps", "Hz", "Ltd.", "Pvt.", "Electricity Board", "Do not tamper", "HOLD", "TEST")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz&+-/ "


def _text_row(rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, float, float, float], str]:
    """A printed text line (a word, a made-up name, random letters, sometimes a number among them)."""
    r = rng.random()
    if r < 0.4:
        text = fonts.pick(rng, PLATE_WORDS)
    elif r < 0.75:  # a made-up name: capitalised or all caps, bold
        n = int(rng.integers(3, 9))
        word = "".join(LETTERS[int(rng.integers(52))] for _ in range(n))
        text = word.upper() if rng.random() < 0.5 else word.capitalize()
    else:
        n = int(rng.integers(2, 12))
        text = "".join(LETTERS[int(rng.integers(len(LETTERS)))] for _ in range(n)).strip() or "X"
    if rng.random() < 0.2:  # a number among the words: "1200 imp/kWh", "Class 1"
        number = "".join(str(int(d)) for d in rng.integers(0, 10, int(rng.integers(1, 5))))
        text = f"{number} {text}" if rng.random() < 0.5 else f"{text} {number}"
    faces = fonts.ttf_fonts()
    size = int(rng.uniform(36, 72))
    font = ImageFont.truetype(faces[int(rng.integers(len(faces)))], size)
    x0, y0, x1, y1 = font.getbbox(text)
    mx, my = int(size * rng.uniform(0.1, 0.8)), int(size * rng.uniform(0.15, 0.5))
    w, h = (x1 - x0) + 2 * mx, (y1 - y0) + 2 * my
    dark_on_light = rng.random() < 0.7
    bg, ink = (rng.uniform(140, 250, 3), rng.uniform(0, 90, 3)) if dark_on_light else \
        (rng.uniform(0, 90, 3), rng.uniform(150, 255, 3))
    im = Image.new("RGB", (max(8, w), max(8, h)), tuple(int(v) for v in bg))
    d = ImageDraw.Draw(im)
    d.text((mx - x0, my - y0), text, font=font, fill=tuple(int(v) for v in ink),
           stroke_width=int(rng.integers(0, 3)) if rng.random() < 0.3 else 0, stroke_fill=tuple(int(v) for v in ink))
    img = np.asarray(im)[..., ::-1].copy()
    box = (float(mx), float(my), float(x1 - x0), float(y1 - y0))
    if rng.random() < 0.3 and not any(ch.isdigit() for ch in text):  # upside down: letters are still no digits
        img = cv2.rotate(img, cv2.ROTATE_180)
        box = (float(img.shape[1] - box[0] - box[2]), float(img.shape[0] - box[1] - box[3]), box[2], box[3])
    return img, box, "".join(ch for ch in text if ch.isdigit())


def _is_red(img: np.ndarray) -> bool:
    b, g, r = (float(c) for c in img.reshape(-1, 3).mean(axis=0))
    return r > 1.35 * max(b, g) and r > 90


def _real_row(real: RealDigits, rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, float, float, float], str]:
    """A drum row composed of real digit crops; a red crop in last place is the tenths drum."""
    values = sorted(real.by_value)
    n = int(rng.integers(4, 9))
    h = 64
    cells, labels = [], []
    for _ in range(n):
        v = values[int(rng.integers(len(values)))]
        pool = real.by_value[v]
        crop = pool[int(rng.integers(len(pool)))]
        frac = v - np.floor(v)
        d = int(np.floor(v)) % 10
        # a digit mid-roll is labelled with the one that shows most; near half-way either one
        if frac >= 0.7 or (0.3 < frac < 0.7 and rng.random() < frac):
            d = (d + 1) % 10
        w = int(round(h * crop.shape[1] / crop.shape[0] * rng.uniform(0.85, 1.15)))
        cells.append(cv2.resize(crop, (max(8, w), h), interpolation=cv2.INTER_CUBIC))
        labels.append(str(d))
    sep_col = np.array(rng.uniform(0, 255, 3) if rng.random() < 0.3 else [rng.uniform(10, 60)] * 3, np.uint8)
    sep = int(rng.integers(0, 7))
    mx, my = int(h * rng.uniform(0.1, 0.9)), int(h * rng.uniform(0.1, 0.5))
    width = sum(c.shape[1] for c in cells) + sep * (n - 1) + 2 * mx
    frame = np.array(rng.uniform(0, 255, 3), np.float32)
    img = np.empty((h + 2 * my, width, 3), np.uint8)
    img[:] = frame.astype(np.uint8)
    x = mx
    for i, c in enumerate(cells):
        dy = int(rng.integers(-3, 4))
        y = int(np.clip(my + dy, 0, img.shape[0] - h))
        img[y:y + h, x:x + c.shape[1]] = c
        x += c.shape[1]
        if i < n - 1 and sep:
            img[my:my + h, x:x + sep] = sep_col
            x += sep
    label = "".join(labels)
    if n >= 5 and _is_red(cells[-1]) and not any(_is_red(c) for c in cells[:-1]):
        label = label[:-1] + "." + label[-1]
    return img, (float(mx), float(my), float(width - 2 * mx), float(h)), label


def _rendered(kind: str, rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, float, float, float], str]:
    """A display from the photo generator's renderers, cut down to its digit row later."""
    register = "kWh" if kind == "drum" or rng.random() < 0.8 else fonts.pick(rng, ("MD", "kVAh", "V", "A", "PF"))
    spec = random_display_spec(rng, kind=kind, register=register)
    # rendered near the recognizer's scale (a row is 32 px high): 2-3x faster than photo resolution
    spec = replace(spec, digit_height=float(rng.uniform(30, 50)))
    disp = render_display(spec, rng)
    img = disp.image
    if kind == "lcd" and rng.random() < 0.6:
        img = _relight(img, rng)
    label = disp.reading.replace(":", "").replace("-", "")
    return img, disp.digits_box, label


def _cut(img: np.ndarray, box: tuple[float, float, float, float], rng: np.random.Generator) -> np.ndarray:
    """The row as a detector would box it: margins, a small rotation and skew, the odd clipped edge."""
    x, y, w, h = box
    ml, mr = h * rng.uniform(-0.04, 0.6), h * rng.uniform(-0.04, 1.2)
    mt, mb = h * rng.uniform(-0.03, 0.35), h * rng.uniform(-0.03, 0.35)
    if rng.random() < 0.12:  # a box a little off the row: a detector's quad that cuts a digit's top or foot
        mt, mb = (h * rng.uniform(-0.14, 0.0), mb) if rng.random() < 0.6 else (mt, h * rng.uniform(-0.12, 0.0))
    cx, cy = x + (w + mr - ml) / 2, y + (h + mb - mt) / 2
    bw, bh = w + ml + mr, h + mt + mb
    angle = float(rng.normal(0, 1.5)) if rng.random() < 0.7 else float(rng.uniform(-5, 5))
    scale = ROW_HEIGHT / bh
    out_w = int(np.clip(round(bw * scale * rng.uniform(0.85, 1.15)), 16, MAX_WIDTH))
    src = np.float32([[cx - bw / 2, cy - bh / 2], [cx + bw / 2, cy - bh / 2], [cx + bw / 2, cy + bh / 2]])
    rot = cv2.getRotationMatrix2D((float(cx), float(cy)), angle, 1.0)
    src = (np.c_[src, np.ones(3)] @ rot.T).astype(np.float32)
    shear = rng.uniform(-0.12, 0.12) * ROW_HEIGHT
    dst = np.float32([[shear, 0], [out_w + shear, 0], [out_w - shear, ROW_HEIGHT]])
    m = cv2.getAffineTransform(src, dst)
    border = cv2.BORDER_REPLICATE if rng.random() < 0.7 else cv2.BORDER_CONSTANT
    small = img
    if scale < 0.5:  # shrink first so the warp does not alias
        f = 2 * scale
        small = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        m[:, :2] /= f
    return cv2.warpAffine(small, m, (out_w, ROW_HEIGHT), flags=cv2.INTER_LINEAR, borderMode=border,
                          borderValue=tuple(float(v) for v in rng.uniform(0, 255, 3)))


def degrade(row: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Camera and compression damage at the recognizer's resolution."""
    img = row.astype(np.float32)
    if rng.random() < 0.5:  # uneven light along the row
        ramp = np.linspace(rng.uniform(0.6, 1.0), rng.uniform(0.6, 1.0), img.shape[1], dtype=np.float32)
        img *= ramp[None, :, None]
    if rng.random() < 0.15:  # a glare spot
        gx, gy = rng.uniform(0, img.shape[1]), rng.uniform(0, img.shape[0])
        yy, xx = np.mgrid[0:img.shape[0], 0:img.shape[1]].astype(np.float32)
        r = rng.uniform(3, 14)
        img += rng.uniform(60, 200) * np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * r * r))[..., None]
    gain, bias = rng.uniform(0.55, 1.3), rng.uniform(-40, 30)
    img = img * gain + bias
    if rng.random() < 0.3:
        img = 255.0 * (np.clip(img, 0, 255) / 255.0) ** rng.uniform(0.6, 1.6)
    r = rng.random()
    if r < 0.35:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.3))
    elif r < 0.5:  # motion blur
        k = int(rng.integers(3, 7))
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1.0 / k
        rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
        kernel = cv2.warpAffine(kernel, rot, (k, k))
        img = cv2.filter2D(img, -1, kernel / max(kernel.sum(), 1e-6))
    if rng.random() < 0.3:  # low resolution, then back up
        f = rng.uniform(0.4, 0.8)
        small = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_LINEAR)
    img += rng.normal(0, rng.uniform(0, 10), img.shape).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 95))])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return out


def render_row(rng: np.random.Generator, real: RealDigits | None = None) -> tuple[np.ndarray, str, str]:
    """One training row: (BGR uint8, ROW_HEIGHT rows high; label; world it came from)."""
    r = rng.random()
    if real is not None and r < 0.19:
        world, (img, box, label) = "real_drum", _real_row(real, rng)
    elif r < 0.36:
        world, (img, box, label) = "lcd", _rendered("lcd", rng)
    elif r < 0.49 and fonts.dseg_fonts():
        world, (img, box, label) = "point", _point_lcd(rng)
    elif r < 0.61 and fonts.dseg_fonts():
        world, (img, box, label) = "genus", _point_lcd(rng, same_size=True)
    elif r < 0.71 and fonts.dseg_fonts():
        world, (img, box, label) = "dseg", _dseg_lcd(rng)
    elif r < 0.80:
        world, (img, box, label) = "text", _text_row(rng)
    elif r < 0.90:
        world, (img, box, label) = "drum2", framed_drum_row(rng)
    else:
        world, (img, box, label) = "drum", _rendered("drum", rng)
    img, box = _narrow(img, box, rng, 0.6 if world in ("lcd", "dseg", "point", "genus") else 0.3)
    return degrade(_cut(img, box, rng), rng), label, world


def _narrow(img: np.ndarray, box: tuple[float, float, float, float], rng: np.random.Generator,
            chance: float) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Squeeze the display sideways: tall narrow digits close together (Genus, L&T) and a small point."""
    if rng.random() >= chance:
        return img, box
    f = float(rng.uniform(0.45, 1.0))
    out = cv2.resize(img, (max(8, int(round(img.shape[1] * f))), img.shape[0]), interpolation=cv2.INTER_AREA)
    x, y, w, h = box
    return out, (x * f, y, w * f, h)


def encode(label: str) -> list[int]:
    """Label characters as class ids (1..len(ALPHABET)); 0 is the CTC blank."""
    return [ALPHABET.index(c) + 1 for c in label]
