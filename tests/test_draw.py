"""Lucky-draw eligibility, the draw, and ``draw verify`` from the published files alone."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest
from cycle_data import CYCLE, EMPTY_CYCLE, ROLLOVER_IVRS, scenario_db
from stores import drop_target

from pipeline import commitment
from pipeline.cli import main
from pipeline.draw import ELIGIBLE_COLUMNS, mask, mask_email
from pipeline.store import connect

PUBLIC = "NIFTY 50 close 2026-12-08: 24,310.55"
ENTRIES = ["5983585384", "69061283169", "7267327722", "78203289048", "78857356574", ROLLOVER_IVRS]


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def db(tmp_path_factory, tmp_path, request, store_kind) -> str | Path:
    return scenario_db(tmp_path_factory, tmp_path, request, store_kind)


@pytest.fixture()
def published(db, tmp_path, capsys) -> tuple[Path, str]:
    out = tmp_path / "eligible.csv"
    code, printed, _ = run(capsys, "export", "draw-eligibility", "--cycle", CYCLE, "-o", str(out), "--db", str(db),
                           "--exclude-past-winners")
    assert code == 0
    return out, printed


def committed_seed(db: Path) -> str:
    """The secret seed of the latest commitment (only the database holds it before the draw)."""
    return connect(db).execute("SELECT seed FROM draw_commitments ORDER BY commitment_id DESC").fetchone()[0]


def ranked(ivrs: list[str], seed: str) -> list[str]:
    """The documented rule, written out here without the package: sort by SHA-256(seed + ivrs)."""
    return sorted(ivrs, key=lambda i: (hashlib.sha256((seed + i).encode()).hexdigest(), i))


def rewrite(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


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
    assert "left out: 2 guests without a mobile number" in printed
    assert "left out: 2 whose billed reading a reviewer corrected" in printed
    assert "left out: 1 who won in an earlier cycle" in printed


def test_list_hash_printed_stored_and_stable(db, published, tmp_path, capsys):
    path, printed = published
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert f"list sha256 {sha}" in printed
    assert path.with_name("eligible.csv.sha256").read_text() == f"{sha}  eligible.csv\n"
    stored = connect(db).execute(
        "SELECT sha256, content FROM exports WHERE kind = 'draw-eligibility' AND cycle = ?", (CYCLE,)).fetchone()
    assert stored[0] == sha and stored[1].encode() == path.read_bytes()
    again = tmp_path / "again.csv"
    assert run(capsys, "export", "draw-eligibility", "--cycle", CYCLE, "-o", str(again), "--db", str(db),
               "--exclude-past-winners")[0] == 0
    assert again.read_bytes() == path.read_bytes()


def test_export_commits_to_a_secret_random_seed(db, published, tmp_path, capsys):
    path, printed = published
    promise = commitment.parse(path.with_name("eligible.csv.commitment").read_bytes(), "commitment")
    seed = committed_seed(db)
    assert len(seed) == 64 and int(seed, 16)  # 256 bits from the secure random source
    assert promise.seed_sha256 == hashlib.sha256(seed.encode()).hexdigest() and promise.seed_sha256 in printed
    assert promise.list_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert promise.cycle == CYCLE and promise.entries == len(ENTRIES) and promise.public_value_source == ""
    for published_file in tmp_path.glob("eligible.csv*"):  # the seed itself is published nowhere yet
        assert seed not in published_file.read_text(encoding="utf-8")
    assert seed not in printed
    # every export commits to a new seed
    assert run(capsys, "export", "draw-eligibility", "--cycle", CYCLE, "-o", str(tmp_path / "b.csv"),
               "--db", str(db), "--exclude-past-winners")[0] == 0
    assert committed_seed(db) != seed


def test_configurable_guests_and_past_winners(db, tmp_path, capsys):
    out = tmp_path / "all.csv"
    code, _, _ = run(capsys, "export", "draw-eligibility", "--cycle", CYCLE, "-o", str(out), "--db", str(db))
    assert code == 0  # by default last cycle's winner enters again
    assert {r["ivrs"] for r in read_csv(out)} == set(ENTRIES) | {"2837193563"}
    code, _, _ = run(capsys, "export", "draw-eligibility", "--cycle", CYCLE, "-o", str(out), "--db", str(db),
                     "--allow-guests-without-mobile", "--exclude-past-winners")
    assert code == 0
    assert {r["ivrs"] for r in read_csv(out)} == set(ENTRIES) | {"0327241216", "43679758061"}


def test_draw_follows_the_published_rule_with_the_committed_seed(db, published, tmp_path, capsys):
    path, _ = published
    seed = committed_seed(db)
    winners = tmp_path / "winners.csv"
    code, out, _ = run(capsys, "draw", "--cycle", CYCLE, "--winners", "3", "-o", str(winners), "--db", str(db))
    assert code == 0
    rows = read_csv(winners)
    assert [r["ivrs"] for r in rows] == ranked([r["ivrs"] for r in read_csv(path)], seed)[:3]
    assert [r["rank"] for r in rows] == ["1", "2", "3"]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert {r["list_sha256"] for r in rows} == {sha} and {r["seed"] for r in rows} == {seed}
    assert {r["seed_sha256"] for r in rows} == {hashlib.sha256(seed.encode()).hexdigest()}
    full = {r["ivrs"]: r for r in rows}
    if "78203289048" in full:  # full contacts for the operations team, not masked
        assert full["78203289048"]["mobile"] == "7555598776"
    assert all("*" not in r["mobile"] and r["name"] for r in rows)
    assert sha in out and seed in out  # the seed is revealed at the draw


def test_a_seed_other_than_the_committed_one_is_refused(db, published, tmp_path, capsys):
    w = tmp_path / "w.csv"
    code, _, err = run(capsys, "draw", "--cycle", CYCLE, "--winners", "2", "--seed", "my-lucky-seed", "-o", str(w),
                       "--db", str(db))
    assert code == 11 and "not the one committed" in err and not w.exists()
    assert connect(db).execute("SELECT COUNT(*) FROM draws WHERE cycle = ?", (CYCLE,)).fetchone()[0] == 0
    code, _, _ = run(capsys, "draw", "--cycle", CYCLE, "--winners", "2", "--seed", committed_seed(db), "-o", str(w),
                     "--db", str(db))
    assert code == 0


def test_a_named_public_value_is_mixed_into_the_seed(db, tmp_path, capsys):
    lst = tmp_path / "eligible.csv"
    code, printed, _ = run(capsys, "export", "draw-eligibility", "--cycle", CYCLE, "-o", str(lst), "--db", str(db),
                           "--public-value-source", "NSE NIFTY 50 closing value of 2026-12-08")
    assert code == 0 and "NSE NIFTY 50 closing value of 2026-12-08" in printed
    promise = lst.with_name("eligible.csv.commitment")
    assert "public_value_source: NSE NIFTY 50 closing value of 2026-12-08" in promise.read_text()
    w = tmp_path / "winners.csv"
    code, _, err = run(capsys, "draw", "--cycle", CYCLE, "--winners", "3", "-o", str(w), "--db", str(db))
    assert code == 11 and "--public-value" in err and not w.exists()
    code, _, _ = run(capsys, "draw", "--cycle", CYCLE, "--winners", "3", "-o", str(w), "--db", str(db),
                     "--public-value", PUBLIC)
    assert code == 0
    seed = committed_seed(db)
    assert [r["ivrs"] for r in read_csv(w)] == ranked([r["ivrs"] for r in read_csv(lst)], f"{seed}/{PUBLIC}")[:3]
    verify = ["draw", "verify", "--list", str(lst), "--commitment", str(promise), "--winners", str(w)]
    code, _, err = run(capsys, *verify)
    assert code == 2 and "--public-value" in err  # the auditor takes the value from its source
    code, out, _ = run(capsys, *verify, "--public-value", PUBLIC)
    assert code == 0 and out.startswith("MATCH")
    code, out, _ = run(capsys, *verify, "--public-value", "NIFTY 50 close 2026-12-08: 24,310.56")
    assert code == 12 and out.startswith("MISMATCH")


def test_a_public_value_cannot_be_added_after_publication(db, published, tmp_path, capsys):
    code, _, err = run(capsys, "draw", "--cycle", CYCLE, "--winners", "2", "-o", str(tmp_path / "w.csv"),
                       "--db", str(db), "--public-value", PUBLIC)
    assert code == 11 and "names no public value" in err


def test_second_draw_refused_unless_redraw_with_why(db, published, tmp_path, capsys):
    w = tmp_path / "w.csv"
    base = ["draw", "--cycle", CYCLE, "--winners", "2", "-o", str(w), "--db", str(db)]
    assert run(capsys, *base)[0] == 0
    first = w.read_bytes()
    code, _, err = run(capsys, *base)
    assert code == 11 and "already drawn" in err and "--redraw --why" in err
    assert w.read_bytes() == first
    code, _, err = run(capsys, *base, "--redraw")
    assert code == 2 and "--why" in err
    # a redraw of the same commitment gives the same winners: there is no seed left to choose
    code, out, _ = run(capsys, *base, "--redraw", "--why", "winners.csv was lost")
    assert code == 0 and "redraw: replaces draw" in out and w.read_bytes() == first
    rows = connect(db).execute("SELECT draw_id, seed, redraw_of, why, commitment_id FROM draws"
                                       " WHERE cycle = ? ORDER BY draw_id", (CYCLE,)).fetchall()
    assert [(r[2], r[3]) for r in rows] == [(None, None), (rows[0][0], "winners.csv was lost")]
    assert rows[0][1] == rows[1][1] == committed_seed(db) and rows[0][4] == rows[1][4] is not None


def test_draw_needs_a_published_list_and_valid_args(db, tmp_path, capsys):
    w = tmp_path / "w.csv"
    code, _, err = run(capsys, "draw", "--cycle", CYCLE, "--winners", "2", "-o", str(w), "--db", str(db))
    assert code == 11 and "export draw-eligibility" in err and not w.exists()
    code, _, err = run(capsys, "draw", "--cycle", CYCLE, "--db", str(db))
    assert code == 2 and "--winners" in err
    code, _, err = run(capsys, "draw", "--cycle", "2027-02", "--winners", "1", "-o", str(w), "--db", str(db))
    assert code == 11  # nothing was published for an unknown cycle either


def test_a_list_exported_without_commitment_is_not_drawn(db, published, tmp_path, capsys, request):
    connect(db).execute("DELETE FROM draw_commitments")
    code, _, err = run(capsys, "draw", "--cycle", CYCLE, "--winners", "1", "-o", str(tmp_path / "w.csv"),
                       "--db", str(db))
    assert code == 11 and "without a seed commitment" in err


def _drawn(db: str | Path, published, tmp_path: Path, capsys, request) -> tuple[Path, Path, Path]:  # noqa: ANN001
    """The three published files of a draw, copied where no database is."""
    path, _ = published
    winners = tmp_path / "winners.csv"
    assert run(capsys, "draw", "--cycle", CYCLE, "--winners", "3", "-o", str(winners), "--db", str(db))[0] == 0
    elsewhere = tmp_path / "public"
    elsewhere.mkdir()
    lst = Path(shutil.copy(path, elsewhere / "eligible.csv"))
    promise = Path(shutil.copy(path.with_name("eligible.csv.commitment"), elsewhere / "eligible.csv.commitment"))
    win = Path(shutil.copy(winners, elsewhere / "winners.csv"))
    drop_target(db, request)  # the check must not need the database
    return lst, promise, win


def test_verify_from_the_files_alone(db, published, tmp_path, capsys, request):
    lst, promise, win = _drawn(db, published, tmp_path, capsys, request)
    verify = ["draw", "verify", "--list", str(lst), "--commitment", str(promise), "--winners", str(win)]
    code, out, _ = run(capsys, *verify)
    assert code == 0 and out.startswith("MATCH")
    seed = read_csv(win)[0]["seed"]
    assert run(capsys, *verify, "--seed", seed)[0] == 0
    code, out, _ = run(capsys, *verify, "--seed", "guess")
    assert code == 12 and out.startswith("MISMATCH") and "not the one committed" in out
    rows = read_csv(win)
    rows[0], rows[1] = rows[1], rows[0]
    rows[0]["rank"], rows[1]["rank"] = "1", "2"
    rewrite(win, rows)
    code, out, _ = run(capsys, *verify)
    assert code == 12 and "expected" in out
    lst.write_bytes(lst.read_bytes().replace(b"7267327722", b"7267327723"))
    code, out, _ = run(capsys, *verify)
    assert code == 12 and "not the one the commitment was made for" in out


def test_verify_catches_a_seed_chosen_after_the_commitment(db, published, tmp_path, capsys, request):
    """Winners re-ranked with another seed (and keys to match) fail: that seed was never committed."""
    lst, promise, win = _drawn(db, published, tmp_path, capsys, request)
    chosen = "a-seed-that-suits-me"
    entries = [r["ivrs"] for r in read_csv(lst)]
    rows = read_csv(win)
    for row, ivrs in zip(rows, ranked(entries, chosen)[:3], strict=True):
        row["ivrs"], row["seed"] = ivrs, chosen
        row["draw_key"] = hashlib.sha256((chosen + ivrs).encode()).hexdigest()
    rewrite(win, rows)
    code, out, _ = run(capsys, "draw", "verify", "--list", str(lst), "--commitment", str(promise),
                       "--winners", str(win))
    assert code == 12 and "not the one committed" in out


@pytest.mark.parametrize("bad", ["list-as-winners", "binary", "no-rows", "bad-ranks", "csv-as-commitment"])
def test_verify_calls_malformed_input_an_input_error(db, published, tmp_path, capsys, bad, request):
    lst, promise, win = _drawn(db, published, tmp_path, capsys, request)
    if bad == "list-as-winners":
        win = lst
    elif bad == "binary":
        win.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    elif bad == "no-rows":
        win.write_text(",".join(read_csv(win)[0]) + "\n", encoding="utf-8")
    elif bad == "bad-ranks":
        rows = read_csv(win)
        rows[0]["rank"] = "first"
        rewrite(win, rows)
    else:
        promise = lst
    code, out, err = run(capsys, "draw", "verify", "--list", str(lst), "--commitment", str(promise),
                         "--winners", str(win))
    assert code == 4 and "MISMATCH" not in out and "is not a" in err


def test_stored_list_tampering_is_detected(db, published, tmp_path, capsys):
    connect(db).execute(
        "UPDATE exports SET content = content || 'x' WHERE kind = 'draw-eligibility'")
    code, _, err = run(capsys, "draw", "--cycle", CYCLE, "--winners", "1", "-o", str(tmp_path / "w.csv"),
                       "--db", str(db))
    assert code == 6 and "altered" in err


def test_stored_seed_tampering_is_detected(db, published, tmp_path, capsys):
    connect(db).execute("UPDATE draw_commitments SET seed = 'chosen-later'")
    code, _, err = run(capsys, "draw", "--cycle", CYCLE, "--winners", "1", "-o", str(tmp_path / "w.csv"),
                       "--db", str(db))
    assert code == 6 and "altered" in err


def test_empty_and_unknown_cycles(db, tmp_path, capsys):
    out = tmp_path / "e.csv"
    code, _, err = run(capsys, "export", "draw-eligibility", "--cycle", EMPTY_CYCLE, "-o", str(out), "--db", str(db))
    assert code == 9 and "nobody is eligible" in err and not out.exists()
    assert "{" not in err and "'" not in err  # a sentence for a person, not a Python dict
    code, _, err = run(capsys, "export", "draw-eligibility", "--cycle", "2025-01", "-o", str(out), "--db", str(db))
    assert code == 8 and not out.exists()
