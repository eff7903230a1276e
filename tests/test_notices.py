"""Consumer notices (texts file and export), and formula neutralisation across every exported CSV."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from cycle_data import CYCLE, EMPTY_CYCLE, FORMULA_IVRS, add_submission, scenario_db

from pipeline.cli import main
from pipeline.cycles import REVIEWER_REJECTED
from pipeline.notices import FALLBACK, NOTICE_COLUMNS, load_texts
from pipeline.rules import Reason
from pipeline.store import connect


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


def test_shipped_texts_cover_every_reason_in_both_languages():
    texts = load_texts()
    for code in [r.value for r in Reason] + [REVIEWER_REJECTED, FALLBACK]:
        assert code in texts, f"pipeline/data/notices.csv has no row for {code}"
        t = texts[code]
        assert len(t.english) <= 160, code  # one SMS
        assert any("\u0900" <= ch <= "\u097f" for ch in t.hindi), code  # Devanagari
        assert "5" in t.english and "5" in t.hindi or code in {"OUTSIDE_WINDOW", "MISMATCH_DECIMAL"}, code


def test_notices_export(db, tmp_path, capsys):
    # S000015's consumer sends a good photo later: the blurred one needs no notice any more
    conn = connect(db)
    add_submission(conn, "S100010", "51712357697", "28061", "2026-11-05T09:00:00+05:30", status="valid",
                   ocr="28061", mobile="8292684173")
    out = tmp_path / "notices.csv"
    code, printed, _ = run(capsys, "export", "notices", "--cycle", CYCLE, "-o", str(out), "--db", str(db))
    assert code == 0
    rows = read_csv(out)
    assert list(rows[0]) == list(NOTICE_COLUMNS)
    by = {r["submission_id"]: r for r in rows}
    texts = load_texts()
    assert by["S000010"]["reason_code"] == REVIEWER_REJECTED  # free-text reason of a reviewer
    assert by["S000010"]["reasons"] == "photo of a neighbour's meter" and by["S000010"]["outcome"] == "rejected"
    assert by["S000011"]["reason_code"] == "BLURRED"  # the reviewer gave a known code
    assert by["S000012"]["outcome"] == "flagged" and by["S000012"]["reason_code"] == "MISMATCH_DECIMAL"
    assert by["S000029"]["reason_code"] == "OUTSIDE_WINDOW"
    assert by["S000016"]["text_hi"] == texts["TOO_DARK"].hindi and by["S000016"]["text_en"] == texts["TOO_DARK"].english
    assert by["S100003"]["mobile"] == "919811111111" and by["S100003"]["ivrs"] == "'" + FORMULA_IVRS
    assert all(r["mobile"].isdigit() for r in rows)
    never = {"S000001", "S000002", "S000008", "S000034",  # valid, superseded, corrected, confirmed
             "S000015",  # resolved by S100010
             "S000019", "S000032"}  # no mobile number
    assert not never & set(by)
    assert "no mobile number: " in printed and "billed from another submission: 1" in printed


def test_texts_file_is_editable(db, tmp_path, capsys):
    texts = tmp_path / "texts.csv"
    # as a spreadsheet saves it: UTF-8 with a BOM, columns in another order, CRLF
    texts.write_bytes("\ufeffhindi,code,english\r\nकृपया दोबारा भेजें,DEFAULT,Please send again\r\n".encode())
    out = tmp_path / "n.csv"
    assert run(capsys, "export", "notices", "--cycle", CYCLE, "-o", str(out), "--db", str(db),
               "--texts", str(texts))[0] == 0
    assert {(r["text_en"], r["text_hi"]) for r in read_csv(out)} == {("Please send again", "कृपया दोबारा भेजें")}
    texts.write_text("code,english,hindi\nDEFAULT,Please send again,\n", encoding="utf-8")
    code, _, err = run(capsys, "export", "notices", "--cycle", CYCLE, "-o", str(out), "--db", str(db),
                       "--texts", str(texts))
    assert code == 4 and "both english and hindi" in err
    texts.write_text("code,english\n", encoding="utf-8")
    assert run(capsys, "export", "notices", "--cycle", CYCLE, "-o", str(out), "--db", str(db),
               "--texts", str(texts))[0] == 4


def test_nothing_to_send_is_not_an_empty_file(db, tmp_path, capsys):
    out = tmp_path / "n.csv"
    code, _, err = run(capsys, "export", "notices", "--cycle", EMPTY_CYCLE, "-o", str(out), "--db", str(db))
    assert code == 9 and "no notice to send" in err and not out.exists()
    code, _, _ = run(capsys, "export", "notices", "--cycle", "2030-01", "-o", str(out), "--db", str(db))
    assert code == 8 and not out.exists()


def test_no_exported_cell_starts_a_formula(db, tmp_path, capsys):
    files = {name: tmp_path / f"{name}.csv" for name in ("billing", "route", "eligible", "winners", "notices")}
    common = ["--cycle", CYCLE, "--db", str(db)]
    assert run(capsys, "export", "billing", *common, "-o", str(files["billing"]), "--route", str(files["route"]),
               )[0] == 0
    assert run(capsys, "export", "draw-eligibility", *common, "-o", str(files["eligible"]),
               "--allow-guests-without-mobile")[0] == 0
    assert run(capsys, "draw", *common, "--winners", "50", "-o", str(files["winners"]))[0] == 0
    assert run(capsys, "export", "notices", *common, "-o", str(files["notices"]))[0] == 0
    neutralised = 0
    for name, path in files.items():
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.reader(f):
                for cell in row:
                    number = re.fullmatch(r"[-+]?[0-9]+(\.[0-9]+)?", cell.lstrip("'")) is not None
                    assert not cell.startswith(("=", "+", "-", "@")) or number, (name, cell)
                    assert not (number and cell.startswith("'")), (name, cell)  # numbers stay numbers
                    neutralised += cell.startswith(("'=", "'+", "'-", "'@"))
    assert neutralised >= 3  # the formula-like name, IVRS and consumer name of the scenario
