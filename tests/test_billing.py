"""Reviewer decisions (``decide``) and the billing feed, on the sample batch plus added situations."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from cycle_data import CYCLE, EMPTY_CYCLE, ROLLOVER_IVRS, scenario_db

from pipeline.billing import BILLING_COLUMNS, consumption, register_width
from pipeline.cli import main
from pipeline.cycles import ReviewAction
from pipeline.exceptions import ExitCode, NotReviewableError
from pipeline.reviews import ReviewRequest, decide, history
from pipeline.store import connect


@pytest.fixture(scope="module")
def db(tmp_path_factory, request, store_kind) -> str | Path:
    return scenario_db(tmp_path_factory, tmp_path_factory.mktemp("billing"), request, store_kind)


@pytest.fixture()
def fresh_db(tmp_path_factory, tmp_path, request, store_kind) -> str | Path:
    return scenario_db(tmp_path_factory, tmp_path, request, store_kind)


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def billing(db, tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    out = tmp_path_factory.mktemp("billing-out") / "billing.csv"
    assert main(["export", "billing", "--cycle", CYCLE, "-o", str(out), "--db", str(db)]) == 0
    return out, {r["ivrs"]: r for r in read_csv(out)}


# --- decide ----------------------------------------------------------------------

def test_decision_history_is_kept_and_latest_wins(db):
    conn = connect(db)
    reviews = history(conn, "S000009")
    assert [(r.action, r.reading_before, r.reading_after, r.reviewer) for r in reviews] == [
        (ReviewAction.CONFIRM, "261", "261", "ravi"), (ReviewAction.CORRECT, "261", "621", "asha")]
    assert reviews[1].replaces == reviews[0].review_id and reviews[1].reason == "digits swapped"
    # the verifier's own decision is never overwritten
    assert conn.execute("SELECT status FROM results WHERE submission_id = 'S000009'").fetchone()[0] == "flagged"


def test_decide_cli_confirm_then_reject(fresh_db, capsys):
    # typed 397.53 against a previous 1890: confirming it would bill negative units, so it needs --units-checked
    code, _, err = run(capsys, "decide", "S000012", "--confirm", "--reviewer", "meena", "--db", str(fresh_db))
    assert code == ExitCode.CHECK_UNITS and "below the previous reading 1890" in err and "--units-checked" in err
    assert history(connect(fresh_db), "S000012") == []
    code, out, _ = run(capsys, "decide", "S000012", "--confirm", "--reviewer", "meena", "--units-checked",
                       "--db", str(fresh_db))
    assert code == 0 and "S000012: confirmed reading 397.53 by meena" in out
    code, out, _ = run(capsys, "decide", "S000012", "--reject", "decimal point unreadable", "--reviewer", "ravi",
                       "--db", str(fresh_db))
    assert code == 0 and "rejected (decimal point unreadable)" in out and "replaces review" in out
    assert [r.action for r in history(connect(fresh_db), "S000012")] == [ReviewAction.CONFIRM,
                                                                                  ReviewAction.REJECT]


@pytest.mark.parametrize(("sid", "words"), [("S000002", "valid, not flagged"), ("S000015", "rejected, not flagged"),
                                            ("NOPE", "no submission")])
def test_decide_only_on_flagged(db, capsys, sid, words):
    with pytest.raises(NotReviewableError, match=words):
        decide(ReviewRequest(sid, ReviewAction.CONFIRM, "asha"), connect(db))
    code, _, err = run(capsys, "decide", sid, "--confirm", "--reviewer", "asha", "--db", str(db))
    assert code == ExitCode.NOT_REVIEWABLE and words in err


@pytest.mark.parametrize("argv", [
    ["--correct", "12a4", "--reviewer", "asha"],
    ["--reject", "  ", "--reviewer", "asha"],
    ["--confirm", "--reviewer", " "],
])
def test_decide_bad_arguments(db, capsys, argv):
    code, _, err = run(capsys, "decide", "S000012", *argv, "--db", str(db))
    assert code == ExitCode.BAD_ARGS and "error" in err


# --- units -----------------------------------------------------------------------

@pytest.mark.parametrize(("prev", "cur", "width", "expected"), [
    ("5933", "6177", 5, ("244", False)),
    ("1032", "1179.7", 4, ("147.7", False)),
    ("99987", "12", 5, ("25", True)),  # 99987 -> 00012 on a 5-digit register
    ("9990", "15", 4, ("25", True)),
    ("2994", "2739", 7, ("-255", False)),  # not a plausible roll-over: left negative for billing to handle
    ("", "100", 5, ("", False)),  # new connection
])
def test_consumption(prev, cur, width, expected):
    assert consumption(prev, cur, width, limit_kwh=1800) == expected


def test_wrap_of_most_of_the_register_is_no_rollover():
    # 43037 -> 42248 would be 99,211 units: within an industrial month's limit, but a
    # register does not wrap in a month; it is a wrong reading, not a roll-over
    assert consumption("43037", "42248", 5, limit_kwh=102_000) == ("-789", False)
    assert consumption("95000", "1000", 5, limit_kwh=102_000) == ("6000", True)


def test_register_width_from_display_else_typed():
    assert register_width("06177.7", "6177") == 5
    assert register_width("", "07315") == 5
    assert register_width("", "397.53") == 3


# --- the billing feed ------------------------------------------------------------------

def test_billing_columns_and_one_row_per_consumer(billing):
    path, rows = billing
    with path.open(encoding="utf-8") as f:
        assert next(csv.reader(f)) == list(BILLING_COLUMNS)
    assert len(read_csv(path)) == len(rows)  # one row per consumer
    assert list(rows) == sorted(rows)
    assert {r["cycle"] for r in rows.values()} == {CYCLE} and {r["source"] for r in rows.values()} == {"SELF_PHOTO"}
    # valid: S000001-7 (S000001 superseded by S100001), the roll-over, 2 corrected, 1 confirmed
    assert len(rows) == 11


def test_latest_valid_submission_wins(billing):
    _, rows = billing
    r = rows["78203289048"]
    assert (r["submission_id"], r["current_reading"], r["units"], r["reading_date"]) == \
        ("S100001", "1185", "153", "2026-11-04")


def test_rollover_row(billing):
    r = billing[1][ROLLOVER_IVRS]
    assert (r["previous_reading"], r["current_reading"], r["units"], r["rollover"]) == ("99987", "12", "25", "true")


def test_reviewed_rows_bill_the_reviewers_reading(billing):
    rows = billing[1]
    corrected = rows["135194657076"]  # S000008 typed 4438, reviewer corrected to 4938
    assert (corrected["current_reading"], corrected["units"], corrected["verified_by"]) == ("4938", "103", "asha")
    changed = rows["70852890952"]  # S000009: confirmed by ravi, then corrected by asha: the latest wins
    assert (changed["current_reading"], changed["units"], changed["verified_by"]) == ("621", "127", "asha")
    confirmed = rows["78857356574"]  # S000034 high consumption, confirmed as typed
    assert (confirmed["current_reading"], confirmed["verified_by"]) == ("25454", "ravi")
    auto = rows["2837193563"]
    assert (auto["verified_by"], auto["units"], auto["rollover"]) == ("auto", "244", "false")
    assert auto["photo"].endswith("S000002.JPG") and auto["crop"].endswith(".png")


def test_never_rejected_or_undecided(billing):
    billed = {r["submission_id"] for r in billing[1].values()}
    assert not billed & {"S000010", "S000011"}  # rejected by a reviewer
    assert not billed & {"S000012", "S000013", "S000014", "S000033", "S000035"}  # flagged, not reviewed
    assert not billed & {"S000015", "S000029", "S100003"}  # rejected


NUMBER = r"-?[0-9]+(\.[0-9]+)?"


def test_a_correction_below_the_previous_reading_is_held_back_with_a_reason(fresh_db, tmp_path, capsys):
    db = str(fresh_db)
    # S000012: typed 397.53, the photo shows 3975.3, the previous reading is 1890; 1519 would bill -371 units
    code, _, err = run(capsys, "decide", "S000012", "--correct", "1519", "--reviewer", "asha", "--db", db)
    assert code == ExitCode.CHECK_UNITS and "not saved" in err and "-371 units" in err and "1890" in err
    assert history(connect(fresh_db), "S000012") == []
    code, _, _ = run(capsys, "decide", "S000012", "--correct", "1519", "--reviewer", "asha", "--units-checked",
                     "--db", db)
    assert code == 0
    out, route = tmp_path / "billing.csv", tmp_path / "route.csv"
    code, printed, _ = run(capsys, "export", "billing", "--cycle", CYCLE, "-o", str(out), "--route", str(route),
                           "--db", db)
    assert code == 0
    assert "1952748292" not in {r["ivrs"] for r in read_csv(out)}  # never billed negative
    assert {r["ivrs"]: r["why"] for r in read_csv(route)}["1952748292"] == "held_negative_units"
    assert "held back, not billed: 1" in printed
    assert "below the previous reading (negative units, no plausible roll-over): 1" in printed
    assert "S000012 (1952748292): reading 1519, previous 1890, -371 units" in printed
    with out.open(encoding="utf-8", newline="") as f:
        body = list(csv.reader(f))[1:]
    for row in body:  # numbers stay numbers: no quote in front of any
        assert not any(cell.startswith("'") and re.fullmatch(NUMBER, cell[1:]) for cell in row), row
        units = row[BILLING_COLUMNS.index("units")]
        assert units == "" or (re.fullmatch(NUMBER, units) and float(units) >= 0), row


def test_implausibly_many_units_are_billed_only_when_checked(fresh_db, tmp_path, capsys):
    db = str(fresh_db)
    # S000014 (agriculture, previous 8936): 90367 would bill 81,431 units in a month
    code, _, err = run(capsys, "decide", "S000014", "--correct", "90367", "--reviewer", "ravi", "--db", db)
    assert code == ExitCode.CHECK_UNITS and "81431 units" in err and "plausible for the tariff" in err
    assert run(capsys, "decide", "S000014", "--correct", "90367", "--reviewer", "ravi", "--units-checked",
               "--db", db)[0] == 0
    out = tmp_path / "billing.csv"
    assert run(capsys, "export", "billing", "--cycle", CYCLE, "-o", str(out), "--db", db)[0] == 0
    billed = {r["submission_id"]: r for r in read_csv(out)}
    assert billed["S000014"]["units"] == "81431" and billed["S000014"]["verified_by"] == "ravi"


def test_implausible_units_without_a_check_are_held_back(fresh_db, tmp_path, capsys):
    """A reading decided before the check existed (or written by another tool) is still held back."""
    db = str(fresh_db)
    assert run(capsys, "decide", "S000014", "--correct", "90367", "--reviewer", "ravi", "--units-checked",
               "--db", db)[0] == 0
    connect(fresh_db).execute("UPDATE reviews SET units_checked = NULL")
    out = tmp_path / "billing.csv"
    code, printed, _ = run(capsys, "export", "billing", "--cycle", CYCLE, "-o", str(out), "--db", db)
    assert code == 0 and "S000014" not in {r["submission_id"] for r in read_csv(out)}
    assert "more units than plausible for the tariff, not checked by a reviewer: 1" in printed


def test_decisions_name_real_reviewers(fresh_db, capsys):
    db = str(fresh_db)
    code, _, err = run(capsys, "decide", "S000013", "--confirm", "--reviewer", "nobody", "--db", db)
    assert code == ExitCode.UNKNOWN_REVIEWER and "no reviewer account named 'nobody'" in err
    assert "meter-verify reviewer add nobody" in err
    connect(fresh_db).execute("UPDATE reviewers SET active = 0 WHERE name = 'meena'")
    code, _, err = run(capsys, "decide", "S000013", "--confirm", "--reviewer", "meena", "--db", db)
    assert code == ExitCode.UNKNOWN_REVIEWER and "disabled" in err
    assert history(connect(fresh_db), "S000013") == []


def test_a_devanagari_correction_is_stored_in_ascii_digits_and_kept_as_typed(fresh_db, tmp_path, capsys):
    db = str(fresh_db)
    code, out, _ = run(capsys, "decide", "S000012", "--correct", "३९७५", "--reviewer", "asha", "--db", db)
    assert code == 0 and "corrected reading 397.53 -> 3975 (typed ३९७५)" in out
    latest = history(connect(fresh_db), "S000012")[-1]
    assert (latest.reading_after, latest.reading_entered) == ("3975", "३९७५")
    billing = tmp_path / "billing.csv"
    assert run(capsys, "export", "billing", "--cycle", CYCLE, "-o", str(billing), "--db", db)[0] == 0
    assert {r["submission_id"]: r for r in read_csv(billing)}["S000012"]["current_reading"] == "3975"


def test_rerun_gives_the_same_file_and_a_summary(db, billing, tmp_path, capsys):
    again = tmp_path / "again.csv"
    route = tmp_path / "route.csv"
    code, out, _ = run(capsys, "export", "billing", "--cycle", CYCLE, "-o", str(again), "--route", str(route),
                       "--db", str(db))
    assert code == 0 and again.read_bytes() == billing[0].read_bytes()
    n_master = connect(db).execute("SELECT COUNT(*) FROM consumers").fetchone()[0]
    assert f"without a valid reading this cycle: {n_master - 11} of {n_master}" in out
    assert "S000001 (78203289048) superseded by S100001" in out
    why = {r["ivrs"]: r["why"] for r in read_csv(route)}
    assert len(why) == n_master - 11 and why["88800000001"] == "no_submission"
    assert why["1952748292"] == "pending_review" and why["63013440051"] == "rejected"  # S000012, S000010
    assert next(r for r in read_csv(route) if r["ivrs"] == "88800000001")["name"].startswith("'=HYPERLINK")


def test_unknown_empty_and_malformed_cycles(db, tmp_path, capsys):
    out = tmp_path / "b.csv"
    code, _, err = run(capsys, "export", "billing", "--cycle", "2027-01", "-o", str(out), "--db", str(db))
    assert code == ExitCode.UNKNOWN_CYCLE and "no submissions for cycle 2027-01" in err and CYCLE in err
    code, _, err = run(capsys, "export", "billing", "--cycle", EMPTY_CYCLE, "-o", str(out), "--db", str(db))
    assert code == ExitCode.NOTHING_TO_EXPORT and "no valid reading to bill" in err
    code, _, err = run(capsys, "export", "billing", "--cycle", "2026-13", "-o", str(out), "--db", str(db))
    assert code == ExitCode.BAD_ARGS and "YYYY-MM" in err
    code, _, err = run(capsys, "export", "billing", "--cycle", CYCLE, "-o", str(out), "--db", str(tmp_path / "no.db"))
    assert code == ExitCode.INPUT_FILE and "database not found" in err
    assert not out.exists() and not (tmp_path / "no.db").exists()
