"""Read stage: digits, decimal point and register of a located display.

1. Geometry (:mod:`pipeline.segment`): the deslanted digit row, its ink, digit
   blobs, cells at the digit pitch, decimal point / colon / dashes.
2. All cells go to :mod:`pipeline.recognize` in one batch, with a contrast
   floor taken from the lit digits, so a blank cell with ghost segments reads
   'none'. Leading 'none' cells are blanked zeros; a trailing full-height one
   is a drum caught mid-roll (kept, with its low probability).
3. A reading below the auto-accept confidence is read once more as the other
   kind in the other polarity (a display the locator typed wrongly).
4. Register: Tesseract reads the legend right of / below the row when
   ``ctx.use_tesseract`` or when the digits disagree with the typed reading in a
   way no typing slip explains; an optional Tesseract second opinion on the
   digits lowers the confidence when it disagrees (off by default, see read_display).

Confidence = product of the per-cell probabilities of what was read
(including 'none' for the blank cells dropped).
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from pipeline.compare import compare
from pipeline.context import PhotoContext
from pipeline.display import Display, Reading
from pipeline.marks import decimal_after, find_marks, mark_between, red_beyond, red_tenths_cell
from pipeline.recognize import CLASSES, NONE_INDEX, cell_range, classify_cells
from pipeline.rowends import continues_row, cut_off, ink_beyond, more_digits_beyond
from pipeline.rules import Reason
from pipeline.segment import Cell, Row, cut_cell, digit_blobs, odd, pitch_cells, row_image

DISAGREE_FACTOR = 0.5  # confidence multiplier when Tesseract reads other digits
CUT_FACTOR = 0.2  # confidence multiplier when digit ink touches a crop edge (a digit may be cut off)
MIN_CELL_PROB = 1e-4
SHORT_INK, TALL_INK = 0.75, 1.2  # ink outside this many digit heights beside the reading is no digit
SURE_NONE = 0.99  # an LCD cell the recognizer calls 'no digit' this surely ends the reading
SURE_DIGIT = 0.9  # a digit read at least this surely counts as read (see RETRY_BELOW)
RETRY_BELOW = 0.75  # share of surely read digits below which a row is re-read as the other kind
RETRY_GAIN = 0.3  # confidence a re-read (other kind, tighter cells) must add to replace the first reading
CELL_SPAN = 0.66  # a cell sent to the recognizer reaches this many ink heights above and below the row's middle
WINDOW_SPAN = 0.5  # ... and this many when the ink is a drum's window frame around a smaller digit
WINDOW_RETRY_BELOW = 0.5  # drum readings below this confidence are read again with WINDOW_SPAN cells
# (real windowed drums read 0.0-0.46 with the wide cells; an LCD taken for a drum that read
# 0.61 turned into a confident reading without its decimal point with the tight ones)


def _binarised_row(row: Row, cells: list[Cell]) -> np.ndarray:
    """Black digits on white with a margin: what Tesseract reads best."""
    H = row.height
    x0 = int(max(0, min(c.x0 for c in cells) - 0.3 * H))
    x1 = int(min(row.mask.shape[1], max(c.x1 for c in cells) + 0.3 * H))
    y0, y1 = int(max(0, row.top - 0.15 * H)), int(min(row.mask.shape[0], row.bottom + 0.15 * H))
    m = row.mask[y0:y1, x0:x1]
    m = cv2.dilate(m, cv2.getStructuringElement(cv2.MORPH_RECT, (1, odd(0.06 * H))))
    return cv2.copyMakeBorder(255 - m, 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=255)


def tesseract_digits(row: Row, cells: list[Cell]) -> tuple[str, float]:
    """Tesseract's reading of the binarised row (digits and '.'), with its confidence."""
    from pipeline.tesseract import read_line

    return read_line(_binarised_row(row, cells))


