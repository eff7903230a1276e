"""Where the per-photo work runs (pipeline.executors): the same rows in this process, a local pool and on
Dask; a photo that hangs is stopped as PROCESSING_TIMEOUT; a Dask worker killed midway loses no row."""

from __future__ import annotations

import csv
import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from pipeline import verify
from pipeline.context import PhotoContext, PhotoResult
from pipeline.exceptions import MissingDependencyError
from pipeline.executors import DaskExecutor, InProcess, LocalPool, PhotoJob, make_executor
from pipeline.rules import Reason
from pipeline.store import connect
from pipeline.verify import run_verify

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parent.parent
BATCH = ROOT / "samples" / "batch"
HUNG = "S000004"  # a valid photo that no later row reuses


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def db_rows(db: Path) -> list[dict]:
    """The results table by key, without the time of the decision and the seconds per stage."""
    with connect(db) as conn:
        cur = conn.execute("SELECT * FROM results ORDER BY submission_id, occurrence")
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    for r in rows:
        r.pop("decided_at")
        detail = json.loads(r["detail"])
        detail.pop("timings", None)
        r["detail"] = detail
    return rows


def hang_on_one(job: PhotoJob) -> PhotoResult:
    """The per-photo function with a decoder that never returns on one photo."""
    if job.name == HUNG:
        time.sleep(3600)
    return verify.photo_job(job)


@pytest.fixture(scope="module")
def crops(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("crops")  # one crop folder: the crop paths in the rows are the same


def _run(folder: Path, crops: Path, **kw) -> tuple[list[dict], list[dict]]:
    folder.mkdir(parents=True, exist_ok=True)
    run_verify(BATCH / "submissions.csv", BATCH / "consumers.csv", folder / "m.db", folder / "r.csv",
               crop_dir=crops, **kw)
    return read_csv(folder / "r.csv"), db_rows(folder / "m.db")


@pytest.fixture(scope="module")
def reference(tmp_path_factory, crops) -> tuple[list[dict], list[dict]]:
    """The sample batch in this process, one photo after another (no time limit)."""
    return _run(tmp_path_factory.mktemp("one"), crops, workers=1, photo_timeout_s=0)


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of two worker processes (one thread each), as `--dask local:2` makes."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c, \
            distributed.Client(c) as client:
        yield c, client


# --- the executors on their own: order, crashes, timeouts (no photo work, fast) -------------------

def _echo(job: PhotoJob) -> PhotoResult:
    if job.name == "raise":
        raise ValueError("bad")
    if job.name == "crash":
        os._exit(7)
    if job.name == "hang":
        time.sleep(3600)
    if job.name.startswith("slow"):
        time.sleep(0.05)
    return PhotoResult(reading=job.name)


def _jobs(names: list[str | None]) -> list:
    ctx = PhotoContext()
    return [PhotoJob(n, b"", ctx) if n else None for n in names]


@pytest.mark.parametrize("make", [lambda: InProcess(), lambda: LocalPool(1, timeout=5), lambda: LocalPool(3)])
def test_results_come_in_input_order(make):
    names = [f"slow{i}" if i % 3 == 0 else f"p{i}" for i in range(20)] + [None, "last"]
    with make() as ex:
        got = list(ex.map(_echo, _jobs(names)))
    assert [r.reading if r else None for r in got] == names


def test_local_pool_a_crash_a_raise_and_a_hang_each_cost_their_own_row_only():
    names = ["a", "crash", "b", "raise", "hang", "c", "slow1", "d"]
    started = time.monotonic()
    with LocalPool(2, timeout=1.5) as ex:
        got = list(ex.map(_echo, _jobs(names)))
        assert not ex._pool  # the workers are gone after the batch
    assert time.monotonic() - started < 10
    assert [r.reading for r in got] == ["a", "", "b", "", "", "c", "slow1", "d"]
    assert got[1].reasons == [Reason.PROCESSING_ERROR.value] and "crashed" in got[1].error
    assert got[3].reasons == [Reason.PROCESSING_ERROR.value] and "bad" in got[3].error
    assert got[4].reasons == [Reason.PROCESSING_TIMEOUT.value]


def test_one_worker_with_a_time_limit_runs_in_a_child_process():
    assert isinstance(make_executor(1, timeout=0), InProcess)
    assert isinstance(make_executor(1, timeout=30), LocalPool)
    with make_executor(1, timeout=1) as ex:
        got = list(ex.map(_echo, _jobs(["x", "hang", "y"])))
    assert [r.reasons for r in got] == [[], [Reason.PROCESSING_TIMEOUT.value], []]


def test_without_dask_the_error_says_what_to_install(monkeypatch, tmp_path, capsys):
    from pipeline.cli import main

    args = ["verify", str(BATCH / "submissions.csv"), "--consumers", str(BATCH / "consumers.csv"),
            "--db", str(tmp_path / "m.db")]
    assert main([*args, "--dask", "local:0"]) == 2
    assert "local:N needs N >= 1" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert main([*args, "--dask", "local:2"]) == 5
    assert "pip install 'meter-verify[dask]'" in capsys.readouterr().err
    with pytest.raises(MissingDependencyError):
        DaskExecutor("tcp://127.0.0.1:8786")


# --- the sample batch through verify ------------------------------------------------------------

def test_same_rows_in_process_local_pool_and_dask(reference, tmp_path, crops):
    csv_one, db_one = reference
    assert len(csv_one) == len(db_one) == 37  # the repeated id is a row of its own (occurrence 1)
    for name, kw in [("two", {"workers": 2}), ("dask", {"dask": "local:2"})]:
        got_csv, got_db = _run(tmp_path / name, crops, **kw)
        assert got_csv == csv_one, name
        assert got_db == db_one, name


def test_a_hanging_photo_is_stopped_and_the_batch_goes_on(reference, tmp_path, crops, cluster):
    csv_one, _ = reference
    address = cluster[0].scheduler_address
    # one worker in a child process: test_one_worker_with_a_time_limit_runs_in_a_child_process
    for name, kw in [("two", {"workers": 2}), ("dask", {"dask": address})]:
        started = time.monotonic()
        rows, _ = _run(tmp_path / name, crops, photo_timeout_s=6, photo_fn=hang_on_one, **kw)
        assert time.monotonic() - started < 60, name
        hung = next(r for r in rows if r["submission_id"] == HUNG)
        assert (hung["status"], hung["reasons"], hung["clear"]) == ("rejected", "PROCESSING_TIMEOUT", "false"), name
        assert [r for r in rows if r["submission_id"] != HUNG] == [
            r for r in csv_one if r["submission_id"] != HUNG], name


def test_a_dask_worker_killed_midway_loses_no_row(reference, tmp_path, crops, cluster):
    csv_one, db_one = reference
    lc, client = cluster
    client.wait_for_workers(2)
    before = client.run(os.getpid)
    victim = sorted(before.values())[0]

    class KillAWorker:
        """A progress sink that SIGKILLs one worker process after the 6th decided row."""

        def __init__(self) -> None:
            self.n = 0

        def start(self, total):
            pass

        def advance(self, n=1):
            self.n += n
            if self.n == 6:
                os.kill(victim, signal.SIGKILL)

        def close(self, interrupted=False):
            pass

    rows, db = _run(tmp_path / "killed", crops, dask=lc.scheduler_address, progress=KillAWorker())
    assert rows == csv_one and db == db_one
    client.wait_for_workers(2, timeout=60)
    assert victim not in client.run(os.getpid).values()  # the nanny started a new process
