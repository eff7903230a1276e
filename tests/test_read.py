"""READ stage on rendered displays: digits, blanked zeros, decimal point, red tenths, register."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.context import PhotoContext
from pipeline.read import DISAGREE_FACTOR, crowded, parse_legend, read_display
from pipeline.segment import Cell
from samples.synth import DisplaySpec, render_display

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from eval_read import display_from_render  # noqa: E402

FAST = PhotoContext(use_tesseract=False)


def _read(spec: DisplaySpec, seed: int, ctx: PhotoContext = FAST, jitter: bool = True):
    rng = np.random.default_rng(seed)
    rd = render_display(spec, rng)
    return read_display(display_from_render(rd, rng, jitter=jitter), ctx), rd


@pytest.mark.parametrize("value,seed", [("012345", 2001), ("48213", 2002), ("0907.1", 2003), ("70615.28", 2004)])
def test_lcd_reads_exactly(value, seed):
    r, rd = _read(DisplaySpec(kind="lcd", value=value, register="kWh"), seed)
    assert r.text == rd.reading == value
    assert r.confidence >= 0.9
    assert r.register == "" or r.register == "kWh"  # without Tesseract the legend is not read
    assert len(r.digit_confidences) == len(r.digit_boxes) == len(value.replace(".", ""))


def test_blanked_leading_zeros_are_not_digits():
    r, rd = _read(DisplaySpec(kind="lcd", value="0000752.4", blank_leading=True, ghost=True), 2011)
    assert rd.reading == "752.4"
    assert r.text == "752.4"
    assert r.confidence >= 0.9


def test_decimal_point_position():
    for value, seed in (("01234.56", 2021), ("123456.7", 2022)):
        r, _ = _read(DisplaySpec(kind="lcd", value=value, slant_deg=8.0), seed)
        assert r.text == value


def test_drum_with_red_tenths():
    r, rd = _read(DisplaySpec(kind="drum", value="04817.3"), 2031)
    assert rd.decimal_after == 4
    assert r.text == "04817.3"
    assert r.register in ("kWh", "")  # without Tesseract the legend is not read
    assert r.kind == "drum"


def test_drum_without_decimal():
    r, _ = _read(DisplaySpec(kind="drum", value="009521"), 2032)
    assert r.text == "009521"


@pytest.mark.parametrize("register,value", [("date", "27-10-24"), ("time", "13:25")])
def test_date_and_time_are_not_kwh(register, value):
    r, _ = _read(DisplaySpec(kind="lcd", value=value, register=register, legend=""), 2041)
    assert r.register == register


def test_parse_legend():
    assert parse_legend("kWh") == "kWh"
    assert parse_legend("CUM kWh") == "kWh"
    assert parse_legend("KWH") == "kWh"
    assert parse_legend("MD kW") == "MD"
    assert parse_legend("kVAh") == "kVAh"
    assert parse_legend("kVA h") == "kVAh"
    assert parse_legend("Hz") == "Hz"
    assert parse_legend("PF") == "PF"
    assert parse_legend("V") == "V"
    assert parse_legend("Am") == "A"  # the 'imp' label below an 'A' legend
    assert parse_legend("M") == ""
    assert parse_legend("kW") == ""  # a cut-off 'kWh' reads 'kW': never reject on it
    assert parse_legend("kWh kVAh") == ""
    assert parse_legend("") == ""


def test_digit_cut_by_the_crop_edge_is_not_trusted():
    rng = np.random.default_rng(2081)
    rd = render_display(DisplaySpec(kind="lcd", value="384615", register="kWh"), rng)
    d = display_from_render(rd, rng, jitter=False)
    x, y, w, h = d.digits_box
    s = 64 / rd.digit_height
    cut = int(round((rd.digit_boxes[-1][0] + 0.5 * rd.digit_boxes[-1][2]) * s))  # through the last digit
    d.crop = d.crop[:, :cut].copy()
    d.digits_box = (x, y, int(round(rd.digit_boxes[-2][0] * s + rd.digit_boxes[-2][2] * s)) - x, h)
    r = read_display(d, FAST)
    assert r.confidence < 0.5


def test_nothing_to_read():
    from pipeline.display import Display

    crop = np.full((120, 400, 3), 170, np.uint8)
    d = Display(kind="lcd", crop=crop, digits_box=(40, 28, 320, 64), quad=np.zeros((4, 2), np.float32),
                digit_height_px=64.0, score=0.5)
    r = read_display(d, FAST)
    assert r.text == "" and r.confidence == 0.0


def test_debug_png_written(tmp_path):
    _read(DisplaySpec(kind="lcd", value="31415"), 2051, PhotoContext(use_tesseract=False, debug_dir=str(tmp_path)))
    assert list(tmp_path.glob("read_*.png"))


@pytest.mark.slow
@pytest.mark.parametrize("register,legend", [("kWh", "kWh"), ("MD", "MD kW"), ("kVAh", "kVAh"), ("Hz", "Hz")])
def test_tesseract_reads_the_legend(register, legend):
    value = {"kWh": "012345", "MD": "0002.068", "kVAh": "013577.2", "Hz": "0050.01"}[register]
    spec = DisplaySpec(kind="lcd", value=value, register=register, legend=legend, ghost=False)
    r, _ = _read(spec, 2061, PhotoContext(use_tesseract=True), jitter=False)
    assert r.register == register
    assert "legend" in r.engines


@pytest.mark.slow
def test_tesseract_second_opinion_runs():
    spec = DisplaySpec(kind="lcd", value="012345", register="kWh", legend="kWh", ghost=False)
    rng = np.random.default_rng(2071)
    display = display_from_render(render_display(spec, rng), rng, jitter=False)
    plain = read_display(display, PhotoContext(use_tesseract=True))
    second = read_display(display, PhotoContext(use_tesseract=True), second_opinion=True)
    assert second.text == plain.text == "012345"
    assert "tesseract" in second.engines and "tesseract" not in plain.engines
    agrees = second.engines["tesseract"].replace(".", "") == "012345"
    assert second.confidence == pytest.approx(plain.confidence * (1.0 if agrees else DISAGREE_FACTOR))


def _gapped_lcd_png(value: str, gap_frac: float) -> bytes:
    """A fuel-pump style panel: dark segments drawn well apart on a grey window."""
    import cv2

    from samples.synth import sevenseg as ss

    H, W, t = 120.0, 66.0, 13.0
    img = np.full((300, 120 + 90 * len(value), 3), 215, np.uint8)
    cv2.rectangle(img, (30, 60), (img.shape[1] - 30, 240), (150, 160, 150), -1)
    mask = np.zeros(img.shape[:2], np.uint8)
    x = 70.0
    for ch in value:
        if ch == ".":
            ss.fill(mask, [ss.dot_poly(x - 12, 90 + H - 7, 14)])
            continue
        on, _ = ss.digit_polys(ch, x, 90, W, H, t, gap_frac * t, 4.0)
        ss.fill(mask, on)
        x += W + 26
    img[mask > 127] = (40, 45, 40)
    ok, buf = cv2.imencode(".png", img)
    return buf.tobytes()


@pytest.mark.parametrize("value,gap", [("485.03", 0.1), ("256.01", 0.1), ("485.03", 0.2), ("128.28", 0.2)])
def test_lcd_with_segments_drawn_apart_reads(value, gap):
    """Segments drawn apart (each a blob of its own, as on fuel-pump panels) are joined
    into digits, and a row first taken for a drum is read again as an LCD."""
    from pipeline.photo import process_display

    r = process_display(_gapped_lcd_png(value, gap), FAST)
    assert (r.reading, r.kind) == (value, "lcd")
    assert r.confidence >= 0.9


def test_digits_left_out_by_the_locator_are_read():
    """A digit row box that starts three digits late (the locator's chain missed thin
    '1's) still yields the whole reading: the row image grows towards the missed digits."""
    from dataclasses import replace

    rng = np.random.default_rng(2041)
    rd = render_display(DisplaySpec(kind="lcd", value="11104.5"), rng)
    d = display_from_render(rd, rng, jitter=False)
    x, y, w, h = d.digits_box
    late = int(0.5 * w)  # three of the six digits: more than the usual margin reaches
    r = read_display(replace(d, digits_box=(x + late, y, w - late, h)), FAST)
    assert r.text == rd.reading == "11104.5"


@pytest.mark.parametrize("keep", [1.0, 0.4])
def test_dim_red_tenths_drum_marks_the_decimal(keep):
    """A red tenths drum photographed dim or washed out (saturation well below the
    rendered one) still marks the decimal point."""
    import cv2

    rng = np.random.default_rng(2033)
    rd = render_display(DisplaySpec(kind="drum", value="03433.0"), rng)
    d = display_from_render(rd, rng, jitter=False)
    hsv = cv2.cvtColor(d.crop, cv2.COLOR_BGR2HSV)
    hsv[..., 1] = (hsv[..., 1] * keep).astype(np.uint8)
    d.crop = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)
    assert read_display(d, FAST).text == "03433.0"


def test_pitch_is_the_commonest_spacing_not_the_smallest():
    """A speck or window frame close to one digit must not set the digit pitch
    (real drum windows: gap cells were read as '1' between every two digits)."""
    from pipeline.segment import _commonest_step

    assert abs(_commonest_step(np.array([66.0, 63, 63, 62, 62, 43, 30])) - 63) <= 1
    assert _commonest_step(np.array([60.0, 120])) == 60  # a blank digit inside: the smaller
    assert abs(_commonest_step(np.array([41.0, 40, 82, 42])) - 41) <= 1


@pytest.mark.parametrize("seed", [3045, 3054, 3055, 3057])
def test_drum_mid_roll_is_never_dropped_with_confidence(seed):
    """A drum caught mid-roll at the end of the row is either read (a digit of the six)
    or lowers the confidence; re-reading the row as another kind must not drop the
    doubtful cell and read the rest confidently (a typed reading without that digit
    would then be accepted)."""
    rng = np.random.default_rng(seed)
    rd = render_display(DisplaySpec(kind="drum", value="007531", midroll=(5,)), rng)
    r = read_display(display_from_render(rd, rng), FAST)
    assert len(r.text.replace(".", "")) == 6 or r.confidence < 0.9, (r.text, r.confidence)


def test_a_wider_row_must_continue_the_digits():
    """Blobs that growing the row image adds count only when they are as tall as the
    digits and sit at the digit spacing (not print or a frame piece beside the window)."""
    from types import SimpleNamespace

    from pipeline.rowends import continues_row

    row, wide = SimpleNamespace(origin=(100, 0)), SimpleNamespace(origin=(40, 0))  # wide starts 60 px left
    digits = [[x, 10, x + 30, 74] for x in (100, 145, 190)]  # centres 115, 160, 205 (row coords)
    same = [[x + 60, 10, x + 90, 74] for x in (100, 145, 190)]
    assert continues_row(row, digits, wide, same + [[115, 10, 145, 74]])  # one more digit, 45 px before
    assert not continues_row(row, digits, wide, same + [[115, 40, 145, 74]])  # short: print, a frame piece
    assert not continues_row(row, digits, wide, same + [[47, 10, 77, 74]])  # 2.5 spacings from the row


def test_legend_ink_beside_the_reading_does_not_lower_its_confidence():
    """Cells beyond the reading count with their 'none' probability only up to the last
    digit-high blob: a taller 'kWh' legend after a gap cell is no digit position."""
    from pipeline.read import blank_cells_factor
    from pipeline.recognize import NONE_INDEX
    from pipeline.segment import Cell

    H = 64.0
    digits = [Cell(40.0 * k, 40.0 * k + 40, "blob", 63.0) for k in range(5)]
    legend = [Cell(200, 240, "gap", 0.0), Cell(240, 280, "blob", 96.0)]  # gap cell, then 'kWh' 1.5 H tall
    probs = np.zeros((7, 11), np.float32)
    probs[:5, 1] = 1.0
    probs[5:, NONE_INDEX] = 0.9
    assert blank_cells_factor(digits + legend, probs, 0, 4, H) == 1.0
    ghost = [Cell(200, 240, "gap", 0.0), Cell(240, 280, "blob", 62.0)]  # a digit-high blob: counts
    assert abs(blank_cells_factor(digits + ghost, probs, 0, 4, H) - 0.81) < 1e-6
    frame = [Cell(200, 240, "gap", 0.0), Cell(240, 280, "blob", 79.0)]  # a window edge 1.25 H tall
    assert blank_cells_factor(digits + frame, probs, 0, 4, H) == 1.0


def test_display_crop_bands_find_a_row_the_locator_misses():
    """A whole display crop (the panel and its legend, digits half its height) is read
    through the band hypotheses, whatever the locator makes of it."""
    from pipeline.photo import crop_bands, read_crop

    img = cv2.imdecode(np.frombuffer(_gapped_lcd_png("80.01", 0.2), np.uint8), cv2.IMREAD_COLOR)
    bands = crop_bands(img)
    assert {d.kind for d in bands} == {"lcd", "drum"} and {d.dark_digits for d in bands} == {True, False}
    # the band of the right height (digits are 120 of 300 px) covers the digits
    d = next(d for d in bands if d.kind == "lcd" and d.dark_digits and abs(d.digit_height_px - 120) < 1)
    assert abs(d.digits_box[1] - 64 - 90 * 64 / 120) < 0.25 * 64, d.digits_box
    found = read_crop(img, FAST)
    assert found is not None and found[1].text == "80.01"


def test_lcd_frame_beside_the_last_digit_is_not_read_as_a_digit():
    """Full-height ink after the last LCD digit that the recognizer is sure is no digit
    (a dotted window edge) ends the reading; only a drum has rolling digits there."""
    rng = np.random.default_rng(2005)
    rd = render_display(DisplaySpec(kind="lcd", value="104296.3"), rng)
    d = display_from_render(rd, rng, jitter=False)
    x, y, w, h = d.digits_box
    crop = d.crop.copy()
    ink = tuple(int(v) for v in np.percentile(crop.reshape(-1, 3), 2, axis=0))
    ex = int(x + w + 0.45 * h)
    for yy in range(y - 4, y + h + 4, 9):
        cv2.line(crop, (ex, yy), (ex, yy + 5), ink, 3)
    r = read_display(replace(d, crop=crop), FAST)
    assert r.text == "104296.3"


def test_red_tenths_drum_after_the_last_cell_becomes_a_cell():
    """A red drum one pitch after the last digit cell (caught mid-roll, no digit-shaped
    blob) is offered as a cell with its ink height; grey ground there is not."""
    from pipeline.marks import red_beyond, red_tenths_cell
    from pipeline.segment import Cell, Row

    H, pitch = 64, 50.0
    bgr = np.full((96, 380, 3), 30, np.uint8)
    mask = np.zeros((96, 380), np.uint8)
    for k in range(6):  # six white drum digits
        bgr[16:80, 12 + 50 * k:44 + 50 * k] = 230
        mask[16:80, 12 + 50 * k:44 + 50 * k] = 255
    cells = [Cell(3.0 + 50 * k, 53.0 + 50 * k, "blob", 64.0) for k in range(6)]
    digits = [[12.0 + 50 * k, 16.0, 44.0 + 50 * k, 80.0] for k in range(6)]
    bgr[8:88, 305:355] = (40, 40, 200)  # the red drum
    bgr[10:40, 315:345] = 230  # the bottom of one digit above, the top of the next below
    bgr[70:88, 315:345] = 230
    mask[10:40, 315:345] = mask[70:88, 315:345] = 255
    row = Row(gray=bgr[..., 0].copy(), bgr=bgr, mask=mask, origin=(0, 0), slant=0.0, dark_ink=False,
              height=float(H), top=16, bottom=80)
    assert red_beyond(row, digits)
    cell = red_tenths_cell(row, cells, pitch)
    assert cell is not None and abs(cell.x0 - 303) < 1 and cell.ink_h == 78
    red_plate = np.pad(bgr, ((0, 0), (0, 100), (0, 0)), mode="edge")
    red_plate[8:88, 355:] = (40, 40, 200)  # red goes on after the red drum (a red plate)
    plate_mask = np.pad(mask, ((0, 0), (0, 100)))
    plate_mask[20:70, 370:376] = 255  # print on the plate
    plate = replace(row, bgr=red_plate, mask=plate_mask)
    assert red_tenths_cell(plate, [*cells, cell], pitch) is None  # the red drum has its cell: no second one
    bgr[8:88, 305:355] = (120, 120, 120)
    assert not red_beyond(row, digits) and red_tenths_cell(row, cells, pitch) is None


def test_a_short_mark_before_a_blank_lcd_position_is_no_leading_digit(monkeypatch):
    """A scratch half a digit high, one blank position left of an LCD's number (dev photo
    1506/S000427 read '1.111177': the recognizer took the scratch for a '1' at 0.52). An
    LCD shows no blank position inside its number, so a doubtful mark of no digit's
    height before one is not part of the reading."""
    import pipeline.read as read_mod
    from pipeline.recognize import CLASSES, NONE_INDEX

    rng = np.random.default_rng(2006)
    rd = render_display(DisplaySpec(kind="lcd", value="11177"), rng)
    d = display_from_render(rd, rng, jitter=False)
    x, y, w, h = d.digits_box
    pad = 2 * h
    crop = cv2.copyMakeBorder(d.crop, 0, 0, pad, 0, cv2.BORDER_REPLICATE)
    x += pad
    ink = tuple(int(v) for v in np.percentile(crop.reshape(-1, 3), 2, axis=0))
    sx = int(x - 1.6 * w / 5)
    cv2.line(crop, (sx + int(0.05 * h), y + int(0.2 * h)), (sx, y + int(0.7 * h)), ink, 3)
    real = read_mod.classify_cells

    def doubtful_first(crops, floors=None):  # the recognizer as on the photo: '1' at 0.52
        probs = real(crops, floors)
        probs[0] = 0.0
        probs[0, CLASSES.index("1")], probs[0, NONE_INDEX] = 0.52, 0.48
        return probs

    monkeypatch.setattr(read_mod, "classify_cells", doubtful_first)
    r = read_display(replace(d, crop=crop, digits_box=(sx - h // 2, y, x + w - sx + h // 2, h)), FAST)
    assert r.text == "11177"


def test_a_re_read_as_the_other_kind_too_short_to_be_a_reading_does_not_replace_the_first(monkeypatch):
    """Dev photo 1506/S000160: a drum row read '42727.7' at 0.05; read as an LCD in the
    other polarity it kept one digit, '4' at 0.84, which replaced it."""
    import pipeline.read as read_mod
    from pipeline.display import Display, Reading

    def fake(display, ctx, second_opinion, typed, dark_ink=None, span=read_mod.CELL_SPAN):
        if display.kind == "drum" and span == read_mod.CELL_SPAN:
            return Reading("42727.7", 0.05, [0.9, 0.9, 0.7, 0.9, 0.7, 0.2]), True
        if display.kind == "lcd":
            return Reading("4", 0.84, [0.84]), False
        return Reading("", 0.0), True

    monkeypatch.setattr(read_mod, "_read_as", fake)
    d = Display("drum", np.zeros((96, 300, 3), np.uint8), (10, 16, 250, 64), np.zeros((4, 2), np.float32), 40.0, 0.5)
    assert read_display(d, FAST).text == "42727.7"


def _lcd_photo(seed: int, decimal: bool) -> tuple[str, str]:
    """(true reading, our reading) of a clear LCD photo as the decimal-point probes made it:
    a random kWh display of that seed with or without a point, JPEG quality 60-94."""
    from pipeline.photo import process_photo
    from samples.synth.degrade import encode_jpeg
    from samples.synth.display import random_display_spec
    from samples.synth.photo import PhotoSpec, render_photo

    rng = np.random.default_rng(seed)
    spec = random_display_spec(rng, "lcd", "kWh", None, decimal)
    img, truth = render_photo(PhotoSpec(display=spec), rng)
    data = encode_jpeg(img, int(rng.integers(60, 95)))
    return truth["reading"], process_photo(data, FAST).reading


def test_a_decimal_point_blurred_into_both_neighbours_is_found():
    """Dev LCD photo seed 90574 ('76.0', JPEG 72): blur joins the point to the bottom bars of
    the '6' and the '0', so the ink mask has no mark of its own; the grey image is dark
    at the baseline between the digits and light above (marks._blurred_dots)."""
    assert _lcd_photo(90574, decimal=True) == ("76.0", "76.0")


def test_a_legend_letter_rising_under_the_digits_is_no_decimal_point():
    """Dev LCD photo seed 91157 ('001325', JPEG 91): the ascender of the 'k' of 'kWh'
    printed under the row rises into the baseline band between '2' and '5' and was read
    as a point ('00132.5' at 1.0). A point reaches up to the digits' baseline."""
    assert _lcd_photo(91157, decimal=False) == ("001325", "001325")


