"""Train the digit recognizer (11 classes: 0-9 and 'none') and export it to ONNX.

Reproducible: every random draw comes from numpy/torch generators seeded from
``--seed`` (default 1234); torch runs single-threaded-deterministic on CPU.

Training data (all synthetic; no real photo is used):
- ``samples.synth.render_digit`` cells for kinds 'lcd' and 'drum', drawn with
  generator seeds 0-999 only (seeds >= 424242 are the held-out benchmark);
- cells from this script's own renderers (below):
  printed drum digits in every sans font installed on the machine, rolling
  drums between two digits, seven-segment digits (slant, thickness, ghost
  segments, dotted segments), blank cells and misaligned cells ('none');
- augmentations towards real crops: both polarities, blur, down-and-up
  scaling, JPEG, noise, uneven light, neighbour digits at the cell edges.

The real jomjol digit crops are never used here (evaluation only).

Usage (from the repository root; needs torch and onnx, training-time only):
    .venv/bin/pip install torch==2.13.0 onnx
    .venv/bin/python scripts/train_digits.py            # writes models/digits.onnx + manifest
"""

from __future__ import annotations

import argparse
import functools
import glob
import json
import os
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import cv2  # noqa: E402
from digit_strokes import stroke_glyph  # noqa: E402

from pipeline.recognize import (  # noqa: E402
    CLASSES,
    INPUT_H,
    INPUT_W,
    MODEL_NAME,
    cell_range,
    preprocess_cells,
    sha256_file,
)
from samples.synth.fonts import _has_digits  # noqa: E402

TRAIN_SEEDS = range(0, 900)  # render_digit generator seeds for training ...
VAL_SEEDS = range(900, 1000)  # ... and for validation / temperature (seeds >= 1000 are never used here)
SCALE_MIN = 0.9  # augmentation zoom range SCALE_MIN-1.1 (see --scale-min)

#: extra training fonts, kept outside the system font dirs so samples.synth does not see them
TRAIN_FONTS = Path(os.environ.get("TRAIN_FONTS", Path.home() / ".cache" / "meter-verify" / "train-fonts"))
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(TRAIN_FONTS))
_SKIP = ("serif", "math", "italic", "oblique", "symbol", "thin", "extralight", "d050000l", "c059", "p052",
         "bookman", "z003", "roman", "bdita", "dingbat", "fallback", "emoji")
SEG = {"0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg", "5": "acdfg", "6": "acdefg",
       "7": "abc", "8": "abcdefg", "9": "abcdfg", "-": "g", " ": ""}
NONE = len(CLASSES) - 1


@functools.lru_cache(maxsize=1)
def font_paths() -> tuple[str, ...]:
    """Upright sans TrueType/OpenType fonts on this machine (sorted, so the order is stable)."""
    found: set[str] = set()
    for d in FONT_DIRS:
        for ext in ("ttf", "otf"):
            found.update(glob.glob(f"{d}/**/*.{ext}", recursive=True))
    by_name = {Path(p).name: p for p in sorted(found)}  # one copy of each font file name
    keep = (p for n, p in by_name.items() if not any(k in n.lower() for k in _SKIP))
    return tuple(sorted(p for p in keep if _has_digits(p)))  # no fonts drawing a box for a digit


