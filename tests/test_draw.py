"""Lucky-draw eligibility, the draw, and ``draw verify`` from the published files alone."""

from __future__ import annotations

import csv
import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from cycle_data import CYCLE, EMPTY_CYCLE, ROLLOVER_IVRS, scenario_db

from pipeline.cli import main
from pipeline.draw import ELIGIBLE_COLUMNS, mask, mask_email

SEED = "lottery-2026-11-06"
ENTRIES = ["5983585384", "69061283169", "7267327722", "78203289048", "78857356574", ROLLOVER_IVRS]


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def db(tmp_path_factory, tmp_path) -> Path:
    return scenario_db(tmp_path_factory, tmp_path)


@pytest.fixture()
def published(db, tmp_path, capsys) -> tuple[Path, str]:
    out = tmp_path / "eligible.csv"
    code, printed, _ = run(capsys, "export", "draw-eligibility", "--cycle", CYCLE, "-o", str(out), "--db", str(db),
                           "--exclude-past-winners")
    assert code == 0
    return out, printed


def test_mask_keeps_last_four():
    assert mask("9946116343") == "******6343"
    assert mask("123") == "***"
    assert mask_email("sunita.yadav1@rediffmail.com") == "*********dav1@rediffmail.com"
    assert mask_email("ab@x.in") == "**@x.in"


def test_eligible_entries(published):
    path, printed = published
    rows = read_csv(path)
    assert list(rows[0]) == list(ELIGIBLE_COLUMNS)
    # auto-valid and reviewer-confirmed, one entry per consumer (S000001 superseded by S100001);
    # out: corrected readings (S000008, S000009), guests without a mobile (S000006, S000007),
    # last cycle's winner (2837193563), anything rejected or still flagged
    assert [r["ivrs"] for r in rows] == ENTRIES
    by = {r["ivrs"]: r for r in rows}
    assert by["78203289048"]["submission_id"] == "S100001"
    assert by["78857356574"]["user_type"] == "guest" and by["78857356574"]["mobile"] == "******2753"
    assert by["78203289048"]["email"] == "*********o987@yahoo.co.in"
    assert by["7267327722"]["submitted_at"] == "2026-11-01T14:32:00+05:30"
    assert "left out, guest without a mobile number: 2" in printed
    assert "left out, reading corrected by a reviewer: 2" in printed
    assert "left out, won in an earlier cycle: 1" in printed


def test_list_hash_printed_stored_and_stable(db, published, tmp_path, capsys):
    path, printed = published
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert f"sha256 {sha}" in printed
    assert path.with_name("eligible.csv.sha256").read_text() == f"{sha}  eligible.csv\n"
    stored = sqlite3.connect(db).execute(
        "SELECT sha256, content FROM exports WHERE kind = 'draw-eligibility' AND cycle = ?", (CYCLE,)).fetchone()
    assert stored[0] == sha and stored[1].encode() == path.read_bytes()
    again = tmp_path / "again.csv"
    assert run(capsys, "export", "draw-eligibility", "--cycle", CYCLE, "-o", str(again), "--db", str(db),
               "--exclude-past-winners")[0] == 0
    assert again.read_bytes() == path.read_bytes()


def test_configurable_guests_and_past_winners(db, tmp_path, capsys):
    out = tmp_path / "all.csv"
    code, _, _ = run(capsys, "export", "draw-eligibility", "--cycle", CYCLE, "-o", str(out), "--db", str(db))
    assert code == 0  # by default last cycle's winner enters again
    assert {r["ivrs"] for r in read_csv(out)} == set(ENTRIES) | {"2837193563"}
    code, _, _ = run(capsys, "export", "draw-eligibility", "--cycle", CYCLE, "-o", str(out), "--db", str(db),
                     "--allow-guests-without-mobile", "--exclude-past-winners")
    assert code == 0
    assert {r["ivrs"] for r in read_csv(out)} == set(ENTRIES) | {"0327241216", "43679758061"}


def test_draw_follows_the_published_rule(db, published, tmp_path, capsys):
    path, _ = published
    winners = tmp_path / "winners.csv"
    code, out, _ = run(capsys, "draw", "--cycle", CYCLE, "--winners", "3", "--seed", SEED, "-o", str(winners),
                       "--db", str(db))
    assert code == 0
    # the documented rule, recomputed here without the package: sort by SHA-256(seed + ivrs)
    listed = [r["ivrs"] for r in read_csv(path)]
    expected = sorted(listed, key=lambda i: (hashlib.sha256((SEED + i).encode()).hexdigest(), i))[:3]
    rows = read_csv(winners)
    assert [r["ivrs"] for r in rows] == expected and [r["rank"] for r in rows] == ["1", "2", "3"]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert {r["list_sha256"] for r in rows} == {sha} and {r["seed"] for r in rows} == {SEED}
    full = {r["ivrs"]: r for r in rows}
    if "78203289048" in full:  # full contacts for the operations team, not masked
        assert full["78203289048"]["mobile"] == "7555598776"
    assert all("*" not in r["mobile"] and r["name"] for r in rows)
    assert sha in out


