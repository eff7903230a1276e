"""Perceptual hashes for spotting a photo submitted again.

A 64-bit DCT hash (pHash): grey, shrink to 32x32, DCT, keep the 8x8 lowest
frequencies, one bit per coefficient above their median. Byte-identical,
re-encoded and resized copies land within a few bits; different photos of the
same meter model differ by many. The hash is split into four 16-bit bands for
the database: two hashes within Hamming distance <= 3 share at least one band
exactly (pigeonhole), so candidate look-up is an indexed equality query in any SQL
database; wider radii fall back to comparing against the same-band candidates.
"""

from __future__ import annotations

import cv2
import numpy as np


def phash(img: np.ndarray) -> str:
    """64-bit perceptual hash of a BGR or grey image, as 16 hex digits."""
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(gray, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    coeffs = cv2.dct(small)[:8, :8].flatten()
    median = np.median(coeffs[1:])  # the DC term would dominate the median
    bits = coeffs > median
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value:016x}"


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def bands(h: str) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a 64-bit hex hash, for indexed look-up."""
    v = int(h, 16)
    return ((v >> 48) & 0xFFFF, (v >> 32) & 0xFFFF, (v >> 16) & 0xFFFF, v & 0xFFFF)
