"""CLI: ``python -m samples.synth --out DIR --n 400 --seed 1234 [--mix benchmark|samples]``."""

from __future__ import annotations

import argparse
import sys
import time

from .batch import make_batch


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and generate one batch."""
    ap = argparse.ArgumentParser(prog="python -m samples.synth", description=__doc__)
    ap.add_argument("--out", required=True, help="output folder (created)")
    ap.add_argument("--n", type=int, default=400, help="number of submissions (benchmark mix)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--mix", choices=("benchmark", "samples"), default="benchmark")
    ap.add_argument("--size", default="1600x1200", help="photo size WxH (default 1600x1200)")
    a = ap.parse_args(argv)
    w, h = (int(v) for v in a.size.lower().split("x"))
    t0 = time.time()
    out = make_batch(a.out, a.n, a.seed, mix=a.mix, size=(w, h))
    print(f"wrote {out} in {time.time() - t0:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
