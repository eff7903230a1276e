"""Formula neutralisation (pipeline.csvsafe) through the real exports, on a small database of hostile values.

Every CSV that leaves the system: results.csv, the billing feed and the meter
reader's route, the published eligibility list, winners.csv and the notices.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from cycle_data import add_consumer, add_reviewers, add_submission, review

from pipeline.billing import BILLING_COLUMNS, ROUTE_COLUMNS, export_billing
from pipeline.csvsafe import csv_line, safe_cell, written_from
from pipeline.cycles import ReviewAction, load_cycle
from pipeline.draw import (
    ELIGIBLE_COLUMNS,
    WINNER_COLUMNS,
    DrawRules,
    eligibility,
    export_eligibility,
    past_winners,
    run_draw,
    verify_files,
)
from pipeline.notices import NOTICE_COLUMNS, export_notices
from pipeline.results import RESULT_COLUMNS, write_results
from pipeline.store import Store

CYCLE, NEXT = "2026-11", "2026-12"
HOSTILE = ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+cmd", "-2+3+cmd|' /C calc'!A0", "\tfoo", "\rbar"]
EVIL_IVRS, EVIL_SID = "=2+5", "@SUM(A1)"
EVIL_REVIEWER = "-ravi"


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def rows_of(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def assert_no_formula(path: Path) -> None:
    """No cell of the file starts a formula, except a plain number."""
    for row in rows_of(path):
        for cell in row:
            number = re.fullmatch(r"[-+]?[0-9]+(\.[0-9]+)?", cell) is not None
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or number, (path, cell)


# --- the helper ------------------------------------------------------------------

@pytest.mark.parametrize("value", HOSTILE + ["=1+1", "-", "+", "@", "-1e5", "-5\n", "-12,5", "+91 98111 11111"])
def test_formula_text_gets_a_quote(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["123", "0123.4", "-5", "+5", "-371", "12.5", "00012", "", "S000001",
                                   "a=b", " =1", "'=1", "ram@x.in", "1e5", "३९७५"])
def test_plain_numbers_and_harmless_text_are_untouched(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value,text", [(-371, "-371"), (0, "0"), (-12.5, "-12.5"), (1e-05, "1e-05"),
                                        (-1e-05, "-1e-05"), (Decimal("-0.50"), "-0.50"), (None, ""),
                                        (True, "True")])
def test_numbers_stay_numbers(value, text):
    assert safe_cell(value) == text


@pytest.mark.parametrize("value", [float("-inf"), float("nan"), Decimal("-Infinity")])
def test_non_finite_numbers_are_text(value):
    assert safe_cell(value).startswith(("'", "nan", "NaN"))


def test_a_carriage_return_inside_a_cell_is_quoted_so_the_row_stays_whole():
    line = csv_line(["ok\r=1+1", "x"])
    assert line == '"ok\r=1+1",x\n'
    assert list(csv.reader(io.StringIO(line, newline=""))) == [["ok\r=1+1", "x"]]


def test_written_from_names_every_value_written_as_the_cell():
    assert written_from("'=2+5") == ("=2+5", "'=2+5")
    assert written_from("'abc") == ("'abc",) and written_from("-5") == ("-5",)


# --- the exports -----------------------------------------------------------------

@pytest.fixture()
def db(db_target: str | Path) -> Store:
    """Consumers, submissions and reviews of one cycle, with formula-like values everywhere they can come in."""
    store = Store(db_target)
    c = store.conn
    c.execute("BEGIN")
    add_reviewers(c, ("asha", EVIL_REVIEWER))
    add_consumer(c, EVIL_IVRS, "+cmd", "0100", "2026-10-02")  # an IVRS and a name that look like formulas
    add_consumer(c, "1002", '=HYPERLINK("http://x","y")', "200", "2026-10-02")
    add_consumer(c, "1003", "\tfoo", "300", "2026-10-02")
    add_consumer(c, "1004", "ok\r=1+1", "400", "2026-10-02")  # a CR inside: a new row must not start
    add_consumer(c, "1005", "\rbar", "-12.5", "2026-10-02")  # never submits: in the route
    # valid, billed and in the draw; its id and e-mail look like formulas
    add_submission(c, EVIL_SID, EVIL_IVRS, "0150", "2026-11-02T10:00:00+05:30", status="valid", ocr="0150.2",
                   mobile="+91 98111 11111", email="=cmd@evil.in")
    # flagged, a reviewer confirms it: the reviewer's name is in the billing feed
    add_submission(c, "S2", "1002", "250", "2026-11-03T10:00:00+05:30", status="flagged", ocr="250",
                   reasons="LOW_CONFIDENCE", mobile="9000000002", email="b@x.in")
    # flagged, a reviewer rejects it with a note that looks like a formula: in the notices
    add_submission(c, "S3", "1003", "350", "2026-11-03T10:00:00+05:30", status="flagged", ocr="305",
                   reasons="MISMATCH_SWAPPED_DIGITS", mobile="9000000003", email="@c.in")
    # below the previous reading: held back, sent to the route with its name
    add_submission(c, "S4", "1004", "390", "2026-11-03T10:00:00+05:30", status="valid", ocr="390",
                   mobile="9000000004")
    # next cycle: the winner submits again
    add_submission(c, "S5", EVIL_IVRS, "0180", "2026-12-02T10:00:00+05:30", status="valid", ocr="0180",
                   cycle=NEXT, mobile="9000000001")
    add_submission(c, "S6", "1002", "280", "2026-12-02T10:00:00+05:30", status="valid", ocr="280",
                   cycle=NEXT, mobile="9000000002")
    c.execute("COMMIT")
    review(c, "S2", ReviewAction.CONFIRM, EVIL_REVIEWER, reason="=note typed by a reviewer")
    review(c, "S3", ReviewAction.REJECT, "asha", reason="@SUM(A1)")
    yield store
    store.close()


def test_results_csv_neutralises_text_and_keeps_numbers(tmp_path):
    out = tmp_path / "results.csv"
    row = dict(zip(RESULT_COLUMNS, ["=1+1", "@x", "valid", True, "0123.4", "-5", 0.97, "+cmd", "\tfoo",
                                    "\rbar", "-12.5", "2026-11", "ok\r=1+1"], strict=True))
    assert write_results(out, [row]) == 1
    got = rows_of(out)
    assert len(got) == 2, got  # the CR inside the last cell does not start a row
    assert dict(zip(got[0], got[1], strict=True)) == {
        "submission_id": "'=1+1", "ivrs": "'@x", "status": "valid", "clear": "true", "ocr_reading": "0123.4",
        "typed_reading": "-5", "confidence": "0.970", "reasons": "'+cmd", "crop": "'\tfoo", "kind": "'\rbar",
        "register": "-12.5", "cycle": "2026-11", "reused_of": "ok\r=1+1"}
    assert_no_formula(out)


def test_billing_and_route(db, tmp_path):
    out, route = tmp_path / "billing.csv", tmp_path / "route.csv"
    export_billing(db.conn, CYCLE, out, route)
    assert next(iter(rows_of(out))) == list(BILLING_COLUMNS) and rows_of(route)[0] == list(ROUTE_COLUMNS)
    billed = {r["submission_id"]: r for r in read(out)}
    assert set(billed) == {"'@SUM(A1)", "S2"}
    evil = billed["'@SUM(A1)"]
    assert (evil["ivrs"], evil["previous_reading"], evil["current_reading"], evil["units"]) == (
        "'=2+5", "0100", "150", "50")  # numbers as numbers
    assert billed["S2"]["verified_by"] == "'-ravi" and billed["S2"]["units"] == "50"
    names = {r["ivrs"]: (r["name"], r["previous_reading"], r["why"]) for r in read(route)}
    assert names == {"1003": ("'\tfoo", "300", "rejected"), "1004": ("ok\r=1+1", "400", "held_negative_units"),
                     "1005": ("'\rbar", "-12.5", "no_submission")}
    assert len(rows_of(route)) == 4  # header + 3: the CR inside a name does not start a row
    assert_no_formula(out)
    assert_no_formula(route)


def test_notices(db, tmp_path):
    out = tmp_path / "notices.csv"
    export_notices(db.conn, CYCLE, out)
    assert rows_of(out)[0] == list(NOTICE_COLUMNS)
    (notice,) = read(out)
    assert (notice["submission_id"], notice["email"], notice["reasons"], notice["mobile"]) == (
        "S3", "'@c.in", "'@SUM(A1)", "9000000003")
    assert_no_formula(out)


def test_eligibility_draw_and_its_check(db, tmp_path):
    lst, winners = tmp_path / "eligible.csv", tmp_path / "winners.csv"
    result = export_eligibility(db.conn, CYCLE, lst, DrawRules())
    assert rows_of(lst)[0] == list(ELIGIBLE_COLUMNS)
    assert {(r["ivrs"], r["submission_id"]) for r in read(lst)} == {("'=2+5", "'@SUM(A1)"), ("1002", "S2")}
    assert len(result.entries) == 2
    drawn = run_draw(db.conn, CYCLE, 2, winners)
    assert len(drawn.winners) == 2 and rows_of(winners)[0] == list(WINNER_COLUMNS)
    evil = next(r for r in read(winners) if r["ivrs"] == "'=2+5")
    # the draw re-reads the published list: the neutralised cells still find the consumer's contacts
    assert (evil["submission_id"], evil["name"], evil["mobile"], evil["email"]) == (
        "'@SUM(A1)", "'+cmd", "'+91 98111 11111", "'=cmd@evil.in")
    assert_no_formula(lst)
    assert_no_formula(winners)
    commitment_file = lst.with_name(lst.name + ".commitment")
    assert verify_files(lst, commitment_file, winners).ok
    # next cycle, past winners left out: both are, the formula-like IVRS too although published neutralised
    again = eligibility(load_cycle(db.conn, NEXT), DrawRules(exclude_past_winners=True),
                        past_winners(db.conn, NEXT), NEXT)
    assert again.entries == [] and again.left_out == {"won in an earlier cycle": 2}
