"""The verifier's operations on the database: submissions in, decisions out, resumable.

SQLite is the embedded default, PostgreSQL the team's (pipeline.store.backends).
Each submission is keyed by (submission_id, occurrence); a re-run recognises rows
it has seen by their fingerprint and only verifies what has no result yet, so a
killed job loses nothing and duplicates nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from pipeline import __version__
from pipeline.context import Consumer, PhotoResult, Submission
from pipeline.decide import Decision
from pipeline.exceptions import DatabaseError
from pipeline.phash import bands, hamming
from pipeline.rules import Reason
from pipeline.store.backends import Connection, connect, is_url
from pipeline.store.migrations import MIGRATIONS, applied, migrate


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def fingerprint(sub: Submission, occurrence_in_file: int) -> str:
    """Identity of a row's content: the same row in a re-run has the same fingerprint."""
    typed = sub.typed_entered or sub.typed_reading  # as sent: fingerprints of earlier runs stay valid
    parts = [sub.submission_id, sub.ivrs, typed, sub.photo, sub.submitted_at,
             sub.user_type, sub.mobile, sub.email, str(occurrence_in_file)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


REGISTER_LOCK = 727_002  # PostgreSQL advisory lock of Store.register (727_001: the migrations')
_INSERT_SUBMISSION = (
    "INSERT INTO submissions (submission_id, occurrence, fingerprint, batch_id, row_number, ivrs,"
    " typed_reading, typed_reading_entered, photo, photo_path, submitted_at, user_type, mobile, email)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


class Store:
    """A connection to the meter-verify database with the operations the stages need."""

    def __init__(self, target: str | Path) -> None:
        """Open (and create or upgrade) the database at ``target``: a SQLite path or a postgresql:// URL."""
        self.target = str(target) if is_url(str(target)) else Path(target)
        self.conn: Connection = connect(self.target)
        try:
            known = {name for name, _ in MIGRATIONS}
            unknown = applied(self.conn) - known
            if unknown:
                raise DatabaseError(f"database {self.conn.location} was written by a newer meter-verify "
                                    f"(migrations {', '.join(sorted(unknown))}); upgrade meter-verify")
            migrate(self.conn)
        except DatabaseError:
            self.conn.close()
            raise
        except Exception as exc:  # noqa: BLE001 - sqlite3.DatabaseError, psycopg.Error: the driver's own
            self.conn.close()
            raise DatabaseError(f"cannot use database {self.conn.location}: {exc}") from exc

    @property
    def location(self) -> str:
        """Where the database is, for messages (a PostgreSQL URL without its password)."""
        return self.conn.location

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- input ---------------------------------------------------------------
    def upsert_consumers(self, consumers: Iterable[Consumer]) -> None:
        """Store the consumer master as given (later exports read it from here)."""
        now = _now()
        self.conn.execute("BEGIN")
        self.conn.executemany(
            "INSERT INTO consumers (ivrs, name, previous_reading, previous_reading_date, tariff_category,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ivrs) DO UPDATE SET name=excluded.name,"
            " previous_reading=excluded.previous_reading,"
            " previous_reading_date=excluded.previous_reading_date,"
            " tariff_category=excluded.tariff_category, updated_at=excluded.updated_at",
            [(c.ivrs, c.name, c.previous_reading, c.previous_reading_date, c.tariff_category, now)
             for c in consumers],
        )
        self.conn.execute("COMMIT")

    def start_batch(self, submissions_csv: str, consumers_csv: str, n_rows: int, photos_root: str = "") -> int:
        """A new batch; ``photos_root`` is where its photos are read from (a folder or a URL; '' for the CSV's)."""
        return self.conn.insert(
            "INSERT INTO batches (submissions_csv, consumers_csv, started_at, n_rows, photos_root)"
            " VALUES (?, ?, ?, ?, ?)", (submissions_csv, consumers_csv, _now(), n_rows, photos_root or None),
            "batch_id")

    def finish_batch(self, batch_id: int) -> None:
        self.conn.execute("UPDATE batches SET finished_at = ? WHERE batch_id = ?", (_now(), batch_id))

    def register(self, subs: list[Submission], batch_id: int) -> list[tuple[str, int]]:
        """Give every row its key, inserting rows not seen before. Returns keys in input order.

        A row already stored (same fingerprint) keeps its key. A row whose
        submission_id is already taken by different content becomes a new
        occurrence (and is rejected as a duplicate by the decide stage).
        """
        fps: list[str] = []
        seen_in_file: dict[str, int] = {}
        for sub in subs:
            occ_in_file = seen_in_file.get(sub.submission_id, 0)
            seen_in_file[sub.submission_id] = occ_in_file + 1
            fps.append(fingerprint(sub, occ_in_file))
        keys: list[tuple[str, int]] = []
        self.conn.execute("BEGIN")
        try:
            self.conn.lock(REGISTER_LOCK)  # two jobs registering at once take turns
            # Look rows up in chunks, not one by one: on a database server each query is a round trip.
            known: dict[str, tuple[str, int]] = {
                r[0]: (str(r[1]), int(r[2])) for r in self._in_chunks(
                    "SELECT fingerprint, submission_id, occurrence FROM submissions WHERE fingerprint IN ({})",
                    sorted(set(fps)))}
            new_ids = sorted({sub.submission_id for sub, fp in zip(subs, fps, strict=True) if fp not in known})
            top: dict[str, int] = {str(r[0]): int(r[1]) for r in self._in_chunks(
                "SELECT submission_id, MAX(occurrence) FROM submissions WHERE submission_id IN ({})"
                " GROUP BY submission_id", new_ids)}
            rows = []
            for sub, fp in zip(subs, fps, strict=True):
                key = known.get(fp)
                if key is None:
                    occurrence = top[sub.submission_id] + 1 if sub.submission_id in top else 0
                    top[sub.submission_id] = occurrence
                    key = known[fp] = (sub.submission_id, occurrence)
                    rows.append(self._submission_row(sub, key, fp, batch_id))
                if key[1] > 0 and Reason.DUPLICATE_SUBMISSION_ID not in sub.row_problems:
                    sub.row_problems.append(Reason.DUPLICATE_SUBMISSION_ID)
                keys.append(key)
            for i in range(0, len(rows), 1000):
                self.conn.executemany(_INSERT_SUBMISSION, rows[i:i + 1000])
        except Exception:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        return keys

    def _in_chunks(self, sql: str, values: list[str], size: int = 500) -> Iterator[tuple]:
        """Rows of ``sql`` (with one ``IN ({})``) for ``values``, ``size`` at a time."""
        for i in range(0, len(values), size):
            chunk = values[i:i + size]
            yield from self.conn.execute(sql.format(",".join("?" * len(chunk))), chunk)

    @staticmethod
    def _submission_row(sub: Submission, key: tuple[str, int], fp: str, batch_id: int) -> tuple:
        return (key[0], key[1], fp, batch_id, sub.row_number, sub.ivrs, sub.typed_reading,
                sub.typed_entered or sub.typed_reading, sub.photo, str(sub.photo_path or ""), sub.submitted_at,
                sub.user_type, sub.mobile, sub.email)

    def decided_keys(self, keys: list[tuple[str, int]]) -> set[tuple[str, int]]:
        """The subset of ``keys`` that already has a result."""
        done: set[tuple[str, int]] = set()
        ids = sorted({k[0] for k in keys})
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            done.update((r[0], int(r[1])) for r in self.conn.execute(
                f"SELECT submission_id, occurrence FROM results WHERE submission_id IN ({marks})", chunk))
        return done & set(keys)

    def retry_unreachable(self, keys: list[tuple[str, int]]) -> int:
        """Forget the results of ``keys`` that only say the photo store failed (PHOTO_UNREACHABLE), unreviewed.

        Such a row was never judged: the next run verifies it again. Its review-queue entry
        goes with it (the new result may not be flagged). Returns how many were forgotten.
        """
        found = [(str(r[0]), int(r[1])) for r in self._in_chunks(
            "SELECT r.submission_id, r.occurrence FROM results r WHERE r.reasons LIKE '%PHOTO_UNREACHABLE%'"
            " AND r.submission_id IN ({}) AND NOT EXISTS (SELECT 1 FROM reviews v WHERE"
            " v.submission_id = r.submission_id AND v.occurrence = r.occurrence)", sorted({k[0] for k in keys}))]
        found = [k for k in found if k in set(keys)]
        if found:
            with self.transaction():
                for table in ("review_queue_reasons", "review_queue", "results"):
                    self.conn.executemany(f"DELETE FROM {table} WHERE submission_id = ? AND occurrence = ?",  # noqa: S608
                                          found)
        return len(found)

    # --- photo reuse -----------------------------------------------------------
    def find_reuse(self, phash: str, crop_phash: str, max_hamming: int, reading: str = "") -> str | None:
        """submission_id of an earlier result whose photo is (a copy of) this one.

        The whole photos must hash alike. Two different meters framed alike (one
        meter box, one installer's habit) also do, so the display crops must hash
        alike too, or the two displays must read the same: a crop's hash can move
        by more than a few bits when the located crop shifts by some pixels.
        An earlier photo in which no display was found is no match for one that
        shows a display (a washed-out photo's hash is close to many).
        """
        if not phash:
            return None
        b = bands(phash)
        rows = self.conn.execute(
            "SELECT submission_id, phash, crop_phash, ocr_reading FROM results WHERE phash_b0 = ? OR phash_b1 = ?"
            " OR phash_b2 = ? OR phash_b3 = ? ORDER BY decided_at, submission_id", b).fetchall()
        for sid, other, other_crop, other_reading in rows:
            if other and hamming(phash, other) <= max_hamming:
                if crop_phash and not other_crop:
                    continue  # the earlier photo showed no display (washed out, no meter): not this one
                same_reading = bool(reading) and reading == other_reading
                if (crop_phash and other_crop and hamming(crop_phash, other_crop) > 2 * max_hamming
                        and not same_reading):
                    continue  # same scene framing but a different display: not a copy
                return str(sid)
        return None

    # --- output --------------------------------------------------------------
    def save_result(self, key: tuple[str, int], decision: Decision, photo: PhotoResult | None,
                    reused_of: str | None) -> None:
        """Store one decision (call inside :meth:`transaction`)."""
        p = photo or PhotoResult()
        b = bands(p.phash) if p.phash else (None, None, None, None)
        detail = {"metrics": p.metrics, "timings": p.timings, "error": p.error,
                  "digit_alternatives": p.digit_alternatives,
                  "width": p.width, "height": p.height, "reader": p.reader}
        if p.typed_posterior >= 0:
            detail["typed"] = {"posterior": p.typed_posterior, "logp": p.typed_logp,
                               "alternative": p.typed_alternative}
        self.conn.execute(
            "INSERT INTO results (submission_id, occurrence, status, clear, ocr_reading, confidence, reasons,"
            " crop, kind, register, digit_confidences, cycle, units, phash, crop_phash, phash_b0, phash_b1,"
            " phash_b2, phash_b3, reused_of, detail, pipeline_version, decided_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key[0], key[1], decision.status.value, int(decision.clear), p.reading, round(p.confidence, 4),
             ";".join(r.value for r in decision.reasons), p.crop, p.kind, p.register,
             json.dumps([round(c, 4) for c in p.digit_confidences]), decision.cycle, decision.units,
             p.phash, p.crop_phash, *b, reused_of, json.dumps(detail), __version__, _now()))

    def transaction(self) -> _Transaction:
        return _Transaction(self.conn)

    def results_for(self, keys: list[tuple[str, int]]) -> Iterator[dict]:
        """Result rows joined with their submissions, in the order of ``keys`` (looked up 500 ids at a time)."""
        names = ("submission_id", "ivrs", "status", "clear", "ocr_reading", "typed_reading", "confidence",
                 "reasons", "crop", "kind", "register", "cycle", "reused_of")
        q = ("SELECT s.submission_id, s.ivrs, r.status, r.clear, r.ocr_reading, s.typed_reading, r.confidence,"
             " r.reasons, r.crop, r.kind, r.register, r.cycle, r.reused_of, s.occurrence FROM submissions s"
             " JOIN results r ON r.submission_id = s.submission_id AND r.occurrence = s.occurrence"
             " WHERE s.submission_id IN ({})")
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            found = {(str(r[0]), int(r[-1])): r[:-1] for r in self._in_chunks(q, sorted({k[0] for k in chunk}))}
            for key in chunk:
                row = found.get(key)
                if row is not None:
                    yield dict(zip(names, row, strict=True))


class _Transaction:
    """``with store.transaction():`` BEGIN ... COMMIT, or ROLLBACK on error."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
