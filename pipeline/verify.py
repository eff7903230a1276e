"""The batch orchestrator: orders the stages, nothing more.

ingest -> store (register rows, resume) -> photos in parallel (pipeline.photo, run by
pipeline.executors: this process, a local pool or Dask) -> decide in input order (reuse
look-up against the database) -> store -> results CSV and summary. Photos are processed
in a bounded sliding window so memory stays flat, and decided in input order so
"submitted earlier" is deterministic.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline import ingest, recognize, sources, tesseract
from pipeline.context import Consumer, PhotoContext, PhotoResult, Plausible, Submission
from pipeline.decide import decide, plausible_for
from pipeline.exceptions import InterruptedByUser, PhotoStoreDownError
from pipeline.executors import Item, PhotoFn, PhotoJob, make_executor, worker_count
from pipeline.photo import process_photo
from pipeline.progress import Progress
from pipeline.results import write_results
from pipeline.rules import DEFAULT_THRESHOLDS, Reason
from pipeline.store import Store
from pipeline.store.backends import data_folder

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class BatchSummary:
    """Counts a scheduled job and an operator want at the end of a run."""

    rows: int = 0
    verified_now: int = 0
    already_verified: int = 0
    retried_unreachable: int = 0  # rows whose photo the store failed to deliver last time, verified again
    by_status: Counter[str] = field(default_factory=Counter)
    by_reason: Counter[str] = field(default_factory=Counter)
    photos_processed: int = 0
    seconds: float = 0.0

    @property
    def photos_per_second(self) -> float:
        return self.photos_processed / self.seconds if self.seconds > 0 else 0.0


def _unreachable(photo: PhotoResult | None) -> bool:
    return photo is not None and Reason.PHOTO_UNREACHABLE.value in photo.reasons


def _photo_name(key: tuple[str, int]) -> str:
    sid = _SAFE.sub("_", key[0])[:80] or "row"
    return f"{sid}" if key[1] == 0 else f"{sid}~{key[1]}"


def _needs_photo(sub: Submission) -> bool:
    return sub.photo_path is not None and Reason.DUPLICATE_SUBMISSION_ID not in sub.row_problems


def _read_bytes(sub: Submission) -> bytes | PhotoResult:
    """The photo's bytes, or a PhotoResult saying why there are none (a folder or a URL: pipeline.sources)."""
    assert sub.photo_path is not None
    return sources.read_photo(sub.photo_path, sub.photo)


def photo_job(job: PhotoJob) -> PhotoResult:
    """The per-photo function the executors run: pure, so a lost worker's photo is simply run again."""
    return process_photo(job.data, job.ctx, job.name, job.typed, job.plausible)


def _items(work: list[tuple[tuple[str, int], Submission]], ctx: PhotoContext,
           prior: Callable[[Submission], Plausible | None]) -> Iterator[Item]:
    """One item per row of ``work``, read as the executor asks: a job, a known result or None (no photo)."""
    for key, sub in work:
        if not _needs_photo(sub):
            yield None
            continue
        data = _read_bytes(sub)
        yield data if isinstance(data, PhotoResult) else PhotoJob(_photo_name(key), data, ctx, sub.typed_reading,
                                                                  prior(sub))