def _mask_row(width: int = 420):
    """An empty 96 px row image (digits 64 px tall from y=16) to draw ink masks on."""
    from pipeline.segment import Row

    bgr = np.full((96, width, 3), 200, np.uint8)
    return Row(gray=bgr[..., 0].copy(), bgr=bgr, mask=np.zeros((96, width), np.uint8), origin=(0, 0),
               slant=0.0, dark_ink=True, height=64.0, top=16, bottom=80)


def test_a_faint_lcd_one_of_two_short_strokes_is_a_digit():
    """On a faint LCD each segment of a '1' thresholds to under a third of the digit's height,
    so neither counted as a digit part and the '1's were lost (probe seed 96029 read '000' of
    '000111' at 1.0). An upper and a lower stroke in one column make a digit; colon dots and
    strokes side by side do not."""
    from pipeline.segment import digit_blobs

    row = _mask_row()
    for k in range(2):  # two '0's
        cv2.rectangle(row.mask, (20 + 50 * k, 16), (52 + 50 * k, 80), 255, 5)
    row.mask[26:45, 160:167] = 255  # a '1' as two strokes 19 px (0.3 H) tall
    row.mask[53:72, 159:166] = 255
    row.mask[34:41, 220:227] = row.mask[58:65, 220:227] = 255  # colon dots
    row.mask[26:45, 270:277] = row.mask[26:45, 290:297] = 255  # two upper strokes side by side
    digits, _ = digit_blobs(row, "lcd")
    assert [int(g[0]) for g in digits] == [17, 67, 159]


