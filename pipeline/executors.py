"""Where the per-photo work runs: in this process, a local pool of processes, or a Dask cluster.

One interface, :class:`Executor`: ``map(fn, items)`` runs a picklable, pure per-photo
function over :class:`PhotoJob` items and yields one result per item, **in the order of
the items** (the decisions are made in input order). An item that is not a job (a
``PhotoResult`` already known, such as a missing file, or ``None`` for a row without a
photo) passes through in its place. Items are pulled lazily in a bounded window, so a
batch of a million rows holds only a few photos in memory.

Every item gives exactly one result, whatever happens to it:

- ``fn`` raises: a ``PROCESSING_ERROR`` result with the exception (``process_photo``
  guards itself, so this is a bug in a replacement function);
- the process running it dies (a crash in a native library, the OOM killer, a lost Dask
  worker): the photo is tried again (the local pool once, in a fresh process; Dask by its
  own retries); a photo that crashes again is a ``PROCESSING_ERROR``;
- it runs past ``timeout`` seconds (a decoder that hangs): the process is killed (the
  local pool's worker; on Dask the worker is restarted by its nanny) and the photo is a
  ``PROCESSING_TIMEOUT``.

Implementations: :class:`InProcess` (one photo after another here; it cannot stop a
hung photo, so :func:`make_executor` uses it only without a time limit),
:class:`LocalPool` (``workers`` processes forked from this one; with one worker it is the
in-process mode that can be stopped) and :class:`DaskExecutor` (``tcp://host:8786`` or
``local:N``; needs ``pip install 'meter-verify[dask]'``).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import signal
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

import cv2

from pipeline.context import PhotoContext, PhotoResult, Plausible
from pipeline.exceptions import ExitCode, MeterVerifyError, MissingDependencyError
from pipeline.rules import Reason

log = logging.getLogger("meter_verify")


@dataclass(frozen=True)
class PhotoJob:
    """One photo's work: plain, picklable data (bytes, not a path: a remote worker needs no file system)."""

    name: str  # the row's photo name (crop file name), from its key
    data: bytes
    ctx: PhotoContext
    typed: str | None = None
    plausible: Plausible | None = None


Item = PhotoJob | PhotoResult | None
PhotoFn = Callable[[PhotoJob], PhotoResult]


def error_result(error: str) -> PhotoResult:
    return PhotoResult(reasons=[Reason.PROCESSING_ERROR.value], error=error)


def timeout_result(seconds: float) -> PhotoResult:
    return PhotoResult(reasons=[Reason.PROCESSING_TIMEOUT.value],
                       error=f"stopped after {seconds:g} s (photo_timeout_s)")


def _call(fn: PhotoFn, job: PhotoJob) -> PhotoResult:
    try:
        return fn(job)
    except Exception as exc:  # noqa: BLE001 - the function raised despite process_photo's guard
        return error_result(repr(exc))


class Executor:
    """Runs ``fn`` over items; yields one result per item in item order. Use as a context manager."""

    def map(self, fn: PhotoFn, items: Iterable[Item]) -> Iterator[PhotoResult | None]:
        raise NotImplementedError

    def close(self) -> None:
        """Release processes or the cluster connection (idempotent)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InProcess(Executor):
    """One photo after another in this process: no time limit can stop a photo here."""

    def map(self, fn: PhotoFn, items: Iterable[Item]) -> Iterator[PhotoResult | None]:
        for item in items:
            yield _call(fn, item) if isinstance(item, PhotoJob) else item


# --- the local pool ------------------------------------------------------------------------------

def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the verify process dies (even by SIGKILL), so no
    orphan goes on writing crops beside the next run."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _serve(conn: Connection, fn: PhotoFn, inherited: list[Connection]) -> None:
    """A worker process: photos in, results out, until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the batch
    _die_with_parent()
    for other in inherited:  # the parent's ends of the other workers' pipes, copied by fork
        with contextlib.suppress(OSError):
            other.close()
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        index, job = msg
        result = _call(fn, job)
        try:
            conn.send((index, result))
        except (BrokenPipeError, OSError):
            return


