"""The per-photo work: a pure function of (photo bytes, context) -> PhotoResult.

Orders the image stages (load -> photo quality -> locate -> display quality ->
read -> hashes) and never raises: an unexpected error becomes a
PROCESSING_ERROR result, so one bad photo never stops a batch. This is the unit
that runs in worker processes (and on a cluster later).
"""

from __future__ import annotations

import hashlib
import time
import traceback
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from pipeline import locate, quality, read, segment, windows
from pipeline.compare import compare, segment_test
from pipeline.context import PhotoContext, PhotoResult, Plausible
from pipeline.display import NORM_DIGIT_HEIGHT, Display, Reading
from pipeline.load import load_photo
from pipeline.phash import phash
from pipeline.rules import Reason
from pipeline.segment import odd

MIN_REGISTER_DIGITS = 4  # a kWh register shows at least this many digit positions
Found = tuple[Display, Reading, dict[str, float]]  # a display, its reading, its quality figures
SEARCH_DIGIT_HEIGHT = 32.0  # px: digit height at which crop_bands looks for the ink band
WINDOWS_TRIED = 2  # display windows read when no digit row is found (each ~0.2-0.5 s)

UNCLEAR_BEFORE_READ = {
    Reason.BLURRED, Reason.TOO_DARK, Reason.OVEREXPOSED, Reason.GLARE_ON_DIGITS,
    Reason.DISPLAY_CUT_OFF, Reason.DIGITS_TOO_SMALL,
}


def process_photo(data: bytes, ctx: PhotoContext, name: str = "", typed: str | None = None,
                  plausible: Plausible | None = None) -> PhotoResult:
    """Run every image stage on one photo; ``name`` only names the saved crop.

    ``typed`` is the consumer's reading, when there is one: the legend is OCR'd only
    when the digits disagree with it (see :func:`pipeline.read.read_display`).
    ``plausible`` (the consumer's previous reading, decide.plausible_for) is the learned
    reader's prior on the near misses; the classic reader does not use it.
    """
    try:
        return _process(data, ctx, name, typed, plausible)
    except Exception as exc:  # noqa: BLE001 - one photo must never stop the batch
        return PhotoResult(reasons=[Reason.PROCESSING_ERROR.value],
                           error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}")


def _process(data: bytes, ctx: PhotoContext, name: str, typed: str | None,
             plausible: Plausible | None = None) -> PhotoResult:
    th = ctx.thresholds
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    loaded = load_photo(data, th)
    timings["load"] = time.perf_counter() - t0
    result = PhotoResult(width=loaded.width, height=loaded.height, timings=timings)
    if loaded.image is None:
        result.reasons = [loaded.reason.value] if loaded.reason else [Reason.PHOTO_NOT_AN_IMAGE.value]
        result.error = loaded.message
        return result
    img = loaded.image
    result.phash = phash(img)
    if ctx.reader == "learned":
        from pipeline.reader.stage import learned_result

        return learned_result(img, result, ctx, typed, lambda crop: _save_crop(crop, ctx, name, data), plausible)

    t = time.perf_counter()
    reasons, metrics = quality.check_photo(img, th)
    timings["quality"] = time.perf_counter() - t
    result.metrics.update(metrics)
    if reasons:
        if reasons == [Reason.BLURRED]:  # smeared, and no digit row anywhere: not a meter either
            t = time.perf_counter()
            if locate.locate(img, ctx, fine=False) is None:
                reasons.append(Reason.NOT_A_METER)
            timings["locate"] = time.perf_counter() - t
        result.reasons = [r.value for r in reasons]
        return result

    t = time.perf_counter()
    displays = locate.locate_all(img, ctx) or locate.locate_all(img, ctx, cut_joined=True)
    timings["locate"] = time.perf_counter() - t
    window = None if displays else _window_reading(img, ctx)
    if not displays and window is None:
        result.reasons = [Reason.NOT_A_METER.value]
        return result
    display = displays[0] if displays else window[0]

    t = time.perf_counter()
    reasons, metrics = quality.check_display(img, display, th)
    timings["quality"] += time.perf_counter() - t
    t = time.perf_counter()
    if window is not None:
        reading, found, doubt = window[1], None, None
    else:
        reading = None if reasons else read.read_display(display, ctx, typed=typed)
        found, doubt = _other_rows(img, displays, reading, reasons, ctx, typed)
    if found is not None:
        display, reading, metrics = found
        reasons = []
    if reasons or reading is None:
        _keep_display(result, display, metrics, ctx, name, data)
        result.reasons = [r.value for r in reasons]
        return result
    timings["read"] = time.perf_counter() - t
    _keep_display(result, display, metrics, ctx, name, data)
    result.clear = True
    result.reading = reading.text
    result.confidence = reading.confidence
    result.digit_confidences = reading.digit_confidences
    result.digit_alternatives = reading.digit_alternatives
    result.register = reading.register
    result.kind = reading.kind or display.kind
    if doubt is not None:
        result.reasons = [doubt.value]
    if (reading.register and reading.register != "kWh") or segment_test(reading.text):
        result.reasons = [Reason.NOT_KWH_REGISTER.value]
    return result


