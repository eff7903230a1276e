"""Which register the display shows, from the legends beside the chosen digit row (Tesseract).

A meter cycles through screens: cumulative kWh, and also kVAh, maximum demand,
billing-history registers (``BP``, ``1B``-``6B``), time-of-day registers
(``TOD``, ``T1``..), date and time. The digit row alone cannot tell them apart,
so before a reading is accepted the text lines the detector found *on the
display* (near the row: beside, just above or just below it) are read with
Tesseract and searched for another register's legend. It is the learned
reader's default register check; the learned screen classifier
(pipeline/reader/screen.py) is measured against it and can be chosen instead or
beside it (pipeline.reader.predict.REGISTER_CHECKS, scripts/bench_reader.py --register).
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from pipeline import tesseract
from pipeline.reader.detector import Proposal, rectify

LEGEND_CONFIG = "--psm 7 --oem 1 -c tessedit_char_whitelist=ABCDEGHIKMPTUVWYZabdehikmptuvwz0123456789/"
NEAR = 1.3  # legends counted within this many row heights above or below the row
MAX_LEGENDS = 5  # text lines read per photo

#: legend -> register; a legend that names another register than cumulative kWh rejects the reading
OTHER_REGISTERS = (
    (re.compile(r"KVAH"), "kVAh"), (re.compile(r"\bMD\b|MD"), "MD"), (re.compile(r"BP"), "billing history"),
    (re.compile(r"TOD|T0D"), "time of day"), (re.compile(r"DATE"), "date"), (re.compile(r"TIME"), "time"),
    (re.compile(r"^[1-6]B$"), "billing history"),
)


def _near(row: Proposal, other: Proposal) -> bool:
    """``other`` lies on the display beside the row, or just above or below it."""
    (x0, y0), (x1, y1) = row.quad.min(axis=0), row.quad.max(axis=0)
    h = row.height
    c = other.quad.mean(axis=0)
    return (x0 - 1.5 * h <= c[0] <= x1 + 1.5 * h) and (y0 - NEAR * h <= c[1] <= y1 + NEAR * h) \
        and other.height < 0.8 * h


def _ocr(img: np.ndarray, p: Proposal) -> str:
    crop = cv2.cvtColor(rectify(img, p.quad, 40), cv2.COLOR_BGR2GRAY)
    _, bw = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if bw.mean() < 127:  # light text on a dark glass: Tesseract wants dark on light
        bw = 255 - bw
    text, _ = tesseract.read_line(cv2.copyMakeBorder(bw, 8, 8, 8, 8, cv2.BORDER_CONSTANT, value=255),
                                  LEGEND_CONFIG)
    return text.upper()


def other_register(img: np.ndarray, row: Proposal, proposals: list[Proposal]) -> tuple[str, list[str]]:
    """(the other register the display names, or '' for none found; the legends read)."""
    legends = [p for p in proposals if p is not row and _near(row, p)][:MAX_LEGENDS]
    texts = [_ocr(img, p) for p in legends]
    for text in texts:
        for pattern, name in OTHER_REGISTERS:
            if pattern.search(text):
                return name, texts
    return "", texts