def read_display(display: Display, ctx: PhotoContext, *, second_opinion: bool = False,
                 typed: str | None = None) -> Reading:
    """Read the digits, decimal point and register of a rectified display.

    The legend (register) is read by Tesseract when ``ctx.use_tesseract`` or when the
    digits read differ from the consumer's ``typed`` reading in a way no typing slip
    explains: matching photos and typos (most of a batch) skip the OCR call, and a
    photo of another screen (voltage, MD, date) is named as such.

    ``second_opinion`` (with ``ctx.use_tesseract``) also asks Tesseract for the digits and multiplies the confidence by
    DISAGREE_FACTOR when it reads other digits; off by default because on the
    synthetic benchmark Tesseract disagreed with most correct readings and
    caught no wrong one (scripts/eval_read.py), so it only cost time and
    acceptances.
    """
    reading, dark_ink = _read_as(display, ctx, second_opinion, typed)
    confs = reading.digit_confidences
    sure_share = sum(c >= SURE_DIGIT for c in confs) / len(confs) if confs else 0.0
    if reading.confidence < ctx.thresholds.auto_accept_confidence and sure_share < RETRY_BELOW:
        # the locator's kind and the polarity can be wrong: an LCD with segments drawn
        # apart is found as a row of its light gaps and called a drum. Read once more as
        # the other kind in the other polarity; only rows where most digits did not read
        # pay for it (one doubtful cell, e.g. a drum mid-roll, is no sign of a wrong kind,
        # and the re-read could drop that cell and read the rest confidently)
        other = replace(display, kind="lcd" if display.kind == "drum" else "drum")
        second, _ = _read_as(other, ctx, second_opinion, typed, dark_ink=not dark_ink)
        # only a clearly better reading replaces the first: an LCD read as a drum loses its
        # decimal point and may still score a little higher; and never one too short to be
        # a reading (a drum row read as an LCD in the other polarity can keep one digit)
        if (second.confidence >= RETRY_GAIN + reading.confidence
                and len(second.digit_confidences) >= ctx.thresholds.min_ocr_digits
                and not (display.kind == "lcd" and len(second.digit_confidences) < len(confs))):
            second.engines["retry"] = f"read as {other.kind}"
            return second
    if display.kind == "drum" and reading.confidence < WINDOW_RETRY_BELOW:
        # drums seen through deep windows (electromechanical meters): the dark frame of
        # each window is the ink the row was measured by, and the digit inside is some
        # 60 % of its height, too small in a cell cut for a digit of the frame's height.
        # Kept only with as many digits: the cells are the same, only their height changes
        tight, _ = _read_as(display, ctx, second_opinion, typed, dark_ink=dark_ink, span=WINDOW_SPAN)
        if (tight.confidence >= RETRY_GAIN + reading.confidence
                and len(tight.digit_confidences) == len(reading.digit_confidences)):
            tight.engines["retry"] = "digits inside drum windows"
            return tight
    return reading


def blank_cells_factor(cells: list[Cell], probs: np.ndarray, first: int, last: int, H: float) -> float:
    """Product of the 'none' probabilities of the cells outside the reading (``first`` to
    ``last``): blanked zeros, frame. Only up to the outermost digit-high blob: ink much
    shorter or taller than a digit (a 'kWh' legend, a dot) and gap cells beside it alone
    are no digit positions, so their doubt is not the reading's."""
    digit_high = [i for i, c in enumerate(cells) if c.kind == "blob" and SHORT_INK * H <= c.ink_h <= TALL_INK * H]
    lo, hi = min([first, *digit_high]), max([last, *digit_high])
    return float(np.prod([probs[i, NONE_INDEX] for i, c in enumerate(cells)
                          if (lo <= i < first or last < i <= hi) and c.kind != "dash"]))


def crowded(cells: list[Cell], kept: list[int], is_none: list[bool], near: float = 0.5) -> bool:
    """True when two digits were read from ink cells closer than ``near`` times the row's
    median digit spacing: one digit thresholded as two pieces (a faint '0' as its two
    sides reads '10'), not two digits, which sit a pitch apart."""
    centres = [(cells[i].x0 + cells[i].x1) / 2 for i in kept if cells[i].kind == "blob" and not is_none[i]]
    if len(centres) < 3:
        return False
    steps = np.diff(centres)
    return bool(steps.min() < near * float(np.median(steps)))


