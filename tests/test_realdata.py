"""Real display crops from ../shared/realdata through `read --kind display`'s path.

Each case pins one behaviour the synthetic renders do not show. The data is not in
the repository (licences; see its README): these tests skip on a clone without
``../shared`` beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.context import PhotoContext
from pipeline.photo import process_display

IMAGES = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "public-meter-photos" / "images"
pytestmark = pytest.mark.skipif(not IMAGES.is_dir(), reason="../shared/realdata is not beside the repository")


def _read(name: str, ctx: PhotoContext | None = None):
    return process_display((IMAGES / name).read_bytes(), ctx or PhotoContext(), name)


@pytest.mark.parametrize("name,digits", [
    ("waqar_005.jpg", "0016662.9"),  # LCD with thin gaps in its segments and a 'kWh' legend
    ("sacha_012.jpg", "80.01"),  # fuel-pump LCD, segments drawn apart
    ("hzeller_003.jpg", "17300734"),  # black drums in windows, decimals on a red plate
    ("hzeller_002.jpg", "17566068"),  # a decimal comma hangs below the row, touching a drum
])
def test_real_display_crops_read(name, digits):
    r = _read(name)
    assert r.reading.replace(".", "") == digits.replace(".", "")
    if "." in digits:
        assert r.reading == digits


@pytest.mark.slow
@pytest.mark.parametrize("name,register", [("waqar_008.jpg", "kVAh"), ("waqar_006.jpg", "MD")])
def test_real_other_register_is_named(name, register):
    """Screens that are not cumulative kWh are named by their legend (Tesseract)."""
    r = _read(name, PhotoContext(use_tesseract=True))
    assert r.register == register


@pytest.mark.parametrize("name,reading", [
    ("szymon_013.jpg", "013460.2"),  # read right only with cells cut to the digit inside the window
    ("szymon_014.jpg", "013465.6"),  # ... only with a window's shadowed edge merged into its digit
])
def test_real_drums_behind_deep_windows_read(name, reading):
    """An electromechanical meter's drums seen through deep windows (PAFAL A52): the dark
    window frames are the ink the row is measured by, the digits inside are smaller.
    The reading is right but unsure: such photos go to a reviewer."""
    from pipeline.photo import process_photo

    r = process_photo((IMAGES / name).read_bytes(), PhotoContext(), name)
    assert r.reading == reading
    assert r.confidence < PhotoContext().thresholds.auto_accept_confidence


@pytest.mark.parametrize("name,digits", [
    ("martins_001.jpg", "00005772"),  # 320x240 ESP32-cam frame: faint LCD, glass lit at one end
    ("martins_002.jpg", "00005771"),
])
def test_real_faint_lcd_found_by_its_window(name, digits):
    """The row search finds no digit row in these frames (the digits join the glass's
    frame); the display window is found by its tone and shape and read as a crop. The
    lighting gradient along the glass does not make the photo 'blurred'."""
    from pipeline.photo import process_photo

    r = process_photo((IMAGES / name).read_bytes(), PhotoContext(), name)
    assert r.clear and not r.reasons
    assert r.reading.replace(".", "") == digits
