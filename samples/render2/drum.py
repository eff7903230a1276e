"""Mechanical drum (odometer) counters: 5-7 printed drums behind windows in a plate.

Each drum is a strip of Noto Sans (or stroke-font) digits wrapped on a cylinder: the
window shows an arc of it (``cv2.remap`` with an arcsine profile), shaded towards the
window edges so neighbouring digits peek in foreshortened. The last drum is often red
(tenths) and sometimes caught mid-roll: its label is the digit that fills most of the
window, and a 9 -> 0 roll carries into the drum before it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw

from . import fonts


@dataclass
class Counter:
    """A rendered counter plate (RGB float32) and its truth."""

    image: np.ndarray
    ph: float
    quad: np.ndarray  # digit row, plate px (TL, TR, BR, BL)
    cells: list[np.ndarray]
    reading: str
    midroll: bool
    style: str


@functools.lru_cache(maxsize=64)
def _cap_ratio(face: str) -> float:
    """Ink height of '0' divided by the font size (to draw digits of a given height)."""
    if face == fonts.STROKE:
        return 1.0
    w, h = fonts.text_size("0", 200, face)
    return h / 200.0


def _digit_strip(digits: list[int], ph: float, pitch: float, width: float, face: str, fg: tuple, bg: tuple,
                 squeeze: float, weight: float) -> np.ndarray:
    """Vertical strip of ``digits`` (top to bottom), one per ``pitch`` units, RGB uint8."""
    ss = 2
    W, P = max(2, int(round(width * ph * ss))), pitch * ph * ss
    H = int(round(P * len(digits)))
    im = Image.new("RGB", (W, H), bg)
    dr = ImageDraw.Draw(im)
    cap = ph * ss
    for i, d in enumerate(digits):
        cy = (i + 0.5) * P
        s = str(d % 10)
        if face == fonts.STROKE:
            wdt = fonts.stroke_width_of(s, cap) * squeeze - 0.2 * cap * squeeze
            fonts.draw_stroke_text(dr, W / 2 - wdt / 2, cy - cap / 2, s, cap, fg, weight=weight, squeeze=squeeze)
        else:
            size = cap / _cap_ratio(face)
            glyph = Image.new("L", (int(cap * 1.2) + 4, int(cap * 1.3) + 4), 0)
            fonts.draw_text(ImageDraw.Draw(glyph), glyph.width / 2, glyph.height / 2, s, size, face, 255, "mm")
            if squeeze != 1.0:
                glyph = glyph.resize((max(1, int(glyph.width * squeeze)), glyph.height), Image.BILINEAR)
            im.paste(fg, (int(W / 2 - glyph.width / 2), int(cy - glyph.height / 2)), glyph)
    return np.asarray(im.resize((W // ss, max(1, H // ss)), Image.BOX), np.float32)


def _drum_view(strip: np.ndarray, centre: float, wh: int, radius: float, rng: np.random.Generator) -> np.ndarray:
    """What a window ``wh`` px tall shows of a drum whose strip row ``centre`` faces the viewer."""
    h, w = strip.shape[:2]
    y = (np.arange(wh, dtype=np.float32) - (wh - 1) / 2.0) / radius
    y = np.clip(y, -0.999, 0.999)
    ang = np.arcsin(y)
    src_y = centre + ang * radius
    map_y = np.repeat(src_y[:, None], w, axis=1).astype(np.float32)
    map_x = np.repeat(np.arange(w, dtype=np.float32)[None, :], wh, axis=0)
    view = cv2.remap(strip, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    shade = np.cos(ang) ** rng.uniform(0.6, 1.4)
    shade = shade * (1.0 + rng.uniform(0.0, 0.12) * np.exp(-((ang + rng.uniform(0.2, 0.5)) / 0.18) ** 2))
    xs = np.linspace(-1, 1, w, dtype=np.float32)
    side = 1.0 - rng.uniform(0.05, 0.2) * xs ** 4
    return view * shade[:, None, None] * side[None, :, None]


def render_counter(value: str, ph: float, rng: np.random.Generator, midroll: bool = False) -> Counter:
    """Render a counter plate showing ``value`` (digits, optional '.' before the last digit).

    ``midroll``: the last drum is caught between two digits (a carry moves the previous one too)."""
    tenths = "." in value
    digs = [int(c) for c in value.replace(".", "")]
    n = len(digs)
    white_on_black = rng.random() < 0.7
    red_last = tenths and rng.random() < 0.85
    face = fonts.pick_face(rng, bold=bool(rng.random() < 0.5)) if rng.random() < 0.85 else fonts.STROKE
    if not fonts.noto_faces():
        face = fonts.STROKE
    squeeze = float(rng.uniform(0.72, 1.0))
    weight = float(rng.uniform(0.1, 0.17))
    ww, wh = rng.uniform(0.72, 0.95), rng.uniform(1.2, 1.55)
    pitch = wh * rng.uniform(0.92, 1.15)  # digit spacing on the drum surface
    gap = rng.uniform(0.1, 0.4)
    strip_style = rng.random() < 0.4  # one long window with drum dividers instead of separate windows
    if strip_style:
        gap = rng.uniform(0.04, 0.09)
    m_side, m_top, m_bot = rng.uniform(0.5, 1.0), rng.uniform(0.45, 0.8), rng.uniform(0.6, 1.0)
    W = int(np.ceil((2 * m_side + n * ww + (n - 1) * gap + 1.4) * ph))
    H = int(np.ceil((m_top + wh + m_bot) * ph))
    plate_rgb = np.array([(22, 22, 24), (40, 40, 44), (196, 198, 200), (226, 222, 208), (150, 154, 160)]
                         [int(rng.integers(5))], np.float32)
    img = np.empty((H, W, 3), np.float32)
    img[:] = plate_rgb * rng.uniform(0.9, 1.08)
    fg, bg = ((236, 236, 230), (18, 18, 20)) if white_on_black else ((20, 20, 22), (234, 232, 222))
    # offsets (in pitches) of every drum: resting misalignment, a roll of the last, a carry
    off = rng.uniform(-0.04, 0.04, n) / pitch
    labels = list(digs)
    roll = 0.0
    if midroll:
        shift = float(rng.uniform(0.28, 0.5))  # digit heights between the label digit and the window centre
        roll = shift / pitch if rng.random() < 0.5 else 1.0 - shift / pitch
        off[-1] = roll
        j = n - 1
        while j > 0 and digs[j] == 9:  # 9 -> 0 carries into the drum before
            off[j - 1] = roll
            j -= 1
        for k in range(j, n):
            labels[k] = (digs[k] + (1 if roll > 0.5 else 0)) % 10
    radius = wh * ph / 2.0 / np.sin(np.radians(rng.uniform(38, 58)))
    wpx, hpx = int(round(ww * ph)), int(round(wh * ph))
    y0 = int(round(m_top * ph))
    cells = []
    x = m_side
    for i, d in enumerate(digs):
        red = red_last and i == n - 1
        f2, b2 = fg, bg
        if red:
            f2, b2 = ((240, 236, 230), (170, 26, 24)) if rng.random() < 0.7 else ((196, 22, 20), (232, 230, 220))
        strip = _digit_strip([d - 1, d, d + 1, d + 2], ph, pitch, ww, face, f2, b2, squeeze, weight)
        centre = (1.5 + off[i]) * pitch * ph
        view = _drum_view(strip, centre, hpx, radius, rng)
        x0 = int(round(x * ph))
        img[y0:y0 + hpx, x0:x0 + view.shape[1]] = view[:, : W - x0]
        cells.append(np.array([(x0, y0 + hpx / 2 - 0.55 * ph), (x0 + wpx, y0 + hpx / 2 - 0.55 * ph),
                               (x0 + wpx, y0 + hpx / 2 + 0.55 * ph), (x0, y0 + hpx / 2 + 0.55 * ph)]))
        x += ww + gap
    x_end = int(round(cells[-1][1][0]))
    x_start = int(round(m_side * ph))
    _window_frames(img, cells, x_start, x_end, y0, hpx, ph, strip_style, tenths and not red_last, rng)
    _plate_text(img, ph, cells, y0, hpx, red_last, tenths, plate_rgb, rng)
    quad = np.array([cells[0][0], cells[-1][1], cells[-1][2], cells[0][3]], np.float64)
    s = "".join(str(v) for v in labels)
    reading = s[:-1] + "." + s[-1] if tenths else s
    style = ("wob" if white_on_black else "bow") + ("_red" if red_last else "") + ("_strip" if strip_style else "")
    return Counter(image=img, ph=ph, quad=quad, cells=cells, reading=reading, midroll=midroll, style=style)


def _window_frames(img: np.ndarray, cells: list[np.ndarray], x_start: int, x_end: int, y0: int, hpx: int,
                   ph: float, strip_style: bool, tenths_frame: bool, rng: np.random.Generator) -> None:
    """Recess shadows, window outlines, drum dividers and a red frame round a plain tenths drum."""
    dark = np.array((8, 8, 9), np.float32)
    lw = max(1, int(round(ph * rng.uniform(0.03, 0.07))))
    boxes = [(x_start, x_end)] if strip_style else [(int(c[0][0]), int(c[1][0])) for c in cells]
    for x0, x1 in boxes:
        win = img[y0:y0 + hpx, x0:x1]
        yy = np.arange(hpx, dtype=np.float32)[:, None]
        depth = max(1.0, ph * 0.12)
        win *= (1.0 - 0.45 * np.exp(-yy / depth) - 0.2 * np.exp(-(hpx - 1 - yy) / depth))[..., None]
        img[max(0, y0 - lw):y0, max(0, x0 - lw):x1 + lw] = dark
        img[y0 + hpx:y0 + hpx + lw, max(0, x0 - lw):x1 + lw] = dark
        img[max(0, y0 - lw):y0 + hpx + lw, max(0, x0 - lw):x0] = dark
        img[max(0, y0 - lw):y0 + hpx + lw, x1:x1 + lw] = dark
    if strip_style:
        for c in cells[1:]:
            xd = int(c[0][0])
            img[y0:y0 + hpx, max(0, xd - lw):xd] = dark
    if tenths_frame:  # a red frame marks the tenths drum when the drum itself is not red
        x0, x1 = int(cells[-1][0][0]), int(cells[-1][1][0])
        red = np.array((190, 30, 28), np.float32)
        t = lw + max(1, int(round(ph * 0.04)))
        img[max(0, y0 - t):y0, max(0, x0 - t):x1 + t] = red
        img[y0 + hpx:y0 + hpx + t, max(0, x0 - t):x1 + t] = red
        img[max(0, y0 - t):y0 + hpx + t, max(0, x0 - t):x0] = red
        img[max(0, y0 - t):y0 + hpx + t, x1:x1 + t] = red


def _plate_text(img: np.ndarray, ph: float, cells: list[np.ndarray], y0: int, hpx: int, red_last: bool,
                tenths: bool, plate_rgb: np.ndarray, rng: np.random.Generator) -> None:
    """Print 'kWh', '1/10' / 'x0.1' marks, place values and an arrow on the plate."""
    H, W = img.shape[:2]
    n, x_end = len(cells), float(cells[-1][1][0])
    wpx = float(cells[-1][1][0] - cells[-1][0][0])
    light = float(plate_rgb.mean()) < 110
    col = (225, 225, 220) if light else (25, 25, 28)
    ss = 2
    lay = Image.new("L", (W * ss, H * ss), 0)
    dr = ImageDraw.Draw(lay)
    face = fonts.pick_face(rng, bold=True) if rng.random() < 0.85 else fonts.STROKE
    u = ph * ss
    word = ("kWh", "KWH", "kWh", "kW.h")[int(rng.integers(4))]
    fonts.draw_text(dr, x_end * ss + 0.25 * u, (y0 + hpx / 2) * ss, word, 0.62 * u, face, 255, "lm")
    marked = tenths and (not red_last or rng.random() < 0.7)
    if marked:
        mark = ("1/10", "x0.1", "x 0.1")[int(rng.integers(3))]
        fonts.draw_text(dr, (x_end - wpx / 2) * ss, (y0 + hpx) * ss + 0.2 * u, mark, 0.32 * u, face, 255, "mt")
    if tenths and not red_last:  # a printed decimal point between the last two windows
        gap = float(cells[-1][0][0] - cells[-2][1][0]) if n > 1 else 0.0
        cx, cy, r = (x_end - wpx - gap / 2) * ss, (y0 + hpx) * ss + 0.2 * u, 0.13 * u
        dr.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    elif not marked and rng.random() < 0.3:  # place values under the windows (old meters print them)
        for i in range(n):
            pv = 10.0 ** (n - 1 - i - (1 if tenths else 0))
            lab = "1/10" if pv < 1 else str(int(pv))
            cx = float(cells[i][0][0] + cells[i][1][0]) / 2 * ss
            fonts.draw_text(dr, cx, (y0 + hpx) * ss + 0.18 * u, lab, 0.2 * u, face, 255, "mt")
    if rng.random() < 0.6:
        ax, ay = 0.25 * u, (y0 - 0.05 * ph) * ss - 0.25 * u
        dr.polygon([(ax, ay), (ax + 0.3 * u, ay + 0.12 * u), (ax, ay + 0.24 * u)], fill=255)
    a = cv2.resize(np.asarray(lay, np.uint8), (W, H), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    img[:] = img * (1 - a[..., None]) + np.array(col, np.float32) * a[..., None]
