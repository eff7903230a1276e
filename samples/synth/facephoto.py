"""Close-up phone photos of Indian static meters' faces: a big LCD row among the plate's own numbers.

The real Indian photos showed a gap in the photo generator (samples.synth.photo):
consumers hold the phone close, so the register's digits fill a fifth of the
frame, drawn in thin seven-segment strokes, while the plate around the glass
carries numbers of its own ("1200 imp/kWh" beside each pulse lamp, the serial,
the type line). A generic text detector boxes the plate's printed numbers and
misses the thin digits, so the tallest number row it sees is the plate's. This
world puts those photos in the data: the Indian LCD rows of :mod:`rows` (Genus
and L&T screens with full-size tenths, or smaller tenths; DSEG rows) on a glass
with the live screen's annunciators (:mod:`screens`), inside a meter's face
(:mod:`meter`) with pulse lamps labelled "1200 imp/kWh", seen close, turned and
tilted. It shares the drawing code of the training generator on purpose: it is a
training and development world, not an independent renderer (that is
samples.render2). No real photo is drawn from.

    .venv/bin/python -m samples.synth.facephoto --n 80 --seed 7100 --out bench-out/face_dev7100
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

import cv2
import numpy as np

from . import degrade as dg
from . import fonts
from .photo import _apply, _homography, _rot
from .rows import _relight, dseg_lcd_gray, point_lcd_gray
from .screens import _in_face, _indian

PULSE_LABELS = ("1200\nimp/kWh", "1200\nimp/kvarh", "3200\nimp/kWh", "1600\nimp/kWh", "TAMPER", "1200\nimp/kVAh",
                "CAL", "6400\nimp/kWh")
TYPE_LINES = ("Type-03B, 3x240V, 50Hz, 3x(10-60)A, CL-1.0", "1ph 240V 5-30A 50Hz Class 1.0",
              "Sr.No. 2305 1187", "IS 13779  CL 1.0", "3x240V 10-60A 50Hz")
DIGIT_SHARE = (0.07, 0.3)  # the digits' height per photo height: a close-up as consumers take them


def _pulse_lamps(face: np.ndarray, row: tuple[float, float, float, float], glass_bottom: float,
                 rng: np.random.Generator) -> None:
    """Pulse lamps under the glass, each with its printed label ("1200 imp/kWh") above it, and a type line."""
    x, _, w, h = row
    fh, fw = face.shape[:2]
    ink = (20, 20, 30) if float(face[int(min(fh - 1, glass_bottom + 4)), int(fw / 2)].mean()) > 110 else (225,) * 3
    font = fonts.pick(rng, fonts.text_fonts())
    size = h * rng.uniform(0.14, 0.3)
    n = int(rng.integers(1, 4))
    y = glass_bottom + h * rng.uniform(0.15, 0.5)
    for k in range(n):
        cx = x + w * (0.45 + 0.55 * (k + 0.5) / n) + rng.uniform(-0.1, 0.1) * w / n
        label = fonts.pick(rng, PULSE_LABELS)
        ty = y
        for line in label.split("\n"):
            box = fonts.put_text(face, line, cx, ty, max(4.0, size), ink, font, anchor="ct")
            ty = box[1] + box[3] + size * 0.2
        r = max(2, int(h * rng.uniform(0.12, 0.25)))
        cy = int(ty + r * 1.5)
        if cy + r < fh:
            cv2.circle(face, (int(cx), cy), r, (35, 35, 40), -1, cv2.LINE_AA)
            cv2.circle(face, (int(cx), cy), r, (90, 90, 95), max(1, r // 5), cv2.LINE_AA)
    if rng.random() < 0.6:
        ty = y + h * rng.uniform(1.2, 1.8)
        if ty + size < fh:
            fonts.put_text(face, fonts.pick(rng, TYPE_LINES), x + w * 0.5, ty, max(4.0, size * 0.9), ink, font,
                           anchor="ct")


def render_face_photo(rng: np.random.Generator, size: tuple[int, int] = (1600, 1200), other: bool = False
                      ) -> tuple[np.ndarray, dict]:
    """One close-up photo (BGR uint8) and its truth: reading, the row's quad (``display_quad``), digit height.

    ``other``: another register's screen (its annunciators lit); its row is still the
    display's digit row, its reading not the kWh register's.
    """
    w, h = size
    r = rng.random()
    if r < 0.45:  # Genus / L&T: full-size tenths, a tight point, a big legend and pulse lamp
        drawn = point_lcd_gray(rng, kwh_only=True, same_size=True)
    elif r < 0.75:
        drawn = point_lcd_gray(rng, kwh_only=True)
    else:
        drawn = dseg_lcd_gray(rng, kwh_only=True)
    gray, box, _marks, label = _indian(rng, other, tight=True, row=drawn)
    glass = _relight(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), rng)
    face, (rx, ry, rw, rh), _ = _in_face(glass, box, [], "lcd", rng)
    face = np.ascontiguousarray(face)
    _pulse_lamps(face, (rx, ry, rw, rh), ry + rh + (glass.shape[0] - box[1] - box[3]), rng)
    # the row's corners in the face, then a camera: the digits at DIGIT_SHARE of the height, roll, tilt
    row = np.float64([[rx, ry], [rx + rw, ry], [rx + rw, ry + rh], [rx, ry + rh]])
    share = math.exp(rng.uniform(math.log(DIGIT_SHARE[0]), math.log(DIGIT_SHARE[1])))
    tilt = rng.uniform(0, 30) * rng.random() ** 0.7
    ta = rng.uniform(0, 2 * np.pi)
    rot = _rot(float(np.clip(rng.normal(0, 6), -15, 15)), tilt * np.cos(ta), tilt * np.sin(ta))
    f = w * rng.uniform(0.8, 1.2)
    centre = tuple(row.mean(axis=0))
    size_v = np.array([w, h], np.float64)
    for _ in range(20):  # the whole row in the frame: a cut-off row is another case (samples.synth.photo)
        hom = _homography(centre, share * h / rh, f, rot)
        hom = hom / hom[2, 2]
        quad = _apply(hom, row)
        lo, hi = quad.min(axis=0), quad.max(axis=0)
        if np.all(hi - lo <= 0.92 * size_v):
            break
        share *= 0.9
    want = size_v / 2 + rng.normal(0, 0.12, 2) * size_v  # people centre the display, roughly
    shift = np.clip(want - (lo + hi) / 2, 0.02 * size_v - lo, np.maximum(0.02 * size_v - lo, 0.98 * size_v - hi))
    hom = np.array([[1, 0, shift[0]], [0, 1, shift[1]], [0, 0, 1.0]]) @ hom
    quad = _apply(hom, row)
    alpha = np.ones(face.shape[:2], np.float32)
    warped = cv2.warpPerspective(face, hom, (w, h), flags=cv2.INTER_LINEAR).astype(np.float32)
    a = cv2.warpPerspective(alpha, hom, (w, h), flags=cv2.INTER_LINEAR)[..., None]
    img = dg.background((w, h), rng) * (1 - a) + warped * a
    img = dg.lighting(img, rng, 0.8)
    img = dg.colour_cast(img, rng)
    digit_h = float(np.linalg.norm((quad[3] + quad[2]) / 2 - (quad[0] + quad[1]) / 2))
    if rng.random() < 0.35:  # a reflection on the cover, beside the digits
        for _ in range(20):
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            rr = digit_h * rng.uniform(0.3, 1.0)
            if cv2.pointPolygonTest(quad.astype(np.float32), (float(cx), float(cy)), True) < -2.5 * rr:
                img = dg.glare(img, cx, cy, rr * rng.uniform(1, 2), rr, rng.uniform(0, 180), rng.uniform(0.5, 0.9))
                break
    img = dg.blur(img, rng.uniform(0.0, 1.5) * w / 1600, rng.uniform(0, 3.0) * w / 1600, rng.uniform(0, 180))
    img = dg.sensor_noise(img, rng, rng.uniform(1.5, 6.0))
    truth = {"reading": label, "kind": "lcd", "register": "other" if other else "kWh", "clear": not other,
             "defect": None, "display_quad": np.round(quad, 2).tolist(), "window_quad": np.round(quad, 2).tolist(),
             "digit_height_px": round(digit_h, 2), "meter": True, "size": [w, h]}
    return dg.to_uint8(img), truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    (args.out / "images").mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(args.n):
        rng = np.random.default_rng(args.seed * 1_000_003 + i)
        size = (1600, 1200) if rng.random() < 0.6 else (1200, 1600)
        img, truth = render_face_photo(rng, size)
        name = f"images/face_{i:04d}.jpg"
        cv2.imwrite(str(args.out / name), img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(70, 95))])
        rows.append({"file": name, "reading": truth["reading"], "clear": "true", "meter": "electricity"})
    with (args.out / "manifest.csv").open("w", newline="", encoding="utf-8") as f:
        wr = csv.DictWriter(f, fieldnames=["file", "reading", "clear", "meter"])
        wr.writeheader()
        wr.writerows(rows)
    print(f"wrote {args.out}: {len(rows)} photos")


if __name__ == "__main__":
    main()
