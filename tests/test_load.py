"""Load stage: every kind of bad file gets its own reason; big photos are shrunk."""

import io

import numpy as np
import pytest
from PIL import Image

from pipeline.load import load_photo
from pipeline.rules import DEFAULT_THRESHOLDS as TH
from pipeline.rules import Reason


def jpeg(w=640, h=480, exif_orientation=None):
    arr = np.zeros((h, w, 3), np.uint8)
    arr[:, : w // 2] = 255  # left half white: lets us see rotation
    im = Image.fromarray(arr)
    buf = io.BytesIO()
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        im.save(buf, "JPEG", exif=exif)
    else:
        im.save(buf, "JPEG")
    return buf.getvalue()


@pytest.mark.parametrize("data,reason", [
    (b"", Reason.PHOTO_EMPTY),
    (b"hello, not an image", Reason.PHOTO_NOT_AN_IMAGE),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 20, Reason.PHOTO_TRUNCATED),
])
def test_bad_bytes(data, reason):
    assert load_photo(data, TH).reason == reason


def test_truncated_jpeg():
    data = jpeg(1200, 900)
    assert load_photo(data[: len(data) // 2], TH).reason == Reason.PHOTO_TRUNCATED


def test_exif_orientation_applied():
    loaded = load_photo(jpeg(640, 480, exif_orientation=6), TH)  # 6 = rotate 90 CW on display
    assert loaded.image.shape[:2] == (640, 480)


def test_big_photo_decoded_small():
    loaded = load_photo(jpeg(4000, 3000), TH)
    assert max(loaded.image.shape[:2]) <= TH.work_long_side and (loaded.width, loaded.height) == (4000, 3000)


def test_huge_png_dimensions_refused():
    buf = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buf, "PNG")  # small file, 144 Mpx
    loaded = load_photo(buf.getvalue(), TH)
    assert loaded.reason == Reason.PHOTO_TOO_LARGE and loaded.image is None


def test_rgba_png_loads():
    buf = io.BytesIO()
    Image.new("RGBA", (300, 200), (10, 20, 30, 128)).save(buf, "PNG")
    assert load_photo(buf.getvalue(), TH).image.shape == (200, 300, 3)