def _read_as(display: Display, ctx: PhotoContext, second_opinion: bool, typed: str | None,
             dark_ink: bool | None = None, span: float = CELL_SPAN) -> tuple[Reading, bool]:
    """:func:`read_display` for the display's kind as given; ``dark_ink`` forces the
    polarity, ``span`` is the cells' half height in ink heights. Returns the reading
    and the polarity used."""
    row = row_image(display, dark_ink)
    digits, dashes = digit_blobs(row, display.kind)
    wider = more_digits_beyond(row, digits)
    red = display.kind == "drum" and wider[1] == 0.0 and red_beyond(row, digits)
    if red:  # a red tenths drum mid-roll is no digit-shaped blob for the locator: it stopped before it
        wider = (wider[0], 1.5)
    if wider != (0.0, 0.0):  # the locator's row may have stopped short of digits (thin '1's)
        row2 = row_image(display, row.dark_ink, wider)
        digits2, dashes2 = digit_blobs(row2, display.kind)
        # kept only when it shows as many digits or more, new ones continuing the row (as tall, at the
        # spacing; a rolling red drum shows parts of two digits) and no ink at a clipped edge: a
        # wider row also reaches the display frame (a digit "cut off") and print beside the window
        if len(digits2) >= len(digits) and not cut_off(row2) and (
                red or continues_row(row, digits, row2, digits2)):
            row, digits, dashes = row2, digits2, dashes2
    reading = Reading(text="", confidence=0.0, kind=display.kind)
    if not digits:
        reading.register = _register(display, row, [], None, None, False, reading.engines)
        return reading, row.dark_ink
    H = row.height
    cells, pitch, _wd = pitch_cells(row, digits, dashes, display.kind)
    tenths = red_tenths_cell(row, cells, pitch) if red else None
    if tenths is not None:
        cells.append(tenths)
    marks = find_marks(row, cells)
    cy = (row.top + row.bottom) / 2.0
    y0, y1 = cy - span * H, cy + span * H
    to_classify = [i for i, c in enumerate(cells) if c.kind != "dash"]
    crops = [cut_cell(row.gray, cells[i].x0, cells[i].x1, y0, y1) for i in to_classify]
    probs = np.zeros((len(cells), len(CLASSES)), np.float32)
    if crops:
        ranges = sorted(cell_range(crops[j]) for j, i in enumerate(to_classify) if cells[i].kind == "blob")
        ref = ranges[-2] if len(ranges) >= 2 else (ranges[-1] if ranges else 0.0)
        probs[to_classify] = classify_cells(crops, [0.5 * ref] * len(crops))
    is_none = [c.kind != "dash" and int(np.argmax(probs[i])) == NONE_INDEX for i, c in enumerate(cells)]
    # the reading starts at the first ink cell holding a digit (blank leading cells are
    # blanked zeros) and ends at the last ink cell: a trailing 'none' is a rolling drum
    anchors = [i for i, c in enumerate(cells) if c.kind != "gap" and not is_none[i]]
    if display.kind == "lcd":  # an LCD's number has no blank position inside it: a doubtful lone
        # mark of no digit's height before a blank one (a scratch, the window's edge) is no
        # leading digit
        while (len(anchors) >= 2 and anchors[1] > anchors[0] + 1
               and probs[anchors[0], :NONE_INDEX].max() < SURE_DIGIT
               and not SHORT_INK * H <= cells[anchors[0]].ink_h <= TALL_INK * H):
            anchors = anchors[1:]
    first = anchors[0] if anchors else len(cells)
    last = anchors[-1] if anchors else -1
    def rolling(i: int, j: int) -> bool:  # cell i: full-height ink one pitch from kept cell j
        # (an LCD has no rolling digit: there full-height ink the recognizer is sure is no
        # digit is the display's frame or a legend, e.g. a dotted window edge)
        return (0 <= i < len(cells) and cells[i].kind == "blob" and cells[i].ink_h >= 0.85 * H
                and abs((cells[i].x0 + cells[i].x1) - (cells[j].x0 + cells[j].x1)) / 2 < 1.3 * pitch
                and not (display.kind == "lcd" and probs[i, NONE_INDEX] >= SURE_NONE))

    while anchors and rolling(last + 1, last):
        last += 1
    while anchors and display.kind == "drum" and rolling(first - 1, first):  # drums print leading zeros
        first -= 1
    conf = blank_cells_factor(cells, probs, first, last, H) if anchors else 0.0  # nothing read
    kept = list(range(first, last + 1))
    dec = decimal_after(cells, kept, marks, row, display.kind)
    colon = mark_between(cells, kept, marks.colon_x)
    text, digit_conf, alts, boxes = [], [], [], []
    X0, Y0 = row.origin
    for j, i in enumerate(kept):
        c = cells[i]
        boxes.append((int(X0 + c.x0), int(Y0 + row.top), int(c.x1 - c.x0), int(row.bottom - row.top)))
        if c.kind == "dash":
            text.append("-")
            digit_conf.append(1.0)
            alts.append({"-": 1.0})
        else:
            k = int(np.argmax(probs[i, :NONE_INDEX]))  # a 'none' cell still shows its best digit,
            p = float(probs[i, k])  # with the low probability that it is that digit
            text.append(CLASSES[k])
            digit_conf.append(p)
            alts.append({CLASSES[m]: round(float(probs[i, m]), 4) for m in np.argsort(-probs[i])[:3]
                         if probs[i, m] >= 0.01})
            conf *= max(p, MIN_CELL_PROB)
        if dec == j:
            text.append(".")
        if colon == j:
            text.append(":")
    reading.text = "".join(text)
    reading.digit_confidences = digit_conf
    reading.digit_alternatives = alts
    reading.digit_boxes = boxes
    reading.engines["cnn"] = reading.text
    if second_opinion and ctx.use_tesseract and kept:
        t_text, _t_conf = tesseract_digits(row, [cells[i] for i in kept])
        reading.engines["tesseract"] = t_text
        if re.sub(r"\D", "", t_text) != re.sub(r"\D", "", reading.text):
            conf *= DISAGREE_FACTOR
    if cut_off(row):
        conf *= CUT_FACTOR
        reading.engines["warning"] = "digit row cut by the crop edge"
    elif display.kind == "lcd" and crowded(cells, kept, is_none):  # (drums merge close pieces)
        conf *= CUT_FACTOR
        reading.engines["warning"] = "two digits read less than half a pitch apart"
    elif kept and display.kind == "lcd" and ink_beyond(row, cells, first, last, pitch):
        conf *= CUT_FACTOR
        reading.engines["warning"] = "ink beyond the digits read: the row may go on"
    reading.confidence = float(np.clip(conf, 0.0, 1.0)) if reading.text else 0.0
    has_dash = any(cells[i].kind == "dash" for i in kept)
    legend = ctx.use_tesseract or (typed is not None and unexplained(reading.text, typed))
    reading.register = _register(display, row, [cells[i] for i in kept], colon,
                                 "date" if has_dash else None, legend, reading.engines)
    if ctx.debug_dir:
        save_debug(Path(ctx.debug_dir), display, row, cells, probs, reading)
    return reading, row.dark_ink


