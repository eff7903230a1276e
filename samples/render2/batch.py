"""A submission batch from render2 photos: photos/, truth.csv, submissions.csv, consumers.csv.

The CSV formats follow docs/formats.md (the same columns as ``samples/batch``); the code is
independent of ``samples/synth``. Each photo is one submission by its own consumer. The typed
reading is the true integer kWh of the meter (honest), or, for a ``wrong_typed`` share, the
same number mistyped: one digit changed, two neighbours swapped or a digit dropped.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from .photo import TRUTH_FIELDS, render_photo

IST = timezone(timedelta(hours=5, minutes=30))
START = datetime(2026, 11, 1, 0, 0, 0, tzinfo=IST)
SPAN_S = 5 * 24 * 3600 - 60  # 1 Nov 00:00 .. 5 Nov 23:59 IST
SUBMISSION_HEADER = ["submission_id", "ivrs", "typed_reading", "photo", "submitted_at", "user_type", "mobile",
                     "email"]
CONSUMER_HEADER = ["ivrs", "name", "previous_reading", "previous_reading_date", "tariff_category"]
TRUTH_HEADER = ["file", "submission_id", *[f for f in TRUTH_FIELDS if f != "file"], "ivrs", "typed",
                "typed_honest", "typed_error"]
GIVEN = ("Aarti", "Bhavesh", "Chitra", "Dinesh", "Farhan", "Gayatri", "Harish", "Ishaan", "Jaya", "Kiran",
         "Lalit", "Madhu", "Naveen", "Oviya", "Pranav", "Rukhsana", "Selvam", "Tanvi", "Usha", "Yusuf")
FAMILY = ("Agarwal", "Banerjee", "Choudhary", "Dubey", "Fernandes", "Ganguly", "Hegde", "Jain", "Kulkarni",
          "Menon", "Naidu", "Pandey", "Qureshi", "Rathore", "Saxena", "Subramanian", "Trivedi", "Venkatesh")
#: monthly consumption range per tariff (previous reading = true reading minus this)
MONTHLY = {"domestic": (40, 350), "non-domestic": (150, 2500), "industrial": (1500, 40000),
           "agriculture": (80, 1200)}


def mistype(typed: str, rng: np.random.Generator) -> tuple[str, str]:
    """A wrong version of ``typed`` and how it was made: 'digit_changed', 'swapped' or 'dropped'."""
    kinds = ["digit_changed"]
    if len(typed) >= 2 and any(typed[i] != typed[i + 1] for i in range(len(typed) - 1)):
        kinds.append("swapped")
    if len(typed) >= 2:
        kinds.append("dropped")
    kind = kinds[int(rng.integers(len(kinds)))]
    if kind == "swapped":
        pairs = [i for i in range(len(typed) - 1) if typed[i] != typed[i + 1]]
        i = pairs[int(rng.integers(len(pairs)))]
        return typed[:i] + typed[i + 1] + typed[i] + typed[i + 2:], kind
    if kind == "dropped":
        i = int(rng.integers(len(typed)))
        return typed[:i] + typed[i + 1:], kind
    i = int(rng.integers(len(typed)))
    d = str((int(typed[i]) + int(rng.integers(1, 10))) % 10)
    return typed[:i] + d + typed[i + 1:], kind


def _ivrs(rng: np.random.Generator, used: set[str]) -> str:
    while True:
        s = "".join(str(int(d)) for d in rng.integers(0, 10, int(rng.integers(10, 13))))
        if rng.random() < 0.25:
            s = "00" + s[2:]
        if s not in used:
            used.add(s)
            return s


def _tariff(layout: str, rng: np.random.Generator) -> str:
    """Tariff category: 3-phase meters are mostly shops and workshops, 1-phase mostly homes."""
    if "3ph" in layout:
        choices = ("non-domestic", "industrial", "non-domestic", "domestic")
    else:
        choices = ("domestic",) * 7 + ("non-domestic", "agriculture", "agriculture")
    return choices[int(rng.integers(len(choices)))]


def _render(args: tuple[int, str]) -> tuple[bytes, dict]:
    seed, size = args
    return render_photo(seed, size=size)


def _photos(seeds: list[int], size: str, workers: int) -> Iterator[tuple[bytes, dict]]:
    """Photos in seed order; ``workers`` > 1 renders in worker processes (same bytes)."""
    jobs = [(s, size) for s in seeds]
    if workers <= 1:
        yield from map(_render, jobs)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_render, jobs, chunksize=4)


def _fmt(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def make_batch(out_dir: str | Path, n: int, seed: int, size: str = "1600x1200", wrong_typed: float = 0.0,
               workers: int = 1, progress: Callable[[int, int], None] | None = None) -> Path:
    """Render ``n`` photos into ``out_dir`` and write the three CSVs; returns ``out_dir``."""
    out = Path(out_dir)
    (out / "photos").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    seeds: list[int] = []
    seen: set[int] = set()
    while len(seeds) < n:
        s = int(rng.integers(1, 2 ** 31 - 1))
        if s not in seen:
            seen.add(s)
            seeds.append(s)
    times = np.sort(rng.uniform(0, SPAN_S, n))
    used: set[str] = set()
    subs, cons, truths = [], [], []
    for i, (data, tr) in enumerate(_photos(seeds, size, workers)):
        sid = f"R{i + 1:06d}"
        name = f"photos/{sid}.jpg"
        (out / name).write_bytes(data)
        ivrs = _ivrs(rng, used)
        tariff = _tariff(tr["layout"], rng)
        honest = str(int(np.floor(float(tr["kwh"]))))
        typed, err = honest, ""
        if rng.random() < wrong_typed:
            typed, err = mistype(honest, rng)
        lo, hi = MONTHLY[tariff]
        prev = max(0, int(np.floor(float(tr["kwh"]))) - int(rng.uniform(lo, hi)))
        person = f"{GIVEN[int(rng.integers(len(GIVEN)))]} {FAMILY[int(rng.integers(len(FAMILY)))]}"
        guest = rng.random() < 0.15
        mobile = str(int(rng.integers(6, 10))) + "".join(str(int(d)) for d in rng.integers(0, 10, 9))
        email = f"{person.split()[0].lower()}.{person.split()[1].lower()}{int(rng.integers(10, 999))}@" + \
            ("gmail.com", "yahoo.in", "rediffmail.com", "outlook.com")[int(rng.integers(4))]
        if guest:
            mobile = "" if rng.random() < 0.3 else mobile
            email = "" if rng.random() < 0.6 else email
        when = (START + timedelta(seconds=float(times[i]))).strftime("%Y-%m-%dT%H:%M:%S+05:30")
        subs.append([sid, ivrs, typed, name, when, "guest" if guest else "registered", mobile, email])
        cons.append([ivrs, person, str(prev), f"2026-10-0{int(rng.integers(1, 6))}", tariff])
        tr = dict(tr, file=name, submission_id=sid, ivrs=ivrs, typed=typed, typed_honest=not err,
                  typed_error=err)
        truths.append([_fmt(tr.get(k)) for k in TRUTH_HEADER])
        if progress:
            progress(i + 1, n)
    for fname, header, rows in (("submissions.csv", SUBMISSION_HEADER, subs), ("consumers.csv", CONSUMER_HEADER, cons),
                                ("truth.csv", TRUTH_HEADER, truths)):
        with open(out / fname, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
    return out
