"""Submission cases: what each case puts in the CSVs/photo and what outcome it expects."""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from PIL import Image

from pipeline.rules import DEFAULT_THRESHOLDS, Reason, Status, status_for

from .degrade import encode_jpeg
from .display import random_display_spec
from .photo import PhotoSpec, render_photo

if TYPE_CHECKING:
    from .batch import BatchWriter

R = Reason
#: case -> reasons that MUST appear in the pipeline's result.
CASE_REASONS: dict[str, tuple[Reason, ...]] = {
    "valid": (),
    "mismatch_one_digit": (R.MISMATCH_ONE_DIGIT,),
    "mismatch_swapped": (R.MISMATCH_SWAPPED_DIGITS,),
    "mismatch_missing": (R.MISMATCH_MISSING_DIGIT,),
    "mismatch_extra": (R.MISMATCH_EXTRA_DIGIT,),
    "mismatch_decimal": (R.MISMATCH_DECIMAL,),
    "mismatch_previous": (R.MISMATCH_PREVIOUS_READING,),
    "mismatch_other": (R.MISMATCH_OTHER,),
    "unclear_blur": (R.BLURRED,),
    "unclear_dark": (R.TOO_DARK,),
    "unclear_overexposed": (R.OVEREXPOSED,),
    "unclear_glare": (R.GLARE_ON_DIGITS,),
    "unclear_cut_off": (R.DISPLAY_CUT_OFF,),
    "unclear_small": (R.DIGITS_TOO_SMALL,),
    "not_meter": (R.NOT_A_METER,),
    "photo_empty": (R.PHOTO_EMPTY,),
    "photo_truncated": (R.PHOTO_TRUNCATED,),
    "photo_not_image": (R.PHOTO_NOT_AN_IMAGE,),
    "photo_missing": (R.PHOTO_MISSING,),
    "photo_outside_batch": (R.PHOTO_PATH_OUTSIDE_BATCH,),
    "photo_too_large": (R.PHOTO_TOO_LARGE,),
    "not_kwh": (R.NOT_KWH_REGISTER,),
    "outside_window": (R.OUTSIDE_WINDOW,),
    "bad_timestamp": (R.BAD_TIMESTAMP,),
    "unknown_ivrs": (R.UNKNOWN_IVRS,),
    "typed_not_a_number": (R.TYPED_NOT_A_NUMBER,),
    "below_previous": (R.BELOW_PREVIOUS,),
    "high_consumption": (R.HIGH_CONSUMPTION,),
    "photo_reused": (R.PHOTO_REUSED,),
    "duplicate_id": (R.DUPLICATE_SUBMISSION_ID,),
    "missing_field": (R.MISSING_FIELD,),
}
DEFECT_OF = {"unclear_blur": "blur", "unclear_dark": "dark", "unclear_overexposed": "overexposed",
             "unclear_glare": "glare", "unclear_cut_off": "cut_off", "unclear_small": "small",
             "not_meter": "not_meter"}
BENCHMARK_WEIGHTS: dict[str, float] = {
    "valid": 0.62,
    "mismatch_one_digit": 0.06, "mismatch_swapped": 0.035, "mismatch_missing": 0.03, "mismatch_extra": 0.025,
    "mismatch_decimal": 0.02, "mismatch_previous": 0.02, "mismatch_other": 0.01,
    "unclear_blur": 0.025, "unclear_dark": 0.02, "unclear_overexposed": 0.015, "unclear_glare": 0.02,
    "unclear_cut_off": 0.015, "unclear_small": 0.01, "not_meter": 0.015,
    "photo_empty": 0.005, "photo_truncated": 0.005, "photo_not_image": 0.005, "photo_missing": 0.005,
    "not_kwh": 0.006, "outside_window": 0.006, "unknown_ivrs": 0.005, "typed_not_a_number": 0.005,
    "below_previous": 0.005, "high_consumption": 0.005, "photo_reused": 0.005, "duplicate_id": 0.003,
}
MISMATCH_CASES = tuple(c for c in CASE_REASONS if c.startswith("mismatch_"))