def test_ink_continuing_the_row_past_the_digits_read_is_found():
    """A faint '4' in unjoined pieces after the last read digit is ink the reading should
    have covered (probe seed 96033 read '0003' of '0003413.2' at 1.0). A 'kWh' legend, a
    decimal point and a piece of the window's edge (in line with ink running out of the
    band) are not."""
    from pipeline.rowends import ink_beyond
    from pipeline.segment import Cell

    cells = [Cell(10.0 + 50 * k, 60.0 + 50 * k, "blob", 64.0) for k in range(4)]  # last ends at 210
    row = _mask_row()
    row.mask[20:50, 222:228] = row.mask[52:76, 236:242] = 255  # pieces of a '4', 0.2-1.1 pitch on
    assert ink_beyond(row, cells, 0, 3, 50.0)
    legend = _mask_row()
    cv2.putText(legend.mask, "kWh", (218, 79), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 255, 2)
    legend.mask[74:80, 212:218] = 255  # and a decimal point
    assert not ink_beyond(legend, cells, 0, 3, 50.0)
    frame = _mask_row()
    frame.mask[0:40, 224:230] = 255  # the window's edge, broken by the threshold in the band
    frame.mask[46:80, 226:232] = 255
    assert not ink_beyond(frame, cells, 0, 3, 50.0)