def run_verify(submissions_csv: Path, consumers_csv: Path, db_path: str | Path, results_csv: Path | None,
               workers: int | None = None, crop_dir: Path | None = None,
               progress: Progress | None = None, use_tesseract: bool = False,
               reader: str = "classic", photos: str | Path | None = None, dask: str | None = None,
               photo_timeout_s: float | None = None, photo_fn: PhotoFn | None = None) -> BatchSummary:
    """Verify every not-yet-verified row of a batch; write results for all rows.

    The photos run on ``workers`` local processes, or on Dask (``dask``: ``tcp://HOST:8786`` or
    ``local:N``; pipeline.executors); ``photo_timeout_s`` overrides ``Thresholds.photo_timeout_s``
    (0: no limit, and one worker then runs in this process). ``photo_fn`` replaces the per-photo
    function (:func:`photo_job`) for tests; it must be picklable.

    Ctrl-C (KeyboardInterrupt) keeps every decision made so far and raises
    :class:`InterruptedByUser`, whose message says how many rows were saved.
    """
    tesseract.probe()  # the legend of a display that disagrees with the typed reading is OCR'd
    recognize.verify_artifacts()  # a missing or changed model is a start-up error, not 1,000 photo errors
    if reader == "learned":
        from pipeline.reader.predict import verify_models

        verify_models()
    subs = ingest.read_submissions(submissions_csv, photos)  # photos: a folder or URL, default the CSV's folder
    consumers: dict[str, Consumer] = ingest.read_consumers(consumers_csv)
    workers = worker_count(workers)
    crop_dir = crop_dir or data_folder(db_path) / "crops"
    thresholds = DEFAULT_THRESHOLDS if photo_timeout_s is None else replace(DEFAULT_THRESHOLDS,
                                                                            photo_timeout_s=photo_timeout_s)
    ctx = PhotoContext(thresholds=thresholds, crop_dir=str(crop_dir), use_tesseract=use_tesseract, reader=reader)
    summary = BatchSummary(rows=len(subs))
    started = time.perf_counter()
    with Store(db_path) as store, make_executor(workers, dask, thresholds.photo_timeout_s) as executor:
        store.upsert_consumers(consumers.values())
        batch_id = store.start_batch(str(submissions_csv), str(consumers_csv), len(subs),
                                     str(photos) if photos is not None else "")
        keys = store.register(subs, batch_id)
        summary.retried_unreachable = store.retry_unreachable(keys)  # the store failed them last time
        done = store.decided_keys(keys)
        work = [(k, s) for k, s in zip(keys, subs, strict=True) if k not in done]
        summary.already_verified = len(keys) - len(work)
        if progress is not None:
            progress.start(len(work))
        commit_every, since_commit, unreachable_run = 25, 0, 0
        # the consumer's previous reading travels with the photo: the learned reader's prior on near misses
        photos = executor.map(photo_fn or photo_job, _items(work, ctx, lambda sub: plausible_for(
            consumers.get(sub.ivrs), ingest.parse_timestamp(sub.submitted_at), ctx.thresholds)))
        store.conn.execute("BEGIN")
        try:
            for (key, sub), photo in zip(work, photos, strict=True):
                reused_of = None
                if photo is not None and photo.phash and photo.clear:
                    reused_of = store.find_reuse(photo.phash, photo.crop_phash, ctx.thresholds.reuse_max_hamming,
                                                 photo.reading)
                decision = decide(sub, consumers.get(sub.ivrs), photo, reused_of is not None, ctx.thresholds)
                store.save_result(key, decision, photo, reused_of)
                unreachable_run = unreachable_run + 1 if _unreachable(photo) else 0
                if 0 < ctx.thresholds.unreachable_stop_after <= unreachable_run:
                    raise PhotoStoreDownError(
                        f"the photo store stopped delivering photos: {unreachable_run} in a row could not be "
                        f"read ({photo.error}). The rows decided so far are saved in {store.location}; fix "
                        "the store, then run the same command: it resumes and tries those photos again")
                summary.verified_now += 1
                summary.photos_processed += photo is not None and bool(photo.width)
                since_commit += 1
                if since_commit >= commit_every:
                    store.conn.execute("COMMIT")
                    store.conn.execute("BEGIN")
                    since_commit = 0
                if progress is not None:
                    progress.advance(1)
            store.conn.execute("COMMIT")
        except KeyboardInterrupt:
            store.conn.execute("COMMIT")  # keep what was decided; a re-run resumes after it
            photos.close()  # stop the workers now
            if progress is not None:
                progress.close(interrupted=True)
            done_total = summary.already_verified + summary.verified_now
            raise InterruptedByUser(
                f"{done_total} of {summary.rows} rows are verified and saved in {store.location} "
                f"({summary.verified_now} in this run); run the same command again to verify the other "
                f"{summary.rows - done_total}") from None
        except BaseException:
            store.conn.execute("COMMIT")  # keep what was decided; a re-run resumes after it
            photos.close()
            raise
        if progress is not None:
            progress.close()
        store.finish_batch(batch_id)
        summary.seconds = time.perf_counter() - started
        for row in store.results_for(keys):
            summary.by_status[row["status"]] += 1
            for reason in filter(None, (row["reasons"] or "").split(";")):
                summary.by_reason[reason] += 1
        if results_csv is not None:
            write_results(results_csv, store.results_for(keys))
    return summary


def print_summary(summary: BatchSummary, stream=sys.stdout) -> None:  # noqa: ANN001
    """Counts by status and reason, and the speed, for the operator."""
    w = stream.write
    w(f"rows: {summary.rows}  verified now: {summary.verified_now}  "
      f"already verified: {summary.already_verified}\n")
    if summary.retried_unreachable:
        w(f"tried again (the photo store failed them last time): {summary.retried_unreachable}\n")
    for status in ("valid", "flagged", "rejected"):
        w(f"  {status:<9}{summary.by_status.get(status, 0):>7}\n")
    if summary.by_reason:
        w("reasons:\n")
        for reason, n in summary.by_reason.most_common():
            w(f"  {reason:<28}{n:>7}\n")
    w(f"photos processed: {summary.photos_processed} in {summary.seconds:.1f} s "
      f"({summary.photos_per_second:.1f} photos/s)\n")
