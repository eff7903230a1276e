"""Render the digit-row training set of the sequence recognizer (samples/synth/rows.py) to one .npz.

Rows are stored back to back (uint8 BGR, 32 px high, variable width) with their
widths, labels and worlds, so a few hundred thousand fit in memory for training.
Real digit crops (haverland-meterdigits, Apache-2.0) are split by a hash of the
file name: ``--split train`` uses 90 % of them, ``--split val`` the other 10 %.

    .venv/bin/python scripts/make_rows.py --n 160000 --seed 1 --split train --out data/rows_train.npz
    .venv/bin/python scripts/make_rows.py --n 4000 --seed 9001 --split val --out data/rows_val.npz
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from samples.synth.rows import RealDigits, render_row  # noqa: E402

HAVERLAND = ROOT.parent / "shared" / "realdata" / "haverland-meterdigits"
_real: RealDigits | None = None


def in_split(file: str, split: str) -> bool:
    """90 % of the real crops train, 10 % validate: fixed by the file name's hash."""
    held = int(hashlib.sha256(file.encode()).hexdigest(), 16) % 10 == 0
    return held if split == "val" else not held


def _init(split: str, use_real: bool) -> None:
    global _real
    if use_real and HAVERLAND.is_dir():
        _real = RealDigits.load(HAVERLAND, keep=lambda f: in_split(f, split))


def _chunk(args: tuple[int, int]) -> list[tuple[np.ndarray, str, str]]:
    seed, n = args
    rng = np.random.default_rng(seed)
    return [render_row(rng, _real) for _ in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--split", choices=("train", "val"), default="train")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-real", action="store_true", help="synthetic worlds only")
    args = ap.parse_args()
    chunk = 500
    jobs = [(args.seed * 100_003 + i, min(chunk, args.n - i * chunk)) for i in range((args.n + chunk - 1) // chunk)]
    started = time.time()
    images, labels, worlds = [], [], []
    with ProcessPoolExecutor(args.workers, initializer=_init, initargs=(args.split, not args.no_real)) as pool:
        for k, rows in enumerate(pool.map(_chunk, jobs), 1):
            for img, label, world in rows:
                images.append(img)
                labels.append(label)
                worlds.append(world)
            if k % 20 == 0:
                print(f"{len(images)} rows, {time.time() - started:.0f} s", flush=True)
    widths = np.array([im.shape[1] for im in images], np.int32)
    flat = np.concatenate([im.transpose(1, 0, 2).reshape(-1, 3) for im in images])  # columns back to back
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, pixels=flat, widths=widths, labels=np.array(labels), worlds=np.array(worlds))
    uniq, counts = np.unique(worlds, return_counts=True)
    print(f"wrote {args.out}: {len(images)} rows in {time.time() - started:.0f} s; "
          + ", ".join(f"{u} {c}" for u, c in zip(uniq, counts, strict=True)))


if __name__ == "__main__":
    main()