def _other_rows(img: np.ndarray, displays: list[Display], reading: Reading | None, reasons: list[Reason],
                ctx: PhotoContext, typed: str | None) -> tuple[Found | None, Reason | None]:
    """Another row to read instead of the best-looking one (``displays[0]``), if any, and a
    reason to doubt that choice.

    - The first row did not read as a confident number of at least ``min_ocr_digits``
      (a brand name, a printed word, a legend, a line of small print): the runner-up
      rows are tried, then rows found with joined digits cut apart. A first row of 4 or
      more surely read digits is the display, doubted only for what lies around its
      digits (a legend, the window's edge): only a runner-up with as many digits
      replaces it, not a painted number or a sticker's short one. When no row reads
      confidently, a reviewer is shown the best doubtful reading of a register's length.
    - The first row reads confidently but not what was typed, in a way no typing slip
      explains: the typed reading is a hypothesis, so a clear row that confidently reads
      it is shown instead (a painted number or sticker looked more like a display than
      the display). Two clear numbers on one meter are for a person to confirm: the
      result carries OTHER_NUMBER_ON_METER, so it is never valid without a review.
    """
    th = ctx.thresholds
    first = displays[0]
    if reasons not in ([], [Reason.DIGITS_TOO_SMALL]):
        return None, None
    confs = reading.digit_confidences if reading is not None else []
    if reading is not None and reading.confidence >= th.auto_accept_confidence and len(confs) >= th.min_ocr_digits:
        if typed is None or not read.unexplained(reading.text, typed):
            return None, None
        match, _ = _runner_up(img, displays[1:], first, False, ctx, typed, rank0=1,
                              min_digits=th.min_ocr_digits, matching=typed)
        return match, (Reason.OTHER_NUMBER_ON_METER if match is not None else None)
    sure = len(confs) >= MIN_REGISTER_DIGITS and all(c >= read.SURE_DIGIT for c in confs)
    need = len(confs) if sure else 0
    too_small = bool(reasons)
    found, unsure = _runner_up(img, displays[1:], first, too_small, ctx, typed, rank0=1, min_digits=need)
    if found is None:
        again = locate.locate_all(img, ctx, cut_joined=True)
        found, unsure2 = _runner_up(img, again, first, too_small, ctx, typed, rank0=len(displays), min_digits=need)
        unsure = max((u for u in (unsure, unsure2) if u is not None), default=None, key=lambda u: u[1].confidence)
    if found is None and unsure is not None and not sure and (
            reading is None or len(confs) < MIN_REGISTER_DIGITS
            or unsure[1].confidence >= read.RETRY_GAIN + reading.confidence):
        found = unsure
    return found, None


def _window_reading(img: np.ndarray, ctx: PhotoContext) -> tuple[Display, Reading] | None:
    """For a photo in which no digit row was found: the first display window (see
    :mod:`pipeline.windows`, largest first) that, read as a display crop, reads at the
    auto-accept confidence with at least MIN_REGISTER_DIGITS digits; else None.

    The display returned is the one read, with the window's corners as its quad.
    """
    th = ctx.thresholds
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    for rr in windows.find_windows(gray, limit=WINDOWS_TRIED):
        found = read_crop(windows.window_crop(img, rr), ctx)
        if found is None:
            continue
        display, reading = found
        if reading.confidence >= th.auto_accept_confidence and len(reading.digit_confidences) >= MIN_REGISTER_DIGITS:
            return replace(display, quad=windows.window_quad(rr), digit_height_px=_ink_height(display)), reading
    return None