LEGEND_CONFIG = "--psm 6 --oem 1 -c tessedit_char_whitelist=kKWwHhVAMDCUPFzTIEmpRr"


def parse_legend(text: str) -> str:
    """Register named by OCR'd legend text: 'kWh', 'MD', 'kVAh', 'kW', 'kVA', 'V', 'A', 'Hz', 'PF',
    'date', 'time', or '' when nothing (or something contradictory) was recognised."""
    t = re.sub(r"[^A-Z]", "", text.upper())
    found = []
    if "KWH" in t or "CUM" in t or t == "WH":
        found.append("kWh")
    rest = t.replace("KWH", "")
    for key, name in (("KVAH", "kVAh"), ("MD", "MD"), ("KVA", "kVA"), ("KW", "kW"), ("HZ", "Hz"),
                      ("PF", "PF"), ("DATE", "date"), ("TIME", "time")):
        if key in rest:
            found.append(name)
            rest = rest.replace(key, "")
    if "kVAh" in found and "kVA" in found:
        found.remove("kVA")
    if found == ["kW"]:
        return ""  # a lone 'kW' is as often a 'kWh' whose 'h' was cut or broken: not sure
    if not found:  # a lone unit letter, maybe with the 'imp' LED label read after it ('Am')
        unit = re.sub(r"(IMP|MP|M)$", "", rest)
        if unit in ("V", "A"):
            found.append(unit)
    if len(found) == 1:
        return found[0]
    if set(found) <= {"MD", "kW", "kVA"} and found:
        return "MD"
    return ""


