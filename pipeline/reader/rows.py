"""The recognizer's input: a digit-row crop, 32 px high, as a normalised 3-channel array.

Shared by training (scripts/train_reader.py, samples/synth/rows.py) and run time,
so the model always sees rows prepared one way. Colour is kept: a red last drum
is how a drum counter shows its decimal point.
"""

from __future__ import annotations

import cv2
import numpy as np

ALPHABET = "0123456789."  # output class k+1 is ALPHABET[k]; class 0 is the CTC blank
ROW_HEIGHT = 32
MAX_WIDTH = 384  # a longer crop is squeezed to this width
STRIDE = 4  # input columns per output step


def to_row(crop: np.ndarray) -> np.ndarray:
    """A BGR crop of the digit row resized to ROW_HEIGHT, keeping its aspect (width capped)."""
    h, w = crop.shape[:2]
    width = int(np.clip(round(w * ROW_HEIGHT / max(h, 1)), STRIDE * 4, MAX_WIDTH))
    interp = cv2.INTER_AREA if h > ROW_HEIGHT else cv2.INTER_LINEAR
    return cv2.resize(crop, (width, ROW_HEIGHT), interpolation=interp)


def normalise(row: np.ndarray) -> np.ndarray:
    """(32, W, 3) BGR (uint8 or float) -> (3, 32, W) float32 with zero mean and unit spread.

    One mean and one spread for the whole crop (all channels), so a dim or bright
    photo and a low-contrast LCD look alike to the model, and colour ratios stay.
    """
    x = row.astype(np.float32)
    mean = float(x.mean())
    std = float(x.std())
    return ((x - mean) / (std + 8.0)).transpose(2, 0, 1).copy()
