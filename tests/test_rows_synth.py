"""The recognizer's training rows (samples/synth/rows.py): shape, labels and worlds."""

from __future__ import annotations

import numpy as np

from pipeline.reader.rows import ALPHABET, ROW_HEIGHT
from samples.synth import fonts
from samples.synth.rows import _text_row, render_row


def test_rows_are_row_height_and_labelled_in_the_alphabet():
    rng = np.random.default_rng(12)
    worlds = set()
    for _ in range(60):
        img, label, world = render_row(rng)
        worlds.add(world)
        assert img.shape[0] == ROW_HEIGHT and img.shape[2] == 3 and img.dtype == np.uint8
        assert all(ch in ALPHABET for ch in label), (label, world)
        assert label.count(".") <= 1
    assert {"lcd", "drum", "text"} <= worlds  # without real crops: no real_drum


def test_text_rows_are_labelled_with_their_digits_only():
    rng = np.random.default_rng(5)
    labels = [_text_row(rng)[2] for _ in range(200)]
    assert all(label.isdigit() or label == "" for label in labels)
    assert sum(label == "" for label in labels) > 120  # most lines of a meter plate carry no number


def test_no_joke_face_among_the_seven_segment_fonts():
    assert not any("SEGGCHAN" in f.upper() for f in fonts.dseg_fonts())


def test_indian_lcd_rows_show_a_point_and_one_or_two_decimals():
    """The Genus / L&T layout: smaller tenths digits after a tiny point, the legend not labelled."""
    from samples.synth.rows import _point_lcd

    if not fonts.dseg_fonts():
        import pytest

        pytest.skip("Debian fonts-dseg is not installed")
    rng = np.random.default_rng(8)
    for _ in range(40):
        img, (x, y, w, h), label = _point_lcd(rng)
        integer, decimals = label.split(".")
        assert integer.isdigit() and 1 <= len(integer) <= 7
        assert decimals.isdigit() and len(decimals) in (1, 2)
        assert 0 < x and 0 < y and x + w <= img.shape[1] and y + h <= img.shape[0]


def test_same_size_indian_lcd_rows_keep_the_label_format():
    """Genus / L&T six-digit screens: still the digits and one point, whatever lamp or frame is drawn."""
    from samples.synth.rows import _point_lcd

    if not fonts.dseg_fonts():
        import pytest

        pytest.skip("Debian fonts-dseg is not installed")
    rng = np.random.default_rng(9)
    for _ in range(40):
        img, (x, y, w, h), label = _point_lcd(rng, same_size=True)
        integer, decimals = label.split(".")
        assert integer.isdigit() and decimals.isdigit() and len(decimals) in (1, 2)
        assert 0 < x and 0 < y and x + w <= img.shape[1] and y + h <= img.shape[0]


def test_point_lcd_default_draws_as_before_the_same_size_variant():
    """The screen classifier's data (samples/synth/screens.py) draws the default: the variant must not shift it."""
    from samples.synth.rows import point_lcd_gray

    if not fonts.dseg_fonts():
        import pytest

        pytest.skip("Debian fonts-dseg is not installed")
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    img, box, label = point_lcd_gray(a)
    again, box2, label2 = point_lcd_gray(b)
    assert label == label2 and box == box2 and np.array_equal(img, again)
    assert a.random() == b.random()  # the same number of draws


def test_framed_drum_rows_mark_every_decimal_they_label():
    """A point in the label only where the drawing shows one: a red frame or a printed comma (drumrows)."""
    from samples.synth.drumrows import framed_drum_row

    rng = np.random.default_rng(4)
    with_point = 0
    for _ in range(60):
        img, (x, y, w, h), label = framed_drum_row(rng)
        assert img.ndim == 3 and img.dtype == np.uint8
        integer, _, decimals = label.partition(".")
        assert integer.isdigit() and 4 <= len(integer) <= 7 and (decimals == "" or decimals.isdigit())
        assert 0 < x and 0 < y and x + w <= img.shape[1] and y + h <= img.shape[0]
        with_point += bool(decimals)
    assert 30 <= with_point <= 55  # three in four rows have decimals


def test_face_photos_keep_the_whole_register_row_in_frame_and_are_reproducible():
    from samples.synth.facephoto import render_face_photo

    for i in range(6):
        size = (1600, 1200) if i % 2 else (1200, 1600)
        img, truth = render_face_photo(np.random.default_rng(7000 + i), size)
        again, _ = render_face_photo(np.random.default_rng(7000 + i), size)
        assert np.array_equal(img, again)
        assert img.shape == (size[1], size[0], 3) and img.dtype == np.uint8
        quad = np.array(truth["display_quad"])
        # a cut-off row would label digits the photo does not show (a truncated reading)
        assert quad.shape == (4, 2)
        assert (quad >= 0).all() and (quad[:, 0] <= size[0]).all() and (quad[:, 1] <= size[1]).all()
        assert truth["digit_height_px"] >= 0.02 * size[1]
        reading = truth["reading"]
        assert reading.replace(".", "").isdigit() and reading.count(".") <= 1, reading