@functools.lru_cache(maxsize=2048)
def glyph(ch: str, font: str, h: int) -> np.ndarray:
    """Tight float mask (0..1) of one character scaled to exactly ``h`` rows."""
    from PIL import Image, ImageDraw, ImageFont

    f = ImageFont.truetype(font, int(h * 1.4))
    left, t, r, b = f.getbbox(ch)
    im = Image.new("L", (r - left + 4, b - t + 4), 0)
    ImageDraw.Draw(im).text((2 - left, 2 - t), ch, font=f, fill=255)
    m = np.asarray(im)
    ys, xs = np.nonzero(m > 20)
    m = m[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    w = max(1, int(round(m.shape[1] * h / m.shape[0])))
    return cv2.resize(m, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0


def _paste(canvas: np.ndarray, m: np.ndarray, x: float, y: float) -> None:
    """Max-blend mask ``m`` into ``canvas`` at top-left (x, y), clipped."""
    x, y = int(round(x)), int(round(y))
    H, W = canvas.shape
    h, w = m.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, W), min(y + h, H)
    if x1 > x0 and y1 > y0:
        canvas[y0:y1, x0:x1] = np.maximum(canvas[y0:y1, x0:x1], m[y0 - y:y1 - y, x0 - x:x1 - x])


def drum_ink(rng: np.random.Generator, label: int) -> tuple[np.ndarray, float, float]:
    """Ink mask of a printed-drum cell, its digit height, and the column pitch.

    The cell is cut from a drum column (digits stacked at a vertical pitch) with
    neighbour columns left and right. A digit may be rolled up to 28 % of a step
    towards its neighbour (it still fills most of the window: the sample
    generator's mid-roll truth is the majority digit); ``label`` NONE renders a
    drum caught near half-way (38-62 % of a step) or a cell between two columns.
    """
    font = font_paths()[int(rng.integers(len(font_paths())))]
    gh = int(rng.integers(40, 64))
    vp = gh * rng.uniform(1.25, 1.7)  # vertical pitch on the drum
    hp = gh * rng.uniform(0.8, 1.3)  # column pitch
    ch = int(gh * (rng.uniform(1.0, 1.12) if rng.random() < 0.3 else rng.uniform(1.12, 1.6)))  # tight or loose crop
    cw = int(hp * rng.uniform(0.7, 1.15))
    if label == NONE:
        if rng.random() < 0.7:
            base, roll, dx = int(rng.integers(10)), float(rng.uniform(0.38, 0.62)), 0.0
        else:
            base, roll, dx = int(rng.integers(10)), 0.0, float(rng.choice([-1, 1]) * rng.uniform(0.4, 0.6) * hp)
    else:
        reach = 0.28 if rng.random() < 0.3 else 0.1  # mid-roll, or a drum at rest
        roll = float(rng.uniform(-reach, reach))
        base, dx = label, float(rng.uniform(-0.08, 0.08) * hp)
        if roll < 0:
            base, roll = (label - 1) % 10, 1 + roll
    cross7 = rng.random() < 0.2
    strokes = rng.random() < 0.25  # stroke-drawn digits instead of the font (open 4, flagged 1 ...)
    ink = np.zeros((ch, cw), np.float32)
    cy = ch / 2 + rng.uniform(-0.05, 0.05) * ch
    for col in (-1, 0, 1):
        for k in range(-1, 3):
            d = (base + k) % 10 if col == 0 else int(rng.integers(10))
            g = stroke_glyph(str(d), gh, rng) if strokes else glyph(str(d), font, gh)
            if d == 7 and cross7 and not strokes:  # the continental 7 with a bar through its stem
                g = g.copy()
                r0 = int(gh * 0.47)
                g[r0:r0 + max(1, gh // 12), :] = 1.0
            y = cy - gh / 2 + (k - roll) * vp
            _paste(ink, g, cw / 2 + dx + col * hp - g.shape[1] / 2, y)
    return ink, gh, hp


#: letters that no digit resembles ('I', 'l', 'O', 'S', 'B', 'Z', 'G', 'b', 'J', 'U' ... left out)
LETTERS = "AEFHKLMNPRTVWXYhkmnrtvwxy"


def letter_ink(rng: np.random.Generator) -> np.ndarray:
    """Ink mask of a cell showing a printed letter with letters either side: class 'none'.

    Printed words (LITRES, kWh, IMP) form neat rows of glyphs that the locator may
    offer; the recognizer must not read them as digits.
    """
    font = font_paths()[int(rng.integers(len(font_paths())))]
    gh = int(rng.integers(40, 64))
    pitch = gh * rng.uniform(0.7, 1.1)
    ch = int(gh * rng.uniform(1.0, 1.5))
    cw = int(pitch * rng.uniform(0.8, 1.15))
    ink = np.zeros((ch, cw), np.float32)
    y = ch / 2 - gh / 2 + rng.uniform(-0.05, 0.05) * ch
    dx = rng.uniform(-0.1, 0.1) * pitch
    for col in (-1, 0, 1):
        g = glyph(LETTERS[int(rng.integers(len(LETTERS)))], font, gh)
        _paste(ink, g, cw / 2 + dx + col * pitch - g.shape[1] / 2, y)
    return ink


def seg_ink(rng: np.random.Generator, label: int) -> tuple[np.ndarray, float, float]:
    """Ink and ghost masks (stacked: ink, ghost) of a seven-segment cell with neighbours."""
    H = float(rng.uniform(40, 64))
    W = H * rng.uniform(0.42, 0.64)
    t = W * rng.uniform(0.14, 0.32)
    gap = max(0.5, t * rng.uniform(0.05, 0.3))
    slant = float(rng.uniform(0, 14)) if rng.random() < 0.75 else 0.0
    k = np.tan(np.radians(slant))
    pitch = W * rng.uniform(1.2, 1.55)
    tight = rng.random() < 0.35  # cut close to the digit, as real per-digit crops are
    ch = int(H * (rng.uniform(0.98, 1.12) if tight else rng.uniform(1.12, 1.5)))
    cw = int(pitch * (rng.uniform(0.72, 0.9) if tight else rng.uniform(0.85, 1.2)) + H * k * 0.5)
    mode = "digit"
    if label == NONE:
        mode = str(rng.choice(["blank", "dash", "between"], p=[0.5, 0.15, 0.35]))
    mid = {"digit": str(label), "blank": " ", "dash": "-", "between": str(rng.integers(10))}[mode]
    dx = rng.uniform(-0.08, 0.08) * pitch
    if mode == "between":
        dx = float(rng.choice([-1, 1]) * rng.uniform(0.4, 0.6) * pitch)
    hollow = rng.random() < 0.1
    variants = (rng.random() < 0.3, rng.random() < 0.2, rng.random() < 0.1)  # 7 with f, 9 w/o d, 6 w/o a
    y0 = ch / 2 - H / 2 + rng.uniform(-0.05, 0.05) * ch
    ink = np.zeros((ch, cw), np.uint8)
    ghost = np.zeros((ch, cw), np.uint8)
    neigh = [str(rng.integers(10)) if rng.random() < 0.8 else " " for _ in range(2)]
    for j, c in ((-1, neigh[0]), (0, mid), (1, neigh[1])):
        segs = SEG[c]
        if c == "7" and variants[0]:
            segs += "f"
        if c == "9" and variants[1]:
            segs = segs.replace("d", "")
        if c == "6" and variants[2]:
            segs = segs.replace("a", "")
        x0 = cw / 2 - W / 2 - H * k / 2 + dx + j * pitch
        for s_name, poly in _seg_polys(W, H, t, gap).items():
            p = poly.copy()
            p[:, 0] += (H - p[:, 1]) * k + x0
            p[:, 1] += y0
            pts = [np.round(p * 16).astype(np.int32)]
            if hollow:  # segments drawn as outlines (some LCD glass)
                cv2.polylines(ink if s_name in segs else ghost, pts, True, 255, max(1, int(t * 0.3)),
                              cv2.LINE_AA, shift=4)
            else:
                cv2.fillPoly(ink if s_name in segs else ghost, pts, 255, cv2.LINE_AA, shift=4)
        if rng.random() < 0.15:  # decimal point after this digit
            cx, cy, r = x0 + W + (pitch - W) * 0.45, y0 + H - t / 2, t * 0.5
            cv2.rectangle(ink, (int(cx - r), int(cy - r)), (int(cx + r), int(cy + r)), 255, -1)
    out = np.stack([ink, ghost]).astype(np.float32) / 255.0
    r = rng.random()
    if r < 0.3:  # dotted / hatched segments (cheap LCDs, dot-matrix look)
        yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
        if r < 0.12:  # fine hatching
            step, on = float(rng.integers(3, 6)), 1.0
            pattern = ((yy % step) < step - on) & ((xx % step) < step - on)
        else:  # segments built of a few square dots about a stroke wide
            step = t * rng.uniform(0.8, 1.4)
            on = step * rng.uniform(0.15, 0.35)
            pattern = (((yy - y0) % step) < step - on) & (((xx - rng.uniform(0, step)) % step) < step - on)
        out[0] *= pattern
    return out, H, pitch


def _seg_polys(w: float, h: float, t: float, gap: float) -> dict[str, np.ndarray]:
    """Unslanted hexagonal segment polygons in the box [0, w] x [0, h]."""
    ht = t / 2

    def hs(y: float) -> np.ndarray:
        a, b = ht + gap, w - ht - gap
        return np.array([(a, y), (a + ht, y - ht), (b - ht, y - ht), (b, y), (b - ht, y + ht), (a + ht, y + ht)])

    def vs(x: float, y0: float, y1: float) -> np.ndarray:
        a, b = y0 + gap, y1 - gap
        return np.array([(x, a), (x + ht, a + ht), (x + ht, b - ht), (x, b), (x - ht, b - ht), (x - ht, a + ht)])

    return {"a": hs(ht), "g": hs(h / 2), "d": hs(h - ht), "f": vs(ht, ht, h / 2), "b": vs(w - ht, ht, h / 2),
            "e": vs(ht, h / 2, h - ht), "c": vs(w - ht, h / 2, h - ht)}


def colourise(rng: np.random.Generator, ink: np.ndarray, ghost: np.ndarray | None, drum: bool) -> np.ndarray:
    """Grey levels for background / ink / ghost, either polarity, with drum curvature shading.

    Returns (h, w, 2): the cell and a reference with a lit patch, whose contrast
    after the same augmentation gives the floor of :func:`preprocess_cells`.
    """
    ch, cw = ink.shape
    dark_on_light = rng.random() < (0.45 if drum else 0.8)
    bg = rng.uniform(110, 240) if dark_on_light else rng.uniform(0, 120)
    contrast = rng.uniform(45, 200)
    fg = np.clip(bg - contrast if dark_on_light else bg + contrast, 0, 255)
    img = np.full((ch, cw), bg, np.float32)
    if ghost is not None:
        img += (fg - bg) * (rng.uniform(0.0, 0.3) if rng.random() < 0.8 else rng.uniform(0.3, 0.38)) * ghost
    block = np.zeros_like(ink)  # the reference channel: a lit patch, for the contrast floor
    block[int(ch * 0.3):int(ch * 0.7), int(cw * 0.3):int(cw * 0.7)] = 1.0
    img = np.stack([img * (1 - ink) + fg * ink, img * (1 - block) + fg * block], axis=-1)
    if drum and rng.random() < 0.7:  # cylinder shading, darker top and bottom
        v = (np.arange(ch) + 0.5 - ch / 2) / (ch / 2 * rng.uniform(1.0, 1.4))
        img *= (np.sqrt(np.clip(1 - v ** 2, 0, 1)) ** rng.uniform(0.3, 1.5))[:, None, None]
    if rng.random() < (0.5 if drum else 0.35):  # window frame bars at the sides
        for side in (0, 1):
            bw = int(cw * rng.uniform(0.0, 0.22))
            if bw:
                val = rng.uniform(0, 255)
                if side == 0:
                    img[:, :bw] = val
                else:
                    img[:, -bw:] = val
    if rng.random() < 0.25:  # window frame edges above and below (thin lines at a tight crop's edges)
        for side in (0, 1):
            bh = int(ch * rng.uniform(0.0, 0.08))
            if bh:
                val = fg if rng.random() < 0.6 else rng.uniform(0, 255)
                if side == 0:
                    img[:bh] = val
                else:
                    img[-bh:] = val
    return img


def augment(rng: np.random.Generator, img: np.ndarray, scale_min: float = SCALE_MIN) -> np.ndarray:
    """Photo-like degradations (geometry, light, blur, resolution, noise, JPEG) applied
    identically to every channel of ``img`` (h, w) or (h, w, c). ``scale_min`` < 1 zooms
    out: a looser crop, the digit smaller in its cell."""
    ch, cw = img.shape[:2]
    ang, sc = rng.uniform(-4, 4), rng.uniform(scale_min, 1.1)
    M = cv2.getRotationMatrix2D((cw / 2, ch / 2), ang, sc)
    M[0, 1] += rng.uniform(-0.08, 0.08)
    M[:, 2] += rng.uniform(-0.05, 0.05, 2) * (cw, ch)
    img = cv2.warpAffine(img, M, (cw, ch), borderMode=cv2.BORDER_REFLECT)
    yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
    gx, gy = rng.uniform(-0.5, 0.5, 2)
    light = (1 + gx * (xx / cw - 0.5) + gy * (yy / ch - 0.5))
    add = np.full((ch, cw), rng.uniform(-40, 40), np.float32)
    if rng.random() < 0.15:  # glare spot
        px, py, r = rng.uniform(0, cw), rng.uniform(0, ch), rng.uniform(3, cw * 0.5)
        add += rng.uniform(40, 160) * np.exp(-((xx - px) ** 2 + (yy - py) ** 2) / (2 * r * r))
    if img.ndim == 3:
        light, add = light[..., None], add[..., None]
    img = img * light + add
    s = rng.uniform(0, 1.8) if rng.random() < 0.6 else 0.0
    if s > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), s)
    img = np.clip(img, 0, 255)
    if rng.random() < 0.5:  # gamma
        img = 255 * (img / 255) ** rng.uniform(0.6, 1.6)
    h = int(rng.integers(18, 64))  # final resolution, as small as a far-away jomjol crop
    w = max(8, int(round(cw * h / ch * rng.uniform(0.9, 1.1))))
    img = cv2.resize(img.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
    img += rng.normal(0, rng.uniform(0, 10), (h, w) + img.shape[2:])
    img = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        q = int(rng.integers(20, 95))
        chans = [img] if img.ndim == 2 else [img[..., i] for i in range(img.shape[2])]
        chans = [cv2.imdecode(cv2.imencode(".jpg", c, [cv2.IMWRITE_JPEG_QUALITY, q])[1], cv2.IMREAD_GRAYSCALE)
                 for c in chans]
        img = chans[0] if img.ndim == 2 else np.stack(chans, axis=-1)
    return img


def render_sample(rng: np.random.Generator, synth: list[np.random.Generator],
                  scale_min: float = SCALE_MIN) -> tuple[np.ndarray, int, float]:
    """One training cell (grayscale, any size), its class index and its contrast floor.

    ``synth`` holds ``render_digit`` generators (seeded 0-999); empty = own renderers only.
    The floor is half the contrast of a lit digit on the same (augmented) display, as
    read_display passes it; 0 where unknown (render_digit cells showing a digit).
    """
    label = NONE if rng.random() < 0.16 else int(rng.integers(10))
    r = rng.random()
    if synth and r < 0.35:
        from samples.synth import render_digit

        kind = "lcd" if rng.random() < 0.5 else "drum"
        if not (kind == "lcd" and label == NONE):  # its blank LCD cells have no known contrast
            g = render_digit(kind, CLASSES[label], synth[int(rng.integers(len(synth)))])
            if rng.random() < 0.3:
                g = 255 - g
            return (augment(rng, g.astype(np.float32), scale_min) if rng.random() < 0.5 else g), label, 0.0
    if label == NONE and rng.random() < 0.25:  # printed words on the meter body (LITRES, kWh, IMP ...)
        pair = augment(rng, colourise(rng, letter_ink(rng), None, drum=False), scale_min)
    elif r < 0.68:
        ink, _, _ = drum_ink(rng, label)
        pair = augment(rng, colourise(rng, ink, None, drum=True), scale_min)
    else:
        masks, _, _ = seg_ink(rng, label)
        pair = augment(rng, colourise(rng, masks[0], masks[1], drum=False), scale_min)
    return pair[..., 0], label, 0.5 * cell_range(pair[..., 1])


def _make_chunk(args: tuple[int, int, tuple[int, ...], float]) -> tuple[np.ndarray, np.ndarray]:
    """Render ``n`` samples from chunk seed ``seed`` (render_digit seeds ``synth_seeds``)."""
    seed, n, synth_seeds, scale_min = args
    rng = np.random.default_rng(seed)
    synth = [np.random.default_rng(s) for s in synth_seeds]
    cells, labels, floors = [], [], []
    for _ in range(n):
        cell, lab, floor = render_sample(rng, synth, scale_min)
        cells.append(cell)
        labels.append(lab)
        floors.append(floor)
    return preprocess_cells(cells, floors), np.asarray(labels, np.int64)


def make_dataset(n: int, seed: int, synth_seeds: range | None, workers: int,
                 scale_min: float = SCALE_MIN) -> tuple[np.ndarray, np.ndarray]:
    """``n`` preprocessed cells and labels, rendered in chunks of 2000 with derived seeds.

    Every render_digit seed in ``synth_seeds`` goes to exactly one chunk, so no
    two chunks draw the same synthetic digits.
    """
    chunk = 2000
    n_chunks = (n + chunk - 1) // chunk
    jobs = []
    for i in range(n_chunks):
        seeds = tuple(synth_seeds[i::n_chunks]) if synth_seeds else ()
        jobs.append((seed * 100_003 + i, min(chunk, n - i * chunk), seeds, scale_min))
    with Pool(workers) as pool:
        parts = pool.map(_make_chunk, jobs)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def build_model():
    """The CNN: 3 conv blocks (16-32-64) + 1 hidden dense layer; ~150k parameters."""
    import torch.nn as nn

    def block(cin: int, cout: int) -> nn.Sequential:
        return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                             nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                             nn.MaxPool2d(2))

    return nn.Sequential(block(1, 16), block(16, 32), block(32, 48), nn.Flatten(),
                         nn.Dropout(0.25), nn.Linear(48 * (INPUT_H // 8) * (INPUT_W // 8), 96), nn.ReLU(),
                         nn.Dropout(0.25), nn.Linear(96, len(CLASSES)))


def _jitter(xb, gen):
    """Cheap on-the-fly augmentation: random polarity flip and +-2 px shift."""
    import torch

    flip = (torch.rand(xb.shape[0], 1, 1, 1, generator=gen) < 0.5).float() * 2 - 1
    xb = xb * flip
    dx, dy = (int(v) for v in torch.randint(-2, 3, (2,), generator=gen))
    return torch.roll(xb, shifts=(dy, dx), dims=(2, 3))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature minimising validation NLL (grid search; keeps calibration honest)."""
    best_t, best_nll = 1.0, np.inf
    for t in np.arange(0.5, 4.01, 0.05):
        z = logits / t
        z = z - z.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        nll = -logp[np.arange(len(labels)), labels].mean()
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return round(best_t, 3)


def train(args: argparse.Namespace) -> None:
    import torch

    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    x_tr, y_tr = make_dataset(args.n_train, args.seed, None if args.no_synth else TRAIN_SEEDS, args.workers,
                              args.scale_min)
    x_va, y_va = make_dataset(args.n_val, args.seed + 1, None if args.no_synth else VAL_SEEDS, args.workers,
                              args.scale_min)
    print(f"data: train {len(x_tr)} val {len(x_va)} in {time.time() - t0:.0f}s; "
          f"class counts {np.bincount(y_tr, minlength=len(CLASSES)).tolist()}", flush=True)
    model = build_model()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params} parameters", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * ((len(x_tr) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.15)
    gen = torch.Generator().manual_seed(args.seed)
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        tot, t1 = 0.0, time.time()
        for i in range(0, len(xt), args.batch):
            idx = perm[i:i + args.batch]
            xb = _jitter(xt[idx], gen)
            loss = loss_fn(model(xb), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss.detach()) * len(idx)
        va_logits = predict(model, x_va)
        acc = float((va_logits.argmax(1) == y_va).mean())
        print(f"epoch {epoch + 1}/{args.epochs} loss {tot / len(xt):.4f} val acc {acc:.4f} "
              f"({time.time() - t1:.0f}s)", flush=True)
    va_logits = predict(model, x_va)
    temperature = fit_temperature(va_logits, y_va)
    print(f"temperature {temperature}", flush=True)
    export(model, args, temperature, n_params, float((va_logits.argmax(1) == y_va).mean()))


def predict(model, x: np.ndarray) -> np.ndarray:
    import torch

    model.eval()
    with torch.no_grad():
        return torch.cat([model(torch.from_numpy(x[i:i + 1024])) for i in range(0, len(x), 1024)]).numpy()


def export(model, args: argparse.Namespace, temperature: float, n_params: int, val_acc: float) -> None:
    """Write the ONNX file and (re)write models/manifest.json with its SHA-256."""
    import torch

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{args.name}.onnx"
    model.eval()
    dummy = torch.zeros(1, 1, INPUT_H, INPUT_W)
    torch.onnx.export(model, (dummy,), str(path), input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}}, opset_version=13, dynamo=False)
    manifest_path = out_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    manifest.setdefault("models", {})[args.name] = {
        "file": path.name,
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
        "classes": list(CLASSES),
        "input": [1, INPUT_H, INPUT_W],
        "temperature": temperature,
        "parameters": n_params,
        "val_accuracy_synthetic": round(val_acc, 4),
        "trained_with": (f"scripts/train_digits.py --seed {args.seed} --n-train {args.n_train} "
                         f"--n-val {args.n_val} --epochs {args.epochs} --name {args.name}"
                         + (" --no-synth" if args.no_synth else "")
                         + (f" --scale-min {args.scale_min}" if args.scale_min != SCALE_MIN else "")),
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes) and {manifest_path}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--n-train", type=int, default=160_000)
    p.add_argument("--n-val", type=int, default=16_000)
    p.add_argument("--epochs", type=int, default=14)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--no-synth", action="store_true", help="do not use samples.synth.render_digit")
    p.add_argument("--scale-min", type=float, default=SCALE_MIN,
                   help="smallest zoom of the augmentation (< 1: looser crops; %(default)s)")
    p.add_argument("--out", default=str(ROOT / "models"))
    p.add_argument("--name", default=MODEL_NAME,
                   help="manifest name: 'digits', or 'digits_<suffix>' for a further ensemble member")
    train(p.parse_args())


if __name__ == "__main__":
    main()