def _ink_height(display: Display) -> float:
    """Digit height (work px) of a display from its digit blobs: a display crop's band is a
    guess at it (:func:`crop_bands`), and the digits may be taller or shorter."""
    row = segment.row_image(display)
    digits, _ = segment.digit_blobs(row, display.kind)
    if not digits:
        return display.digit_height_px
    scale = display.digit_height_px / NORM_DIGIT_HEIGHT  # crop px -> work px
    return float(np.median([g[3] - g[1] for g in digits])) * scale


def process_display(data: bytes, ctx: PhotoContext, name: str = "") -> PhotoResult:
    """Read an image that is already a display crop (no whole-meter search needed).

    See :func:`read_crop`; quality checks that judge a whole photo (size of the
    digits in the frame, cut-off) do not apply.
    """
    try:
        loaded = load_photo(data, ctx.thresholds)
        if loaded.image is None:
            return PhotoResult(reasons=[(loaded.reason or Reason.PHOTO_NOT_AN_IMAGE).value], error=loaded.message)
        result = PhotoResult(width=loaded.width, height=loaded.height)
        found = read_crop(loaded.image, ctx)
        if found is None:
            result.reasons = [Reason.NOT_A_METER.value]
            return result
        display, reading = found
        result.crop = _save_crop(display.crop, ctx, name, data)
        result.clear = bool(reading.text)
        result.reading, result.confidence = reading.text, reading.confidence
        result.digit_confidences, result.register = reading.digit_confidences, reading.register
        result.kind = reading.kind or display.kind
        return result
    except Exception as exc:  # noqa: BLE001 - same guarantee as process_photo
        return PhotoResult(reasons=[Reason.PROCESSING_ERROR.value], error=f"{type(exc).__name__}: {exc}")


def read_crop(img: np.ndarray, ctx: PhotoContext) -> tuple[Display, Reading] | None:
    """The display row of a display crop and its reading (None: no digit row found).

    Two sets of hypotheses are read: the rows the whole-photo locator finds in the
    crop (scaled up when small, padded with its own border colour so the row is away
    from the frame), and :func:`crop_bands`, horizontal bands of the likely digit
    heights (an LCD whose segments are drawn apart is no row of blobs for the locator).
    Of the readings at the auto-accept confidence the one with the most digits wins
    (a part of the row reads as surely as the whole); otherwise the most confident.
    """
    scale = 400.0 / img.shape[0] if img.shape[0] < 400 else 1.0  # small crops: make digits findable
    big = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC) if scale != 1.0 else img
    pad = big.shape[0] // 2
    padded = cv2.copyMakeBorder(big, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    quick = replace(ctx, use_tesseract=False, debug_dir=None)  # the legend is read for the chosen one only
    located = [replace(d, digit_height_px=d.digit_height_px / scale, quad=(d.quad - pad) / scale)
               for d in locate.locate_all(padded, ctx)]  # in the crop's own pixels, as crop_bands' are
    found = [(d, read.read_display(d, quick)) for d in [*located, *crop_bands(img)]]
    if not found:
        return None
    sure = [f for f in found if f[1].confidence >= ctx.thresholds.auto_accept_confidence]
    if sure:
        display, reading = max(sure, key=lambda f: (sum(ch.isdigit() for ch in f[1].text), f[1].confidence))
    else:
        display, reading = max(found, key=lambda f: f[1].confidence)
    if quick == ctx:  # no legend to read, no overlay to write: that reading is the reading
        return display, reading
    return display, read.read_display(display, ctx)


def crop_bands(img: np.ndarray, *, heights: tuple[float, ...] = (0.3, 0.4, 0.5, 0.62, 0.75)) -> list[Display]:
    """Displays for a display crop: for each digit height (a fraction of the crop's
    height, 0.2-0.9) and ink polarity, the band of that height holding the most ink,
    offered as an LCD and as a drum row.

    Each band is a guess at the digit row that needs no blob search: the reader finds
    the digits, pitch and marks inside it.
    """
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    out: list[Display] = []
    for frac in heights:
        H = frac * gray.shape[0]
        s = NORM_DIGIT_HEIGHT / H
        big = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC if s > 1 else cv2.INTER_AREA)
        pad = NORM_DIGIT_HEIGHT  # the row's own margin lies inside the crop: no digit is "cut off"
        big = cv2.copyMakeBorder(big, pad, pad, 2 * pad, 2 * pad, cv2.BORDER_REPLICATE)
        f = min(1.0, SEARCH_DIGIT_HEIGHT / H)  # the band is searched with digits this tall (speed)
        small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1.0 else gray
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (odd(0.45 * H * f), odd(0.45 * H * f)))
        rows = max(1, int(round(H * f)))
        for dark in (True, False):
            ink = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT if dark else cv2.MORPH_TOPHAT, k)
            t, _ = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
            per_row = np.concatenate([[0.0], np.cumsum((ink > max(t, 12.0)).sum(axis=1), dtype=np.float64)])
            y = int(np.argmax(per_row[rows:] - per_row[:-rows])) / f
            box = (2 * pad, int(round(y * s)) + pad, big.shape[1] - 4 * pad, NORM_DIGIT_HEIGHT)
            out += [Display(kind=kind, crop=big, digits_box=box, quad=np.zeros((4, 2), np.float32),
                            digit_height_px=H, score=0.5, dark_digits=dark) for kind in ("lcd", "drum")]
    return out