# ---- typed readings -------------------------------------------------------------------------
def typed_correct(reading: str, rng: np.random.Generator) -> str:
    """What a careful consumer types for a displayed reading (mostly the integer kWh)."""
    ip, _, dp = reading.partition(".")
    iv = ip.lstrip("0") or "0"
    r = rng.random()
    if dp and r < 0.15:
        return f"{iv}.{dp[:int(rng.integers(1, len(dp) + 1))]}"
    if ip != iv and r < 0.27:
        return ip
    return iv


def typed_mistake(case: str, reading: str, prev: float, rng: np.random.Generator) -> str | None:
    """A wrongly typed reading for a mismatch case, or None if this reading can't host it."""
    ip, _, dp = reading.partition(".")
    iv = ip.lstrip("0") or "0"
    d = list(iv)
    n = len(d)
    if case == "mismatch_one_digit":
        i = int(rng.integers(max(0, n - 3), n))
        choices = [c for c in "0123456789" if c != d[i] and not (i == 0 and c == "0" and n > 1)]
        d[i] = choices[int(rng.integers(len(choices)))]
        return "".join(d)
    if case == "mismatch_swapped":
        pairs = [i for i in range(max(0, n - 4), n - 1) if d[i] != d[i + 1] and not (i == 0 and d[1] == "0")]
        if not pairs:
            return None
        i = pairs[int(rng.integers(len(pairs)))]
        d[i], d[i + 1] = d[i + 1], d[i]
        return "".join(d)
    if case == "mismatch_missing":
        idx = [i for i in range(n) if not (i == 0 and n > 1 and d[1] == "0")]
        if n < 3 or not idx:
            return None
        del d[idx[int(rng.integers(len(idx)))]]
        return "".join(d)
    if case == "mismatch_extra":
        i = int(rng.integers(0, n + 1))
        c = d[min(i, n - 1)] if rng.random() < 0.7 else str(int(rng.integers(10)))
        if i == 0 and c == "0":
            c = d[0]
        d.insert(i, c)
        return "".join(d)
    if case == "mismatch_decimal":
        if not dp:
            return None
        if rng.random() < 0.7 or n < 2:
            return iv + dp  # dropped the decimal point: 12345.6 -> 123456
        return f"{iv[:-1]}.{iv[-1]}{dp}"  # misplaced: 12345.6 -> 1234.56
    if case == "mismatch_previous":
        p = f"{prev:.0f}"
        return p if p != iv else None
    if case == "mismatch_other":
        for _ in range(50):
            s = str(int(rng.integers(10 ** (n - 1), 10 ** n))) if n > 1 else str(int(rng.integers(10)))
            diff = sum(a != b for a, b in zip(s, iv, strict=True))
            if diff >= min(3, n) and s != f"{prev:.0f}" and sorted(s) != sorted(iv):
                return s
        return None
    raise ValueError(case)


def typed_not_a_number(reading: str, rng: np.random.Generator) -> str:
    """Typed text that is not a number: '12a45', '', 'NA', '1O234'."""
    iv = reading.partition(".")[0].lstrip("0") or "0"
    k = rng.random()
    if k < 0.3:
        return ""
    if k < 0.4:
        return "NA"
    d = list(iv)
    i = int(rng.integers(len(d)))
    d[i] = "O" if (d[i] == "0" and k < 0.7) else "abcdefxyz"[int(rng.integers(9))]
    return "".join(d)


# ---- rows -----------------------------------------------------------------------------------
def _daily_limit(tariff: str) -> float:
    return DEFAULT_THRESHOLDS.daily_limit(tariff)


