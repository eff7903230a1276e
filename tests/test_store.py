"""Database: migrations, idempotent registration, duplicates, reuse look-up (SQLite and PostgreSQL)."""

import pytest

from pipeline.context import PhotoResult, Submission
from pipeline.decide import Decision
from pipeline.exceptions import DatabaseError
from pipeline.rules import Reason, Status
from pipeline.store import Store, connect
from pipeline.store.migrations import MIGRATIONS


def sub(sid="S1", typed="100", **kw):
    base = dict(row_number=1, submission_id=sid, ivrs="1", typed_reading=typed, photo="a.jpg",
                submitted_at="2026-11-02", user_type="guest", mobile="", email="")
    base.update(kw)
    return Submission(**base)


def test_migrations_apply_once(db_target):
    db = db_target
    Store(db).close()
    with Store(db) as store:
        names = [r[0] for r in store.conn.execute("SELECT name FROM schema_migrations")]
    assert names == [name for name, _ in MIGRATIONS]


def test_newer_database_refused(db_target):
    db = db_target
    Store(db).close()
    with connect(db) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES ('9999_future', 'x')")
    with pytest.raises(DatabaseError):
        Store(db)


def test_register_is_idempotent_and_marks_duplicates(db_target):
    with Store(db_target) as store:
        b = store.start_batch("s.csv", "c.csv", 3)
        first = [sub("S1"), sub("S2"), sub("S1", typed="200")]
        keys = store.register(first, b)
        assert keys == [("S1", 0), ("S2", 0), ("S1", 1)]
        assert Reason.DUPLICATE_SUBMISSION_ID in first[2].row_problems
        again = [sub("S1"), sub("S2"), sub("S1", typed="200")]
        assert store.register(again, b) == keys  # re-run: same keys, no new rows
        assert Reason.DUPLICATE_SUBMISSION_ID in again[2].row_problems
        later = [sub("S2", typed="999")]  # another batch reuses an id with other content
        assert store.register(later, b) == [("S2", 1)]
        assert Reason.DUPLICATE_SUBMISSION_ID in later[0].row_problems
        assert store.conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 4


def test_two_jobs_registering_one_batch_at_once_agree_on_every_key(db_target):
    """Four jobs register the same 1,500 rows (with a duplicated id) at the same moment."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    Store(db_target).close()
    rows = [sub(f"S{i:05d}", typed=str(i)) for i in range(1500)] + [sub("S00007", typed="other")]
    start = Barrier(4)

    def job(_: int) -> list[tuple[str, int]]:
        with Store(db_target) as store:
            batch = store.start_batch("s.csv", "c.csv", len(rows))
            start.wait()
            return store.register([sub(r.submission_id, typed=r.typed_reading) for r in rows], batch)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(job, range(4)))
    assert all(r == results[0] for r in results)
    assert results[0][-1] == ("S00007", 1) and len(set(results[0])) == len(rows)
    with connect(db_target) as conn:
        assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == len(rows)


def test_decided_keys_and_reuse_lookup(db_target):
    with Store(db_target) as store:
        b = store.start_batch("s.csv", "c.csv", 2)
        keys = store.register([sub("S1"), sub("S2")], b)
        photo = PhotoResult(clear=True, reading="100", confidence=0.99, phash="f0f0f0f0f0f0f0f0",
                            crop_phash="0123456789abcdef")
        with store.transaction():
            store.save_result(keys[0], Decision(Status.VALID, clear=True), photo, None)
        assert store.decided_keys(keys) == {keys[0]}
        assert store.find_reuse("f0f0f0f0f0f0f0f1", "0123456789abcdef", 6) == "S1"  # 1 bit off
        assert store.find_reuse("0f0f0f0f0f0f0f0f", "0123456789abcdef", 6) is None
        # same framing, but the display crop differs a lot: not a copy
        assert store.find_reuse("f0f0f0f0f0f0f0f0", "fedcba9876543210", 6) is None
        assert store.find_reuse("f0f0f0f0f0f0f0f0", "fedcba9876543210", 6, reading="101") is None
        # ... unless both displays read the same: the crop shifted, the photo is a copy
        assert store.find_reuse("f0f0f0f0f0f0f0f0", "fedcba9876543210", 6, reading="100") == "S1"
        blank = PhotoResult(clear=False, phash="0f0f0f0f0f0f0f0f")  # a washed-out photo: no display crop
        with store.transaction():
            store.save_result(keys[1], Decision(Status.REJECTED, clear=False), blank, None)
        assert store.find_reuse("0f0f0f0f0f0f0f0f", "0123456789abcdef", 6, reading="100") is None
        assert store.find_reuse("0f0f0f0f0f0f0f0f", "", 6) == "S2"  # no display either: a copy