def _legend_image(display: Display, row: Row, cells: list[Cell]) -> np.ndarray | None:
    """Legend text near the digit row (right of it, below it; drums also above), black on
    white, the digit row itself left out: one image for one OCR call."""
    gray = cv2.cvtColor(display.crop, cv2.COLOR_BGR2GRAY) if display.crop.ndim == 3 else display.crop
    H = row.height
    X0, Y0 = row.origin
    right = X0 + max(c.x1 for c in cells)
    top, bot = Y0 + row.top, Y0 + row.bottom
    x0, x1 = int(max(0, right - 3.5 * H)), gray.shape[1]
    y0 = int(max(0, top - (1.3 if display.kind == "drum" else 0.1) * H))
    y1 = int(min(gray.shape[0], bot + 1.3 * H))
    area = gray[y0:y1, x0:x1]
    if area.size == 0:
        return None
    thr, _ = cv2.threshold(area, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # an LCD's legend is lit like its digits; a drum meter's is printed dark on the plate
    dark_ink = row.dark_ink if display.kind == "lcd" else (display.kind == "drum" or float((area > thr).mean()) > 0.5)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (odd(0.3 * H), odd(0.3 * H)))
    ink = cv2.morphologyEx(area, cv2.MORPH_BLACKHAT if dark_ink else cv2.MORPH_TOPHAT, k)
    t_otsu, _ = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = ((ink > max(min(float(t_otsu), 0.3 * float(np.percentile(ink, 99.8))), 15.0)) * 255).astype(np.uint8)
    # the digit row (and the drum window around it) is not legend
    mask[max(0, int(top - 0.05 * H) - y0):int(bot + 0.05 * H) - y0, :max(0, int(right) - x0)] = 0
    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = np.zeros(n, bool)
    h, w = mask.shape
    ring_k = np.ones((odd(0.15 * H), odd(0.15 * H)), np.uint8)
    for i in range(1, n):
        x, y, bw, bh, a = stats[i]
        if x == 0 or y == 0 or x + bw >= w or y + bh >= h or a < 6 or not 0.12 * H <= bh <= 0.75 * H:
            continue
        comp = (lab[y:y + bh, x:x + bw] == i).astype(np.uint8)
        pad = cv2.copyMakeBorder(comp, 4, 4, 4, 4, cv2.BORDER_CONSTANT)
        ring = cv2.dilate(pad, ring_k) - pad
        sub = cv2.copyMakeBorder(area[y:y + bh, x:x + bw], 4, 4, 4, 4, cv2.BORDER_REPLICATE)
        inside, around = float(sub[pad > 0].mean()), float(sub[ring > 0].mean())
        keep[i] = (around - inside > 25) if dark_ink else (inside - around > 25)  # print on a plain ground
    mask = (keep[lab] * 255).astype(np.uint8)
    if not mask.any():
        return None
    ys, xs = np.nonzero(mask)
    mask = 255 - mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    mask = cv2.copyMakeBorder(mask, 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=255)
    return cv2.resize(mask, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_LINEAR)


def unexplained(text: str, typed: str) -> bool:
    """The digits read and the typed reading differ in a way no typing slip explains
    (MISMATCH_OTHER): the photo may show another register, so its legend is worth an OCR call."""
    return compare(text, typed)[1] == Reason.MISMATCH_OTHER


def _register(display: Display, row: Row, cells: list[Cell], colon: int | None,
              hint: str | None, legend: bool, engines: dict[str, str]) -> str:
    """'kWh', another register's name, or '' when unsure (see :func:`parse_legend`).

    A colon between digits means a clock (time), dashes a date; otherwise the
    legend is read by Tesseract when ``legend`` (raw text goes to ``engines['legend']``).
    """
    if colon is not None:
        return "time"
    if hint:
        return hint
    if not (legend and cells):
        return ""
    from pipeline.tesseract import read_line

    img = _legend_image(display, row, cells)
    text = read_line(img, config=LEGEND_CONFIG)[0] if img is not None else ""
    engines["legend"] = text
    return parse_legend(text)


_debug_counter = [0]


def save_debug(out_dir: Path, display: Display, row: Row, cells: list[Cell], probs: np.ndarray,
               reading: Reading) -> Path:
    """Write the deslanted row with its cells, labels and mask as one PNG (for humans)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    vis = row.bgr.copy()
    for i, c in enumerate(cells):
        col = (0, 200, 0) if c.kind == "blob" else (0, 140, 255)
        cv2.rectangle(vis, (int(c.x0), row.top), (int(c.x1), row.bottom), col, 1)
        k = int(np.argmax(probs[i])) if c.kind != "dash" else -1
        lab = "-" if k < 0 else ("n" if k == NONE_INDEX else CLASSES[k])
        cv2.putText(vis, f"{lab}{int(100 * probs[i].max()) if k >= 0 else ''}", (int(c.x0) + 2, row.top - 3),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 255), 1)
    mask = cv2.cvtColor(row.mask, cv2.COLOR_GRAY2BGR)
    head = np.full((24, vis.shape[1], 3), 255, np.uint8)
    cv2.putText(head, f"{reading.text} c={reading.confidence:.3f} reg={reading.register} "
                f"{reading.engines.get('tesseract', '')}", (2, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, 0, 1)
    _debug_counter[0] += 1
    path = out_dir / f"read_{_debug_counter[0]:04d}.png"
    cv2.imwrite(str(path), np.vstack([head, vis, mask]))
    return path
