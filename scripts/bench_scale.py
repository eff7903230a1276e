"""Scale benchmark (issue 17): local workers against Dask, cost against batch size, memory over a soak run.

Usage (from the repository root):

    .venv/bin/python scripts/bench_scale.py --base 120 --n 240 --sizes 1000,5000,10000 --soak 10000

1. Photos per second of ``meter-verify verify`` on one batch of ``--n`` rows with 1 and 2 local
   workers and on a 2-worker Dask LocalCluster (``--dask local:2``), in one run, and the cost per
   photo of the Dask path against the local one (a ratio of seconds per photo, both on 2 workers).
2. ``--sizes``: the same with 2 local workers on batches of these many rows (cost against size).
3. ``--soak N``: N rows with 2 workers; the resident memory of the main process and of each worker
   sampled every ``--every`` seconds (psutil), drawn as a PNG (``--plot``), with start, end and
   peak MB per process and the slope of a straight-line fit after the warm-up (MB per minute).
4. What a 1-million-photo cycle needs at the measured rate: core-hours, and cores for 24 hours.

Batches: a ``--base``-photo synthetic batch (samples.synth, mix ``benchmark``, a held-out seed)
repeated to any size with distinct submission ids; the same photos recur, so later copies are
flagged PHOTO_REUSED (the reuse look-up against the database is part of the cost at scale), but
every photo is processed in full. The photos stay in the base folder (``--photos``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
MV = str(ROOT / ".venv" / "bin" / "meter-verify")
SUMMARY = re.compile(r"photos processed: (\d+) in ([\d.]+) s \(([\d.]+) photos/s\)")


def base_batch(folder: Path, n: int, seed: int, size: str) -> Path:
    """The synthetic base batch (generated once per n, seed and size, then reused)."""
    stamp = folder / "generated.json"
    wanted = {"n": n, "seed": seed, "mix": "benchmark", "size": size}
    if not (stamp.exists() and json.loads(stamp.read_text()) == wanted):
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "samples.synth", "--out", str(folder), "--n", str(n), "--seed",
                        str(seed), "--mix", "benchmark", "--size", size], check=True, cwd=ROOT)
        stamp.write_text(json.dumps(wanted))
    return folder


def sized_batch(base: Path, rows: int, out: Path) -> Path:
    """A submissions CSV of ``rows`` rows: the base rows over and over, each with its own id."""
    lines = (base / "submissions.csv").read_bytes().splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"submissions-{rows}.csv"
    with path.open("wb") as f:
        f.write(header)
        for i in range(rows):
            line = body[i % len(body)]
            f.write(b"R%07d," % (i + 1) + line.split(b",", 1)[1])
    return path


class Sampler(threading.Thread):
    """RSS (MB) of a process and its children every ``every`` seconds: {pid: [(t, MB), ...]}."""

    def __init__(self, pid: int, every: float) -> None:
        super().__init__(daemon=True)
        self.root, self.every = psutil.Process(pid), every
        self.samples: dict[int, list[tuple[float, float]]] = {}
        self.names: dict[int, str] = {pid: "main"}
        self.stop = threading.Event()
        self.t0 = time.perf_counter()

    def run(self) -> None:
        while not self.stop.is_set():
            t = time.perf_counter() - self.t0
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for p in procs:
                try:
                    mb = p.memory_info().rss / 2**20
                except psutil.Error:
                    continue
                self.names.setdefault(p.pid, f"worker {len(self.names)}")
                self.samples.setdefault(p.pid, []).append((t, mb))
            self.stop.wait(self.every)


def verify(subs: Path, base: Path, work: Path, mode: list[str], every: float = 0.0) -> dict:
    """One `meter-verify verify` on a fresh database; its summary figures (and memory samples)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cmd = [MV, "verify", str(subs), "--photos", str(base), "--consumers", str(base / "consumers.csv"),
           "--db", str(work / "bench.db"), "--results", str(work / "results.csv"), "--crops", str(work / "crops"),
           *mode]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = Sampler(proc.pid, every) if every else None
    if sampler:
        sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if sampler:
        sampler.stop.set()
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"meter-verify {' '.join(mode)} failed ({proc.returncode}): {err[-2000:]}")
    m = SUMMARY.search(out)
    if not m:
        raise SystemExit(f"no summary line in: {out}")
    rows = sum(1 for _ in subs.open("rb")) - 1
    shutil.rmtree(work / "crops", ignore_errors=True)
    return {"rows": rows, "photos": int(m[1]), "seconds": float(m[2]), "rate": float(m[3]), "wall": wall,
            "sampler": sampler}