def make_row(bw: BatchWriter, case: str, sid: str, t: datetime, opts: dict[str, Any]) -> None:
    """Generate the photo, consumer and CSV row(s) for one submission of ``case``."""
    from .batch import Row

    rng = bw.rng
    if case in ("photo_reused", "duplicate_id") and not bw.valid_photos:
        case = "valid"
    if case == "duplicate_id" and rng.random() < 0.5:
        orig = bw.valid_photos[int(rng.integers(len(bw.valid_photos)))][0]
        bw.rows.append(Row(**{**orig.__dict__, "case": case, "status": Status.REJECTED.value,
                              "reasons": [R.DUPLICATE_SUBMISSION_ID.value]}))
        return
    if case == "duplicate_id":  # same id as an earlier row, different content
        sid = bw.valid_photos[int(rng.integers(len(bw.valid_photos)))][0].sid
        opts.setdefault("suffix", "_b")
    listed = case != "unknown_ivrs"
    consumer = bw.new_consumer(opts.get("tariff"), listed=listed)
    prev, cons = bw.usage(consumer)
    sub_date = t.date()
    days = (sub_date - datetime.strptime(consumer.previous_date, "%Y-%m-%d").date()).days
    if case == "high_consumption":
        cons = float(np.round(_daily_limit(consumer.tariff) * days * rng.uniform(2.5, 6), 2))
    kwh = prev + cons + float(rng.uniform(0, 1))
    if case == "below_previous":
        prev_written = float(np.floor(kwh) + rng.uniform(20, 800) // 1)
    else:
        prev_written = prev
    consumer.previous_reading = prev_written

    guest = rng.random() < 0.3
    user_type, mobile, email = bw.contact(guest, consumer.name)
    ts = opts.get("submitted_at") or (bw.outside_ts() if case == "outside_window" else bw.fmt_ts(t, opts.get("ts")))
    if case == "bad_timestamp":
        ts = opts.get("submitted_at") or t.strftime("%d-%m-%Y %H:%M")
    fmt = opts.get("fmt") or ("png" if rng.random() < 0.03 else "jpg")
    ext = {"png": "png", "jpg": str(rng.choice(["jpg"] * 17 + ["jpeg", "JPG"]))}[fmt]
    name = f"{sid}{opts.get('suffix', '')}.{ext}"
    photo_rel = opts.get("photo_path") or f"photos/{name}"
    size = tuple(opts.get("size") or bw.size)
    if opts.get("portrait", rng.random() < 0.25) and "size" not in opts:
        size = (size[1], size[0])
    quality = int(opts.get("quality") or rng.integers(60, 96))
    truth: dict = {}
    reading = ""
    kind = register = defect = ""
    clear = True
    data: bytes | None = None
    reuse_src = None

    if case == "photo_reused":
        orig, orig_bytes = bw.valid_photos[int(rng.integers(len(bw.valid_photos)))]
        reuse_src = orig
        reading, truth = orig.true_reading, json_copy(orig.truth)
        kind, register = orig.kind, orig.register
        consumer.previous_reading = float(np.floor(float(reading.replace(":", "")) - cons)) if reading else 0.0
        mode = opts.get("reuse") or ["same", "reencode", "resize"][int(rng.integers(3))]
        truth["reuse_of"], truth["reuse_mode"] = orig.sid, mode
        img = cv2.imdecode(np.frombuffer(orig_bytes, np.uint8), cv2.IMREAD_COLOR)
        if mode == "same":
            data = orig_bytes
        elif mode == "reencode":
            data = encode_jpeg(img, int(rng.integers(55, 90)))
        else:
            f = float(rng.uniform(0.5, 0.8))
            img = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
            data = encode_jpeg(img, int(rng.integers(60, 92)))
            _scale_truth(truth, f)
        name = f"{sid}.jpg"
        photo_rel = f"photos/{name}"
        (bw.out / "photos" / name).write_bytes(data)
    elif case not in ("photo_missing", "photo_empty", "photo_not_image", "photo_too_large",
                      "photo_outside_batch"):
        defect = DEFECT_OF.get(case, "")
        dkind = opts.get("kind") or ("lcd" if rng.random() < 0.7 else "drum")
        reg = "kWh"
        if case == "not_kwh":
            dkind = "lcd"
            reg = opts.get("register") or str(rng.choice(["MD", "kVAh", "V", "A", "Hz", "PF", "date", "time"]))
        dec = True if case == "mismatch_decimal" else None
        dspec = None if defect == "not_meter" else random_display_spec(rng, dkind, reg, kwh, dec)
        img, truth = render_photo(PhotoSpec(display=dspec, defect=defect or None, size=size), rng)
        reading = truth["reading"]
        kind, register = truth["kind"], truth["register"]
        clear = bool(truth["clear"])
        if opts.get("exif"):
            img = np.ascontiguousarray(np.rot90(img, 1))  # stored rotated; EXIF 6 turns it upright
            truth["exif_orientation"] = 6
            pil = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
            exif = Image.Exif()
            exif[0x0112] = 6
            buf = _pil_jpeg(pil, quality, exif)
            (bw.out / "photos" / name).write_bytes(buf)
            data = buf
        else:
            data = bw.write_photo(name, img, fmt, quality)
        if case == "photo_truncated":
            cut = int(len(data) * rng.uniform(0.35, 0.75))
            data = data[:cut]
            (bw.out / "photos" / name).write_bytes(data)
            clear = False
    else:
        clear = False
        if case == "photo_empty":
            (bw.out / "photos" / name).write_bytes(b"")
        elif case == "photo_not_image":
            (bw.out / "photos" / name).write_text(
                f"Meter reading for November\nIVRS {consumer.ivrs}\nReading: see attached\n", encoding="utf-8")
        elif case == "photo_too_large":
            name = f"{sid}.png"
            photo_rel = f"photos/{name}"
            Image.new("L", (8000, 8000), 128).save(bw.out / "photos" / name, optimize=True)
        truth = {"reading": "", "kind": "", "register": "", "clear": False, "defect": None, "display_quad": None,
                 "digit_height_px": 0.0, "meter": None}

    # typed reading
    disp_reading = reading if register == "kWh" else f"{np.floor(kwh):.0f}"
    if not disp_reading:
        disp_reading = f"{np.floor(kwh):.0f}"
    typed = opts.get("typed")
    if typed is None:
        if case in MISMATCH_CASES:
            typed = typed_mistake(case, disp_reading, consumer.previous_reading, rng)
            tries = 0
            while typed is None and tries < 20:  # reading can't host this mistake: fall back
                typed = typed_mistake("mismatch_one_digit", disp_reading, consumer.previous_reading, rng)
                case = "mismatch_one_digit"
                tries += 1
        elif case == "typed_not_a_number":
            typed = typed_not_a_number(disp_reading, rng)
        else:
            typed = typed_correct(disp_reading, rng)
    reasons = [r.value for r in CASE_REASONS[case]]
    status = status_for(list(CASE_REASONS[case])).value
    row = Row(sid=opts.get("sid") or sid, consumer=consumer, typed=typed, photo=photo_rel, submitted_at=ts,
              user_type=user_type, mobile=mobile, email=email, case=case, true_reading=reading, status=status,
              reasons=reasons, clear=clear, kind=kind, register=register, defect=defect,
              drop_fields=int(opts.get("drop_fields", 0)), truth=truth)
    if opts.get("non_utf8"):
        consumer.name_raw = consumer.name.replace("a", "\xe4", 1).encode("latin-1")
        row.raw_email = row.email.replace("@", "\xe9@", 1).encode("latin-1") if row.email else b"ren\xe9@mail.in"
    bw.rows.append(row)
    if case == "valid" and data is not None and reuse_src is None and fmt == "jpg" and not opts.get("exif") \
            and status == "valid":
        bw.valid_photos.append((row, data))


def json_copy(d: dict) -> dict:
    """A deep copy of a JSON-like dict."""
    return json.loads(json.dumps(d))


def _scale_truth(truth: dict, f: float) -> None:
    """Scale all point lists in a truth dict by ``f`` (after resizing the photo)."""
    for k in ("display_quad", "window_quad", "legend_quad"):
        if truth.get(k):
            truth[k] = (np.asarray(truth[k]) * f).round(2).tolist()
    if truth.get("digit_quads"):
        truth["digit_quads"] = [(np.asarray(q) * f).round(2).tolist() for q in truth["digit_quads"]]
    if truth.get("digit_height_px"):
        truth["digit_height_px"] = round(truth["digit_height_px"] * f, 2)
    if truth.get("size"):
        truth["size"] = [int(round(truth["size"][0] * f)), int(round(truth["size"][1] * f))]


def _pil_jpeg(pil: Image.Image, quality: int, exif: Image.Exif) -> bytes:
    """JPEG bytes written by PIL with an EXIF block."""
    buf = io.BytesIO()
    pil.save(buf, "JPEG", quality=quality, exif=exif)
    return buf.getvalue()