class _Worker:
    """One process of the pool and the photo it holds."""

    def __init__(self, method: mp.context.BaseContext, fn: PhotoFn, others: list[Connection]) -> None:
        self.conn, child = method.Pipe()
        inherited = [*others, self.conn] if method.get_start_method() == "fork" else []
        self.proc = method.Process(target=_serve, args=(child, fn, inherited), daemon=True)
        self.proc.start()
        child.close()
        self.task: tuple[int, PhotoJob, int] | None = None  # (index, job, attempt)
        self.deadline = float("inf")

    def give(self, task: tuple[int, PhotoJob, int], timeout: float | None) -> None:
        self.task = task
        self.deadline = time.monotonic() + timeout if timeout else float("inf")
        self.conn.send((task[0], task[1]))

    def stop(self, grace: float = 0.0) -> None:
        if self.proc.is_alive() and grace > 0:
            with contextlib.suppress(OSError):
                self.conn.send(None)
            self.proc.join(grace)
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()
        with contextlib.suppress(ValueError):
            self.proc.close()


class LocalPool(Executor):
    """``workers`` processes forked from this one; each holds one photo at a time.

    A photo past ``timeout`` seconds has its worker killed and replaced; a worker that
    dies is replaced and its photo tried once more in the new one.
    """

    def __init__(self, workers: int, timeout: float | None = None) -> None:
        self.workers = max(1, workers)
        self.timeout = timeout or None
        self.window = max(self.workers * 4, 8)  # photos read ahead of the oldest undecided one
        self._pool: list[_Worker] = []
        self._threads: int | None = None
        methods = mp.get_all_start_methods()
        # fork: the workers inherit the loaded models (and, in tests, a replaced function)
        self._method = mp.get_context("fork" if "fork" in methods else None)

    def _spawn(self, fn: PhotoFn) -> _Worker:
        return _Worker(self._method, fn, [w.conn for w in self._pool])

    def _start(self, fn: PhotoFn) -> None:
        # the workers already use every core: OpenCV (dnn, resize, morphology) on one thread in
        # each, or their thread pools take turns (held-out batch, 2 workers: 16.7-17.1 ->
        # 16.9-18.0 photos/s). Set here, before the fork, so workers inherit it: calling
        # setNumThreads in a forked child whose parent ran OpenCV threads can deadlock.
        self._threads = cv2.getNumThreads()
        cv2.setNumThreads(1)
        for _ in range(self.workers):
            self._pool.append(self._spawn(fn))

    def _replace(self, w: _Worker, fn: PhotoFn) -> None:
        i = self._pool.index(w)
        w.stop()
        self._pool[i] = self._spawn(fn)

    def map(self, fn: PhotoFn, items: Iterable[Item]) -> Iterator[PhotoResult | None]:
        self._start(fn)
        try:
            yield from self._run(fn, iter(items))
        finally:
            self.close()

    def _run(self, fn: PhotoFn, items: Iterator[Item]) -> Iterator[PhotoResult | None]:
        done: dict[int, PhotoResult | None] = {}
        todo: deque[tuple[int, PhotoJob, int]] = deque()
        taken = nxt = 0
        exhausted = False
        while True:
            while not exhausted and taken - nxt < self.window:
                item = next(items, _END)
                if item is _END:
                    exhausted = True
                    break
                if isinstance(item, PhotoJob):
                    todo.append((taken, item, 0))
                else:
                    done[taken] = item
                taken += 1
            if nxt in done:
                yield done.pop(nxt)
                nxt += 1
                continue
            if exhausted and nxt == taken:
                return
            for w in self._pool:
                if w.task is None and todo:
                    w.give(todo.popleft(), self.timeout)
            busy = [w for w in self._pool if w.task is not None]
            if not busy:  # cannot happen: the oldest undone item is queued or held; never wait on nothing
                raise RuntimeError("local pool: no photo in flight and none ready")
            wait_s = max(0.0, min(w.deadline for w in busy) - time.monotonic()) if self.timeout else None
            ready = set(wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], wait_s))
            for w in busy:
                index, job, attempt = w.task  # type: ignore[misc]
                if w.conn in ready or w.proc.sentinel in ready:
                    try:
                        got = w.conn.recv() if w.conn.poll() else None
                    except (EOFError, OSError):
                        got = None
                    if got is not None:
                        w.task = None
                        done[got[0]] = got[1]
                        continue
                    w.proc.join(5)
                    code = w.proc.exitcode
                    self._replace(w, fn)  # the worker died with the photo
                    if attempt == 0:
                        todo.appendleft((index, job, 1))  # once more, in a fresh process
                    else:
                        done[index] = error_result(f"the worker process crashed (exit code {code})")
                elif time.monotonic() >= w.deadline:
                    log.warning("photo %s: stopped after %g s (photo_timeout_s)", job.name, self.timeout)
                    self._replace(w, fn)
                    done[index] = timeout_result(self.timeout or 0)

    def close(self) -> None:
        for w in self._pool:
            w.stop(grace=2.0 if w.task is None else 0.0)
        self._pool.clear()
        if self._threads is not None:
            cv2.setNumThreads(self._threads)
            self._threads = None


