"""Speed of the reviewer workbench on a cycle with 50,000 flagged submissions.

Generates a database (bulk inserts with realistic values: mixed timestamp
notations, mismatch kinds, digit confidences, masked-on-page contacts, photos of
the sample batch, a few thousand decisions already made), starts
``meter-verify review`` on a free loopback port as a separate process, signs in
and times sequential requests over one keep-alive connection:

- the queue page: first page, following "next" pages deep into the queue, the
  reason filter, the day filter and the consumer filter, in turn;
- the item page of random flagged submissions (each open claims the item);
- a decision (correct) with the redirect that claims and opens the next item.

Prints median and p95 in ms per page (targets: median < 150 ms, p95 < 400 ms).

    .venv/bin/python scripts/bench_review.py [--flagged 50000] [--requests 200]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.store import Store  # noqa: E402
from pipeline.web import auth  # noqa: E402

BATCH = ROOT / "samples" / "batch"
CYCLE = "2026-11"
PASSWORD = "bench-password"
IST = timezone(timedelta(hours=5, minutes=30))
FIRST = ["Pooja", "Sunita", "Geeta", "Manoj", "Anil", "Kavita", "Imran", "Deepak", "Arjun", "Meena", "Ravi",
         "Asha", "Suresh", "Lakshmi", "Farhan", "Neha", "Vikram", "Rekha", "Sanjay", "Priya"]
LAST = ["Sharma", "Verma", "Das", "Chouhan", "Kumar", "Yadav", "Bano", "Reddy", "Gupta", "Rao", "Singh", "Patel"]
MISMATCH = ["MISMATCH_ONE_DIGIT", "MISMATCH_SWAPPED_DIGITS", "MISMATCH_MISSING_DIGIT", "MISMATCH_EXTRA_DIGIT",
            "MISMATCH_DECIMAL", "MISMATCH_PREVIOUS_READING", "MISMATCH_OTHER"]
OTHER = ["LOW_CONFIDENCE", "BELOW_PREVIOUS", "HIGH_CONSUMPTION", "PHOTO_REUSED"]


def _typed_for(reason: str, ocr: str, previous: str, rnd: random.Random) -> str:
    """A typed reading that differs from the display's the way ``reason`` says."""
    whole = ocr.split(".")[0].lstrip("0") or "0"
    digits = list(whole)
    if reason == "MISMATCH_ONE_DIGIT":
        i = rnd.randrange(len(digits))
        digits[i] = str((int(digits[i]) + rnd.randint(1, 8)) % 10)
        return "".join(digits)
    if reason == "MISMATCH_SWAPPED_DIGITS" and len(digits) > 1:
        i = rnd.randrange(len(digits) - 1)
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
        return "".join(digits)
    if reason == "MISMATCH_MISSING_DIGIT" and len(digits) > 1:
        del digits[rnd.randrange(len(digits))]
        return "".join(digits)
    if reason == "MISMATCH_EXTRA_DIGIT":
        digits.insert(rnd.randrange(len(digits) + 1), str(rnd.randint(0, 9)))
        return "".join(digits)
    if reason == "MISMATCH_DECIMAL":
        return ocr.replace(".", "").lstrip("0") or "0"
    if reason == "MISMATCH_PREVIOUS_READING":
        return previous
    if reason == "MISMATCH_OTHER":
        return str(rnd.randint(1000, 99999))
    return whole


def _crops(folder: Path, n: int = 24) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        img = Image.new("RGB", (320, 84), (170, 190, 160))
        ImageDraw.Draw(img).text((30, 32), f"{10000 + i * 373:05d}.{i % 10}", fill=(20, 25, 20))
        path = folder / f"crop{i:02d}.png"
        img.save(path)
        out.append(str(path))
    return out


