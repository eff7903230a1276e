"""Look at what the learned reader sees: per photo its chosen row crop, the photo with the row drawn, a CSV.

For each labelled photo of the folders given (a real set with manifest.csv or a
generated batch, as scripts/bench_reader.py reads them) it writes to ``--out``:
- ``rows.csv``: file, truth, free reading, its confidence, the typed (honest)
  reading's posterior and log-probability, whether it would be accepted, and a
  category: ``right``, ``misread`` (the integer kWh within two edits of the
  truth), ``other_row`` (a number row far from the truth), ``no_row``;
- ``sheet_<category>.png``: contact sheets of the row crops with truth and
  reading printed above each, to be opened in an image viewer;
- ``photo_<n>.png``: each photo scaled to 480 px with the chosen row's quad.

A diagnostic, not a benchmark: it prints counts per category and per folder.
Never tune thresholds on the real photos it shows.

    .venv/bin/python scripts/debug_reader.py --out /tmp/dbg bench-out/r2_dev5000 ../shared/realdata/tn-meter-photos
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_reader import accepted, integer, is_clear, labelled_rows  # noqa: E402

from pipeline.reader.predict import read_photo  # noqa: E402

SHEET_W, ROW_H = 960, 64  # contact sheet width and the height each crop is drawn at


def edits(a: str, b: str) -> int:
    """Levenshtein distance of two strings."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def category(reading: str, truth: str) -> str:
    if not reading:
        return "no_row"
    got = integer(reading)
    if got == truth:
        return "right"
    return "misread" if edits(got, truth) <= 2 else "other_row"


def sheet(entries: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """Crops stacked with their caption, one per band."""
    bands = []
    for crop, caption in entries:
        h, w = crop.shape[:2]
        scaled = cv2.resize(crop, (max(1, min(SHEET_W, int(w * ROW_H / h))), ROW_H))
        band = np.full((ROW_H + 22, SHEET_W, 3), 255, np.uint8)
        band[22:, :scaled.shape[1]] = scaled
        cv2.putText(band, caption[:110], (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 160), 1, cv2.LINE_AA)
        bands.append(band)
    return np.vstack(bands) if bands else np.full((10, SHEET_W, 3), 255, np.uint8)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", type=Path, nargs="+")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--photos", action="store_true", help="also write each photo with its row drawn")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    table, sheets = [], {}
    n = 0
    for folder in args.folders:
        counts: Counter[str] = Counter()
        for r in labelled_rows(folder)[:args.limit or None]:
            if not is_clear(r):
                continue
            img = cv2.imread(str(folder / r["file"]), cv2.IMREAD_COLOR)
            if img is None:
                continue
            truth = integer(r["reading"])
            res = read_photo(img, typed=truth)
            ok = accepted(res, img, typed=truth)
            cat = category(res.reading, truth)
            counts[cat] += 1
            s = res.typed
            table.append({"n": n, "folder": folder.name, "file": r["file"], "truth": r["reading"],
                          "reading": res.reading, "confidence": round(res.confidence, 3),
                          "posterior": round(s.posterior, 3) if s else "", "logp": round(s.logp, 2) if s else "",
                          "accepted": ok, "category": cat, "rows_read": res.rows_read})
            crop = res.crop if res.crop is not None else np.full((48, 48, 3), 200, np.uint8)
            caption = f"{n} {Path(r['file']).name[:40]} truth {r['reading']} read {res.reading or '-'} " \
                      f"p {res.confidence:.2f} post {s.posterior if s else 0:.2f} {'OK' if ok else 'held'}"
            sheets.setdefault(cat, []).append((crop, caption))
            if args.photos:
                scale = 480 / max(img.shape[:2])
                small = cv2.resize(img, None, fx=scale, fy=scale)
                if res.quad is not None:
                    cv2.polylines(small, [np.int32(res.quad * scale)], True, (0, 0, 255), 2)
                cv2.imwrite(str(args.out / f"photo_{n:03d}.png"), small)
            n += 1
        print(f"{folder.name}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), flush=True)
    with (args.out / "rows.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(table[0]) if table else ["n"])
        w.writeheader()
        w.writerows(table)
    for cat, entries in sheets.items():
        for k in range(0, len(entries), 14):
            cv2.imwrite(str(args.out / f"sheet_{cat}_{k // 14}.png"), sheet(entries[k:k + 14]))


if __name__ == "__main__":
    main()