def fit_slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope (MB per second) of (t, MB) points."""
    n = len(points)
    if n < 2:
        return 0.0
    mt = sum(t for t, _ in points) / n
    mm = sum(m for _, m in points) / n
    den = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (m - mm) for t, m in points) / den if den else 0.0


def report_soak(res: dict, plot: Path, warmup: float) -> None:
    s: Sampler = res["sampler"]
    print(f"soak: {res['rows']} rows, {res['photos']} photos in {res['seconds']:.0f} s ({res['rate']:.1f} photos/s), "
          f"memory sampled every {s.every:g} s")
    print(f"  start: the first sample after the warm-up ({warmup:.0%} of the run); slope: a straight line "
          "fitted from there to the end")
    print(f"  {'process':<10}{'start MB':>10}{'end MB':>10}{'max MB':>10}{'slope MB/min':>14}{'MB/1000 photos':>16}"
          f"{'samples':>9}")
    for pid, pts in s.samples.items():
        if len(pts) < 3:
            continue
        cut = pts[0][0] + warmup * (pts[-1][0] - pts[0][0])
        steady = [p for p in pts if p[0] >= cut]
        slope = fit_slope(steady)
        per_k = slope / res["rate"] * 1000 if res["rate"] else 0.0
        print(f"  {s.names[pid]:<10}{steady[0][1]:>10.0f}{pts[-1][1]:>10.0f}{max(m for _, m in pts):>10.0f}"
              f"{slope * 60:>14.2f}{per_k:>16.2f}{len(pts):>9}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=90)
    for pid, pts in s.samples.items():
        if len(pts) >= 3:
            ax.plot([t / 60 for t, _ in pts], [m for _, m in pts], label=s.names[pid], linewidth=1)
    ax.set_xlabel("minutes")
    ax.set_ylabel("resident memory, MB")
    ax.set_title(f"meter-verify verify --workers 2, {res['rows']} submissions")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    plot.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(plot)
    print(f"  plot: {plot} ({plot.stat().st_size // 1024} KB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=int, default=120, help="photos in the synthetic base batch")
    ap.add_argument("--seed", type=int, default=424242, help="generator seed (424242 and up: held out)")
    ap.add_argument("--size", default="1600x1200", help="photo size WxH")
    ap.add_argument("--n", type=int, default=240, help="rows of the batch for the 1 / 2 / Dask comparison (0: skip)")
    ap.add_argument("--sizes", default="", help="comma-separated batch sizes for cost against size (2 workers)")
    ap.add_argument("--soak", type=int, default=0, metavar="N", help="soak run of N rows with 2 workers")
    ap.add_argument("--every", type=float, default=2.0, help="memory sampling interval of the soak, seconds")
    ap.add_argument("--plot", type=Path, default=Path("bench-out/soak.png"), help="PNG of the soak's memory")
    ap.add_argument("--out", type=Path, help="working folder (default: a temporary one)")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="mv-scale-"))
    t0 = time.perf_counter()
    base = base_batch(out / "base", args.base, args.seed, args.size)
    print(f"base batch: {args.base} photos {args.size} seed {args.seed} in {base} "
          f"({time.perf_counter() - t0:.0f} s)")

    runs: dict[str, dict] = {}
    if args.n:
        subs = sized_batch(base, args.n, out)
        print(f"\nsame batch, {args.n} rows ({psutil.cpu_count()} cores):")
        print(f"  {'mode':<18}{'photos':>7}{'seconds':>9}{'photos/s':>10}{'wall s':>8}{'s/photo/worker':>16}")
        for label, mode, workers in [("1 local worker", ["--workers", "1"], 1),
                                     ("2 local workers", ["--workers", "2"], 2),
                                     ("Dask local:2", ["--dask", "local:2"], 2)]:
            r = verify(subs, base, out / "run", mode)
            r["cost"] = workers / r["rate"]
            runs[label] = r
            print(f"  {label:<18}{r['photos']:>7}{r['seconds']:>9.1f}{r['rate']:>10.2f}{r['wall']:>8.1f}{r['cost']:>16.3f}")
        ratio = runs["Dask local:2"]["cost"] / runs["2 local workers"]["cost"]
        print(f"  Dask / local cost per photo (2 workers each): {ratio:.2f}")

    sized = {}
    if args.sizes:
        print("\ncost against batch size (2 local workers):")
        print(f"  {'rows':>7}{'photos':>8}{'seconds':>9}{'photos/s':>10}{'ms/photo/worker':>17}")
        for n in [int(x) for x in args.sizes.split(",") if x]:
            r = verify(sized_batch(base, n, out), base, out / "run", ["--workers", "2"])
            sized[n] = r
            print(f"  {n:>7}{r['photos']:>8}{r['seconds']:>9.1f}{r['rate']:>10.2f}{2000 / r['rate']:>17.1f}")

    if args.soak:
        print()
        r = verify(sized_batch(base, args.soak, out), base, out / "run", ["--workers", "2"], every=args.every)
        sized.setdefault(args.soak, r)
        report_soak(r, args.plot, warmup=0.1)
        print("\ncost against batch size, with the comparison's 2-worker run and the soak (2 local workers):")
        if runs:
            sized.setdefault(args.n, runs["2 local workers"])
        for n, r in sorted(sized.items()):
            print(f"  {n:>7} rows {r['photos']:>7} photos {r['seconds']:>8.1f} s {r['rate']:>7.2f} photos/s "
                  f"{2000 / r['rate']:>7.1f} ms/photo/worker")

    if not sized and not runs:
        return
    rate = max(sized.items())[1]["rate"] if sized else runs["2 local workers"]["rate"]
    per_core = rate / 2
    core_hours = 1e6 / per_core / 3600
    print(f"\n1 million photos at {per_core:.2f} photos/s per core (2 local workers, the largest batch run): "
          f"{core_hours:.0f} core-hours; {core_hours / 24:.1f} cores for 24 h, {core_hours / 120:.1f} cores "
          f"for the 5-day cycle")
    if runs:
        dask_core = runs["Dask local:2"]["rate"] / 2
        print(f"  on Dask at {dask_core:.2f} photos/s per worker core: {1e6 / dask_core / 3600:.0f} core-hours")
    if not args.out:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
