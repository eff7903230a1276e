"""How fast each store takes verify's writes: rows per second on SQLite and PostgreSQL.

The write path is the one ``verify`` runs, without the image stages: register the
batch's rows, then per photo the reuse look-up (pipeline.store.Store.find_reuse) and
the result insert, committed every 25 rows, then the results read back in input order
for the results CSV. The photos' hashes are random, as real photos' are. With
``--writers K`` K processes write K batches at once (several districts' jobs against
one server; SQLite serialises them).

    .venv/bin/python scripts/bench_store.py --rows 20000 --writers 1,4

PostgreSQL: ``--pg postgresql://...`` for a server you run (a new, empty database),
else a throwaway local cluster is started as for the tests (tests/pgcluster.py,
Debian's postgresql package, fsync on, as a server would run).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pipeline.context import PhotoResult, Submission  # noqa: E402
from pipeline.decide import Decision  # noqa: E402
from pipeline.rules import Status  # noqa: E402
from pipeline.store import Store  # noqa: E402

COMMIT_EVERY = 25  # as verify commits


def _submissions(n: int, prefix: str, rng: random.Random) -> list[Submission]:
    return [Submission(row_number=i + 2, submission_id=f"{prefix}{i:08d}", ivrs=f"{rng.randrange(10**11):011d}",
                       typed_reading=str(rng.randrange(10**5)), photo=f"{prefix}{i:08d}.jpg",
                       submitted_at="2026-11-02T10:00:00+05:30", user_type="registered",
                       mobile=f"9{rng.randrange(10**9):09d}", email="") for i in range(n)]


def write_batch(target: str, n: int, prefix: str, seed: int) -> dict[str, float]:
    """verify's writes for ``n`` rows into ``target``; seconds per phase."""
    rng = random.Random(seed)
    subs = _submissions(n, prefix, rng)
    times: dict[str, float] = {}
    with Store(target) as store:
        batch = store.start_batch(f"{prefix}.csv", "consumers.csv", n)
        t = time.perf_counter()
        keys = store.register(subs, batch)
        times["register"] = time.perf_counter() - t
        t = time.perf_counter()
        store.conn.execute("BEGIN")
        for i, key in enumerate(keys):
            photo = PhotoResult(clear=True, kind="lcd", reading=subs[i].typed_reading, confidence=0.97,
                                digit_confidences=[0.99] * 5, phash=f"{rng.getrandbits(64):016x}",
                                crop_phash=f"{rng.getrandbits(64):016x}", width=1600, height=1200,
                                metrics={"sharpness": 120.0, "glare": 0.01}, timings={"total": 0.5})
            reused = store.find_reuse(photo.phash, photo.crop_phash, 6, photo.reading)
            store.save_result(key, Decision(Status.VALID, [], True, "2026-11", 120.0), photo, reused)
            if (i + 1) % COMMIT_EVERY == 0:
                store.conn.execute("COMMIT")
                store.conn.execute("BEGIN")
        store.conn.execute("COMMIT")
        times["results"] = time.perf_counter() - t
        t = time.perf_counter()
        got = sum(1 for _ in store.results_for(keys))
        times["read back"] = time.perf_counter() - t
        assert got == n, (got, n)
    return times


def _worker(args: tuple[str, int, str, int]) -> dict[str, float]:
    return write_batch(*args)


def run(target: str, label: str, rows: int, writers: int) -> None:
    with Store(target):
        pass  # migrations once, before the writers race
    jobs = [(target, rows, f"W{w}{label[0]}{writers}", 1000 + w) for w in range(writers)]
    t = time.perf_counter()
    if writers == 1:
        times = [write_batch(*jobs[0])]
    else:
        with mp.get_context("spawn").Pool(writers) as pool:
            times = pool.map(_worker, jobs)
    wall = time.perf_counter() - t
    phases = {k: max(tm[k] for tm in times) for k in times[0]}
    total = rows * writers
    per = "  ".join(f"{k} {total / v:,.0f} rows/s" for k, v in phases.items())
    print(f"{label:<10} writers {writers}  rows {total:>7,}  wall {wall:6.1f} s  {total / wall:>8,.0f} rows/s"
          f" in all  |  {per}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20000, help="rows per writer (default %(default)s)")
    ap.add_argument("--writers", default="1,4", help="comma-separated writer counts (default %(default)s)")
    ap.add_argument("--pg", help="postgresql:// URL of an empty database (default: a throwaway local cluster)")
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    args = ap.parse_args()
    writers = [int(w) for w in args.writers.split(",")]
    print(f"rows per writer {args.rows:,}; commit every {COMMIT_EVERY}; phases: register, results "
          "(reuse look-up + insert), read back (results CSV order)")
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "postgresql":
            for w in writers:
                run(str(Path(tmp) / f"bench-{w}.db"), "sqlite", args.rows, w)
        if args.only != "sqlite":
            cluster = None
            if not args.pg:
                from pgcluster import Cluster

                cluster = Cluster(durable=True)
            try:
                for w in writers:
                    target = args.pg if args.pg else cluster.new_database()
                    run(target, "postgresql", args.rows, w)
            finally:
                if cluster is not None:
                    cluster.stop()


if __name__ == "__main__":
    main()
