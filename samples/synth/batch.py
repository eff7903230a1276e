"""Batch maker: photos + submissions.csv + consumers.csv + truth.csv (+ annotations.jsonl)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np

from . import cases as cs
from .degrade import encode_jpeg

IST = timezone(timedelta(hours=5, minutes=30))
WINDOW_START = datetime(2026, 11, 1, 0, 0, tzinfo=IST)
WINDOW_END = datetime(2026, 11, 5, 23, 59, tzinfo=IST)
SUBMISSION_HEADER = ["submission_id", "ivrs", "typed_reading", "photo", "submitted_at", "user_type", "mobile",
                     "email"]
CONSUMER_HEADER = ["ivrs", "name", "previous_reading", "previous_reading_date", "tariff_category"]
TRUTH_HEADER = ["submission_id", "case", "true_reading", "expected_status", "expected_reasons", "clear", "kind",
                "register", "defect"]
TARIFFS = ("domestic", "domestic", "domestic", "domestic", "domestic", "domestic", "non-domestic",
           "non-domestic", "industrial", "agriculture")
#: (previous-reading range, monthly consumption range) per tariff, kWh.
USAGE = {"domestic": ((200, 45000), (50, 400)), "non-domestic": ((1000, 150000), (200, 3000)),
         "industrial": ((5000, 900000), (2000, 50000)), "agriculture": ((500, 60000), (100, 1500))}
FIRST = ("Ramesh", "Sunita", "Anil", "Priya", "Mohammed", "Lakshmi", "Rajesh", "Kavita", "Suresh", "Meena",
         "Arjun", "Fatima", "Vikram", "Pooja", "Harpreet", "Deepak", "Anjali", "Imran", "Geeta", "Manoj")
LAST = ("Sharma", "Verma", "Patel", "Yadav", "Singh", "Khan", "Reddy", "Iyer", "Gupta", "Chouhan", "Das",
        "Nair", "Mishra", "Joshi", "Kumar", "Patil", "Thakur", "Bano", "Rao", "Tiwari")


@dataclass
class Consumer:
    """One row of consumers.csv."""

    ivrs: str
    name: str
    tariff: str
    previous_reading: float = 0.0
    previous_date: str = "2026-10-01"
    listed: bool = True  # False -> not written to consumers.csv (unknown IVRS)
    name_raw: bytes | None = None  # non-UTF-8 name bytes for consumers.csv


@dataclass
class Row:
    """One submission with its expected outcome."""

    sid: str
    consumer: Consumer
    typed: str
    photo: str
    submitted_at: str
    user_type: str
    mobile: str
    email: str
    case: str
    true_reading: str
    status: str
    reasons: list[str]
    clear: bool
    kind: str = ""
    register: str = ""
    defect: str = ""
    drop_fields: int = 0
    raw_email: bytes | None = None
    truth: dict = field(default_factory=dict)


class BatchWriter:
    """Holds the state of one batch being generated (rng, consumers, rows, photos)."""

    def __init__(self, out_dir: Path, seed: int, size: tuple[int, int]) -> None:
        self.out = Path(out_dir)
        self.rng = np.random.default_rng(seed)
        self.size = size
        self.consumers: list[Consumer] = []
        self.rows: list[Row] = []
        self.ivrs_used: set[str] = set()
        self.valid_photos: list[tuple[Row, bytes]] = []
        (self.out / "photos").mkdir(parents=True, exist_ok=True)

    # ---- people -------------------------------------------------------------------------------
    def new_ivrs(self) -> str:
        """A fresh 10-12 digit IVRS string (some with leading zeros)."""
        while True:
            n = int(self.rng.integers(10, 13))
            s = "".join(str(d) for d in self.rng.integers(0, 10, n))
            if self.rng.random() < 0.2:
                s = "0" + s[1:]
            elif s[0] == "0":
                s = str(int(self.rng.integers(1, 10))) + s[1:]
            if s not in self.ivrs_used:
                self.ivrs_used.add(s)
                return s

    def new_consumer(self, tariff: str | None = None, listed: bool = True) -> Consumer:
        """A consumer with a name, tariff and a previous-reading date (reading set later)."""
        r = self.rng
        name = f"{FIRST[int(r.integers(len(FIRST)))]} {LAST[int(r.integers(len(LAST)))]}"
        c = Consumer(ivrs=self.new_ivrs(), name=name, tariff=tariff or TARIFFS[int(r.integers(len(TARIFFS)))],
                     previous_date=f"2026-10-0{int(r.integers(1, 6))}", listed=listed)
        if listed:
            self.consumers.append(c)
        return c

    def usage(self, c: Consumer) -> tuple[float, float]:
        """(previous reading, consumption) drawn for the consumer's tariff."""
        (plo, phi), (clo, chi) = USAGE.get(c.tariff, USAGE["domestic"])
        prev = float(np.floor(np.exp(self.rng.uniform(np.log(plo), np.log(phi)))))
        return prev, float(np.round(self.rng.uniform(clo, chi), 2))

    def contact(self, guest: bool, name: str) -> tuple[str, str, str]:
        """(user_type, mobile, email); guests sometimes leave mobile/email empty."""
        r = self.rng
        mobile = str(int(r.integers(6, 10))) + "".join(str(d) for d in r.integers(0, 10, 9))
        dom = ("gmail.com", "yahoo.co.in", "rediffmail.com", "outlook.com")[int(r.integers(4))]
        email = f"{name.split()[0].lower()}.{name.split()[1].lower()}{int(r.integers(1, 999))}@{dom}"
        if guest:
            if r.random() < 0.4:
                mobile = ""
            if r.random() < 0.5:
                email = ""
            return "guest", mobile, email
        return "registered", mobile, email

    # ---- times --------------------------------------------------------------------------------
    def fmt_ts(self, t: datetime, style: str | None = None) -> str:
        """ISO-8601 text: naive (= IST), '+05:30' or 'Z' (UTC)."""
        style = style or ("naive" if self.rng.random() < 0.65 else ("ist" if self.rng.random() < 0.7 else "z"))
        if style == "z":
            return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if style == "ist":
            return t.strftime("%Y-%m-%dT%H:%M:%S+05:30")
        return t.strftime("%Y-%m-%dT%H:%M:%S")

    def outside_ts(self) -> str:
        """A timestamp outside the 1-5 Nov IST window (7th, October, or a UTC trap)."""
        r = self.rng
        k = r.random()
        if k < 0.4:
            t = datetime(2026, 11, 7, int(r.integers(6, 23)), int(r.integers(60)), tzinfo=IST)
            return self.fmt_ts(t)
        if k < 0.7:
            t = datetime(2026, 10, int(r.integers(20, 32)), int(r.integers(6, 23)), int(r.integers(60)), tzinfo=IST)
            return self.fmt_ts(t)
        if k < 0.85:  # 31 Oct 17:00Z = 31 Oct 22:30 IST: before the window
            return "2026-10-31T17:00:00Z"
        return "2026-11-05T19:00:00Z"  # = 6 Nov 00:30 IST: after the window

    # ---- photos -------------------------------------------------------------------------------
    def write_photo(self, name: str, img: np.ndarray, fmt: str, quality: int) -> bytes:
        """Encode and write a photo; returns the bytes written."""
        if fmt == "png":
            ok, buf = cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, 6])
            data = buf.tobytes()
        else:
            data = encode_jpeg(img, quality)
        (self.out / "photos" / name).write_bytes(data)
        return data

    # ---- output -------------------------------------------------------------------------------
    def write_csvs(self) -> None:
        """Write submissions.csv, consumers.csv, truth.csv and annotations.jsonl."""
        marker = "\x00RAW\x00"

        def dump(header: list[str], rows: list[list[str]], raws: list[bytes | None]) -> bytes:
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(header)
            for r in rows:
                w.writerow(r)
            data = buf.getvalue().encode("utf-8")
            for raw in raws:
                if raw is not None:
                    data = data.replace(marker.encode(), raw, 1)
            return data

        sub_rows, sub_raw = [], []
        for r in self.rows:
            vals = [r.sid, r.consumer.ivrs, r.typed, r.photo, r.submitted_at, r.user_type, r.mobile,
                    marker if r.raw_email is not None else r.email]
            sub_rows.append(vals[:len(vals) - r.drop_fields] if r.drop_fields else vals)
            sub_raw.append(r.raw_email)
        (self.out / "submissions.csv").write_bytes(dump(SUBMISSION_HEADER, sub_rows, sub_raw))
        con_rows, con_raw = [], []
        for c in self.consumers:
            pr = f"{c.previous_reading:.0f}" if float(c.previous_reading).is_integer() else f"{c.previous_reading:.1f}"
            con_rows.append([c.ivrs, marker if c.name_raw is not None else c.name, pr, c.previous_date, c.tariff])
            con_raw.append(c.name_raw)
        (self.out / "consumers.csv").write_bytes(dump(CONSUMER_HEADER, con_rows, con_raw))
        tr_rows = [[r.sid, r.case, r.true_reading, r.status, ";".join(r.reasons), "true" if r.clear else "false",
                    r.kind, r.register, r.defect] for r in self.rows]
        (self.out / "truth.csv").write_bytes(dump(TRUTH_HEADER, tr_rows, []))
        with open(self.out / "annotations.jsonl", "w", encoding="utf-8") as f:
            for i, r in enumerate(self.rows):
                f.write(json.dumps({"row": i, "submission_id": r.sid, "photo": r.photo, "case": r.case,
                                    "truth": r.truth}, sort_keys=True) + "\n")