def test_an_lcd_re_read_as_a_drum_must_keep_its_digits(monkeypatch):
    """Faint-LCD probe seed 96033 ('0003413.2'): the LCD read '001.132' at 0.0 with six
    digit cells; re-read as a drum in the other polarity it kept four, '0003' at 1.0,
    which replaced it. A drum re-read of an LCD row may not drop digits it found."""
    import pipeline.read as read_mod
    from pipeline.display import Display, Reading

    def fake(display, ctx, second_opinion, typed, dark_ink=None, span=read_mod.CELL_SPAN):
        if display.kind == "lcd":
            return Reading("001.132", 0.0, [0.9, 0.9, 0.2, 0.3, 0.2, 0.4]), True
        return Reading("0003", 1.0, [1.0, 1.0, 1.0, 1.0]), False

    monkeypatch.setattr(read_mod, "_read_as", fake)
    d = Display("lcd", np.zeros((96, 300, 3), np.uint8), (10, 16, 250, 64), np.zeros((4, 2), np.float32), 40.0, 0.5)
    assert read_display(d, FAST).text == "001.132"
    monkeypatch.setattr(read_mod, "_read_as", lambda display, *a, **k: (
        Reading("001.132", 0.0, [0.9, 0.9, 0.2, 0.3, 0.2, 0.4]) if display.kind == "lcd"
        else Reading("001132", 1.0, [1.0] * 6), display.kind == "lcd"))
    assert read_display(d, FAST).text == "001132"  # as many digits: the drum reading stands


def test_two_digits_half_a_pitch_apart_are_crowded() -> None:
    """One faint '0' thresholded as its two sides is read '10': two digit cells far closer
    than the row's spacing. A regular row, or one with a 'none' cell between, is not."""
    def cells(centres: list[float]) -> list[Cell]:
        return [Cell(c - 20, c + 20) for c in centres]

    row = cells([100, 115, 150, 200, 250])
    assert crowded(row, list(range(5)), [False] * 5)
    assert not crowded(row, list(range(5)), [False, True, False, False, False])  # the stroke: no digit
    assert not crowded(cells([100, 150, 200, 250]), list(range(4)), [False] * 4)
    assert not crowded(cells([100, 112]), [0, 1], [False, False])  # too few to know the spacing
