"""Benchmark: generate a labelled batch on a held-out seed, run `meter-verify verify`, print figures.

Usage (from the repository root):

    .venv/bin/python scripts/benchmark.py --n 400 --seed 424242 --workers 2

Prints false accepts, straight-through rate, read accuracy on clear photos,
photos per second, peak memory (whole process tree and the largest single
process), per-stage timing, a reliability table, and, when ../shared/realdata
exists, read accuracy on the real photos by source and kind. Then, unless
``--engines 0``, the engine comparison of ``scripts/eval_read.py`` in the same
run: this recognizer, plain Tesseract and ssocr on the same rectified synthetic
displays (full reading and per digit) and on the real digit and display crops.
``--size 4000x3000`` measures memory on 12 MP photos.
Seeds 0-999 are for tuning and training; 424242 and up are never tuned on.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REALDATA = ROOT.parent / "shared" / "realdata"


def _tree_rss_mb(root_pid: int) -> tuple[float, float]:
    """(sum, max) resident memory in MB of a process and its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ppid = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, biggest, todo = 0.0, 0.0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0.0)
        biggest = max(biggest, rss.get(pid, 0.0))
        todo.extend(children.get(pid, []))
    return total, biggest


def run_verify(batch: Path, workers: int, extra: list[str]) -> tuple[float, float, float, str]:
    """Run the CLI on a batch; return (seconds, peak tree MB, peak single-process MB, stdout)."""
    out = batch / "out"
    cmd = [str(ROOT / ".venv" / "bin" / "meter-verify"), "verify", str(batch / "submissions.csv"),
           "--consumers", str(batch / "consumers.csv"), "--db", str(out / "bench.db"),
           "--results", str(out / "results.csv"), "--workers", str(workers), *extra]
    peak = [0.0, 0.0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def watch() -> None:
        while proc.poll() is None:
            total, biggest = _tree_rss_mb(proc.pid)
            peak[0], peak[1] = max(peak[0], total), max(peak[1], biggest)
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - t0
    watcher.join()
    if proc.returncode != 0:
        raise SystemExit(f"meter-verify failed ({proc.returncode}): {stderr}")
    return seconds, peak[0], peak[1], stdout


def score(batch: Path) -> dict[str, object]:
    """Compare results.csv with truth.csv."""
    truth = list(csv.DictReader((batch / "truth.csv").open(encoding="utf-8")))
    rows = list(csv.DictReader((batch / "out" / "results.csv").open(encoding="utf-8")))
    if [t["submission_id"] for t in truth] != [r["submission_id"] for r in rows]:
        raise SystemExit("results.csv rows do not line up with truth.csv (one row per input row, in order)")
    fa, fa_rows, expected_valid, straight, clear, read_ok, status_ok, not_read = 0, [], 0, 0, 0, 0, 0, 0
    reason_hit, reason_total = 0, 0
    confusion: Counter[tuple[str, str]] = Counter()
    for r, t in zip(rows, truth, strict=True):
        confusion[(t["expected_status"], r["status"])] += 1
        status_ok += t["expected_status"] == r["status"]
        if r["status"] == "valid" and t["expected_status"] != "valid":
            fa += 1
            fa_rows.append((r["submission_id"], t["case"], r["ocr_reading"], r["typed_reading"]))
        if t["expected_status"] == "valid":
            expected_valid += 1
            straight += r["status"] == "valid"
        if t["clear"] == "true" and t.get("true_reading") and t.get("defect", "") in ("", "None"):
            clear += 1
            read_ok += r["ocr_reading"] == t["true_reading"]
            # a row whose submission_id repeats an earlier one is rejected before its photo
            # is read (by design): it says nothing about reading
            not_read += "DUPLICATE_SUBMISSION_ID" in r["reasons"].split(";")
        for code in filter(None, t["expected_reasons"].split(";")):
            reason_total += 1
            reason_hit += code in r["reasons"].split(";")
    return {
        "rows": len(rows), "false_accepts": fa, "false_accept_rows": fa_rows,
        "straight_through": straight / expected_valid if expected_valid else float("nan"),
        "expected_valid": expected_valid, "read_accuracy_clear": read_ok / clear if clear else float("nan"),
        "clear_photos": clear, "not_read": not_read,
        "read_accuracy_read": read_ok / (clear - not_read) if clear > not_read else float("nan"),
        "status_agreement": status_ok / len(rows) if rows else float("nan"),
        "expected_reason_recall": reason_hit / reason_total if reason_total else float("nan"),
        "confusion": {f"{a}->{b}": n for (a, b), n in sorted(confusion.items())},
    }


def stage_timings(batch: Path) -> dict[str, tuple[float, float]]:
    """Median and 90th percentile milliseconds per image stage, from the run's database."""
    import sqlite3

    import numpy as np

    conn = sqlite3.connect(batch / "out" / "bench.db")
    per: dict[str, list[float]] = {}
    for (detail,) in conn.execute("SELECT detail FROM results"):
        for stage, secs in json.loads(detail or "{}").get("timings", {}).items():
            per.setdefault(stage, []).append(secs * 1000)
    conn.close()
    return {k: (float(np.median(v)), float(np.percentile(v, 90))) for k, v in per.items()}


def reliability(batch: Path) -> list[tuple[str, int, float]]:
    """Reliability table: per confidence bin, how often the reading was exactly right (clear photos)."""
    truth = list(csv.DictReader((batch / "truth.csv").open(encoding="utf-8")))
    rows = list(csv.DictReader((batch / "out" / "results.csv").open(encoding="utf-8")))
    bins = [(0.0, 0.5), (0.5, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 0.99), (0.99, 1.01)]
    out = []
    for lo, hi in bins:
        sel = [(r, t) for r, t in zip(rows, truth, strict=True)
               if r["ocr_reading"] and t["true_reading"] and t["clear"] == "true"
               and lo <= float(r["confidence"] or 0) < hi]
        right = sum(r["ocr_reading"] == t["true_reading"] for r, t in sel)
        out.append((f"[{lo:.2f}, {min(hi, 1):.2f})", len(sel), right / len(sel) if sel else float("nan")))
    return out


def _digit_runs(text: str) -> set[str]:
    """The digit runs of an OCR output, decimal points dropped ('013414.9' -> '0134149')."""
    return {run.replace(".", "") for run in re.findall(r"[0-9.]+", text)} - {""}


def whole_image_baselines(img: np.ndarray, kind: str) -> tuple[str, str]:
    """What plain Tesseract and ssocr read from the whole image, as a user would run them:
    Tesseract in sparse-text mode on a photo (line mode on a crop), digits only; ssocr
    with its iterative threshold, finding the digits itself."""
    from pipeline import ssocr
    from pipeline.tesseract import read_line

    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    s = 1600.0 / max(g.shape)
    if s < 1.0:
        g = cv2.resize(g, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    psm = "11" if kind == "full_photo" else "7"
    tess = read_line(g, f"--psm {psm} --oem 1 -c tessedit_char_whitelist=0123456789.", timeout=30.0)[0]
    ss = ssocr.read_digits(g) if ssocr.available() else ""
    return tess, ss


def realdata_figures() -> list[tuple[str, str, int, int, int, int, int]]:
    """Read accuracy on ../shared/realdata photos and display crops, by source and kind:
    (source, kind, ours exact, ours digits, Tesseract digits, ssocr digits, n).

    Ours reads as ``verify`` (photos) and ``read --kind display`` (crops) do. The baselines
    get the whole image (eval_read.eval_public gives them our rectified digit row
    instead) and are counted right when any digit run they print is the reading's digits.
    """
    from pipeline.context import PhotoContext
    from pipeline.photo import process_display, process_photo

    out = []
    manifest = REALDATA / "public-meter-photos" / "manifest.csv"
    if not manifest.exists():
        return out
    ctx = PhotoContext()
    tally: dict[tuple[str, str], list[int]] = {}
    for row in csv.DictReader(manifest.open(encoding="utf-8")):
        if row["clear"] != "true" or not row["reading"]:
            continue
        path = REALDATA / "public-meter-photos" / row["file"]
        data = path.read_bytes()
        # display crops as `meter-verify read --kind display` reads them; photos as verify does
        res = (process_display(data, ctx, row["file"]) if row["kind"] == "display_crop"
               else process_photo(data, ctx, row["file"]))
        truth = row["reading"].replace(".", "")
        tess, ss = whole_image_baselines(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), row["kind"])
        source = Path(row["file"]).name.split("_")[0]
        t = tally.setdefault((source, row["kind"]), [0, 0, 0, 0, 0])
        t[0] += res.reading == row["reading"]
        t[1] += res.reading.replace(".", "") == truth
        t[2] += truth in _digit_runs(tess)
        t[3] += truth in _digit_runs(ss)
        t[4] += 1
    for (source, kind), counts in sorted(tally.items()):
        out.append((source, kind, *counts))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--seed", type=int, default=424242)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, help="batch folder (default: a temporary one)")
    ap.add_argument("--tesseract", action="store_true", help="run verify with --tesseract")
    ap.add_argument("--reader", choices=("classic", "learned"), default="classic", help="verify --reader")
    ap.add_argument("--skip-realdata", action="store_true")
    ap.add_argument("--size", default="1600x1200", help="photo size WxH passed to the generator")
    ap.add_argument("--engines", type=int, default=400, metavar="N",
                    help="engine comparison on N synthetic displays (seeds 1000..) and the real crops; 0 skips")
    ap.add_argument("--also-workers", type=int, nargs="*", default=[],
                    help="after the scored run, time verify again with these worker counts (e.g. 1)")
    ap.add_argument("--reuse-batch", action="store_true",
                    help="keep the photos in --out when they were generated with the same --n and --seed")
    args = ap.parse_args()
    import shutil

    batch = args.out or Path(tempfile.mkdtemp(prefix="mv-bench-"))
    stamp = batch / "generated.json"
    wanted = {"n": args.n, "seed": args.seed, "mix": "benchmark", "size": args.size}
    t0 = time.perf_counter()
    if args.reuse_batch and stamp.exists() and json.loads(stamp.read_text()) == wanted:
        shutil.rmtree(batch / "out", ignore_errors=True)  # a stale database would make every row "already verified"
    else:
        if args.out and batch.exists():
            shutil.rmtree(batch)
        subprocess.run([sys.executable, "-m", "samples.synth", "--out", str(batch), "--n", str(args.n),
                        "--seed", str(args.seed), "--mix", "benchmark", "--size", args.size], check=True, cwd=ROOT)
        stamp.write_text(json.dumps(wanted))
    gen_s = time.perf_counter() - t0
    extra = (["--tesseract"] if args.tesseract else []) + ["--reader", args.reader]
    seconds, tree_mb, proc_mb, stdout = run_verify(batch, args.workers, extra)
    s = score(batch)
    n_photos = sum(1 for p in (batch / "photos").iterdir() if p.is_file())
    print(f"batch: {batch}  n={args.n} seed={args.seed} size={args.size} workers={args.workers} "
          f"(generated in {gen_s:.0f} s)")
    print(stdout.strip())
    print("--- figures ---")
    print(f"false accepts:            {s['false_accepts']}  {s['false_accept_rows'][:10]}")
    print(f"straight-through:         {s['straight_through']:.1%} of {s['expected_valid']} correctly typed clear photos")
    print(f"read accuracy (clear):    {s['read_accuracy_read']:.1%} of {s['clear_photos'] - s['not_read']} clear photos"
          f" read ({s['read_accuracy_clear']:.1%} of all {s['clear_photos']}, counting {s['not_read']}"
          " duplicate-id rows whose photos are not read as misses)")
    print(f"status agreement:         {s['status_agreement']:.1%} of {s['rows']} rows")
    print(f"expected-reason recall:   {s['expected_reason_recall']:.1%}")
    print(f"confusion (truth->ours):  {json.dumps(s['confusion'])}")
    print(f"speed:                    {s['rows'] / seconds:.1f} rows/s, {n_photos / seconds:.1f} photos/s "
          f"({seconds:.1f} s wall for {n_photos} photo files, incl. start-up)")
    print(f"peak memory:              {tree_mb:.0f} MB whole process tree, {proc_mb:.0f} MB largest process")
    print("per-stage ms (median / p90): " + "  ".join(
        f"{k} {m:.0f}/{p:.0f}" for k, (m, p) in stage_timings(batch).items()))
    print("reliability (confidence bin: photos read, share exactly right):")
    for label, n, acc in reliability(batch):
        print(f"  {label:<14}{n:>5}  {acc:.1%}")
    if not args.skip_realdata and REALDATA.exists():
        print("--- ../shared/realdata (clear, labelled rows): ours exact / ours digits / plain Tesseract and "
              "ssocr on the whole image, digits ---")
        per_source: dict[str, list[int]] = {}
        for source, kind, ok, dig, tess, ss, n in realdata_figures():
            print(f"  {source:<10}{kind:<14}ours {ok:>2}/{n:<2} exact, {dig:>2}/{n:<2} digits   "
                  f"Tesseract {tess:>2}/{n:<2}  ssocr {ss:>2}/{n:<2}")
            tot = per_source.setdefault(source, [0, 0, 0, 0])
            for i, v in enumerate((dig, tess, ss, n)):
                tot[i] += v
        for source, (dig, tess, ss, n) in sorted(per_source.items()):
            verdict = "beats both" if dig > max(tess, ss) else "does NOT beat both"
            print(f"  {source:<10}all kinds     ours {dig:>2}/{n:<2} digits   Tesseract {tess:>2}/{n:<2}  "
                  f"ssocr {ss:>2}/{n:<2}  -> ours {verdict}")
    for w in args.also_workers:  # speed only: the scored run's results are replaced
        shutil.rmtree(batch / "out", ignore_errors=True)
        secs, tmb, pmb, _ = run_verify(batch, w, extra)
        print(f"speed with {w} worker(s): {n_photos / secs:.1f} photos/s ({secs:.1f} s wall); peak memory "
              f"{tmb:.0f} MB tree, {pmb:.0f} MB largest process")
    if args.engines:
        engine_comparison(args.engines, with_real=not args.skip_realdata)


def engine_comparison(n: int, with_real: bool) -> None:
    """Our recognizer, plain Tesseract and ssocr side by side (scripts/eval_read.py's measurements)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import eval_read

    from pipeline import ssocr

    with_ssocr = ssocr.available()
    print("--- engines on the same rectified crops (ours / plain Tesseract / ssocr) ---")
    if not with_ssocr:
        print(f"(ssocr baseline skipped: {ssocr.INSTALL_HINT})")
    eval_read.eval_synth(n, 1000, True, None, with_ssocr)
    if with_real and REALDATA.is_dir():
        eval_read.eval_jomjol(True, with_ssocr)
        eval_read.eval_public(None, True, with_ssocr)


if __name__ == "__main__":
    main()
