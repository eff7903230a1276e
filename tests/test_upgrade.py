"""A database made by an earlier release keeps working: upgraded in place, or copied to PostgreSQL.

``tests/data/release-8a64e35.sql`` is the SQLite database that release 8a64e35 (the
last one before the store package) left after verifying the sample batch, three
reviewer decisions, a billing export, a published draw list, a draw and notices;
``release-8a64e35-billing.csv`` is the billing feed it wrote. See tests/data/README.md.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from cycle_data import CYCLE

import pipeline.store.migrations as migrations
from pipeline.cli import main
from pipeline.exceptions import ExitCode
from pipeline.store import Store, connect
from pipeline.store.copy import copy_store, tables_in_order

DATA = Path(__file__).resolve().parent / "data"
RELEASE = "8a64e35"


def release_db(folder: Path) -> Path:
    """The release's database, loaded from its dump into a new SQLite file."""
    path = folder / f"release-{RELEASE}.db"
    conn = sqlite3.connect(path)
    conn.executescript((DATA / f"release-{RELEASE}.sql").read_text(encoding="utf-8"))
    conn.close()
    return path


def contents(target: str | Path, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table of the schema (in ``columns``' columns, else all), sorted, as plain tuples."""
    with connect(target) as conn:
        out = {}
        for t, _ in tables_in_order():
            cols = ", ".join(columns[t]) if columns and t in columns else "*"
            out[t] = sorted((tuple(r) for r in conn.execute(f"SELECT {cols} FROM {t}")), key=repr)  # noqa: S608
        return out


def column_names(target: str | Path) -> dict[str, list[str]]:
    with connect(target) as conn:
        return {t: [d[0] for d in conn.execute(f"SELECT * FROM {t} WHERE 1 = 0").description]  # noqa: S608
                for t, _ in tables_in_order() if conn.execute(  # the tables the database has
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (t,)).fetchone()}


def export_billing(db: str | Path, out: Path) -> bytes:
    assert main(["export", "billing", "--cycle", CYCLE, "-o", str(out), "--db", str(db)]) == ExitCode.OK
    return out.read_bytes()


def test_the_release_database_upgrades_in_place_and_bills_as_it_did(tmp_path, capsys):
    db = release_db(tmp_path)
    released = column_names(db)
    before = contents(db)
    assert sum(map(len, before.values())) > 100 and before["reviews"] and before["draws"]
    with Store(db) as store:
        assert {n for n, _ in migrations.MIGRATIONS} == migrations.applied(store.conn)  # later ones applied
    assert contents(db, released) == before  # upgrading lost nothing
    with connect(db) as conn:
        assert conn.execute("SELECT photos_root FROM batches").fetchone()[0] is None  # 0005: unknown then
    assert export_billing(db, tmp_path / "b.csv") == (DATA / f"release-{RELEASE}-billing.csv").read_bytes()
    assert main(["decide", "S000011", "--reject", "blurred", "--reviewer", "asha", "--db", str(db)]) == 0
    assert "(review 4)" in capsys.readouterr().out  # ids continue after the release's


def test_the_release_database_copied_to_postgresql_is_the_same_database(tmp_path, request, capsys):
    src = release_db(tmp_path)
    url = request.getfixturevalue("pg_cluster").new_database()
    assert main(["db", "copy", str(src), url]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "copied 123 rows" in out and "reviews" in out
    assert contents(url) == contents(src)
    assert export_billing(url, tmp_path / "b.csv") == (DATA / f"release-{RELEASE}-billing.csv").read_bytes()
    n = tmp_path / "n-sqlite.csv"
    assert main(["export", "notices", "--cycle", CYCLE, "-o", str(n), "--db", str(src)]) == 0
    assert main(["export", "notices", "--cycle", CYCLE, "-o", str(tmp_path / "n-pg.csv"), "--db", url]) == 0
    assert (tmp_path / "n-pg.csv").read_bytes() == n.read_bytes()
    # new rows after the copy do not collide with the copied ids (PostgreSQL's identity counters moved on)
    assert main(["decide", "S000011", "--reject", "blurred", "--reviewer", "asha", "--db", url]) == 0
    assert "(review 4)" in capsys.readouterr().out
    # a second copy into the same database is refused, and changes nothing
    assert main(["db", "copy", str(src), url]) == ExitCode.DATABASE
    assert "is not empty" in capsys.readouterr().err
    with connect(url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 4


def test_copy_back_from_postgresql_to_a_new_sqlite_file(tmp_path, request):
    src = release_db(tmp_path)
    url = request.getfixturevalue("pg_cluster").new_database()
    copy_store(src, url)
    back = tmp_path / "back.db"
    summary = copy_store(url, back)
    assert summary.total == 123 and contents(back) == contents(src)


def test_copy_needs_an_existing_source(tmp_path, capsys):
    assert main(["db", "copy", str(tmp_path / "none.db"), str(tmp_path / "new.db")]) == ExitCode.INPUT_FILE
    assert "database not found" in capsys.readouterr().err and not (tmp_path / "new.db").exists()


def test_an_earlier_schema_upgrades_in_place_without_loss(db_target, monkeypatch, tmp_path):
    """A database at migration 0003 (the release of 2026-11-25) gets 0004 and keeps every row."""
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])
    with Store(db_target) as store:
        c = store.conn
        c.execute("INSERT INTO consumers (ivrs, name, previous_reading, previous_reading_date, tariff_category)"
                  " VALUES ('0123', 'A', '0100', '2026-10-02', 'domestic')")
        c.execute("INSERT INTO submissions (submission_id, occurrence, fingerprint, ivrs, typed_reading, photo,"
                  " photo_path, submitted_at, user_type, mobile, email) VALUES ('S1', 0, 'fp', '0123', '0150',"
                  " 'a.jpg', '', '2026-11-02T10:00:00+05:30', 'registered', '9000000001', 'a@x.in')")
        c.execute("INSERT INTO results (submission_id, occurrence, status, clear, ocr_reading, confidence, reasons,"
                  " crop, kind, cycle, decided_at) VALUES ('S1', 0, 'flagged', 1, '0150', 0.93, 'LOW_CONFIDENCE',"
                  " '', 'lcd', ?, '2026-11-06T00:00:00')", (CYCLE,))
        c.insert("INSERT INTO reviews (submission_id, occurrence, action, reading_before, reading_after, reason,"
                 " reviewer, reviewed_at) VALUES ('S1', 0, 'confirm', '0150', '0150', '', 'asha',"
                 " '2026-11-06T01:00:00')", (), "review_id")
        assert migrations.applied(c) == {n for n, _ in migrations.MIGRATIONS}
    before = contents_of_old(db_target)
    monkeypatch.undo()
    with Store(db_target) as store:
        assert "0004_readings_as_entered_and_draw_commitments" in migrations.applied(store.conn)
        row = store.conn.execute("SELECT typed_reading, typed_reading_entered FROM submissions").fetchone()
        assert tuple(row) == ("0150", None)
        review = store.conn.execute("SELECT reading_after, reading_entered, units_checked FROM reviews").fetchone()
        assert tuple(review) == ("0150", None, None)
    assert contents_of_old(db_target) == before
    out = tmp_path / "b.csv"
    assert main(["export", "billing", "--cycle", CYCLE, "-o", str(out), "--db", str(db_target)]) == ExitCode.OK
    with out.open(encoding="utf-8", newline="") as f:
        (billed,) = list(csv.DictReader(f))
    assert (billed["submission_id"], billed["units"], billed["verified_by"]) == ("S1", "50", "asha")


def contents_of_old(target: str | Path) -> dict[str, list[tuple]]:
    """The rows of the tables the test filled, in the columns migration 0003 had."""
    columns = {"consumers": "*", "results": "*",
               "submissions": "submission_id, occurrence, fingerprint, ivrs, typed_reading, photo, submitted_at",
               "reviews": "review_id, submission_id, action, reading_before, reading_after, reviewer"}
    with connect(target) as conn:
        return {t: sorted(tuple(r) for r in conn.execute(f"SELECT {cols} FROM {t}"))  # noqa: S608
                for t, cols in columns.items()}
