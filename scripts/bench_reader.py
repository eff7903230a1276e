"""The learned reader (pipeline/reader) on real photos, per source, beside the classic reader.

For every photo of ../shared/realdata/{public-meter-photos,tn-meter-photos} (and any
folder given with --extra, in the same manifest format) it prints, per source:

- clear photos whose integer kWh the free reading gets right, and the confident
  (>= 0.9) readings that are wrong;
- as a batch, each clear photo typed twice, once honestly and once wrongly (a digit
  changed, two swapped or one dropped, chosen by the photo's name): how many honest
  ones the typed-likelihood rule would accept (straight-through) and how many wrong
  ones it would accept (false accepts), at the shipped thresholds;
- unclear photos held back: not accepted even when typed as labelled;
- a reliability table of free-reading confidence against correctness.

No real photo is trained on (leave-one-source-out holds trivially: the recognizer
learnt from synthetic rows and haverland digit crops only).

    .venv/bin/python scripts/bench_reader.py [--classic] [--tesseract] [--batch DIR] [--limit N]
        [--previous simulated]
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import functools
import hashlib
import sys
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from pipeline.compare import parse_number  # noqa: E402
from pipeline.context import Plausible  # noqa: E402
from pipeline.reader import predict  # noqa: E402
from pipeline.reader.predict import PROPOSERS, REGISTER_CHECKS, read_photo  # noqa: E402
from pipeline.reader.stage import other_register, row_brightness, row_too_dark, verified  # noqa: E402
from pipeline.rules import DEFAULT_THRESHOLDS  # noqa: E402

REAL = ROOT.parent / "shared" / "realdata"
SOURCES = ("tn-meter-photos", "public-meter-photos")
# its own opencv-python would shadow opencv-python-headless, hence --no-deps
RAPIDOCR_INSTALL = ".venv/bin/pip install --no-deps rapidocr-onnxruntime==1.4.4 pyclipper shapely pyyaml six"


def integer(reading: str) -> str:
    n = parse_number(reading.replace("?", ""))
    return n.integer if n else ""


def is_clear(row: dict[str, str]) -> bool:
    """A labelled photo a person can read: marked clear, no '?' digit, an integer kWh in its reading."""
    return row.get("clear", "true") == "true" and "?" not in row["reading"] and bool(integer(row["reading"]))


def wrong_typing(reading: str, key: str) -> str:
    """A wrong typed reading for this photo: one of the usual slips, chosen by a hash of its name."""
    whole = integer(reading)
    h = int(hashlib.sha256(key.encode()).hexdigest(), 16)
    kind = h % 3 if len(whole) > 1 else 0
    i = (h // 3) % len(whole)
    if kind == 0:
        return whole[:i] + str((int(whole[i]) + 1 + (h // 7) % 9) % 10) + whole[i + 1:]
    if kind == 1:
        j = min(i, len(whole) - 2)
        swapped = whole[:j] + whole[j + 1] + whole[j] + whole[j + 2:]
        return swapped if swapped != whole else whole[:-1] + str((int(whole[-1]) + 1) % 10)
    return whole[:i] + whole[i + 1:]


def labelled_rows(folder: Path) -> list[dict[str, str]]:
    """``file, reading, clear`` rows of a real set (manifest.csv) or a generated batch (truth.csv)."""
    if (folder / "manifest.csv").exists():
        with (folder / "manifest.csv").open(encoding="utf-8") as f:
            return [r for r in csv.DictReader(f) if r.get("meter", "electricity") in ("electricity", "")
                    or r.get("kind") == "display_crop"]
    with (folder / "truth.csv").open(encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    if truth and "file" in truth[0]:  # samples.render2: one row per photo
        # another register's value typed as shown must be held back too: keep it, marked unclear
        return [{"file": t["file"], "reading": t["reading"],
                 "clear": t["clear"] if t["register"] == "kWh" else "false"} for t in truth]
    with (folder / "submissions.csv").open(encoding="utf-8", errors="replace") as f:
        photos = {r["submission_id"]: r["photo"] for r in csv.DictReader(f)}
    out, seen = [], set()
    for t in truth:  # samples.synth: photos of the benchmark mix, each once
        photo = photos.get(t["submission_id"], "")
        if not photo or photo in seen or not (folder / photo).is_file():
            continue
        seen.add(photo)
        ok = t["clear"] == "true" and t.get("register", "kWh") == "kWh" and t.get("defect", "") in ("", "None")
        out.append({"file": photo, "reading": t["true_reading"], "clear": "true" if ok else "false"})
    return out


def simulated_previous(honest: str, name: str, th=DEFAULT_THRESHOLDS) -> Plausible:  # noqa: ANN001
    """A previous reading for a photo that has none: 20-400 kWh (by the name's hash) below the truth, 30 days ago.

    Every consumer in the master has one (but new connections); the real sets do not,
    so ``--previous simulated`` makes one as a domestic consumer's month would. The
    same previous stands for the honest and the wrong typing.
    """
    used = 20 + int(hashlib.sha256(name.encode()).hexdigest(), 16) % 381
    return Plausible(max(0.0, float(honest) - used), th.daily_limit("domestic") * 30, th)


def accepted(res, img: np.ndarray, th=DEFAULT_THRESHOLDS, typed: str = "",  # noqa: ANN001
             plausible: Plausible | None = None, checks: tuple[str, ...] = REGISTER_CHECKS) -> bool:
    """What verify would do with this reading: the typed reading verified, no other register named,
    and (a previous reading known) the typed reading plausible against it."""
    s = res.typed
    if not (s is not None and verified(s.posterior, s.logp, th)) or row_too_dark(row_brightness(res), th):
        return False
    if plausible is not None and typed:
        ndigits = len(res.reading.split(".")[0]) if res.reading else len(typed)
        if not plausible.admits(float(typed), ndigits):
            return False
    return not other_register(img, res, th, checks)[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="photos per source (0: all)")
    ap.add_argument("--extra", type=Path, action="append", default=[], help="another folder with manifest.csv")
    ap.add_argument("--batch", type=Path, action="append", default=[],
                    help="a generated batch folder (samples.synth or samples.render2): its truth as the labels")
    ap.add_argument("--no-real", action="store_true", help="leave out ../shared/realdata")
    ap.add_argument("--classic", action="store_true", help="also the classic reader (today's default)")
    ap.add_argument("--tesseract", action="store_true", help="also plain Tesseract on the whole photo")
    ap.add_argument("--rapidocr", action="store_true",
                    help=f"also RapidOCR (PP-OCRv4 det + rec) on the whole photo; measurement only, not a dependency: "
                         f"{RAPIDOCR_INSTALL}")
    ap.add_argument("--previous", choices=("none", "simulated"), default="none",
                    help="the consumer's previous reading: none (as a new connection), or simulated (20-400 kWh "
                         "below the truth, 30 days ago): the likelihood's prior and the consumption check")
    ap.add_argument("--proposers", default=",".join(PROPOSERS),
                    help=f"the learned reader's row sources in order (finder, text, rowsearch; default {','.join(PROPOSERS)})")
    ap.add_argument("--register", default=",".join(REGISTER_CHECKS),
                    help="the learned reader's register checks: screen (the learned screen classifier), legends "
                         f"(Tesseract on the legends), or both (default {','.join(REGISTER_CHECKS)})")
    ap.add_argument("--other-register-min-p", type=float, default=DEFAULT_THRESHOLDS.other_register_min_p,
                    help="the screen check's threshold (rules.Thresholds.other_register_min_p); choose it on "
                         "generated batches, never on the real photos")
    ap.add_argument("--row-score", choices=("finder", "none"), default=predict.ROW_SCORE or "none",
                    help="how the learned reader weighs number rows (pipeline.reader.predict.ROW_SCORE): finder "
                         f"(the finder confirms the register's row) or none (the tallest; default {predict.ROW_SCORE or 'none'})")
    ap.add_argument("--whole-row-extend", type=float, default=predict.WHOLE_ROW_EXTEND,
                    help="text heights the chosen row's box is grown by at each end to read it again "
                         f"(pipeline.reader.predict.WHOLE_ROW_EXTEND; 0: off; default {predict.WHOLE_ROW_EXTEND})")
    args = ap.parse_args()
    predict.WHOLE_ROW_EXTEND = args.whole_row_extend
    predict.ROW_SCORE = "" if args.row_score == "none" else args.row_score
    th = dataclasses.replace(DEFAULT_THRESHOLDS, other_register_min_p=args.other_register_min_p)
    sources = tuple(args.proposers.split(","))
    checks = tuple(args.register.split(","))
    print(f"learned reader's row sources: {', '.join(sources)}; row score: {args.row_score}; "
          f"whole-row extend: {args.whole_row_extend}; register checks: {', '.join(checks)} "
          f"(screen threshold {th.other_register_min_p}); previous reading: {args.previous}")
    folders = [] if args.no_real else [REAL / s for s in SOURCES if (REAL / s).is_dir()]
    folders += args.extra + args.batch
    if not folders:
        sys.exit("nothing to measure: ../shared/realdata is absent and no --batch given")
    readers = ["learned"] + (["classic"] if args.classic else []) + (["tesseract"] if args.tesseract else []) \
        + (["rapidocr"] if args.rapidocr else [])
    reliab = defaultdict(lambda: [0, 0])
    started, n_photos = time.time(), 0
    print("reader     | clear read right (integer kWh) | confident >= 0.9: wrong | straight-through | "
          "false accepts | unclear held back")
    for folder in folders:
        groups: dict[str, dict[str, defaultdict]] = {}
        for r in labelled_rows(folder)[:args.limit or None]:
            data = (folder / r["file"]).read_bytes()
            img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            if img is None:
                continue
            n_photos += 1
            clear = is_clear(r)
            honest = integer(r["reading"]) or "0"
            wrong = wrong_typing(r["reading"], r["file"]) if clear else ""
            keys = [folder.name] + ([f"{folder.name}/{r['source_repo']}"] if r.get("source_repo") else [])
            for reader in readers:
                prior = simulated_previous(honest, r["file"]) if args.previous == "simulated" else None
                got = measure(reader, img, data, r["file"], honest, wrong, clear, sources, prior, checks, th)
                for key in keys:
                    c = groups.setdefault(key, {}).setdefault(reader, defaultdict(int))
                    for k, v in got.items():
                        c[k] += v
                if reader == "learned" and clear:
                    b = min(9, int(got["confidence"] * 10))
                    reliab[b][0] += 1
                    reliab[b][1] += got["read_right"]
        for key, per in groups.items():
            print(key)
            for reader, c in per.items():
                print(f"  {reader:<9}| {c['read_right']:>3}/{c['clear']:<3} {100 * c['read_right'] / max(1, c['clear']):5.1f} % "
                      f"| {c['confident']:>3}: {c['confident_wrong']:>2} wrong "
                      f"| {c['honest_accepted']:>3}/{c['clear']:<3} {100 * c['honest_accepted'] / max(1, c['clear']):5.1f} % "
                      f"| {c['wrong_accepted']:>2} of {c['clear']} | {c['unclear_held']}/{c['unclear']}", flush=True)
    print("reliability of the learned reader's free reading (clear photos, all sources): confidence bin, photos, right")
    for b in sorted(reliab):
        n, k = reliab[b]
        print(f"  {b / 10:.1f}-{(b + 1) / 10:.1f}  {n:4d}  {100 * k / max(1, n):5.1f} %")
    print(f"{n_photos} photos in {time.time() - started:.0f} s ({(time.time() - started) / max(1, n_photos):.2f} s/photo "
          f"for {len(readers)} reader(s), each photo read honestly and wrongly typed)")


@functools.lru_cache(maxsize=1)
def _rapidocr():  # noqa: ANN202 - rapidocr_onnxruntime.RapidOCR
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        sys.exit(f"--rapidocr needs the rapidocr-onnxruntime wheel (measurement only): {RAPIDOCR_INSTALL}")
    return RapidOCR()


def _whole_photo(clear: bool, texts: list[str], honest: str) -> dict[str, float]:
    """A whole-photo OCR baseline: right when a digit run before a text's first point is the integer kWh."""
    from benchmark import _digit_runs

    right = any((run.lstrip("0") or "0") == honest for t in texts for run in _digit_runs(t.split(".")[0]))
    return {"clear": clear, "unclear": not clear, "read_right": clear and right, "confidence": 0.0}


def measure(reader: str, img: np.ndarray, data: bytes, name: str, honest: str, wrong: str,
            clear: bool, sources: tuple[str, ...] = PROPOSERS, plausible: Plausible | None = None,
            checks: tuple[str, ...] = REGISTER_CHECKS, th=DEFAULT_THRESHOLDS) -> dict[str, float]:  # noqa: ANN001
    """One photo through one reader: read right, confidence, accepted when typed honestly and wrongly."""
    if reader == "tesseract":  # plain Tesseract on the whole photo: a reading only, it verifies nothing
        from benchmark import whole_image_baselines

        tess, _ = whole_image_baselines(img, "full_photo")
        return _whole_photo(clear, [tess], honest)
    if reader == "rapidocr":  # RapidOCR's own detector and recognizer on the whole photo: a reading only
        return _whole_photo(clear, [t for _, t, _ in (_rapidocr()(img)[0] or [])], honest)
    if reader == "classic":
        from pipeline.context import PhotoContext
        from pipeline.decide import photo_verdict
        from pipeline.photo import process_photo

        ctx = PhotoContext(use_tesseract=False)
        res = process_photo(data, ctx, name, honest)
        ok = photo_verdict(res, ctx.thresholds, honest).status.value == "valid"
        bad = clear and photo_verdict(process_photo(data, ctx, name, wrong), ctx.thresholds,
                                      wrong).status.value == "valid"
        reading, confidence = res.reading, res.confidence
    else:
        res = read_photo(img, typed=honest, proposers=sources, plausible=plausible)
        ok = accepted(res, img, th, typed=honest, plausible=plausible, checks=checks)
        bad = clear and accepted(read_photo(img, typed=wrong, proposers=sources, plausible=plausible), img, th,
                                 typed=wrong, plausible=plausible, checks=checks)
        reading, confidence = res.reading, res.confidence
    right = bool(reading) and integer(reading) == honest
    out = {"clear": clear, "unclear": not clear, "confidence": confidence}
    if not clear:
        out["unclear_held"] = not ok
        return out
    out.update(read_right=right, confident=bool(reading) and confidence >= 0.9,
               confident_wrong=bool(reading) and confidence >= 0.9 and not right,
               honest_accepted=ok, wrong_accepted=bad)
    return out


if __name__ == "__main__":
    main()