def _counts(weights: dict[str, float], n: int) -> dict[str, int]:
    """Largest-remainder rounding of ``weights`` (summing to ~1) to ``n`` items."""
    tot = sum(weights.values())
    raw = {k: v / tot * n for k, v in weights.items()}
    out = {k: int(np.floor(v)) for k, v in raw.items()}
    rest = n - sum(out.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - out[k]), k))[:rest]:
        out[k] += 1
    return out


def make_batch(out_dir: str | Path, n: int, seed: int, mix: str = "benchmark",
               size: tuple[int, int] = (1600, 1200)) -> Path:
    """Generate a batch in ``out_dir`` and return its path.

    ``mix='benchmark'``: ``n`` submissions in realistic proportions (see ``cases.BENCHMARK_WEIGHTS``).
    ``mix='samples'``: a curated ~37-row batch covering every status and most reasons (``n`` ignored).
    """
    bw = BatchWriter(Path(out_dir), seed, size)
    if mix == "benchmark":
        counts = _counts(cs.BENCHMARK_WEIGHTS, n)
        plan = [c for c, k in counts.items() for _ in range(k)]
        order = bw.rng.permutation(len(plan))
        plan = [plan[i] for i in order]
        # reuse copies / duplicate ids need an earlier original: move them out of the first 20 %
        late = [c for c in plan if c in ("photo_reused", "duplicate_id")]
        early = [c for c in plan if c not in ("photo_reused", "duplicate_id")]
        cut = max(1, len(early) // 5)
        rest = early[cut:] + late
        rest = [rest[i] for i in bw.rng.permutation(len(rest))]
        plan = early[:cut] + rest
        times = sorted(bw.rng.uniform(0, (WINDOW_END - WINDOW_START).total_seconds(), len(plan)))
        for i, case in enumerate(plan):
            t = WINDOW_START + timedelta(seconds=float(times[i]))
            cs.make_row(bw, case, f"S{i + 1:06d}", t, {})
    elif mix == "samples":
        from .curated import SAMPLES_PLAN
        t = WINDOW_START + timedelta(hours=7)
        for i, (case, opts) in enumerate(SAMPLES_PLAN):
            t += timedelta(minutes=float(bw.rng.uniform(60, 200)))
            cs.make_row(bw, case, f"S{i + 1:06d}", t, {"fmt": "jpg", **opts})
    else:
        raise ValueError(f"unknown mix {mix!r}")
    bw.write_csvs()
    return bw.out