def test_second_draw_refused_unless_redraw_with_why(db, published, tmp_path, capsys):
    w = tmp_path / "w.csv"
    base = ["draw", "--cycle", CYCLE, "--winners", "2", "--seed", SEED, "-o", str(w), "--db", str(db)]
    assert run(capsys, *base)[0] == 0
    first = w.read_bytes()
    code, _, err = run(capsys, *base)
    assert code == 11 and "already drawn" in err and "--redraw --why" in err
    assert w.read_bytes() == first
    code, _, err = run(capsys, *base, "--redraw")
    assert code == 2 and "--why" in err
    other = [a if a != SEED else "other-seed" for a in base]
    code, out, _ = run(capsys, *other, "--redraw", "--why", "winner 1 is an employee")
    assert code == 0 and "redraw: replaces draw" in out
    rows = sqlite3.connect(db).execute("SELECT draw_id, seed, redraw_of, why FROM draws WHERE cycle = ?"
                                       " ORDER BY draw_id", (CYCLE,)).fetchall()
    assert [(r[1], r[2], r[3]) for r in rows] == [(SEED, None, None), ("other-seed", rows[0][0],
                                                                        "winner 1 is an employee")]


def test_draw_needs_a_published_list_and_valid_args(db, tmp_path, capsys):
    w = tmp_path / "w.csv"
    code, _, err = run(capsys, "draw", "--cycle", CYCLE, "--winners", "2", "--seed", SEED, "-o", str(w),
                       "--db", str(db))
    assert code == 11 and "export draw-eligibility" in err and not w.exists()
    code, _, err = run(capsys, "draw", "--cycle", CYCLE, "--seed", SEED, "--db", str(db))
    assert code == 2 and "--winners" in err
    code, _, err = run(capsys, "draw", "--cycle", "2027-02", "--winners", "1", "--seed", SEED, "-o", str(w),
                       "--db", str(db))
    assert code == 11  # nothing was published for an unknown cycle either


def test_verify_from_the_files_alone(db, published, tmp_path, capsys):
    path, _ = published
    winners = tmp_path / "winners.csv"
    assert run(capsys, "draw", "--cycle", CYCLE, "--winners", "3", "--seed", SEED, "-o", str(winners),
               "--db", str(db))[0] == 0
    elsewhere = tmp_path / "public"
    elsewhere.mkdir()
    lst, win = shutil.copy(path, elsewhere / "eligible.csv"), shutil.copy(winners, elsewhere / "winners.csv")
    db.unlink()  # the check must not need the database
    code, out, _ = run(capsys, "draw", "verify", "--list", str(lst), "--seed", SEED, "--winners", str(win))
    assert code == 0 and out.startswith("MATCH")
    code, out, _ = run(capsys, "draw", "verify", "--list", str(lst), "--seed", "guess", "--winners", str(win))
    assert code == 12 and out.startswith("MISMATCH")
    rows = read_csv(Path(win))
    rows[0], rows[1] = rows[1], rows[0]
    rows[0]["rank"], rows[1]["rank"] = "1", "2"
    with open(win, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, out, _ = run(capsys, "draw", "verify", "--list", str(lst), "--seed", SEED, "--winners", str(win))
    assert code == 12 and "expected" in out
    Path(lst).write_bytes(Path(lst).read_bytes().replace(b"7267327722", b"7267327723"))
    code, out, _ = run(capsys, "draw", "verify", "--list", str(lst), "--seed", SEED, "--winners", str(win))
    assert code == 12 and "not from this list" in out


def test_stored_list_tampering_is_detected(db, published, tmp_path, capsys):
    sqlite3.connect(db, isolation_level=None).execute(
        "UPDATE exports SET content = content || 'x' WHERE kind = 'draw-eligibility'")
    code, _, err = run(capsys, "draw", "--cycle", CYCLE, "--winners", "1", "--seed", SEED, "-o",
                       str(tmp_path / "w.csv"), "--db", str(db))
    assert code == 6 and "altered" in err


def test_empty_and_unknown_cycles(db, tmp_path, capsys):
    out = tmp_path / "e.csv"
    code, _, err = run(capsys, "export", "draw-eligibility", "--cycle", EMPTY_CYCLE, "-o", str(out), "--db", str(db))
    assert code == 9 and "nobody is eligible" in err and not out.exists()
    code, _, err = run(capsys, "export", "draw-eligibility", "--cycle", "2025-01", "-o", str(out), "--db", str(db))
    assert code == 8 and not out.exists()