def generate(db: Path, n_flagged: int, seed: int = 7) -> dict:
    """Fill ``db`` with one cycle: ``n_flagged`` flagged submissions plus valid and rejected ones."""
    rnd = random.Random(seed)
    photos = sorted(p.name for p in (BATCH / "photos").iterdir() if p.suffix.lower() in (".jpg", ".png"))
    crops = _crops(db.parent / "crops")
    n_other = n_flagged // 5
    n_consumers = int((n_flagged + n_other) * 0.9)
    consumers = []
    for i in range(n_consumers):
        previous = str(rnd.randint(800, 60000))
        consumers.append((f"{rnd.randint(10, 99)}{i:09d}", f"{rnd.choice(FIRST)} {rnd.choice(LAST)}", previous,
                          f"2026-10-0{rnd.randint(1, 5)}", rnd.choice(["domestic"] * 8 + ["non-domestic", "agriculture"]),
                          "2026-11-06T00:00:00+00:00"))
    subs, results = [], []
    start = datetime(2026, 11, 1, tzinfo=IST)
    decided0 = datetime(2026, 11, 6, tzinfo=UTC)
    for i in range(n_flagged + n_other):
        ivrs, name, previous, _, _, _ = consumers[rnd.randrange(n_consumers)]
        ts = start + timedelta(seconds=rnd.randint(0, 5 * 86400 - 1))
        at = rnd.choice([ts.isoformat(timespec="seconds"), ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                         ts.strftime("%Y-%m-%dT%H:%M:%S")])
        used = int(previous) + rnd.randint(20, 900)
        ocr = f"{used:0{rnd.choice([5, 6, 7])}d}.{rnd.randint(0, 9)}"
        flagged = i < n_flagged
        if flagged:
            reasons = [rnd.choice(MISMATCH)] if rnd.random() < 0.65 else [rnd.choice(OTHER)]
            if rnd.random() < 0.2:
                reasons.append(rnd.choice(OTHER))
            status = "flagged"
        else:
            reasons, status = ([], "valid") if rnd.random() < 0.7 else (["BLURRED"], "rejected")
        typed = _typed_for(reasons[0], ocr, previous, rnd) if reasons and reasons[0] in MISMATCH else \
            ocr.split(".")[0].lstrip("0")
        n_digits = sum(ch.isdigit() for ch in ocr)
        confs = [round(rnd.uniform(0.55 if "LOW_CONFIDENCE" in reasons else 0.9, 1.0), 4) for _ in range(n_digits)]
        sid = f"B{i:07d}"
        photo = f"photos/{photos[i % len(photos)]}"
        subs.append((sid, 0, f"fp-{sid}", 1, i + 1, ivrs, typed, photo, str((BATCH / photo).resolve()), at,
                     rnd.choice(["registered", "registered", "guest"]), f"9{rnd.randint(100000000, 999999999)}",
                     f"{name.split()[0].lower()}.{i}@example.in"))
        results.append((sid, 0, status, int(status != "rejected"), ocr, round(min(confs), 4), ";".join(reasons),
                        crops[i % len(crops)], rnd.choice(["lcd", "drum"]), "kWh", json.dumps(confs), CYCLE,
                        (decided0 + timedelta(milliseconds=i * 20)).isoformat(timespec="seconds"), "bench"))
    with Store(db) as store:
        c = store.conn
        c.execute("BEGIN")
        c.execute("INSERT INTO batches (batch_id, submissions_csv, consumers_csv, started_at, finished_at, n_rows)"
                  " VALUES (1, ?, ?, '2026-11-06T00:00:00+00:00', '2026-11-06T01:00:00+00:00', ?)",
                  (str(BATCH / "submissions.csv"), str(BATCH / "consumers.csv"), len(subs)))
        c.executemany("INSERT INTO consumers (ivrs, name, previous_reading, previous_reading_date, tariff_category,"
                      " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ivrs) DO NOTHING", consumers)
        c.executemany("INSERT INTO submissions (submission_id, occurrence, fingerprint, batch_id, row_number, ivrs,"
                      " typed_reading, photo, photo_path, submitted_at, user_type, mobile, email)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", subs)
        c.executemany("INSERT INTO results (submission_id, occurrence, status, clear, ocr_reading, confidence,"
                      " reasons, crop, kind, register, digit_confidences, cycle, decided_at, pipeline_version)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", results)
        # a few thousand decisions already made by a team, so progress and the supervisor view have data
        for k, i in enumerate(rnd.sample(range(n_flagged), n_flagged // 25)):
            c.execute("INSERT INTO reviews (submission_id, occurrence, action, reading_before, reading_after, reason,"
                      " reviewer, reviewed_at) VALUES (?, 0, 'confirm', ?, ?, '', ?, ?)",
                      (subs[i][0], subs[i][6], subs[i][6], ["asha", "ravi", "meena"][k % 3],
                       (decided0 + timedelta(minutes=k)).isoformat(timespec="seconds")))
        c.execute("COMMIT")
        auth.add_reviewer(c, "bench", PASSWORD, "reviewer")
    return {"flagged": n_flagged, "other": n_other, "consumers": n_consumers,
            "ivrs": [s[5] for s in subs[: n_flagged: max(1, n_flagged // 50)]],
            "ids": [s[0] for s in subs[:n_flagged]], "crops": str(db.parent / "crops")}


class Client:
    """One keep-alive HTTP connection with the session cookie."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, dict, float]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        t0 = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        ms = (time.perf_counter() - t0) * 1000
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        return resp.status, text, dict(resp.getheaders()), ms


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _summary(name: str, ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return (f"| {name} | {len(ms)} | {statistics.median(ms):.1f} | {q[94]:.1f} | {max(ms):.1f} |")


def run(n_flagged: int, n_requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        data = generate(db, n_flagged)
        print(f"generated {n_flagged:,} flagged + {data['other']:,} other submissions, {data['consumers']:,} "
              f"consumers in {time.perf_counter() - t0:.1f} s ({db.stat().st_size / 1e6:.0f} MB)")
        port = _free_port()
        t0 = time.perf_counter()
        server = subprocess.Popen([sys.executable, "-m", "pipeline", "review", "--db", str(db), "--port", str(port),
                                   "--crops", data["crops"]], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
        try:
            assert server.stdout is not None
            server.stdout.readline()  # "reviewer workbench on ..." once the queue is built
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            print(f"server ready in {time.perf_counter() - t0:.1f} s (migrations, queue of {n_flagged:,} built)")
            _measure(Client(port), data, n_requests)
        finally:
            server.terminate()
            server.wait(10)


def _measure(c: Client, data: dict, n: int) -> None:
    rnd = random.Random(11)
    _, page, _, _ = c.request("GET", "/login")
    status, _, _, _ = c.request("POST", "/login", {"name": "bench", "password": PASSWORD, "csrf": _csrf(page),
                                                  "next": "/queue"})
    assert status == 303, status
    for _ in range(5):  # warm-up: imports, template compilation, page cache
        c.request("GET", f"/queue?cycle={CYCLE}")
        c.request("GET", f"/item/{data['ids'][rnd.randrange(len(data['ids']))]}")
    variants: dict[str, list[float]] = {"first page": [], "next pages (deep)": [], "reason filter": [],
                                        "day filter": [], "consumer filter": []}
    queue_ms: list[float] = []
    next_path = f"/queue?cycle={CYCLE}"
    reasons = MISMATCH + OTHER
    for i in range(n):
        kind = list(variants)[i % len(variants)]
        if kind == "first page":
            path = f"/queue?cycle={CYCLE}"
        elif kind == "next pages (deep)":
            path = next_path
        elif kind == "reason filter":
            path = f"/queue?cycle={CYCLE}&reason={reasons[i % len(reasons)]}"
        elif kind == "day filter":
            path = f"/queue?cycle={CYCLE}&day=2026-11-0{1 + i % 5}"
        else:
            path = f"/queue?cycle={CYCLE}&consumer={data['ivrs'][i % len(data['ivrs'])]}"
        status, html, _, ms = c.request("GET", path)
        assert status == 200, (status, path)
        if kind == "next pages (deep)":
            found = re.search(r'href="(/queue\?[^"]*after=[^"]+)"[^>]*rel="next"', html)
            next_path = found.group(1).replace("&amp;", "&") if found else f"/queue?cycle={CYCLE}"
        variants[kind].append(ms)
        queue_ms.append(ms)
    item_ms = []
    for _ in range(n):
        status, _, _, ms = c.request("GET", f"/item/{data['ids'][rnd.randrange(len(data['ids']))]}")
        assert status == 200, status
        item_ms.append(ms)
    decide_ms = []
    _, _, headers, _ = c.request("GET", f"/next?cycle={CYCLE}")
    for _ in range(max(10, n // 4)):
        status, html, _, _ = c.request("GET", headers["Location"])
        sid = re.search(r'name="submission_id" value="([^"]+)"', html).group(1)
        status, _, headers, ms = c.request("POST", "/decide", {"submission_id": sid, "action": "correct",
                                                               "reading": "12345", "cycle": CYCLE,
                                                               "csrf": _csrf(html)})
        assert status == 303 and "/item/" in headers["Location"], (status, headers.get("Location"))
        decide_ms.append(ms)
    print("\n| page | requests | median ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|")
    print(_summary("queue (all variants)", queue_ms))
    for name, ms in variants.items():
        print(_summary(f"queue: {name}", ms))
    print(_summary("item", item_ms))
    print(_summary("decision + next item claimed", decide_ms))
    ok = statistics.median(queue_ms) < 150 and statistics.quantiles(queue_ms, n=100, method="inclusive")[94] < 400 and \
        statistics.median(item_ms) < 150 and statistics.quantiles(item_ms, n=100, method="inclusive")[94] < 400
    print(f"\ntargets (median < 150 ms, p95 < 400 ms for queue and item): {'met' if ok else 'NOT met'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flagged", type=int, default=50_000, help="flagged submissions (default: %(default)s)")
    ap.add_argument("--requests", type=int, default=200, help="requests per page (default: %(default)s)")
    args = ap.parse_args()
    run(args.flagged, args.requests)


if __name__ == "__main__":
    main()
