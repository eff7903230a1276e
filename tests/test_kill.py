"""`meter-verify verify` killed with SIGKILL at random moments, again and again, then run to the end: the
database and the results CSV are those of a run that was never interrupted, with no row lost or doubled."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from pipeline.store import connect

ROOT = Path(__file__).resolve().parent.parent
BATCH = ROOT / "samples" / "batch"
EXTRA = 15  # the first rows again under new ids: same photos, so reuse is found across a resume too

# runs `meter-verify` and SIGKILLs itself after writing the 10th row of the results CSV
KILL_IN_WRITE = """
import os, signal, sys
import pipeline.results as results
fmt, written = results._format, [0]
def counting(row):
    written[0] += 1
    if written[0] == 10:
        os.kill(os.getpid(), signal.SIGKILL)
    return fmt(row)
results._format = counting
from pipeline.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _batch(folder: Path) -> Path:
    """The sample batch plus EXTRA copies of its first rows with other ids: 52 rows, photos in samples/batch."""
    lines = (BATCH / "submissions.csv").read_bytes().splitlines(keepends=True)  # bytes: one row is Latin-1
    extra = [b"K%06d," % i + line.split(b",", 1)[1] for i, line in enumerate(lines[1:EXTRA + 1], 1)]
    path = folder / "submissions.csv"
    path.write_bytes(b"".join(lines) + b"".join(extra))
    return path


def _args(subs: Path) -> list[str]:
    return ["verify", str(subs), "--photos", str(BATCH), "--consumers", str(BATCH / "consumers.csv"),
            "--db", "m.db", "--results", "r.csv", "--crops", "crops", "--workers", "2"]


def _start(folder: Path, subs: Path, wrapper: str | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "-c", wrapper] if wrapper else [sys.executable, "-m", "pipeline"]
    return subprocess.Popen([*cmd, *_args(subs)], cwd=folder, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def _results(folder: Path) -> dict[tuple[str, int], dict]:
    """The results table by key, without the time of the decision and the seconds per stage."""
    if not (folder / "m.db").exists():
        return {}
    with connect(folder / "m.db") as conn:
        cur = conn.execute("SELECT * FROM results")
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    out = {}
    for r in rows:
        r.pop("decided_at")
        detail = json.loads(r["detail"])
        detail.pop("timings", None)
        r["detail"] = detail
        key = (r["submission_id"], r["occurrence"])
        assert key not in out, f"{key} twice"
        out[key] = r
    return out


def _gone(pids: list[int], within: float = 10.0) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids):
            return True
        time.sleep(0.05)
    return False


def test_sigkill_at_random_moments_then_resume_equals_an_uninterrupted_run(tmp_path):
    subs = _batch(tmp_path)
    ref, run = tmp_path / "ref", tmp_path / "killed"
    ref.mkdir()
    run.mkdir()
    started = time.monotonic()
    proc = _start(ref, subs)
    assert proc.wait(120) == 0, proc.stderr.read()
    took = time.monotonic() - started
    want_rows, want_csv = _results(ref), (ref / "r.csv").read_bytes()
    assert len(want_rows) == 37 + EXTRA and want_csv.count(b"\n") == 37 + EXTRA + 1

    rng = random.Random(1717)
    kills, moments, total = 0, [], len(want_rows)
    for _attempt in range(16):
        if kills >= 5:
            break
        # a random moment of this run's life: start-up, then the rows not yet saved
        left = total - len(_results(run))
        share = 0.4 + 0.6 * left / total
        proc = _start(run, subs)
        at = rng.uniform(0.05, 0.9) * took * share
        time.sleep(at)
        try:
            workers = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            workers = []
        if proc.poll() is not None:  # done before its moment (the machine got less busy): a new series
            assert proc.returncode == 0, proc.stderr.read()
            took = min(took, at / share)
            shutil.rmtree(run)
            run.mkdir()
            kills, moments = 0, [*moments, "finished: again"]
            continue
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        kills += 1
        moments.append((round(at, 2), len(_results(run))))
        assert _gone(workers), "a worker outlived the killed verify"
        got = _results(run)
        assert all(got[k] == want_rows[k] for k in got), "a saved row differs from the uninterrupted run's"
        if (run / "r.csv").exists():  # written only whole (temp file, then rename)
            assert (run / "r.csv").read_bytes() == want_csv
    print(f"reference run {took:.1f} s; killed at (s, rows saved): {moments}")
    assert kills >= 5, f"only {kills} kills landed (at {moments})"

    # killed in the middle of writing the results CSV: no CSV, or the last whole one, never a torn one
    before = (run / "r.csv").read_bytes() if (run / "r.csv").exists() else None
    proc = _start(run, subs, KILL_IN_WRITE)
    assert proc.wait(120) == -signal.SIGKILL
    assert (run / "r.csv.tmp").exists()
    assert ((run / "r.csv").read_bytes() if (run / "r.csv").exists() else None) == before
    assert _results(run) == want_rows  # every row was committed before the CSV is written

    proc = _start(run, subs)
    assert proc.wait(120) == 0, proc.stderr.read()
    assert _results(run) == want_rows
    assert (run / "r.csv").read_bytes() == want_csv

    # and once more with a whole CSV in place: the kill during the write leaves it as it was
    proc = _start(run, subs, KILL_IN_WRITE)
    assert proc.wait(120) == -signal.SIGKILL
    assert (run / "r.csv").read_bytes() == want_csv and _results(run) == want_rows

