"""Display screens for training the screen classifier (pipeline/reader/screen.py): live kWh, or another register.

A meter's display cycles through screens whose digit rows look alike; what tells
them apart are annunciators around the row: ``BP``/``BP 2``/``CUM BP`` (a billing
period's history), ``tod5``/``t4`` after a screen index (a time-of-day register),
``MD``, ``kVAh``, ``1B``..``6B``. The live cumulative kWh screen has its own marks
that must not count against it: ``CUM``, a ``kWh`` legend, the active-tariff flag
``T1``..``T4``, a screen number, phase and battery icons, and the unlit
annunciators' ghosts (``BP`` faintly visible but off).

Worlds: the Indian LCD rows of :mod:`rows` (point and DSEG) on a padded glass with
annunciators drawn around them, and the photo generator's own LCDs
(:mod:`lcd`, registers kWh, MD, kVAh, V, A, PF), and drum counters (always kWh); more than half
of them inside a meter's face (:mod:`meter`: plate text, barcodes, the body), as a whole photo
shows them around the glass. No real photo is drawn from.
Close-ups are cut so the context runs past the photo's edge, as a phone held close does.
Each sample is the classifier's input: the context crop of pipeline.reader.screen
around a jittered box of the row, after camera damage. Label 0: kWh, 1: other.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline.reader import screen

from . import fonts
from .display import random_display_spec, render_display
from .meter import build_face
from .rows import _relight, degrade, dseg_lcd_gray, point_lcd_gray
from .spec import RenderedDisplay

#: marks that make the screen another register's (lit)
OTHER_MARKS = ("BP", "BP", "BP 1", "BP 2", "BP 3", "CUM BP", "kWh BP", "BP kWh", "tod5", "tod1", "tod 2", "TOD",
               "t4", "t5", "t2", "MD", "MD kW", "kVAh", "kVArh", "1B", "2B", "3B", "6B", "H1", "HIST", "Lst")
#: indices of a time-of-day screen (drawn before the row, like "36t4")
TOD_INDEX = ("36t4", "12t5", "2t5", "32t1", "t3", "5t2")
#: marks the live kWh screen also shows
KWH_MARKS = ("CUM", "CUM", "kWh", "T1", "T2", "T3", "T4", "OK", "R Y B", "L1 L2 L3", "Imp", "En", "TOT",
             "18", "01", "1", "18", "Σ", "+A", "kW h")


def _glass(gray: np.ndarray, box: tuple[float, float, float, float], rng: np.random.Generator, tight: bool = False
           ) -> tuple[Image.Image, tuple[float, float, float, float], int, int]:
    """The row on a larger glass of its own background: (image, box in it, background, ink).

    ``tight``: a glass just large enough for the annunciators (a meter's face around it).
    """
    x, y, w, h = box
    bg = int(np.median(np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])))
    ink = int(np.percentile(gray, 1))
    if tight:
        pl, pr = int(h * rng.uniform(0.2, 0.9)), int(h * rng.uniform(0.3, 1.4))
        pt, pb = int(h * rng.uniform(0.3, 0.9)), int(h * rng.uniform(0.3, 0.8))
    else:
        pl, pr = int(h * rng.uniform(0.3, 2.5)), int(h * rng.uniform(0.5, 3.5))
        pt, pb = int(h * rng.uniform(0.3, 2.2)), int(h * rng.uniform(0.2, 1.8))
    im = Image.new("L", (gray.shape[1] + pl + pr, gray.shape[0] + pt + pb), bg)
    im.paste(Image.fromarray(gray), (pl, pt))
    return im, (x + pl, y + pt, w, h), bg, ink


Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def _mark(d: ImageDraw.ImageDraw, text: str, box: tuple[float, float, float, float], fill: int,
          rng: np.random.Generator, where: str | None = None) -> Box:
    """Draw an annunciator ``text`` around the row ``box``: above, before, after or below it; its extent."""
    x, y, w, h = box
    size = max(8, int(h * rng.uniform(0.26, 0.55)))
    face = fonts.pick(rng, fonts.dseg_fonts()) if text.isdigit() and fonts.dseg_fonts() and rng.random() < 0.6 \
        else fonts.pick(rng, fonts.ttf_fonts())
    font = ImageFont.truetype(face, size)
    tw = font.getlength(text)
    where = where or fonts.pick(rng, ("above", "above", "before", "after", "after", "below"))
    if where == "above":
        px, py = x + rng.uniform(-0.3, 0.9) * w, y - size * rng.uniform(1.1, 2.2)
    elif where == "before":
        px, py = x - tw - h * rng.uniform(0.1, 0.5), y + rng.uniform(-0.2, 0.7) * h
    elif where == "after":
        px, py = x + w + h * rng.uniform(0.1, 1.2), y + rng.uniform(-0.4, 0.8) * h
    else:
        px, py = x + rng.uniform(-0.2, 0.8) * w, y + h + size * rng.uniform(0.2, 0.9)
    # inside the context the classifier sees (pipeline.reader.screen), so the label is visible
    px = float(np.clip(px, x - 0.9 * h, max(x - 0.9 * h, x + w + 1.85 * h - tw)))
    py = float(np.clip(py, y - 0.95 * h, y + h + 0.85 * h - size))
    iw, ih = d.im.size  # and on the glass
    px = float(np.clip(px, 2, max(2, iw - tw - 2)))
    py = float(np.clip(py, 2, max(2, ih - size * 1.1 - 2)))
    if rng.random() < 0.3:  # an annunciator in a box (tariff flags, BP on some makes)
        b = size * 0.2
        d.rectangle((px - b, py - b, px + tw + b, py + size * 1.1 + b), outline=fill, width=max(1, size // 10))
    d.text((px, py), text, font=font, fill=fill)
    return px, py, px + tw, py + size * 1.1


def _indian(rng: np.random.Generator, other: bool, tight: bool = False,
            row: tuple[np.ndarray, tuple[float, float, float, float], str] | None = None
            ) -> tuple[np.ndarray, tuple[float, float, float, float], list[Box], str]:
    """An Indian LCD row (point or DSEG world) with annunciators drawn around it; grey; the other marks' extents
    and the row's label. ``row``: an already drawn (grey row, digits box, label) instead of a random one."""
    gray, box, label = row or (point_lcd_gray if rng.random() < 0.6 else dseg_lcd_gray)(rng, kwh_only=True)
    im, box, bg, ink = _glass(gray, box, rng, tight)
    d = ImageDraw.Draw(im)
    ghost = lambda: int(bg - (bg - ink) * rng.uniform(0.04, 0.2))  # noqa: E731 - an unlit segment's shade
    for _ in range(int(rng.integers(0, 4))):  # the live screen's own marks, on either screen
        _mark(d, fonts.pick(rng, KWH_MARKS), box, ink, rng)
    for _ in range(int(rng.integers(0, 3))):  # unlit annunciators: faint ghosts, on either screen
        _mark(d, fonts.pick(rng, OTHER_MARKS + TOD_INDEX), box, ghost(), rng)
    marks = []
    if other:
        if rng.random() < 0.25:
            marks.append(_mark(d, fonts.pick(rng, TOD_INDEX), box, ink, rng, where=fonts.pick(rng, ("before", "above"))))
        else:
            marks.append(_mark(d, fonts.pick(rng, OTHER_MARKS), box, ink, rng))
        if rng.random() < 0.3:  # a second one ("BP 2" and "tod5")
            marks.append(_mark(d, fonts.pick(rng, OTHER_MARKS), box, ink, rng))
    return np.asarray(im), box, marks, label


def _generator_lcd(rng: np.random.Generator, other: bool, tight: bool = False
                   ) -> tuple[np.ndarray, tuple[float, float, float, float], list[Box]]:
    """The photo generator's LCD (samples/synth/lcd.py) of the kWh register or another one; grey; its legend."""
    register = fonts.pick(rng, ("MD", "kVAh", "V", "A", "PF")) if other else "kWh"
    spec = random_display_spec(rng, kind="lcd", register=register)
    disp = render_display(spec, rng)
    gray = cv2.cvtColor(disp.image, cv2.COLOR_BGR2GRAY)
    if tight:  # its own glass is the display
        return gray, disp.digits_box, [] if disp.legend_box is None else [(
            disp.legend_box[0], disp.legend_box[1], disp.legend_box[0] + disp.legend_box[2],
            disp.legend_box[1] + disp.legend_box[3])]
    im, box, _, _ = _glass(gray, disp.digits_box, rng)
    dx, dy = box[0] - disp.digits_box[0], box[1] - disp.digits_box[1]
    marks = []
    if disp.legend_box is not None:
        lx, ly, lw, lh = disp.legend_box
        marks.append((lx + dx, ly + dy, lx + dx + lw, ly + dy + lh))
    return np.asarray(im), box, marks


def _in_face(img: np.ndarray, box: tuple[float, float, float, float], marks: list[Box], kind: str,
             rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, float, float, float], list[Box]]:
    """The display inside a meter's face (samples/synth/meter.py: plate text, barcodes, the body), on a background."""
    x, y, w, h = box
    rd = RenderedDisplay(image=img, digit_boxes=[(x, y, w, h)], digit_labels=[], decimal_after=None, legend_box=None,
                         legend_text="", kind=kind)
    face = build_face(rd, rng)
    a = face.alpha[..., None]
    back = rng.uniform(20, 200, 3).astype(np.float32)
    out = np.clip(face.image.astype(np.float32) * a + back * (1 - a), 0, 255).astype(np.uint8)
    dx, dy = face.display_xy
    return out, (x + dx, y + dy, w, h), [(m[0] + dx, m[1] + dy, m[2] + dx, m[3] + dy) for m in marks]


