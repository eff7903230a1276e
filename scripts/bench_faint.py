"""Faint LCDs: read accuracy and confident misreads on low-contrast LCD photos.

Usage (from the repository root):

    .venv/bin/python scripts/bench_faint.py --n 300 --seed 424300

Each photo is a clear generator LCD photo whose segments are faint
(``DisplaySpec.ink`` 0.3-0.5 instead of 0.85-0.97, ghosts fading alike), as an LCD
looks at an angle, in shade or through a cheap camera; the benchmark mix has none.
Three sets: 320x240 frames with 18-26 px digits (a webcam or old phone held close),
1600x1200 photos with the usual digit sizes, and 320x240 frames of a small glass close
around the digits and lit from one side (``DisplaySpec.tight``, like the ``martins``
real photos of a prepayment unit).
Each photo is read as ``verify`` reads it, with its true reading typed (so the legend
is not OCR'd). Prints per size: exactly right, wrong at >= the auto-accept confidence
(the figure that must stay near 0), below it, and rejected with the reasons.
Seeds 0-999 and 90000-99999 are for probing and tuning; 424242 and up are never tuned on.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.context import PhotoContext  # noqa: E402
from pipeline.photo import process_photo  # noqa: E402
from samples.synth.degrade import encode_jpeg  # noqa: E402
from samples.synth.display import random_display_spec  # noqa: E402
from samples.synth.photo import PhotoSpec, render_photo  # noqa: E402

# name -> (photo size, digit height range in px or None for the generator's, tight glass)
SIZES = {"320x240": ((320, 240), (18.0, 26.0), False), "1600x1200": ((1600, 1200), None, False),
         "320x240 tight": ((320, 240), (18.0, 26.0), True)}


def faint_photo(seed: int, size: tuple[int, int], digit_px: tuple[float, float] | None,
                ink: tuple[float, float] = (0.3, 0.5), tight: bool = False) -> tuple[bytes, str]:
    """One clear faint-LCD photo (JPEG bytes, quality 60-89) and its true reading; ``tight``:
    the glass close around the digits and lit unevenly (``DisplaySpec.tight``)."""
    rng = np.random.default_rng(seed)
    spec = random_display_spec(rng, "lcd")
    spec.ink = float(rng.uniform(*ink))
    spec.tight = tight
    dh = float(rng.uniform(*digit_px)) if digit_px else None
    img, truth = render_photo(PhotoSpec(display=spec, size=size, digit_height_px=dh), rng)
    return encode_jpeg(img, int(rng.integers(60, 90))), truth["reading"]


def run(n: int, seed: int, size_name: str, ctx: PhotoContext) -> Counter:
    """Tally of outcomes for ``n`` photos of one size."""
    size, digit_px, tight = SIZES[size_name]
    tally: Counter = Counter()
    for s in range(seed, seed + n):
        data, reading = faint_photo(s, size, digit_px, tight=tight)
        typed = reading.replace(".", "").lstrip("0") or "0"
        r = process_photo(data, ctx, str(s), typed)
        if r.reading == reading:
            tally["exact"] += 1
        elif not r.clear:
            tally["rejected"] += 1
            tally.update(f"  {x}" for x in r.reasons)
        elif r.confidence >= ctx.thresholds.auto_accept_confidence:
            tally["wrong, confident"] += 1
        else:
            tally["wrong or unread, below auto-accept"] += 1
    return tally


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="photos per size")
    ap.add_argument("--seed", type=int, default=424300)
    ap.add_argument("--only", choices=list(SIZES), help="one size only")
    args = ap.parse_args()
    ctx = PhotoContext()
    for name in [args.only] if args.only else SIZES:
        t = run(args.n, args.seed, name, ctx)
        print(f"faint LCD {name}, {args.n} photos (seeds {args.seed}-{args.seed + args.n - 1}):")
        for key in ("exact", "wrong, confident", "wrong or unread, below auto-accept", "rejected"):
            print(f"  {key:36} {t[key]:4}  {100 * t[key] / args.n:5.1f}%")
        for key in sorted(k for k in t if k.startswith("  ")):
            print(f"    {key.strip():34} {t[key]:4}")


if __name__ == "__main__":
    main()
