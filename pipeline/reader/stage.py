"""The learned reader as the per-photo stage: a decoded photo -> the PhotoResult the decision reads.

Clear means readable. When the models read the typed reading with high
probability against its near misses, the photo is clear whatever a whole-photo
measure says about glare or light elsewhere; a digit row too dark to see
(the display's brightness threshold measured on the row) is unclear whatever
the models say. When they do not, the whole-photo
checks (pipeline.quality.check_photo) say why, for the consumer's notice; with none
of them failing, the reading is doubtful (LOW_CONFIDENCE or a MISMATCH_*, decided
in pipeline.decide) rather than unclear.
"""

from __future__ import annotations

import time

import numpy as np

from pipeline import quality
from pipeline.compare import segment_test
from pipeline.context import PhotoContext, PhotoResult, Plausible
from pipeline.phash import phash
from pipeline.reader import predict, register, screen
from pipeline.reader.predict import LearnedReading, read_photo
from pipeline.rules import Reason, Thresholds


def verified(posterior: float, logp: float, th: Thresholds) -> bool:
    """The typed reading holds enough of the probability, and the row shows it probably enough."""
    return posterior >= th.typed_min_posterior and logp >= float(np.log(th.typed_min_probability))


def other_register(img: np.ndarray, found: LearnedReading, th: Thresholds,
                   checks: tuple[str, ...] | None = None) -> tuple[str, dict[str, float], list[str]]:
    """(the other register the display shows: "display test" (all 8s, compare.segment_test), a legend's register,
    "unconfirmed" (the screen check), '' for none;
    metrics; the legends read). ``checks``: None for pipeline.reader.predict.REGISTER_CHECKS.

    Run only on a verified reading: it is what stands between a billing-history
    screen typed as shown and a valid reading.
    """
    checks = predict.REGISTER_CHECKS if checks is None else checks
    other, metrics, legends = "", {}, []
    if segment_test(found.reading):
        return "display test", metrics, legends
    if "screen" in checks and found.quad is not None:
        p = screen.p_other(img, found.quad, found.proposal.height)  # quad and proposal are set together
        metrics["p_other_register"] = p
        if p >= th.other_register_min_p:
            other = "unconfirmed"
    if "legends" in checks and not other:
        other, legends = register.other_register(img, found.proposal, found.proposals)
    return other, metrics, legends


def row_brightness(found: LearnedReading) -> float | None:
    """The read row's brightness (quality.brightness: the glass of an LCD, the digits of a drum); None: no row."""
    return None if found.crop is None else quality.brightness(quality.to_gray(found.crop))


def row_too_dark(brightness: float | None, th: Thresholds) -> bool:
    """The row (its :func:`row_brightness`) below the display brightness threshold of the classic display check.

    The models' confidence is not calibrated on real photos, so it does not
    overrule darkness on the digits themselves (only checks of the rest of the photo).
    """
    return brightness is not None and brightness < th.min_mean_brightness


def learned_result(img: np.ndarray, result: PhotoResult, ctx: PhotoContext, typed: str | None,
                   save_crop, plausible: Plausible | None = None) -> PhotoResult:  # noqa: ANN001 - callable(crop) -> path
    """Fill ``result`` (photo already decoded and hashed) from the learned reader.

    ``plausible``: the readings the consumer's previous reading allows (the likelihood's prior).
    """
    th = ctx.thresholds
    result.reader = "learned"
    t = time.perf_counter()
    photo_reasons, metrics = quality.check_photo(img, th)
    result.timings["quality"] = time.perf_counter() - t
    result.metrics.update(metrics)
    found = read_photo(img, typed=typed, plausible=plausible)
    result.timings.update(found.timings)
    if not found.reading:
        result.reasons = [r.value for r in photo_reasons] or [Reason.NOT_A_METER.value]
        return result
    digits = [p for ch, p in zip(found.reading, found.char_probs, strict=True) if ch.isdigit()]
    result.reading, result.confidence, result.digit_confidences = found.reading, found.confidence, digits
    result.kind = "display"
    if found.crop is not None:
        result.crop_phash = phash(found.crop)
        result.crop = save_crop(found.crop)
    if found.typed is not None:
        result.typed_posterior = found.typed.posterior
        result.typed_logp = found.typed.logp
        result.typed_alternative = found.typed.best_alternative
    brightness = row_brightness(found)
    if brightness is not None:
        result.metrics["row_brightness"] = brightness
    if row_too_dark(brightness, th):
        result.clear = False
        result.reasons = [Reason.TOO_DARK.value]
    elif found.typed is not None and verified(found.typed.posterior, found.typed.logp, th):
        result.clear = True  # readable: a glare spot or dim light elsewhere does not matter
        t = time.perf_counter()
        other, metrics, legends = other_register(img, found, th)
        result.timings["register"] = time.perf_counter() - t
        result.metrics.update(metrics)
        result.register = other or ("kWh" if "p_other_register" in metrics
                                    or any("KWH" in t or "CUM" in t for t in legends) else "")
        if other == "unconfirmed":  # the screen check doubts it: a person looks at the annunciators
            result.reasons.append(Reason.REGISTER_UNCONFIRMED.value)
        elif other:  # a legend read names another register
            result.reasons.append(Reason.NOT_KWH_REGISTER.value)
    else:
        result.clear = not photo_reasons
        result.reasons = [r.value for r in photo_reasons]
    if result.clear and found.rivals:
        result.reasons.append(Reason.OTHER_NUMBER_ON_METER.value)
    return result
