"""Meter bodies: the plastic case around a display, with its printed text and parts.

Coordinates are plane units of one digit height; the body is drawn with PIL at ``pb`` px
per unit (RGBA: the alpha is the case outline). Printed distractors: maker name,
"Property of <utility>", serial numbers, "1200 imp/kWh" beside a pulse LED, ratings,
a barcode of random bars, screws, a scroll button, an aluminium disc slot on
electromechanical meters and sometimes a utility sticker with a consumer number.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw

from . import fonts

UTILITIES = ("MPPKVVCL", "MPMKVVCL", "TANGEDCO", "BESCOM", "MSEDCL", "UHBVN", "DHBVN", "PSPCL", "JVVNL",
             "TSSPDCL", "APEPDCL", "CESC", "WBSEDCL", "KSEB", "TPDDL", "UPPCL", "JBVNL", "CSPDCL")
MAKERS = {"genus_1ph": ("GENUS",), "genus_3ph": ("GENUS",), "lt_em101": ("L&T", "LARSEN & TOUBRO"),
          "tangedco_3ph": ("L&T", "SECURE", "GENUS", "HPL"), "hpl": ("HPL",), "secure_lg": ("SECURE", "Landis+Gyr"),
          "drum": ("JAIPUR METERS", "REMCO", "CAPITAL", "ISKRA", "UNIVERSAL", "AEW", "NEPTUNE")}
CASES = {"white": (236, 236, 232), "grey": (168, 172, 174), "cream": (226, 216, 190), "black": (34, 34, 36),
         "darkgrey": (84, 88, 92)}


@dataclass
class Body:
    """An RGBA body layer and where the display panel sits on it (units)."""

    image: np.ndarray  # uint8 RGBA
    pb: float  # px per unit
    size: tuple[float, float]  # (width, height) units
    panel_at: tuple[float, float]  # top-left of the panel, units
    cover: tuple[float, float, float, float]  # transparent cover area (x0, y0, x1, y1), units
    case: str
    texts: list[str]


def case_colour(rng: np.random.Generator, kind: str) -> tuple[str, tuple[int, int, int]]:
    """A case colour name and RGB; drum meters are more often black or dark grey."""
    names = ("black", "darkgrey", "grey", "cream") if kind == "drum" else ("white", "white", "grey", "cream", "black")
    name = names[int(rng.integers(len(names)))]
    rgb = tuple(int(np.clip(c + rng.uniform(-10, 10), 0, 255)) for c in CASES[name])
    return name, rgb  # type: ignore[return-value]


def _serial(rng: np.random.Generator, n: int) -> str:
    return "".join(str(int(d)) for d in rng.integers(0, 10, n))


def _barcode(dr: ImageDraw.ImageDraw, x: float, y: float, w: float, h: float, rng: np.random.Generator,
             ink: tuple) -> None:
    """Random bars (modules 1-3 wide) filling w x h px at (x, y)."""
    mod = max(1.0, w / 95.0)
    cx = x
    dark = True
    while cx < x + w:
        bw = mod * int(rng.integers(1, 4))
        if dark:
            dr.rectangle((cx, y, max(cx, min(cx + bw, x + w) - 1), y + h), fill=ink)
        cx += bw
        dark = not dark


def _screw(dr: ImageDraw.ImageDraw, cx: float, cy: float, r: float, rng: np.random.Generator) -> None:
    metal = tuple(int(v) for v in rng.uniform(120, 190, 1).repeat(3)) + (255,)
    dr.ellipse((cx - r, cy - r, cx + r, cy + r), fill=metal, outline=(40, 40, 40, 255), width=max(1, int(r * 0.15)))
    a = rng.uniform(0, np.pi)
    dx, dy = np.cos(a) * r * 0.8, np.sin(a) * r * 0.8
    dr.line((cx - dx, cy - dy, cx + dx, cy + dy), fill=(30, 30, 30, 255), width=max(1, int(r * 0.28)))


def render_body(kind: str, layout: str, panel_wh: tuple[float, float], px_target: float, rng: np.random.Generator,
                case: tuple[str, tuple[int, int, int]], max_px: int = 1400) -> Body:
    """Draw the case for a panel of ``panel_wh`` units; ``px_target`` px/unit (capped by ``max_px``)."""
    pw, phu = panel_wh
    bw = pw * rng.uniform(1.9, 2.6) if kind == "lcd" else pw * rng.uniform(2.2, 3.0)
    bh = bw * rng.uniform(1.3, 1.75)
    pb = float(min(px_target, max_px / max(bw, bh)))
    W, H = int(np.ceil(bw * pb)), int(np.ceil(bh * pb))
    name, rgb = case
    rad = 0.06 * bw * pb
    outline = Image.new("L", (W, H), 0)
    ImageDraw.Draw(outline).rounded_rectangle((0, 0, W - 1, H - 1), radius=rad, fill=255)
    im = Image.fromarray(_moulded(W, H, rgb, rng), "RGB").convert("RGBA")
    im.putalpha(outline)
    dr = ImageDraw.Draw(im)
    dark_case = name in ("black", "darkgrey")
    ink = (226, 226, 222, 255) if dark_case else (28, 30, 34, 255)
    u = pb
    px0 = (bw - pw) / 2 + rng.uniform(-0.08, 0.08) * (bw - pw)
    py0 = bh * rng.uniform(0.17, 0.3)
    cover_y1 = py0 + phu + bh * rng.uniform(0.22, 0.34)
    cover = (0.05 * bw, 0.04 * bh, 0.95 * bw, min(cover_y1, 0.8 * bh))
    texts: list[str] = []
    # seam of the transparent cover / terminal cover
    seam = tuple(int(c * 0.7) for c in rgb) + (255,)
    dr.rounded_rectangle((cover[0] * u, cover[1] * u, cover[2] * u, cover[3] * u), radius=rad * 0.6, outline=seam,
                         width=max(1, int(0.06 * u)))
    ty = cover[3] + 0.5
    dr.line((0.03 * bw * u, ty * u, 0.97 * bw * u, ty * u), fill=seam, width=max(1, int(0.08 * u)))
    for sx in (0.2, 0.8):
        _screw(dr, sx * bw * u, (ty + (bh - ty) * 0.5) * u, 0.45 * u, rng)
    if rng.random() < 0.7:
        for sx, sy in ((cover[0] + 0.6, cover[1] + 0.6), (cover[2] - 0.6, cover[1] + 0.6)):
            _screw(dr, sx * u, sy * u, 0.35 * u, rng)
    maker = MAKERS.get(layout if kind == "lcd" else "drum", ("GENUS",))
    maker_s = maker[int(rng.integers(len(maker)))]
    logo = fonts.pick_face(rng, bold=True)
    fonts.draw_text(dr, (px0 + pw / 2) * u, (py0 - 0.35) * u, maker_s, rng.uniform(0.55, 0.9) * u, logo, ink, "mb")
    texts.append(maker_s)
    face = fonts.pick_face(rng, bold=False)
    sz = rng.uniform(0.24, 0.34)
    utility = "TANGEDCO" if layout == "tangedco_3ph" else UTILITIES[int(rng.integers(len(UTILITIES)))]
    phase = "3 PHASE 4 WIRE" if layout in ("genus_3ph", "tangedco_3ph") else "SINGLE PHASE 2 WIRE"
    lines = [("STATIC ENERGY METER" if kind == "lcd" else "kWh METER") + "  " + phase,
             f"Property of {utility}",
             f"Sr. No. {_serial(rng, int(rng.integers(7, 10)))}",
             (f"{int(rng.choice([800, 1000, 1200, 1600, 3200]))} imp/kWh" if kind == "lcd"
              else f"Rev/kWh {int(rng.choice([375, 450, 600, 750, 900]))}"),
             ("3x240 V  10-60 A  50 Hz" if "3ph" in layout else "240 V  5-30 A  50 Hz"),
             f"Class {rng.choice(['1.0', '1.0', '0.5S', '2.0'])}   IS {rng.choice(['13779', '14697', '16444'])}",
             f"Mfg. {int(rng.integers(2009, 2025))}   Made in India"]
    order = rng.permutation(len(lines))
    y = py0 + phu + (1.3 if kind == "drum" else 0.45)
    if kind == "drum":  # the rotating disc seen through a slot under the counter
        y = _disc_slot(dr, px0, py0 + phu + 0.25, pw, u, rng) + 0.3
    left = px0 + rng.uniform(-0.2, 0.3)
    for i in order[: int(rng.integers(4, len(lines) + 1))]:
        if y + sz > cover[3] - 0.2:
            break
        fonts.draw_text(dr, left * u, y * u, lines[i], sz * u, face, ink, "lt")
        texts.append(lines[i])
        y += sz * 1.6
    if kind == "lcd":  # pulse LED and a scroll button beside the display
        lx, ly = px0 + pw + 0.7, py0 + phu * 0.35
        if lx + 0.6 < bw:
            r = 0.16 * u
            led = (200, 30, 30, 255) if rng.random() < 0.4 else (90, 20, 20, 255)
            dr.ellipse((lx * u - r, ly * u - r, lx * u + r, ly * u + r), fill=led)
            fonts.draw_text(dr, lx * u, ly * u + r * 1.6, "CAL", 0.2 * u, face, ink, "mt")
            bx, by, br = lx * u, (py0 + phu * 0.85) * u, 0.32 * u
            dr.ellipse((bx - br, by - br, bx + br, by + br), fill=tuple(int(c * 0.8) for c in rgb) + (255,),
                       outline=(20, 20, 20, 255), width=max(1, int(0.04 * u)))
    if rng.random() < 0.75:  # barcode with its number
        bwid, bht = rng.uniform(2.5, 4.5), rng.uniform(0.6, 1.0)
        bx, byy = bw - bwid - rng.uniform(0.8, 1.6), cover[3] - bht - 0.7
        if byy > py0 + phu + 0.3:
            dr.rectangle(((bx - 0.2) * u, (byy - 0.15) * u, (bx + bwid + 0.2) * u, (byy + bht + 0.5) * u),
                         fill=(245, 245, 240, 255))
            _barcode(dr, bx * u, byy * u, bwid * u, bht * u, rng, (15, 15, 15, 255))
            num = _serial(rng, 10)
            fonts.draw_text(dr, (bx + bwid / 2) * u, (byy + bht + 0.08) * u, num, 0.26 * u, face,
                            (15, 15, 15, 255), "mt")
            texts.append(num)
    if rng.random() < 0.25:  # a utility sticker on the terminal cover
        sx0, sy0 = rng.uniform(0.1, 0.4) * bw, ty + 0.8
        if sy0 + 1.8 < bh:
            dr.rectangle((sx0 * u, sy0 * u, (sx0 + 5.2) * u, (sy0 + 1.7) * u), fill=(250, 240, 120, 255))
            num = _serial(rng, int(rng.integers(8, 12)))
            fonts.draw_text(dr, (sx0 + 0.2) * u, (sy0 + 0.2) * u, utility, 0.4 * u, logo, (20, 20, 80, 255), "lt")
            fonts.draw_text(dr, (sx0 + 0.2) * u, (sy0 + 0.85) * u, f"Con. No. {num}", 0.42 * u, face,
                            (20, 20, 20, 255), "lt")
            texts.append(num)
    arr = np.asarray(im)
    return Body(image=arr, pb=pb, size=(bw, bh), panel_at=(px0, py0), cover=cover, case=name, texts=texts)


def _disc_slot(dr: ImageDraw.ImageDraw, x0: float, y0: float, pw: float, u: float, rng: np.random.Generator) -> float:
    """A slot showing the edge of the aluminium disc with its red mark; returns the slot's bottom (units)."""
    w, h = pw * rng.uniform(0.6, 0.9), rng.uniform(0.45, 0.7)
    sx = x0 + (pw - w) / 2
    dr.rectangle((sx * u, y0 * u, (sx + w) * u, (y0 + h) * u), fill=(12, 12, 12, 255))
    for i in range(6):  # brushed aluminium edge: bands of grey
        v = int(150 + 60 * np.sin(i * 1.1 + rng.uniform(0, 1)))
        yy = y0 + h * (0.35 + 0.1 * i)
        dr.rectangle(((sx + 0.1) * u, yy * u, (sx + w - 0.1) * u, (yy + h * 0.1) * u), fill=(v, v, v + 4, 255))
    mx = sx + rng.uniform(0.2, 0.8) * w
    dr.rectangle(((mx - 0.12) * u, (y0 + h * 0.35) * u, (mx + 0.12) * u, (y0 + h * 0.95) * u), fill=(190, 20, 20, 255))
    return y0 + h


def _moulded(w: int, h: int, rgb: tuple[int, int, int], rng: np.random.Generator) -> np.ndarray:
    """The case's plastic: a soft gradient, darker edges, faint mottling and grime (uint8 RGB)."""
    sh, sw = max(4, h // 8), max(4, w // 8)
    yy = np.linspace(0, 1, sh, dtype=np.float32)[:, None]
    xx = np.linspace(-1, 1, sw, dtype=np.float32)[None, :]
    f = (1.0 + rng.uniform(-0.06, 0.06) * (yy - 0.5) * 2) * (1.0 - rng.uniform(0.03, 0.1) * xx ** 6)
    f = f + rng.normal(0, rng.uniform(0.005, 0.02), (sh, sw)).astype(np.float32)
    dirt = np.clip(rng.normal(0, 1, (max(2, sh // 6), max(2, sw // 6))).astype(np.float32) - 1.2, 0, 2)
    f -= cv2.resize(dirt, (sw, sh), interpolation=cv2.INTER_CUBIC) * rng.uniform(0.0, 0.08)
    small = np.clip(f[..., None] * np.array(rgb, np.float32)[None, None, :], 0, 255).astype(np.uint8)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
