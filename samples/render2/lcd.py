"""LCD panels of electronic meters in the styles Indian utilities install.

A panel is the LCD glass with its legends and icons plus a ring of the bezel around it,
rendered flat at ``ph`` px per digit height. Layouts: Genus 1-phase (green backlight, bulb),
Genus 3-phase (orange backlight, screen index, T1-T4, CUM, BP, legend row), L&T EM101+
(green, 4-5 digits), TANGEDCO 3-phase (white/blue, R Y B markers), HPL (grey) and a
Secure / Landis+Gyr style reflective grey LCD whose dark segments cast a shadow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageDraw

from . import fonts
from .segments import Row, random_style, render_row, small_row

LAYOUTS = ("genus_1ph", "genus_3ph", "lt_em101", "tangedco_3ph", "hpl", "secure_lg")
#: (integer positions choices, decimals choices) of the kWh screen per layout
DIGITS = {"genus_1ph": ((6, 5), (1,)), "genus_3ph": ((6, 7), (1, 2)), "lt_em101": ((4, 5), (1,)),
          "tangedco_3ph": ((7,), (1,)), "hpl": ((5, 6), (1, 2)), "secure_lg": ((5, 6), (1, 2))}
#: glass colour range (RGB lo, hi), segment ink, backlit
SCHEMES = {
    "genus_1ph": (((140, 200, 60), (178, 232, 104)), (22, 48, 24), True),
    "genus_3ph": (((238, 132, 28), (255, 172, 74)), (58, 28, 12), True),
    "lt_em101": (((148, 186, 96), (184, 216, 134)), (26, 40, 26), True),
    "tangedco_3ph": (((150, 196, 232), (226, 240, 252)), (22, 30, 68), True),
    "hpl": (((160, 168, 160), (192, 198, 184)), (34, 38, 44), False),
    "secure_lg": (((148, 156, 148), (182, 188, 174)), (24, 28, 30), False),
}


@dataclass
class Screen:
    """What the display shows."""

    register: str  # kWh | kVAh | MD kW | BP kWh | date | time | test | blank
    row: str  # characters of the main row ('' -> display off)
    reading: str  # truth reading (digits and at most one '.')
    shown: str  # literally what is shown (dashes, colon kept)


@dataclass
class Panel:
    """A rendered panel: RGB float32 image and where the digits are (panel px)."""

    image: np.ndarray
    ph: float
    quad: np.ndarray
    cells: list[np.ndarray]
    screen: Screen
    layout: str
    backlit: bool
    extras: list[str] = field(default_factory=list)


def _fmt(value: float, n_int: int, n_dec: int, zeros: bool) -> tuple[str, str]:
    """(row text with blanks, reading) for ``value`` on ``n_int`` + ``n_dec`` positions (truncated)."""
    q = int(np.floor(round(value * 10 ** n_dec, 6))) % (10 ** (n_int + n_dec))
    s = str(q).rjust(n_int + n_dec, "0")
    ip, dp = s[:n_int], s[n_int:]
    if not zeros:
        ip = ip.lstrip("0").rjust(1, "0").rjust(n_int, " ")
    row = ip + ("." + dp if n_dec else "")
    return row, row.strip()


def make_screen(register: str, kwh: float, n_int: int, n_dec: int, zeros: bool,
                rng: np.random.Generator) -> Screen:
    """The screen for ``register`` of a meter whose kWh register stands at ``kwh``."""
    n = n_int + n_dec
    if register == "kWh":
        row, rd = _fmt(kwh, n_int, n_dec, zeros)
    elif register == "kVAh":
        row, rd = _fmt(kwh / rng.uniform(0.82, 0.98), n_int, n_dec, zeros)
    elif register == "BP kWh":
        row, rd = _fmt(max(0.0, kwh - rng.uniform(60, 400)), n_int, n_dec, zeros)
    elif register == "MD kW":
        md = 2 if n >= 5 else 1
        row, rd = _fmt(rng.uniform(0.3, 9.5), n - md, md, False)
    elif register == "date":
        row = f"0{int(rng.integers(1, 6))}-11-26"
        return Screen(register, row, row.replace("-", ""), row)
    elif register == "time":
        t = f"{int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}"
        return Screen(register, " " * max(0, n - 4) + t, t.replace(":", ""), t)
    elif register == "test":
        return Screen(register, "8" * max(n, 8), "8" * max(n, 8), "8" * max(n, 8))
    else:  # display off / dead
        return Screen("blank", "", "", "")
    return Screen(register, row, rd, rd)


def _paste(dst: np.ndarray, src: np.ndarray, x: float, y: float) -> None:
    """Max-combine mask ``src`` into ``dst`` at integer offset (x, y), clipped."""
    x, y = int(round(x)), int(round(y))
    h, w = src.shape
    x0, y0, x1, y1 = max(0, x), max(0, y), min(dst.shape[1], x + w), min(dst.shape[0], y + h)
    if x1 > x0 and y1 > y0:
        np.maximum(dst[y0:y1, x0:x1], src[y0 - y:y1 - y, x0 - x:x1 - x], out=dst[y0:y1, x0:x1])


class _Ink:
    """Supersampled PIL drawing of legends and icons: one lit layer, one ghost layer."""

    def __init__(self, w: int, h: int, ph: float, face: str) -> None:
        self.ss = 3 if ph < 40 else 2
        self.u = ph * self.ss
        self.face = face
        self.lit = Image.new("L", (w * self.ss, h * self.ss), 0)
        self.ghost = Image.new("L", (w * self.ss, h * self.ss), 0)
        self.size = (w, h)

    def d(self, on: bool) -> ImageDraw.ImageDraw:
        return ImageDraw.Draw(self.lit if on else self.ghost)

    def text(self, x: float, y: float, s: str, size: float, on: bool = True, anchor: str = "lt") -> tuple:
        box = fonts.draw_text(self.d(on), x * self.u, y * self.u, s, size * self.u, self.face, 255, anchor)
        return tuple(v / self.u for v in box)

    def bulb(self, x: float, y: float, r: float, on: bool = True) -> None:
        u, dr = self.u, self.d(on)
        dr.ellipse(((x - r) * u, (y - r) * u, (x + r) * u, (y + r) * u), outline=255, width=max(1, int(r * u * 0.22)))
        dr.rectangle(((x - r * 0.45) * u, (y + r * 1.05) * u, (x + r * 0.45) * u, (y + r * 1.6) * u), fill=255)
        for a in range(-60, 241, 60):
            c, s = np.cos(np.radians(a)), np.sin(np.radians(a))
            dr.line(((x + c * r * 1.35) * u, (y - s * r * 1.35) * u, (x + c * r * 1.8) * u, (y - s * r * 1.8) * u),
                    fill=255, width=max(1, int(r * u * 0.18)))

    def battery(self, x: float, y: float, w: float, on: bool = True) -> None:
        u, dr = self.u, self.d(on)
        dr.rectangle((x * u, y * u, (x + w) * u, (y + w * 0.45) * u), outline=255, width=max(1, int(w * u * 0.08)))
        dr.rectangle(((x + w) * u, (y + w * 0.12) * u, (x + w * 1.1) * u, (y + w * 0.33) * u), fill=255)
        dr.rectangle(((x + w * 0.15) * u, (y + w * 0.12) * u, (x + w * 0.55) * u, (y + w * 0.33) * u), fill=255)

    def arrow(self, x: float, y: float, s: float, on: bool = True) -> None:
        u = self.u
        self.d(on).polygon([(x * u, y * u), ((x + s) * u, (y + s / 2) * u), (x * u, (y + s) * u)], fill=255)

    def boxed(self, x: float, y: float, s: str, size: float, on: bool = True) -> None:
        x0, y0, x1, y1 = self.text(x, y, s, size, on)
        p = size * 0.18
        self.d(on).rectangle(((x0 - p) * self.u, (y0 - p) * self.u, (x1 + p) * self.u, (y1 + p) * self.u),
                             outline=255, width=max(1, int(size * self.u * 0.1)))

    def masks(self) -> tuple[np.ndarray, np.ndarray]:
        out = []
        for im in (self.lit, self.ghost):
            a = cv2.resize(np.asarray(im, np.uint8), self.size, interpolation=cv2.INTER_AREA)
            out.append(a.astype(np.float32) / 255.0)
        return out[0], out[1]


def _glass_field(w: int, h: int, lo: np.ndarray, hi: np.ndarray, backlit: bool,
                 rng: np.random.Generator) -> np.ndarray:
    """Glass colour with backlight hot spots (backlit) or a smooth sheen (reflective)."""
    base = lo + (hi - lo) * rng.random(3)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    xx /= max(w - 1, 1)
    yy /= max(h - 1, 1)
    if backlit:  # LEDs along one long edge: brighter there, falling off across the glass
        edge = yy if rng.random() < 0.5 else 1.0 - yy
        f = 1.04 - 0.16 * edge + 0.05 * np.cos((xx * rng.uniform(2, 5) + rng.random()) * np.pi)
    else:
        f = 0.95 + 0.1 * (xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1) + 1) / 2
    return f[..., None] * base[None, None, :].astype(np.float32)


def render_panel(layout: str, screen: Screen, ph: float, rng: np.random.Generator,
                 bezel_rgb: tuple[int, int, int]) -> Panel:
    """Render the LCD of ``layout`` showing ``screen``, ``ph`` px per digit height."""
    (lo, hi), ink_rgb, backlit = SCHEMES[layout]
    lo, hi = np.array(lo, np.float32), np.array(hi, np.float32)
    if layout == "hpl" and rng.random() < 0.4:
        backlit = True
        lo, hi = lo + (0, 20, 10), hi + (0, 22, 8)
    st = random_style(rng, slant=(0.0, 9.0) if layout != "secure_lg" else (0.0, 5.0))
    text = screen.row or " " * 7
    row: Row = render_row(text, st, ph, ghost_dp=bool(rng.random() < 0.6))
    rw, rh = row.lit.shape[1] / ph, row.lit.shape[0] / ph
    extras: list[str] = []
    ml = rng.uniform(0.25, 0.5) + (0.55 if layout in ("tangedco_3ph", "genus_3ph") else 0.0)
    mr = rng.uniform(0.25, 0.45) + (1.05 if layout in ("genus_1ph", "hpl", "secure_lg") else 0.2)
    mt = rng.uniform(0.2, 0.35) + (0.55 if layout in ("genus_3ph", "secure_lg", "genus_1ph") else 0.15)
    mb = rng.uniform(0.2, 0.35) + (0.5 if layout in ("genus_3ph", "tangedco_3ph", "lt_em101") else 0.1)
    bz = rng.uniform(0.35, 0.7)
    gw, gh = ml + rw + mr, mt + rh + mb
    W, H = int(np.ceil((gw + 2 * bz) * ph)), int(np.ceil((gh + 2 * bz) * ph))
    face = fonts.pick_face(rng, bold=bool(rng.random() < 0.7))
    ink = _Ink(W, H, ph, face)
    gx, gy = bz, bz  # glass origin (units)
    rx, ry = gx + ml, gy + mt  # row mask origin
    sz = rng.uniform(0.3, 0.42)  # legend size (units of digit height)
    test = screen.register == "test"
    reg = screen.register
    mid = ry + rh / 2
    right = rx + rw
    word = {"kVAh": "kVAh", "MD kW": "kW"}.get(reg, "kWh")  # the unit legend of this screen
    word_on = reg in ("kWh", "BP kWh", "kVAh", "MD kW") or test
    tag = {"BP kWh": "BP", "MD kW": "MD"}.get(reg, "")  # which other register, where the layout has no slot
    if layout == "genus_1ph":
        ink.text(right + 0.1, mid + 0.1, word, sz * 1.1, on=word_on, anchor="lm")
        if tag:
            ink.text(right + 0.1, mid - 0.3, tag, sz * 0.9, anchor="lm")
        ink.bulb(gx + ml + 0.3, gy + 0.33, 0.13)
        ink.battery(gx + gw - 0.75, gy + 0.2, 0.42, on=test or rng.random() < 0.3)
        extras += ["bulb", "battery"]
    elif layout == "genus_3ph":
        idx = {"kWh": "18", "kVAh": "21", "MD kW": "32", "BP kWh": "48", "date": "02", "time": "03",
               "test": "88"}.get(reg, "01")
        small = small_row(idx, ph * 0.36)
        _paste_row(ink, small, gx + 0.15, gy + 0.08, ph)
        tx = gx + 0.15 + small.lit.shape[1] / ph + 0.15
        tariff = f"T{int(rng.integers(1, 5))}"
        ink.boxed(tx, gy + 0.14, tariff, sz * 0.8)
        ink.text(tx + 0.75, gy + 0.14, "CUM", sz * 0.8, on=reg in ("kWh", "kVAh") or test)
        ink.text(tx + 1.55, gy + 0.14, "BP", sz * 0.8, on=reg == "BP kWh" or test)
        legends = [("kWh", reg in ("kWh", "BP kWh")), ("kVAh", reg == "kVAh"), ("kW", reg == "MD kW"),
                   ("MD", reg == "MD kW")]
        x = rx + 0.3
        for w_, on in legends:
            box = ink.text(x, gy + gh - 0.12, w_, sz * 0.85, on=on or test, anchor="lb")
            x = box[2] + 0.35
        extras += [f"index:{idx}", tariff, "CUM", "BP"]
    elif layout == "lt_em101":
        ink.text(right - 0.15, ry + rh + 0.05, word, sz * 0.75, on=word_on, anchor="rt")
        if tag:
            ink.text(rx + 0.2, ry + rh + 0.05, tag, sz * 0.75, anchor="lt")
        ink.arrow(gx + 0.2, gy + 0.12, 0.22, on=True)
    elif layout == "tangedco_3ph":
        for i, ch in enumerate("RYB"):
            ink.text(gx + 0.2, ry + 0.2 + i * 0.42, ch, sz * 0.85, on=rng.random() < 0.9 or test)
        ink.text(gx + gw - 0.2, gy + gh - 0.1, word, sz, on=word_on, anchor="rb")
        if tag:
            ink.text(rx + 0.3, gy + gh - 0.1, tag, sz, anchor="lb")
        extras += ["RYB"]
    else:  # hpl, secure_lg: legend right of the digits, arrows / CUM on top
        ink.text(right + 0.12, ry + rh - 0.2, word, sz * 1.1, on=word_on, anchor="lb")
        if tag:
            ink.text(right + 0.12, ry + 0.25, tag, sz, anchor="lt")
        if layout == "secure_lg":
            for i in range(4):
                ink.arrow(gx + ml + 0.2 + i * 0.55, gy + 0.15, 0.24, on=i == 0 or test)
            ink.text(gx + ml + 2.6, gy + 0.14, "CUM", sz * 0.8, on=reg == "kWh" or test)
            extras += ["arrows"]
        else:
            ink.text(gx + ml + 0.1, gy + 0.12, "TOD", sz * 0.8, on=rng.random() < 0.5 or test)
            ink.battery(gx + gw - 0.8, gy + 0.14, 0.4, on=test)
    lit, ghost = ink.masks()
    _paste(lit, row.lit, rx * ph, ry * ph)
    _paste(ghost, row.ghost, rx * ph, ry * ph)
    if not screen.row:
        lit[:] = 0.0
    img = _compose(W, H, ph, (gx, gy, gw, gh), lo, hi, ink_rgb, backlit, lit, ghost, layout, bezel_rgb, rng)
    off = np.array([rx * ph, ry * ph])
    return Panel(image=img, ph=ph, quad=row.quad + off, cells=[c + off for c in row.cells], screen=screen,
                 layout=layout, backlit=backlit, extras=extras)


def _paste_row(ink: _Ink, small: Row, x: float, y: float, ph: float) -> None:
    """Queue a small seven-segment row into the ink layers (stored, pasted in masks())."""
    lit = Image.fromarray((small.lit * 255).astype(np.uint8))
    ss = ink.ss
    big = lit.resize((lit.width * ss, lit.height * ss), Image.BILINEAR)
    ink.lit.paste(255, (int(x * ink.u), int(y * ink.u)), big)


def _compose(W: int, H: int, ph: float, glass: tuple[float, float, float, float], lo: np.ndarray,
             hi: np.ndarray, ink_rgb: tuple[int, int, int], backlit: bool, lit: np.ndarray, ghost: np.ndarray,
             layout: str, bezel_rgb: tuple[int, int, int], rng: np.random.Generator) -> np.ndarray:
    """Bezel ring + glass + ghost + lit segments (+ segment shadow on reflective glass)."""
    gx, gy, gw, gh = (int(round(v * ph)) for v in glass)
    img = np.empty((H, W, 3), np.float32)
    img[:] = np.array(bezel_rgb, np.float32) * rng.uniform(0.82, 0.95)
    g = _glass_field(gw, gh, lo, hi, backlit, rng)
    ink = np.array(ink_rgb, np.float32) + rng.uniform(-8, 8, 3).astype(np.float32)
    sl = (slice(gy, gy + gh), slice(gx, gx + gw))
    lit_g, ghost_g = lit[sl][:gh, :gw], ghost[sl][:gh, :gw]
    if not backlit:  # the segments' shadow on the reflector behind the liquid crystal
        dx, dy = max(1, int(round(ph * rng.uniform(0.03, 0.07)))), max(1, int(round(ph * rng.uniform(0.03, 0.08))))
        sh = np.zeros_like(lit_g)
        sh[dy:, dx:] = lit_g[:-dy, :-dx]
        sh = cv2.GaussianBlur(sh, (0, 0), max(0.6, ph * 0.025))
        g *= (1.0 - rng.uniform(0.18, 0.32) * sh)[..., None]
    ga = 0.0 if rng.random() < 0.3 else float(rng.uniform(0.035, 0.13))
    if ga > 0:
        g = g * (1 - ga * ghost_g[..., None]) + ink * (ga * ghost_g[..., None])
    soft = cv2.GaussianBlur(lit_g, (0, 0), max(0.35, ph * 0.012))
    a = soft[..., None] * rng.uniform(0.86, 0.97)
    g = g * (1 - a) + ink * a
    # recess: the bezel shades the glass near its top/left edge
    yy, xx = np.mgrid[0:gh, 0:gw].astype(np.float32)
    depth = ph * rng.uniform(0.08, 0.2)
    shade = 1.0 - 0.22 * np.exp(-yy / depth) - 0.12 * np.exp(-xx / depth)
    g *= shade[..., None]
    rim = max(1, int(round(ph * rng.uniform(0.02, 0.07))))
    frame = np.array((20, 22, 24), np.float32) if rng.random() < 0.6 else np.array(bezel_rgb, np.float32) * 0.5
    g[:rim], g[-rim:], g[:, :rim], g[:, -rim:] = frame, frame, frame, frame
    img[gy:gy + gh, gx:gx + gw] = g[: H - gy, : W - gx]
    o = max(1, int(round(ph * 0.05)))  # moulded frame edge around the display window
    edge = np.array(bezel_rgb, np.float32) * 0.62
    img[:o], img[-o:], img[:, :o], img[:, -o:] = edge, edge, edge, edge
    img[o:2 * o, o:-o] = np.minimum(np.array(bezel_rgb, np.float32) * 1.12, 255)
    return img
