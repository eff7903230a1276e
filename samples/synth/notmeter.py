"""Photos that are not of a meter: a wall, an object, a page of text, a face-like blob."""

from __future__ import annotations

import cv2
import numpy as np

from . import degrade as dg
from . import fonts

NOT_METER_KINDS = ("wall", "object", "page", "face")


def _page(img: np.ndarray, rng: np.random.Generator, k: float) -> np.ndarray:
    """A printed page (bill-like) with numbers, warped in perspective."""
    h, w = img.shape[:2]
    pw, ph = int(w * 0.6), int(w * 0.8)
    page = np.full((ph, pw, 3), rng.uniform(225, 250), np.uint8)
    font = fonts.pick(rng, fonts.text_fonts())
    y = int(30 * k)
    words = ("Bill No.", "Units", "Amount Rs.", "Due Date", "Meter No.", "Reading", "Tariff", "Total")
    while y < ph - 40 * k:
        s = f"{fonts.pick(rng, words)}  {int(rng.integers(10, 10**int(rng.integers(2, 9))))}"
        if rng.random() < 0.3:
            s += f"   {rng.uniform(0, 9999):.2f}"
        box = fonts.put_text(page, s, 30 * k, y, rng.uniform(12, 30) * k, (20, 20, 20), font)
        y += box[3] + int(rng.uniform(10, 30) * k)
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    cx, cy = w / 2 + rng.uniform(-0.1, 0.1) * w, h / 2 + rng.uniform(-0.1, 0.1) * h
    s = rng.uniform(0.8, 1.3)
    dst = np.float32([[cx - pw * s / 2, cy - ph * s / 2], [cx + pw * s / 2, cy - ph * s / 2],
                      [cx + pw * s / 2, cy + ph * s / 2], [cx - pw * s / 2, cy + ph * s / 2]])
    dst += rng.uniform(-0.06, 0.06, (4, 2)).astype(np.float32) * w
    M = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(page, M, (w, h)).astype(np.float32)
    a = cv2.warpPerspective(np.ones((ph, pw), np.float32), M, (w, h))[..., None]
    return img * (1 - a) + warped * a


def _object(img: np.ndarray, rng: np.random.Generator, k: float) -> np.ndarray:
    """Random household objects: bottle, box, ball, switch board."""
    h, w = img.shape[:2]
    for _ in range(int(rng.integers(1, 4))):
        col = rng.uniform(20, 230, 3).tolist()
        cx, cy = int(rng.uniform(0.2, 0.8) * w), int(rng.uniform(0.2, 0.8) * h)
        r = rng.random()
        if r < 0.33:
            cv2.circle(img, (cx, cy), int(rng.uniform(80, 300) * k), col, -1, cv2.LINE_AA)
        elif r < 0.66:
            bw, bh = int(rng.uniform(100, 300) * k), int(rng.uniform(250, 600) * k)
            cv2.rectangle(img, (cx - bw // 2, cy - bh // 2), (cx + bw // 2, cy + bh // 2), col, -1)
            cv2.ellipse(img, (cx, cy - bh // 2), (bw // 4, int(40 * k)), 0, 0, 360, col, -1, cv2.LINE_AA)
        else:  # switch board with switches
            bw, bh = int(rng.uniform(300, 600) * k), int(rng.uniform(200, 300) * k)
            cv2.rectangle(img, (cx - bw // 2, cy - bh // 2), (cx + bw // 2, cy + bh // 2), (235, 235, 235), -1)
            for i in range(int(rng.integers(2, 6))):
                x = cx - bw // 2 + int((i + 0.5) * bw / 6)
                cv2.rectangle(img, (x, cy - int(40 * k)), (x + int(35 * k), cy + int(40 * k)), (200, 200, 200), -1)
    return img


def _face(img: np.ndarray, rng: np.random.Generator, k: float) -> np.ndarray:
    """A blurry face-like blob (skin ellipse, hair, eyes, mouth)."""
    h, w = img.shape[:2]
    cx, cy = int(w * rng.uniform(0.35, 0.65)), int(h * rng.uniform(0.4, 0.6))
    rx, ry = int(rng.uniform(180, 300) * k), int(rng.uniform(240, 380) * k)
    skin = (rng.uniform(60, 120), rng.uniform(100, 160), rng.uniform(150, 210))
    cv2.ellipse(img, (cx, cy - ry // 3), (int(rx * 1.08), int(ry * 0.8)), 0, 180, 360, (20, 20, 25), -1)
    cv2.ellipse(img, (cx, cy), (rx, ry), 0, 0, 360, skin, -1, cv2.LINE_AA)
    for sx in (-1, 1):
        cv2.ellipse(img, (cx + sx * rx // 3, cy - ry // 6), (rx // 7, ry // 14), 0, 0, 360, (30, 30, 30), -1)
    cv2.ellipse(img, (cx, cy + ry // 2), (rx // 3, ry // 12), 0, 0, 180, (60, 60, 140), -1)
    return cv2.GaussianBlur(img, (0, 0), 3 * k)


def render_not_meter(size: tuple[int, int], rng: np.random.Generator,
                     what: str | None = None) -> tuple[np.ndarray, dict]:
    """A photo with no meter in it and its truth dict (``meter: False``)."""
    w, h = size
    k = max(w, h) / 1600.0
    what = what or NOT_METER_KINDS[int(rng.integers(len(NOT_METER_KINDS)))]
    img = dg.background((w, h), rng)
    if what == "page":
        img = _page(img, rng, k)
    elif what == "object":
        img = _object(img, rng, k)
    elif what == "face":
        img = _face(img, rng, k)
    img = dg.lighting(img, rng)
    img = dg.blur(img, rng.uniform(0, 1.5) * k, rng.uniform(0, 3) * k, rng.uniform(0, 180))
    img = dg.sensor_noise(img, rng, rng.uniform(1.5, 5))
    truth = {"reading": "", "kind": "", "register": "", "clear": False, "defect": "not_meter",
             "display_quad": None, "digit_height_px": 0.0, "meter": False, "not_meter_kind": what,
             "size": [w, h]}
    return dg.to_uint8(img), truth
