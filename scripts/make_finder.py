"""Render the training photos of the register-row finder (samples.synth photos with their row quads).

Each photo is kept as a JPEG (640x480 as rendered, or portrait) with the quads of
the register's digit row and of the display window, the register shown and the
defect, in one .npz. Crops, zoom, rotation and colour are varied at training
time (scripts/train_finder.py), so one photo serves many views.

    .venv/bin/python scripts/make_finder.py --n 12000 --seed 11 --out data/finder_train.npz
    .venv/bin/python scripts/make_finder.py --n 600 --seed 9011 --out data/finder_val.npz
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from samples.synth.photo import PhotoSpec, render_photo  # noqa: E402

REGISTERS = ("kWh", "kWh", "kWh", "kWh", "kWh", "kWh", "MD", "kVAh", "V", "date", "time")
DEFECTS = (None,) * 14 + ("blur", "dark", "glare", "small", "not_meter", "cut_off")


def _one(seed: int) -> tuple[bytes, dict]:
    rng = np.random.default_rng(seed)
    size = (640, 480) if rng.random() < 0.8 else (480, 640)
    register = REGISTERS[int(rng.integers(len(REGISTERS)))]
    defect = DEFECTS[int(rng.integers(len(DEFECTS)))]
    kind = "lcd" if rng.random() < 0.7 or register != "kWh" else "drum"
    img, truth = render_photo(PhotoSpec(size=size, register=register, defect=defect, kind=kind), rng)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 92])
    keep = {k: truth.get(k) for k in ("display_quad", "window_quad", "register", "defect", "kind", "reading", "clear")}
    return buf.tobytes(), keep


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    started = time.time()
    jpegs, truths = [], []
    seeds = [args.seed * 1_000_003 + i for i in range(args.n)]
    with ProcessPoolExecutor(args.workers) as pool:
        for k, (jpeg, truth) in enumerate(pool.map(_one, seeds, chunksize=20), 1):
            jpegs.append(np.frombuffer(jpeg, np.uint8))
            truths.append(truth)
            if k % 1000 == 0:
                print(f"{k} photos, {time.time() - started:.0f} s", flush=True)
    offsets = np.cumsum([0] + [len(j) for j in jpegs])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, jpeg=np.concatenate(jpegs), offsets=offsets, truth=np.array([json.dumps(t) for t in truths]))
    print(f"wrote {args.out}: {len(jpegs)} photos in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