def process_digit(data: bytes, ctx: PhotoContext) -> PhotoResult:
    """Classify an image holding one digit: reading is '0'-'9', or '' for not a digit."""
    from pipeline.recognize import CLASSES, classify_cells

    loaded = load_photo(data, ctx.thresholds)
    if loaded.image is None:
        return PhotoResult(reasons=[(loaded.reason or Reason.PHOTO_NOT_AN_IMAGE).value], error=loaded.message)
    probs = classify_cells([cv2.cvtColor(loaded.image, cv2.COLOR_BGR2GRAY)])[0]
    best = int(probs.argmax())
    label = CLASSES[best]
    return PhotoResult(clear=label != "none", reading="" if label == "none" else label,
                       confidence=float(probs[best]), digit_confidences=[float(probs[best])],
                       width=loaded.width, height=loaded.height)


def _runner_up(img: np.ndarray, alts: list[Display], first: Display, first_too_small: bool, ctx: PhotoContext,
               typed: str | None, rank0: int, min_digits: int = 0,
               matching: str | None = None) -> tuple[Found | None, Found | None]:
    """The first of ``alts`` that is clear and reads at the auto-accept confidence
    (with at least ``min_digits`` digits, and the same number as ``matching`` when
    given), else None; and the clear one read most confidently below that with at
    least MIN_REGISTER_DIGITS digits (or None).

    When the first row was too small to read, only taller rows are tried.
    """
    th = ctx.thresholds
    unsure: Found | None = None
    for rank, alt in enumerate(alts, start=rank0):
        if first_too_small and alt.digit_height_px <= first.digit_height_px:
            continue
        reasons, metrics = quality.check_display(img, alt, th)
        if reasons:
            continue
        reading = read.read_display(alt, ctx, typed=typed)
        found = (alt, reading, {**metrics, "display_rank": float(rank)})
        if reading.confidence >= th.auto_accept_confidence and len(reading.digit_confidences) >= min_digits and (
                matching is None or compare(reading.text, matching)[0]):
            return found, unsure
        if len(reading.digit_confidences) >= max(min_digits, MIN_REGISTER_DIGITS) and (
                unsure is None or reading.confidence > unsure[1].confidence):
            unsure = found
    return None, unsure


def _keep_display(result: PhotoResult, display: Display, metrics: dict[str, float], ctx: PhotoContext,
                  name: str, data: bytes) -> None:
    """Record the display the result is about: kind, crop hash, saved crop, its quality figures."""
    result.kind = display.kind
    result.crop_phash = phash(display.crop)
    result.crop = _save_crop(display.crop, ctx, name, data)
    result.metrics.update(metrics)


def _save_crop(crop, ctx: PhotoContext, name: str, data: bytes) -> str:  # noqa: ANN001
    """Write the rectified display as PNG for reviewers; return its path ('' if not kept)."""
    if not ctx.crop_dir:
        return ""
    stem = Path(name).stem or hashlib.sha256(data).hexdigest()[:16]
    path = Path(ctx.crop_dir) / f"{stem}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), crop)
    return str(path)
