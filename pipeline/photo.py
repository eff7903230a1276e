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
from pathlib import Path

import cv2
import numpy as np

from pipeline import locate, quality, read
from pipeline.context import PhotoContext, PhotoResult
from pipeline.display import Display, Reading
from pipeline.load import load_photo
from pipeline.phash import phash
from pipeline.rules import Reason

UNCLEAR_BEFORE_READ = {
    Reason.BLURRED, Reason.TOO_DARK, Reason.OVEREXPOSED, Reason.GLARE_ON_DIGITS,
    Reason.DISPLAY_CUT_OFF, Reason.DIGITS_TOO_SMALL,
}


def process_photo(data: bytes, ctx: PhotoContext, name: str = "", typed: str | None = None) -> PhotoResult:
    """Run every image stage on one photo; ``name`` only names the saved crop.

    ``typed`` is the consumer's reading, when there is one: the legend is OCR'd only
    when the digits disagree with it (see :func:`pipeline.read.read_display`).
    """
    try:
        return _process(data, ctx, name, typed)
    except Exception as exc:  # noqa: BLE001 - one photo must never stop the batch
        return PhotoResult(reasons=[Reason.PROCESSING_ERROR.value],
                           error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}")


def _process(data: bytes, ctx: PhotoContext, name: str, typed: str | None) -> PhotoResult:
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
    if not displays:
        result.reasons = [Reason.NOT_A_METER.value]
        return result
    display = displays[0]

    t = time.perf_counter()
    reasons, metrics = quality.check_display(img, display, th)
    timings["quality"] += time.perf_counter() - t
    t = time.perf_counter()
    reading = None if reasons else read.read_display(display, ctx, typed=typed)
    if (reading is None or reading.confidence < th.auto_accept_confidence) and reasons in ([], [Reason.DIGITS_TOO_SMALL]):
        # the best-looking row did not read as a confident number (a brand name, a printed
        # word, a painted label) or was a line of small print: try the runner-up rows,
        # then rows found with joined digits cut apart
        found = _runner_up(img, displays[1:], display, bool(reasons), ctx, typed, rank0=1)
        if found is None:
            again = locate.locate_all(img, ctx, cut_joined=True)
            found = _runner_up(img, again, display, bool(reasons), ctx, typed, rank0=len(displays))
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
    if reading.register and reading.register != "kWh":
        result.reasons = [Reason.NOT_KWH_REGISTER.value]
    return result


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

    The crop is scaled up when small and padded with its own border colour so
    the locator sees the row away from the frame; when the best row does not
    read confidently, the first runner-up row that does is taken (a word or a
    label on the panel can out-score the digits).
    """
    scale = 400.0 / img.shape[0] if img.shape[0] < 400 else 1.0  # small crops: make digits findable
    if scale != 1.0:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    pad = img.shape[0] // 2
    padded = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    displays = locate.locate_all(padded, ctx)
    if not displays:
        return None
    display, reading = displays[0], read.read_display(displays[0], ctx)
    for alt in displays[1:]:
        if reading.confidence >= ctx.thresholds.auto_accept_confidence:
            break
        alt_reading = read.read_display(alt, ctx)
        if alt_reading.confidence >= ctx.thresholds.auto_accept_confidence:
            display, reading = alt, alt_reading
    return display, reading


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
               typed: str | None, rank0: int) -> tuple[Display, Reading, dict[str, float]] | None:
    """The first of ``alts`` that is clear and reads at the auto-accept confidence.

    When the first row was too small to read, only taller rows are tried.
    """
    th = ctx.thresholds
    for rank, alt in enumerate(alts, start=rank0):
        if first_too_small and alt.digit_height_px <= first.digit_height_px:
            continue
        reasons, metrics = quality.check_display(img, alt, th)
        if reasons:
            continue
        reading = read.read_display(alt, ctx, typed=typed)
        if reading.confidence >= th.auto_accept_confidence:
            return alt, reading, {**metrics, "display_rank": float(rank)}
    return None


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
