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


def meter_like(w: int = 640, h: int = 480) -> np.ndarray:
    """An RGB image with a meter's look: grey body, LCD window, dark digits, an off-centre mark."""
    import cv2

    arr = np.full((h, w, 3), 170, np.uint8)
    cv2.rectangle(arr, (w // 8, h // 3), (7 * w // 8, 2 * h // 3), (150, 190, 140), -1)
    cv2.putText(arr, "04217", (w // 8 + 20, 2 * h // 3 - 30), cv2.FONT_HERSHEY_SIMPLEX, h / 160, (20, 20, 20), 8)
    arr[: h // 8, : w // 8] = (230, 30, 30)  # red top-left corner: shows any turn or mirror
    return arr


def test_heic_photo_loads(tmp_path):
    """An iPhone-style HEIC (encoded here by pillow-heif's own libheif) loads with its size and pixels."""
    import pillow_heif

    rgb = meter_like(640, 480)
    path = tmp_path / "meter.heic"
    pillow_heif.from_pillow(Image.fromarray(rgb)).save(path, quality=92)
    data = path.read_bytes()
    assert data[4:12] == b"ftypheic"
    loaded = load_photo(data, TH)
    assert loaded.reason is None and (loaded.width, loaded.height) == (640, 480)
    assert loaded.image.shape == (480, 640, 3)
    back = loaded.image[:, :, ::-1].astype(int)  # BGR -> RGB
    assert np.abs(back - rgb).mean() < 4
    assert tuple(back[10, 10]) == pytest.approx((230, 30, 30), abs=25)


def test_heic_rotation_applied(tmp_path):
    """A HEIC saved with orientation 6 comes out upright (libheif's irot), not turned twice."""
    im = Image.fromarray(meter_like(640, 480)).rotate(90, expand=True)  # sideways, as the sensor saw it
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    im.save(buf, "HEIF", exif=exif.tobytes(), quality=92)
    loaded = load_photo(buf.getvalue(), TH)
    assert loaded.image.shape == (480, 640, 3)
    assert np.abs(loaded.image[:, :, ::-1].astype(int) - meter_like(640, 480)).mean() < 6


def test_truncated_heic():
    buf = io.BytesIO()
    Image.fromarray(meter_like(320, 240)).save(buf, "HEIF")
    data = buf.getvalue()
    loaded = load_photo(data[: len(data) // 2], TH)
    assert loaded.reason == Reason.PHOTO_TRUNCATED and loaded.message


# The EXIF orientation tag says how the stored pixels must be turned to be upright; to make
# the file of tag n we store the upright image turned by the inverse of that transform.
_STORED = {
    1: lambda im: im,
    2: lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    3: lambda im: im.transpose(Image.Transpose.ROTATE_180),
    4: lambda im: im.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
    5: lambda im: im.transpose(Image.Transpose.TRANSPOSE),
    6: lambda im: im.transpose(Image.Transpose.ROTATE_90),
    7: lambda im: im.transpose(Image.Transpose.TRANSVERSE),
    8: lambda im: im.transpose(Image.Transpose.ROTATE_270),
}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_upright(orientation):
    upright = meter_like(400, 300)
    stored = _STORED[orientation](Image.fromarray(upright))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    stored.save(buf, "JPEG", exif=exif, quality=95)
    loaded = load_photo(buf.getvalue(), TH)
    assert loaded.image.shape == (300, 400, 3)
    assert np.abs(loaded.image[:, :, ::-1].astype(int) - upright).mean() < 3  # JPEG noise only


def _png_header(w: int, h: int) -> bytes:
    """A valid-looking PNG of a few hundred bytes that claims w x h RGB pixels."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
            + chunk(b"IEND", b""))


def _jpeg_header(w: int, h: int) -> bytes:
    """A small real JPEG whose SOF0 frame header is rewritten to claim w x h pixels."""
    import struct

    buf = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buf, "JPEG")
    data = buf.getvalue()
    sof = data.find(b"\xff\xc0")
    return data[: sof + 5] + struct.pack(">HH", h, w) + data[sof + 9:]


@pytest.mark.parametrize("data", [
    _png_header(100_000, 100_000),  # 10 Gpx: over Pillow's own bomb limit
    _jpeg_header(65_535, 65_535),  # JPEG's largest size (16-bit fields), 4.3 Gpx
    _png_header(9_000, 9_000),  # 81 Mpx: over max_photo_pixels, under Pillow's limit
], ids=["png-100k", "jpeg-65k", "png-9k"])
def test_decompression_bomb_refused_fast_without_pixels(data):
    import resource
    import time

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    t0 = time.perf_counter()
    loaded = load_photo(data, TH)
    assert time.perf_counter() - t0 < 0.5
    assert loaded.reason == Reason.PHOTO_TOO_LARGE and loaded.image is None and "large" in loaded.message
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # < 100 MB more peak


def _encoded(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def test_cmyk_jpeg_colours():
    data = _encoded(Image.new("RGB", (64, 48), (200, 30, 40)).convert("CMYK"), "JPEG", quality=95)
    loaded = load_photo(data, TH)
    assert loaded.image.shape == (48, 64, 3)
    assert tuple(loaded.image[24, 32]) == pytest.approx((40, 30, 200), abs=12)  # BGR of the red


def test_16bit_png_loads_as_8bit():
    ramp = (np.arange(48 * 64).reshape(48, 64) * 21).astype(np.uint16)  # 0 .. 64491
    loaded = load_photo(_encoded(Image.fromarray(ramp), "PNG"), TH)
    assert loaded.image.shape == (48, 64, 3) and loaded.image.dtype == np.uint8
    assert loaded.image[0, 0, 0] == 0 and loaded.image[-1, -1, 0] == 255


@pytest.mark.parametrize("mode", ["F", "I;16B"])
def test_deep_grey_tiff_stretched(mode):
    ramp = np.linspace(0, 1, 48 * 64, dtype=np.float32).reshape(48, 64)
    im = Image.fromarray(ramp) if mode == "F" else Image.frombytes(mode, (64, 48), (ramp * 65535).astype(">u2").tobytes())
    loaded = load_photo(_encoded(im, "TIFF"), TH)
    assert loaded.reason is None and loaded.image[0, 0, 0] == 0 and loaded.image[-1, -1, 0] == 255


def test_16bit_rgb_png_loads():
    import cv2

    ok, png = cv2.imencode(".png", np.full((48, 64, 3), (0, 0, 65535), np.uint16))  # BGR: red
    loaded = load_photo(png.tobytes(), TH)
    assert loaded.reason is None and tuple(loaded.image[0, 0]) == (0, 0, 255)


def test_palette_png_loads():
    im = Image.fromarray(meter_like(320, 240)).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    loaded = load_photo(_encoded(im, "PNG"), TH)
    assert loaded.image.shape == (240, 320, 3)
    assert np.abs(loaded.image[:, :, ::-1].astype(int) - meter_like(320, 240)).mean() < 10


def test_animated_gif_first_frame():
    frames = [Image.new("RGB", (80, 60), c) for c in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    data = _encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    loaded = load_photo(data, TH)
    assert loaded.image.shape == (60, 80, 3) and tuple(loaded.image[30, 40]) == (0, 0, 255)  # BGR red


@pytest.mark.parametrize("data,words", [
    (b"<!DOCTYPE html>\n<html><body>Login</body></html>", "web page"),
    (b"\xef\xbb\xbf\r\n  <html><head></head></html>", "web page"),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40, "ZIP"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "PDF"),
    (b"GIF89a", None),  # a signature with nothing behind it: truncated, not 'not an image'
], ids=["html", "html-bom", "zip", "pdf", "bare-gif-signature"])
def test_not_a_photo_says_what_it_is(data, words):
    loaded = load_photo(data, TH)
    if words is None:
        assert loaded.reason == Reason.PHOTO_TRUNCATED
    else:
        assert loaded.reason == Reason.PHOTO_NOT_AN_IMAGE and words in loaded.message


def test_zip_archive_of_a_jpeg_is_not_an_image():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("meter.jpg", jpeg(64, 48))
    loaded = load_photo(buf.getvalue(), TH)
    assert loaded.reason == Reason.PHOTO_NOT_AN_IMAGE and "ZIP" in loaded.message


def test_every_hostile_file_is_one_result_with_a_reason():
    """Through the whole per-photo stage: a decision's reason and a message for each, nothing raised."""
    from pipeline.context import PhotoContext
    from pipeline.photo import process_photo

    hostile = {
        "html": (b"<html><body>404</body></html>", Reason.PHOTO_NOT_AN_IMAGE),
        "zip": (b"PK\x03\x04" + b"\x00" * 60, Reason.PHOTO_NOT_AN_IMAGE),
        "png-bomb": (_png_header(100_000, 100_000), Reason.PHOTO_TOO_LARGE),
        "jpeg-bomb": (_jpeg_header(65_535, 65_535), Reason.PHOTO_TOO_LARGE),
        "half-jpeg": (jpeg(640, 480)[:3000], Reason.PHOTO_TRUNCATED),
        "empty": (b"", Reason.PHOTO_EMPTY),
    }
    ctx = PhotoContext(use_tesseract=False)
    for name, (data, reason) in hostile.items():
        res = process_photo(data, ctx, name)
        assert res.reasons == [reason.value] and res.error, name


def test_heic_meter_photo_goes_through_the_photo_stage():
    """A HEIC photo reaches the image checks like a JPEG would: same size, same decision."""
    from pipeline.context import PhotoContext
    from pipeline.photo import process_photo
    from samples.synth import PhotoSpec, render_photo

    bgr, truth = render_photo(PhotoSpec(kind="lcd", defect=None), np.random.default_rng(4))
    im = Image.fromarray(bgr[:, :, ::-1])
    ctx = PhotoContext(use_tesseract=False)
    heic = process_photo(_encoded(im, "HEIF", quality=95), ctx, "h")
    ref = process_photo(_encoded(im, "JPEG", quality=95), ctx, "j")
    assert (heic.width, heic.height) == (ref.width, ref.height) == im.size
    assert heic.reasons == ref.reasons == [] and heic.reading == ref.reading == truth["reading"]
