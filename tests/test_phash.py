"""Perceptual hash: copies match, different photos do not."""

import cv2
import numpy as np

from pipeline.phash import bands, hamming, phash


def scene(seed):
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8), (0, 0), 3)
    return cv2.resize(img, (1600, 1200), interpolation=cv2.INTER_CUBIC)


def test_reencoded_and_resized_copies_match():
    img = scene(1)
    h = phash(img)
    _, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 60])
    reenc = cv2.imdecode(enc, cv2.IMREAD_COLOR)
    small = cv2.resize(img, (800, 600), interpolation=cv2.INTER_AREA)
    assert hamming(h, phash(reenc)) <= 4
    assert hamming(h, phash(small)) <= 4


def test_different_photos_differ():
    assert hamming(phash(scene(1)), phash(scene(2))) > 12


def test_bands_roundtrip():
    h = "0123456789abcdef"
    assert bands(h) == (0x0123, 0x4567, 0x89AB, 0xCDEF)