def render_screen(rng: np.random.Generator) -> tuple[np.ndarray, int, str]:
    """One training sample: (context crop HEIGHT x WIDTH uint8, label 0 kWh / 1 other, world)."""
    other = rng.random() < 0.5
    face = rng.random() < 0.55  # inside a meter's face, as a whole photo shows it
    r = rng.random()
    if r < 0.12:  # a drum counter: always the kWh register
        other = False
        disp = render_display(random_display_spec(rng, kind="drum"), rng)
        world, img, box, marks = "drum", disp.image, disp.digits_box, []
    else:
        if r < 0.7 and fonts.dseg_fonts():
            world, (gray, box, marks, _) = "indian", _indian(rng, other, face)
        else:
            world, (gray, box, marks) = "generator", _generator_lcd(rng, other, face)
        img = _relight(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), rng)
    x, y, w, h = box
    f = float(rng.uniform(18, 60)) / h  # the row's height in the photo
    img = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
    x, y, w, h = x * f, y * f, w * f, h * f
    marks = [tuple(v * f for v in m) for m in marks]
    if face:
        img, (x, y, w, h), marks = _in_face(img, (x, y, w, h), marks, "drum" if world == "drum" else "lcd", rng)
    elif rng.random() < 0.55:  # the glass sits in a darker bezel or body
        pad = int(h * rng.uniform(0.2, 3.0))
        body = tuple(int(v) for v in rng.uniform(10, 120, 3))
        img = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=body)
        x, y = x + pad, y + pad
        marks = [(m[0] + pad, m[1] + pad, m[2] + pad, m[3] + pad) for m in marks]
    if rng.random() < 0.55:  # a close-up: the photo ends near the display, the context runs past its edge
        ih, iw = img.shape[:2]
        seen = marks if other else []  # the other register's marks stay in the photo
        left = int(np.clip(min([x - h * rng.uniform(0.02, 1.1)] + [m[0] - 2 for m in seen]), 0, iw - 1))
        right = int(np.clip(max([x + w + h * rng.uniform(0.05, 2.1)] + [m[2] + 2 for m in seen]), left + 1, iw))
        top = int(np.clip(min([y - h * rng.uniform(0.02, 1.1)] + [m[1] - 2 for m in seen]), 0, ih - 1))
        bottom = int(np.clip(max([y + h + h * rng.uniform(0.05, 1.0)] + [m[3] + 2 for m in seen]), top + 1, ih))
        img = np.ascontiguousarray(img[top:bottom, left:right])
        x, y = x - left, y - top
    img = degrade(img, rng)
    # the row as a detector boxes it: margins, a little rotation and perspective
    ml, mr = h * rng.uniform(-0.05, 0.5), h * rng.uniform(-0.05, 1.5)
    mt, mb = h * rng.uniform(-0.08, 0.3), h * rng.uniform(-0.08, 0.3)
    quad = np.float32([[x - ml, y - mt], [x + w + mr, y - mt], [x + w + mr, y + h + mb], [x - ml, y + h + mb]])
    quad += rng.normal(0, 0.06 * h, quad.shape).astype(np.float32)
    angle = np.deg2rad(rng.normal(0, 2.0))
    c = quad.mean(axis=0)
    rot = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    quad = (quad - c) @ rot.T + c
    return screen.context_crop(img, quad), int(other), world