_END = object()


# --- Dask ----------------------------------------------------------------------------------------

_CV_SET = False


def _on_dask_worker(fn: PhotoFn, job: PhotoJob, topic: str, tag: str) -> PhotoResult:
    """The task a Dask worker runs: the same function, with OpenCV on one thread as in the local pool.

    It says when it starts (an event on ``topic``): the photo's clock starts then, not while it waits
    for a worker (a worker being restarted, a task queued behind another)."""
    global _CV_SET
    if not _CV_SET:
        cv2.setNumThreads(1)
        _CV_SET = True
    if topic:
        with contextlib.suppress(Exception):
            from distributed import get_worker

            get_worker().log_event(topic, tag)
    return fn(job)


def _import_distributed():  # noqa: ANN202 - the distributed module
    try:
        import distributed
    except ImportError as exc:
        raise MissingDependencyError(
            f"--dask needs Dask distributed ({exc.name or exc}): pip install 'meter-verify[dask]'") from None
    return distributed


class DaskExecutor(Executor):
    """The per-photo work on a Dask cluster: ``tcp://SCHEDULER:8786``, or ``local:N`` for a
    ``LocalCluster`` of N worker processes (one thread each) on this machine.

    Tasks are pure functions of their job, so a task whose worker is lost is simply run
    again (the scheduler reschedules it; ``retries`` more runs if it raises). At most one
    task per worker thread is submitted at a time. A task running past ``timeout`` seconds
    (counted from its start on a worker) is cancelled, its row is a PROCESSING_TIMEOUT and
    its worker is restarted (its nanny starts a fresh process: a thread cannot be stopped).
    """

    def __init__(self, address: str, timeout: float | None = None, retries: int = 3) -> None:
        distributed = _import_distributed()
        self.timeout = timeout or None
        self.retries = retries
        self.cluster = None
        self._run_id = uuid.uuid4().hex[:12]
        self._topic = f"meter-verify-start-{self._run_id}" if self.timeout else ""
        self._started: dict[str, float] = {}  # task key -> when its worker began it (our clock)
        self._restarts: list[threading.Thread] = []
        if address.startswith("local:"):
            try:
                n = int(address.split(":", 1)[1])
            except ValueError:
                n = 0
            if n < 1:
                raise MeterVerifyError(f"--dask {address}: local:N needs N >= 1 workers", exit_code=ExitCode.BAD_ARGS)
            self.cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                    dashboard_address=None, silence_logs=logging.ERROR)
            self.client = distributed.Client(self.cluster)
        else:
            try:
                self.client = distributed.Client(address, timeout="30s")
            except OSError as exc:
                raise MeterVerifyError(f"--dask {address}: cannot reach the scheduler ({exc})",
                                       exit_code=ExitCode.BAD_ARGS) from None
        self._distributed = distributed
        # the cluster's own INFO lines (scheduler closing, comms) are not the operator's business
        logging.getLogger("distributed").setLevel(logging.ERROR)
        if self._topic:
            self.client.subscribe_topic(self._topic, self._on_start)

    def _on_start(self, event: tuple[float, str]) -> None:
        self._started[event[1]] = time.monotonic()

    def slots(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def map(self, fn: PhotoFn, items: Iterable[Item]) -> Iterator[PhotoResult | None]:
        wait_for = self._distributed.wait
        slots = self.slots()
        window = max(slots * 4, 8)
        items = iter(items)
        done: dict[int, PhotoResult | None] = {}
        running: dict = {}  # future -> (index, photo name)
        taken = nxt = 0
        exhausted = False
        try:
            while True:
                while not exhausted and len(running) < slots and taken - nxt < window:
                    item = next(items, _END)
                    if item is _END:
                        exhausted = True
                        break
                    if isinstance(item, PhotoJob):
                        key = f"photo-{self._run_id}-{taken}"
                        fut = self.client.submit(_on_dask_worker, fn, item, self._topic, key, key=key,
                                                 retries=self.retries, pure=False)
                        running[fut] = (taken, item.name)
                    else:
                        done[taken] = item
                    taken += 1
                if nxt in done:
                    yield done.pop(nxt)
                    nxt += 1
                    continue
                if exhausted and nxt == taken:
                    return
                wait_s = None
                if self.timeout:  # wake for the first deadline, and now and then for news of a start
                    starts = [self._started[f.key] for f in running if f.key in self._started]
                    wait_s = min([0.5, *(t + self.timeout - time.monotonic() for t in starts)])
                    wait_s = max(0.01, wait_s)
                with contextlib.suppress(TimeoutError):
                    wait_for(list(running), timeout=wait_s, return_when="FIRST_COMPLETED")
                now = time.monotonic()
                for fut, (index, name) in list(running.items()):
                    if fut.done():
                        del running[fut]
                        self._started.pop(fut.key, None)
                        done[index] = self._outcome(fut)
                    elif self.timeout and now >= self._started.get(fut.key, now) + self.timeout:
                        del running[fut]
                        self._started.pop(fut.key, None)
                        log.warning("photo %s: stopped after %g s (photo_timeout_s)", name, self.timeout)
                        self._stop(fut)
                        done[index] = timeout_result(self.timeout)
        finally:
            if running:
                self.client.cancel(list(running))

    @staticmethod
    def _outcome(fut) -> PhotoResult:  # noqa: ANN001 - a distributed.Future
        if fut.status == "finished":
            return fut.result()
        exc = fut.exception() if fut.status == "error" else None
        if exc is not None and type(exc).__name__ == "KilledWorker":
            return error_result(f"the worker process crashed: {exc}")
        return error_result(repr(exc) if exc is not None else f"task {fut.status}")

    def _stop(self, fut) -> None:  # noqa: ANN001 - a distributed.Future
        """Cancel a hung task and restart, in the background, the worker whose thread it holds."""
        try:
            holders = [w for w, keys in self.client.processing().items() if fut.key in keys]
            fut.cancel()
        except Exception as exc:  # noqa: BLE001 - the cluster is going away
            log.warning("could not cancel a hung photo's task: %s", exc)
            return
        if holders:
            t = threading.Thread(target=self._restart, args=(holders,), daemon=True)
            t.start()
            self._restarts.append(t)

    def _restart(self, workers: list[str]) -> None:
        try:
            self.client.restart_workers(workers, raise_for_error=False)
        except Exception as exc:  # noqa: BLE001 - a worker without a nanny cannot be restarted
            log.warning("could not restart the worker of a hung photo (%s): %s", ", ".join(workers), exc)

    def close(self) -> None:
        for t in self._restarts:
            t.join(60)
        self._restarts.clear()
        with contextlib.suppress(Exception):
            if self._topic:
                self.client.unsubscribe_topic(self._topic)
        with contextlib.suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()
            self.cluster = None


def make_executor(workers: int = 1, dask: str | None = None, timeout: float | None = None) -> Executor:
    """The executor for a run: Dask when ``dask`` is given, else a local pool; in this process only
    for one worker without a time limit (a hung photo cannot be stopped without a process to kill)."""
    if dask:
        return DaskExecutor(dask, timeout)
    if workers <= 1 and not timeout:
        return InProcess()
    return LocalPool(workers, timeout)


def worker_count(value: int | None) -> int:
    return max(1, value or os.cpu_count() or 1)
