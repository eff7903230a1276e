"""Measure the READ stage: synthetic displays and real data, against plain Tesseract and ssocr.

(a) synthetic rectified displays: ``render_display`` with generator seeds
    1000.. (never the training seeds 0-999 nor the benchmark seeds >= 424242),
    turned into a :class:`Display` by hand from the render's geometry with a
    small jitter (scale, rotation, digits_box); 80 % kWh, 20 % other registers.
(b) real data in ../shared/realdata (skipped when absent): jomjol digit crops
    (recognizer alone) and public-meter-photos display crops (locate + read).

Usage (from the repository root):
    .venv/bin/python scripts/eval_read.py                 # everything, 400 synthetic displays
    .venv/bin/python scripts/eval_read.py --n-synth 1000 --skip-real
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import ssocr  # noqa: E402
from pipeline.context import PhotoContext  # noqa: E402
from pipeline.display import NORM_DIGIT_HEIGHT, Display  # noqa: E402
from pipeline.read import read_display  # noqa: E402
from pipeline.recognize import CLASSES, NONE_INDEX, classify_cells  # noqa: E402
from pipeline.rules import DEFAULT_THRESHOLDS  # noqa: E402
from pipeline.tesseract import read_line  # noqa: E402

REALDATA = ROOT.parent / "shared" / "realdata"
OTHER_REGISTERS = ("MD", "kVAh", "V", "A", "Hz", "PF", "date", "time")
ACCEPT = DEFAULT_THRESHOLDS.auto_accept_confidence


def display_from_render(rd, rng: np.random.Generator, jitter: bool = True) -> Display:
    """A Display as the locator would hand it over: digits ~64 px tall, digit row box (jittered)."""
    s = NORM_DIGIT_HEIGHT / rd.digit_height * (rng.uniform(0.93, 1.07) if jitter else 1.0)
    img = cv2.resize(rd.image, None, fx=s, fy=s, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    x, y, w, h = (v * s for v in rd.digits_box)
    if jitter:
        ang = rng.uniform(-1.0, 1.0)
        M = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), ang, 1.0)
        img = cv2.warpAffine(img, M, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REPLICATE)
        d = rng.uniform(-0.05, 0.05, 4) * h
        x, y, w, h = x + d[0], y + d[1], w + d[2] - d[0], h + d[3] - d[1]
    box = (int(round(x)), int(round(y)), int(round(w)), int(round(h)))
    quad = np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])
    return Display(kind=rd.kind, crop=img, digits_box=box, quad=quad, digit_height_px=float(h), score=1.0)


def synth_case(seed: int):
    """(Display, rendered display) for one evaluation seed."""
    from samples.synth import render_display
    from samples.synth.display import random_display_spec

    rng = np.random.default_rng(seed)
    register = "kWh" if rng.random() < 0.8 else OTHER_REGISTERS[int(rng.integers(len(OTHER_REGISTERS)))]
    kind = "lcd" if register != "kWh" else None
    rd = render_display(random_display_spec(rng, kind=kind, register=register), rng)
    return display_from_render(rd, rng), rd


def _digits(s: str) -> str:
    return re.sub(r"[^0-9]", "", s)


def digit_hits(pred: str, truth: str) -> int:
    """Digits of ``truth`` matched by ``pred`` at the same position from the right."""
    p, t = _digits(pred)[::-1], _digits(truth)[::-1]
    return sum(1 for a, b in zip(p, t, strict=False) if a == b) if len(p) == len(t) else 0


def _dark_on_light(g: np.ndarray) -> np.ndarray:
    """Grey image with the minority (ink) dark: what both baselines expect."""
    thr, _ = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return 255 - g if float((g > thr).mean()) < 0.5 else g


def plain_row(display: Display) -> np.ndarray:
    """The rectified crop's digit row (grey, dark-on-light, a fifth of a digit around it):
    the same input for every baseline engine."""
    x, y, w, h = display.digits_box
    m = int(0.2 * h)
    return _dark_on_light(cv2.cvtColor(display.crop, cv2.COLOR_BGR2GRAY)[max(0, y - m):y + h + m,
                                                                         max(0, x - m):x + w + m])


def tesseract_plain(display: Display) -> str:
    """Plain Tesseract (psm 7, digit whitelist) on the digit row."""
    return read_line(plain_row(display))[0]


def ssocr_plain(display: Display) -> str:
    """ssocr (iterative threshold, digit count found by itself) on the digit row."""
    return ssocr.read_digits(plain_row(display))


def eval_synth(n: int, seed0: int, with_tess: bool, debug: str | None, with_ssocr: bool = False) -> None:
    ctx_fast = PhotoContext(use_tesseract=False, debug_dir=debug)
    ctx_tess = PhotoContext(use_tesseract=True)
    stats: dict[str, list] = defaultdict(list)
    for i in range(n):
        display, rd = synth_case(seed0 + i)
        t0 = time.perf_counter()
        r = read_display(display, ctx_fast)
        stats["ms"].append(1000 * (time.perf_counter() - t0))
        ok = r.text == rd.reading
        is_kwh = rd.register == "kWh"
        stats["kind"].append(rd.kind)
        stats["kwh"].append(is_kwh)
        stats["ok"].append(ok)
        stats["conf"].append(r.confidence)
        stats["dig_hit"].append(digit_hits(r.text, rd.reading))
        stats["dig_n"].append(len(_digits(rd.reading)))
        if not ok and len(stats["wrong"]) < 12:
            stats["wrong"].append(f"seed {seed0 + i} {rd.kind}: truth {rd.reading!r} read {r.text!r} "
                                  f"conf {r.confidence:.3f}")
        if with_tess:
            t0 = time.perf_counter()
            rt = read_display(display, ctx_tess)
            stats["ms_tess"].append(1000 * (time.perf_counter() - t0))
            stats["reg"].append((rd.register, rt.register))
            t0 = time.perf_counter()
            r2 = read_display(display, ctx_tess, second_opinion=True)
            stats["ms_2nd"].append(1000 * (time.perf_counter() - t0))
            stats["ok_2nd"].append(r2.text == rd.reading)
            stats["conf_2nd"].append(r2.confidence)
            stats["agree"].append(_digits(r2.engines.get("tesseract", "")) == _digits(r2.text))
            plain = tesseract_plain(display)
            stats["plain_ok"].append(_digits(plain) == _digits(rd.reading) and bool(_digits(plain)))
            stats["plain_dig"].append(digit_hits(plain, rd.reading))
        else:
            stats["reg"].append((rd.register, r.register))
        if with_ssocr:
            plain = ssocr_plain(display)
            stats["ss_ok"].append(_digits(plain) == _digits(rd.reading) and bool(_digits(plain)))
            stats["ss_dig"].append(digit_hits(plain, rd.reading))
    ok, conf, kwh = np.array(stats["ok"]), np.array(stats["conf"]), np.array(stats["kwh"])
    print(f"== (a) synthetic displays: seeds {seed0}..{seed0 + n - 1}, n={n} "
          f"({int(kwh.sum())} kWh, {int((~kwh).sum())} other registers) ==")
    for name, sel in (("all", np.ones_like(ok)), ("lcd", np.array(stats["kind"]) == "lcd"),
                      ("drum", np.array(stats["kind"]) == "drum")):
        if sel.any():
            print(f"  CNN full reading  [{name:4}] {ok[sel].mean():.4f} ({int(ok[sel].sum())}/{int(sel.sum())})")
    print(f"  CNN per-digit            {sum(stats['dig_hit']) / max(1, sum(stats['dig_n'])):.4f}")
    acc = conf >= ACCEPT
    print(f"  confidence >= {ACCEPT}: {acc.mean():.4f} of displays; wrong among them "
          f"{int((acc & ~ok).sum())} (false-accept rate {(acc & ~ok).sum() / max(1, acc.sum()):.4f}); "
          f"wrong readings with conf < {ACCEPT}: {int((~acc & ~ok).sum())}/{int((~ok).sum())}")
    print(f"  ms per display (no Tesseract): mean {np.mean(stats['ms']):.1f}, p95 {np.percentile(stats['ms'], 95):.1f}")
    if with_tess:
        ok2, conf2, agree = np.array(stats["ok_2nd"]), np.array(stats["conf_2nd"]), np.array(stats["agree"])
        acc2 = conf2 >= ACCEPT
        print(f"  ms per display with legend OCR (use_tesseract, default): mean {np.mean(stats['ms_tess']):.1f}")
        print(f"  + Tesseract digit 2nd opinion: agrees on {agree[ok].mean() if ok.any() else 0:.4f} of correct "
              f"readings and on {agree[~ok].mean() if (~ok).any() else 0:.4f} of wrong ones ({int((~ok).sum())}); "
              f"accepted {acc2.mean():.4f} (vs {acc.mean():.4f}), false accepts {int((acc2 & ~ok2).sum())}; "
              f"ms mean {np.mean(stats['ms_2nd']):.1f}")
        print(f"  plain Tesseract (psm 7 digits): full reading {np.mean(stats['plain_ok']):.4f}, "
              f"per-digit {sum(stats['plain_dig']) / max(1, sum(stats['dig_n'])):.4f}")
    if with_ssocr:
        print(f"  ssocr (-T, digits found by itself): full reading {np.mean(stats['ss_ok']):.4f}, "
              f"per-digit {sum(stats['ss_dig']) / max(1, sum(stats['dig_n'])):.4f}")
    reg = stats["reg"]
    exact = np.mean([t == p for t, p in reg])
    other = [(t, p) for t, p in reg if t != "kWh"]
    kwh_r = [(t, p) for t, p in reg if t == "kWh"]
    print(f"  register exact {exact:.4f}; non-kWh flagged as not kWh {np.mean([p != 'kWh' for _, p in other]):.4f} "
          f"({len(other)}); kWh seen as kWh {np.mean([p == 'kWh' for _, p in kwh_r]):.4f}, "
          f"as another register {np.mean([p not in ('kWh', '') for _, p in kwh_r]):.4f}")
    confusions = defaultdict(int)
    for t, p in reg:
        if t != p:
            confusions[(t, p)] += 1
    if confusions:
        print("  register confusions:", dict(sorted(confusions.items(), key=lambda kv: -kv[1])[:10]))
    for w in stats["wrong"]:
        print("   wrong:", w)


def eval_photos(n: int, seed0: int) -> None:
    """Whole synthetic photos (no defect): the real locator, then read_display."""
    from pipeline.locate import locate
    from samples.synth import PhotoSpec, render_photo

    ok, acc, wrong_acc, located, ms = 0, 0, 0, 0, []
    for i in range(n):
        rng = np.random.default_rng(seed0 + i)
        img, truth = render_photo(PhotoSpec(defect=None), rng)
        disp = locate(img, PhotoContext())
        if disp is None:
            continue
        located += 1
        t0 = time.perf_counter()
        r = read_display(disp, PhotoContext(use_tesseract=False))
        ms.append(1000 * (time.perf_counter() - t0))
        good = r.text == truth["reading"]
        ok += good
        acc += r.confidence >= ACCEPT
        wrong_acc += (r.confidence >= ACCEPT) and not good
    print(f"== (a2) synthetic clear photos, seeds {seed0}..{seed0 + n - 1}: locate -> read ==")
    print(f"  located {located}/{n}; exact reading {ok}/{n} ({ok / max(1, n):.4f}; {ok / max(1, located):.4f} of "
          f"located); accepted {acc}, wrong among accepted {wrong_acc}; read ms mean {np.mean(ms) if ms else 0:.1f}")


def eval_jomjol(with_tess: bool = True, with_ssocr: bool = False) -> None:
    import pandas as pd

    base = REALDATA / "jomjol-drum-digits"
    m = pd.read_csv(base / "manifest.csv")
    cells = [cv2.imread(str(base / f), cv2.IMREAD_GRAYSCALE) for f in m.file]
    t0 = time.perf_counter()
    probs = classify_cells(cells)
    ms = 1000 * (time.perf_counter() - t0) / len(cells)
    top = probs.argmax(1)
    clear = m.clear.astype(str).str.lower() == "true"
    truth = m.reading.astype(str).str.replace(".0", "", regex=False)
    pred = np.array([CLASSES[k] for k in top])
    digit_pred = np.array([CLASSES[k] for k in probs[:, :NONE_INDEX].argmax(1)])
    ok = (pred == truth.values) & clear.values
    print(f"== (b1) jomjol digit crops: {len(m)} ({int(clear.sum())} clear) ==")
    print(f"  CNN accuracy on clear digits {ok.sum() / clear.sum():.4f}; best digit ignoring 'none' "
          f"{((digit_pred == truth.values) & clear.values).sum() / clear.sum():.4f}; "
          f"clear read as 'none' {((top == NONE_INDEX) & clear.values).sum() / clear.sum():.4f}")
    pmax = probs.max(1)
    wrong = clear.values & ~ok
    print(f"  clear digits with top prob >= {ACCEPT}: {(pmax[clear.values] >= ACCEPT).mean():.4f}; wrong ones among "
          f"them {(wrong & (pmax >= ACCEPT)).sum()} (of {wrong.sum()} wrong)")
    unclear = ~clear.values
    # read_display gives a cell the probability of its best *digit* (a 'none' cell keeps its
    # best digit at that low probability), so that is the confidence an unclear crop must fail
    digit_conf = probs[:, :NONE_INDEX].max(1)
    print(f"  clear=false crops with digit confidence < {ACCEPT} (the pipeline's cell confidence): "
          f"{(digit_conf[unclear] < ACCEPT).mean():.4f}; read as 'none': {(top[unclear] == NONE_INDEX).mean():.4f}; "
          f"top class (digit or 'none') < {ACCEPT}: {(pmax[unclear] < ACCEPT).mean():.4f}  ({unclear.sum()} crops)")
    print(f"  ms per digit (batch of {len(cells)}): {ms:.3f}")
    t_ok, s_ok = 0, 0
    for c, t, cl in zip(cells, truth.values, clear.values, strict=True):
        if not cl:
            continue
        g = _dark_on_light(cv2.resize(c, None, fx=64 / c.shape[0], fy=64 / c.shape[0]))
        g = cv2.copyMakeBorder(g, 10, 10, 10, 10, cv2.BORDER_REPLICATE)
        if with_tess:
            t_ok += _digits(read_line(g)[0]) == t
        if with_ssocr:
            s_ok += _digits(ssocr.read_digits(g, n_digits=1)) == t
    if with_tess:
        print(f"  plain Tesseract (psm 7 digits) on clear digits {t_ok / clear.sum():.4f}")
    if with_ssocr:
        print(f"  ssocr (-T -d 1) on clear digits {s_ok / clear.sum():.4f}")


def eval_public(debug: str | None, with_tess: bool = True, with_ssocr: bool = False) -> None:
    import pandas as pd

    from pipeline.photo import read_crop

    base = REALDATA / "public-meter-photos"
    m = pd.read_csv(base / "manifest.csv")
    m = m[m.kind == "display_crop"]
    print(f"== (b2) public-meter-photos display crops: {len(m)} (read --kind display's path: pad, locate, "
          "read, runner-up rows; the baselines get the same rectified row) ==")
    by_src: dict[str, list] = defaultdict(list)
    ctx = PhotoContext(use_tesseract=True, debug_dir=debug)
    for f, reading, clear in zip(m.file, m.reading, m.clear, strict=True):
        img = cv2.imread(str(base / f))
        src = Path(f).stem.rsplit("_", 1)[0]
        truth = "" if pd.isna(reading) else str(reading)
        found = read_crop(img, ctx)
        if found is None:
            by_src[src].append((False, False, 0.0, "", truth, "no display", "", False))
            continue
        disp, r = found
        plain = tesseract_plain(disp) if with_tess else ""
        ss = ssocr_plain(disp) if with_ssocr else ""
        ok = str(clear).lower() == "true" and r.text == truth
        by_src[src].append((ok, _digits(plain) == _digits(truth) and bool(truth), r.confidence, r.text, truth,
                            r.register, plain, _digits(ss) == _digits(truth) and bool(truth),
                            _digits(r.text) == _digits(truth) and bool(truth)))
    for src, rows in sorted(by_src.items()):
        n = len(rows)
        # the baselines are scored on their digits (they cannot place a decimal point);
        # ours both ways: exact (with the decimal point) and on the digits alone
        print(f"  {src:8} n={n:2}  CNN exact {sum(r[0] for r in rows)}/{n}  CNN digits {sum(r[8] for r in rows)}/{n}"
              f"  plain Tesseract {sum(r[1] for r in rows)}/{n}  ssocr {sum(r[7] for r in rows)}/{n}"
              f"  accepted (conf>={ACCEPT}) {sum(r[2] >= ACCEPT for r in rows)}, of them wrong "
              f"{sum(r[2] >= ACCEPT and not r[0] for r in rows)}")
        for r in rows:
            print(f"      truth {r[4]!r:14} read {r[3]!r:14} conf {r[2]:.3f} register {r[5]!r} tesseract {r[6]!r}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n-synth", type=int, default=400)
    p.add_argument("--seed", type=int, default=1000)
    p.add_argument("--no-tesseract", action="store_true", help="skip every Tesseract measurement")
    p.add_argument("--no-ssocr", action="store_true", help="skip the ssocr baseline")
    p.add_argument("--skip-real", action="store_true")
    p.add_argument("--n-photos", type=int, default=0, help="also locate+read this many synthetic photos")
    p.add_argument("--skip-synth", action="store_true")
    p.add_argument("--debug", default=None, help="write read_display debug PNGs here")
    a = p.parse_args()
    assert 1000 <= a.seed and a.seed + a.n_synth + a.n_photos < 424242, "evaluation seeds must be in [1000, 424242)"
    with_ssocr = not a.no_ssocr and ssocr.available()
    if not a.no_ssocr and not with_ssocr:
        print(f"(ssocr baseline skipped: {ssocr.INSTALL_HINT})")
    if not a.skip_synth:
        eval_synth(a.n_synth, a.seed, not a.no_tesseract, a.debug, with_ssocr)
    if a.n_photos:
        eval_photos(a.n_photos, a.seed + a.n_synth)
    if not a.skip_real and REALDATA.is_dir():
        eval_jomjol(not a.no_tesseract, with_ssocr)
        eval_public(a.debug, not a.no_tesseract, with_ssocr)


if __name__ == "__main__":
    main()
