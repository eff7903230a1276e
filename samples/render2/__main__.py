"""Command line: ``python -m samples.render2 --n 400 --seed 424242 --out DIR [--size 1600x1200]``."""

from __future__ import annotations

import argparse
import sys
import time

from .batch import make_batch
from .photo import parse_size


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, render the batch, print a one-line summary."""
    p = argparse.ArgumentParser(prog="python -m samples.render2",
                                description="Render an independent batch of meter photos with truth and CSVs.")
    p.add_argument("--n", type=int, default=400, help="number of photos / submissions (default 400)")
    p.add_argument("--seed", type=int, default=424242, help="batch seed (default 424242)")
    p.add_argument("--out", required=True, help="output folder (photos/, truth.csv, submissions.csv, consumers.csv)")
    p.add_argument("--size", default="1600x1200", help="photo size WxH; portrait photos swap it (default 1600x1200)")
    p.add_argument("--wrong-typed", type=float, default=0.0, metavar="FRACTION",
                   help="share of submissions whose typed reading is mistyped (default 0)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1; output is identical)")
    a = p.parse_args(argv)
    try:
        parse_size(a.size)
    except ValueError:
        p.error(f"--size must look like 1600x1200, not {a.size!r}")
    if not 0.0 <= a.wrong_typed <= 1.0:
        p.error("--wrong-typed must be between 0 and 1")
    t0 = time.perf_counter()

    def progress(i: int, n: int) -> None:
        if i % 50 == 0 or i == n:
            print(f"  {i}/{n} photos", file=sys.stderr)

    out = make_batch(a.out, a.n, a.seed, size=a.size, wrong_typed=a.wrong_typed, workers=a.workers,
                     progress=progress)
    dt = time.perf_counter() - t0
    print(f"wrote {a.n} photos and truth.csv, submissions.csv, consumers.csv to {out} in {dt:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
