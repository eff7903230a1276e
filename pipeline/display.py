"""The data passed from the locate stage to the quality and read stages.

Conventions (every stage relies on them):
- ``Display.crop`` is the rectified display, BGR uint8, digit row horizontal,
  scaled so that digits are about ``NORM_DIGIT_HEIGHT`` pixels tall, with the
  display window's own border and legend area included where it was found.
- ``Display.digits_box`` is (x, y, w, h) of the digit row inside ``crop``.
- ``Display.quad`` holds the 4 corners (TL, TR, BR, BL) of the digit row in the
  work image the locator received, as float32 (4, 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NORM_DIGIT_HEIGHT = 64  # px: digit height in the rectified crop


@dataclass
class Display:
    """A located, rectified kWh display."""

    kind: str  # "lcd" | "drum"
    crop: np.ndarray
    digits_box: tuple[int, int, int, int]
    quad: np.ndarray
    digit_height_px: float  # digit height in the work image (not the crop)
    score: float  # locator's belief that this is the meter's main display, 0..1
    touches_frame: bool = False  # the digit row reaches the photo's edge (maybe cut off)
    n_digit_candidates: int = 0
    dark_digits: bool | None = None  # the locator's polarity: dark digits on a light ground


@dataclass
class Reading:
    """What the read stage made of a display."""

    text: str  # digits, with '.' where the display shows a decimal point; '' if nothing read
    confidence: float  # 0..1 that ``text`` is exactly right
    digit_confidences: list[float] = field(default_factory=list)
    digit_alternatives: list[dict[str, float]] = field(default_factory=list)  # per digit: label -> prob
    register: str = ""  # "kWh" when the cumulative kWh legend is seen; else what is shown; "" unknown
    kind: str = ""
    digit_boxes: list[tuple[int, int, int, int]] = field(default_factory=list)  # in crop coords
    engines: dict[str, str] = field(default_factory=dict)  # engine name -> its raw reading
