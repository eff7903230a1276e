"""Property-based tests (hypothesis) of what consumers type and send: readings and the submissions CSV.

The example tests (test_compare.py, test_ingest.py) pin the cases someone thought
of; these generate the ones nobody did: Devanagari, full-width and Arabic-Indic
digits, spaces, grouping commas, leading zeros, signs, exponents, very long
strings, NUL bytes, mixed line endings, a UTF-8 BOM, quotes. Examples are kept
few (the file runs in seconds); hypothesis remembers a failure and replays it.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipeline.compare import (
    Number,
    classify_mismatch,
    compare,
    normalise_reading,
    parse_number,
    readings_match,
)
from pipeline.context import Submission
from pipeline.csvsafe import csv_line, safe_cell
from pipeline.exceptions import BadCsvError
from pipeline.ingest import SUBMISSION_COLUMNS, parse_timestamp, read_consumers, read_submissions
from pipeline.rules import Reason

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SCRIPTS = ("0123456789", "०१२३४५६७८९", "０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "০১২৩৪৫৬৭৮৯")  # ASCII, Devanagari,
# full-width, Arabic-Indic, Bengali: what a phone keyboard in India may send
NASTY = " ,.+-eE\x00\r\n\t\ufeff'\"" + "".join(SCRIPTS)
MISMATCH = {r for r in Reason if r.name.startswith("MISMATCH_")}
PLAIN = re.compile(r"[0-9]+(\.[0-9]+)?")

digits = st.text(alphabet="0123456789", min_size=1, max_size=12)
#: a plain ASCII reading: digits, optionally a point and digits
readings = st.builds(lambda i, d: i if d is None else f"{i}.{d}", digits, st.none() | digits)
#: no leading zero: an integer reading exactly as parse_number keeps it
integers = st.builds(lambda a, b: a + b, st.sampled_from("123456789"), st.text(alphabet="0123456789", max_size=9))
very_long = st.builds(lambda d, n: d * n, digits, st.integers(300, 3000))
typed_text = st.one_of(
    st.text(alphabet=st.sampled_from(NASTY) | st.characters(), max_size=40),
    st.text(max_size=20),
    very_long,
    st.builds(lambda r, junk, at: r[:at] + junk + r[at:], readings, st.sampled_from(NASTY), st.integers(0, 25)),
)


def in_scripts(text: str, choices: list[int]) -> str:
    """``text`` with each ASCII digit written in the script ``choices`` picks for it."""
    out, k = [], 0
    for ch in text:
        if ch.isdigit():
            out.append(SCRIPTS[choices[k % len(choices)]][int(ch)])
            k += 1
        else:
            out.append(ch)
    return "".join(out)


def western(n: str) -> str:
    """1234567 -> 1,234,567."""
    head, groups = n, []
    while len(head) > 3:
        head, groups = head[:-3], [head[-3:], *groups]
    return ",".join([head, *groups])


def indian(n: str) -> str:
    """1234567 -> 12,34,567 (lakh and crore grouping)."""
    if len(n) <= 3:
        return n
    head, groups = n[:-3], [n[-3:]]
    while len(head) > 2:
        head, groups = head[:-2], [head[-2:], *groups]
    return ",".join([head, *groups])


def well_grouped(groups: list[str]) -> bool:
    """Commas as Western (3-digit) or Indian (2-digit, then a last 3-digit) grouping place them."""
    first, rest = groups[0], groups[1:]
    west = len(first) <= 3 and all(len(g) == 3 for g in rest)
    india = len(first) <= 2 and all(len(g) == 2 for g in rest[:-1]) and len(rest[-1]) == 3
    return west or india


# --- parse_number and normalise_reading --------------------------------------------

@FAST
@given(typed_text)
def test_parsing_any_text_never_raises_and_gives_a_clean_number_or_none(text):
    got = parse_number(text)
    assert got is None or isinstance(got, Number)
    if got is not None:
        assert re.fullmatch(r"0|[1-9][0-9]*", got.integer), got
        assert got.decimals is None or re.fullmatch(r"[0-9]+", got.decimals), got
    stored = normalise_reading(text)
    assert normalise_reading(stored) == stored  # what is stored is normalised already
    assert parse_number(stored) == got  # storing never changes what the reading means
    if got is not None:
        assert PLAIN.fullmatch(stored), stored  # a number is stored in ASCII digits, nothing else


@FAST
@given(readings, st.data())
def test_unicode_digits_read_as_the_ascii_reading(reading, data):
    choices = data.draw(st.lists(st.integers(0, len(SCRIPTS) - 1), min_size=1, max_size=len(reading)))
    typed = in_scripts(reading, choices)  # e.g. १२३४५, １２３, or a mixture
    assert parse_number(typed) == parse_number(reading) is not None
    assert normalise_reading(typed) == reading


@FAST
@given(readings, st.integers(0, 8))
def test_leading_zeros_do_not_change_the_value(reading, zeros):
    got = parse_number("0" * zeros + reading)
    assert got == parse_number(reading)
    whole, _, decimals = reading.partition(".")
    assert got.integer == str(int(whole)) and got.decimals == (decimals if "." in reading else None)


@FAST
@given(readings, st.lists(st.integers(0, 30), max_size=4), st.lists(st.sampled_from([" ", "  "]), min_size=4))
def test_spaces_anywhere_are_ignored(reading, places, spaces):
    spaced = reading
    for at, space in zip(sorted(places, reverse=True), spaces, strict=False):
        spaced = spaced[:at] + space + spaced[at:]
    assert parse_number(spaced) == parse_number(reading)
    assert normalise_reading(spaced) == reading


@FAST
@given(integers, st.none() | digits)
def test_indian_and_western_grouping_read_as_the_plain_number(whole, decimals):
    tail = "" if decimals is None else "." + decimals
    plain = parse_number(whole + tail)
    assert parse_number(western(whole) + tail) == plain
    assert parse_number(indian(whole) + tail) == plain
    assert normalise_reading(indian(whole) + tail) == whole + tail


@FAST
@given(st.lists(st.text(alphabet="0123456789", min_size=1, max_size=4), min_size=2, max_size=5))
def test_commas_are_accepted_only_where_grouping_puts_them(groups):
    """``1,23,456`` and ``123,456`` are grouping; ``123,45`` (a decimal comma?) or ``1,2345`` are not numbers."""
    text = ",".join(groups)
    got = parse_number(text)
    if well_grouped(groups):
        assert got == parse_number("".join(groups)), text
    else:
        assert got is None, text
        assert normalise_reading(text) == text  # kept as typed: TYPED_NOT_A_NUMBER, a reviewer sees it


@FAST
@given(readings, st.sampled_from(["-{}", "+{}", "{}e5", "{}E-2", "{}e+3", "1e{}", "{}-", "−{}", "{}\x00", "\x00{}",
                                  "{}.", ".{}", "{}..1", "{},5"]))
def test_signs_exponents_and_stray_characters_are_not_numbers(reading, form):
    text = form.format(reading)
    assert parse_number(text) is None, text
    assert parse_number(normalise_reading(text)) is None


@FAST
@given(very_long)
def test_very_long_readings_parse_without_trouble(text):
    got = parse_number(text)
    assert got is not None and got.integer == (text.lstrip("0") or "0")
    assert compare(text, text) == (True, None)


# --- compare and classify_mismatch ---------------------------------------------------

@FAST
@given(readings, st.data())
def test_every_valid_reading_matches_itself_however_it_is_typed(reading, data):
    assert compare(reading, reading) == (True, None)
    choices = data.draw(st.lists(st.integers(0, len(SCRIPTS) - 1), min_size=1, max_size=3))
    zeros = data.draw(st.integers(0, 3))
    typed = "0" * zeros + in_scripts(reading, choices)
    assert compare(reading, typed) == (True, None)
    assert compare(typed, reading) == (True, None)


@FAST
@given(readings, st.integers(1, 5))
def test_fewer_or_zero_padded_typed_decimals_match(reading, k):
    whole, _, decimals = reading.partition(".")
    assume(decimals)
    assert compare(reading, f"{whole}.{decimals[:k]}") == (True, None)
    assert compare(reading, whole) == (True, None)  # billing uses the integer kWh
    assert compare(reading, f"{whole}.{decimals}000") == (True, None)


@FAST
@given(typed_text, typed_text, typed_text)
def test_compare_never_raises_and_names_every_mismatch(ocr, typed, previous):
    match, reason = compare(ocr, typed, previous)
    if parse_number(ocr) is None or parse_number(typed) is None:
        assert (match, reason) == (False, None)
    elif match:
        assert reason is None and readings_match(parse_number(ocr), parse_number(typed))
    else:
        assert reason in MISMATCH


@FAST
@given(integers, st.integers(0, 9), st.integers(1, 9))
def test_one_changed_digit_is_named(ocr, at, shift):
    at %= len(ocr)
    new = str((int(ocr[at]) + shift) % 10)
    assume(not (at == 0 and new == "0"))
    assert compare(ocr, ocr[:at] + new + ocr[at + 1:]) == (False, Reason.MISMATCH_ONE_DIGIT)


@FAST
@given(integers, st.integers(0, 9))
def test_swapped_neighbours_are_named(ocr, at):
    assume(len(ocr) >= 2)
    at %= len(ocr) - 1
    typed = ocr[:at] + ocr[at + 1] + ocr[at] + ocr[at + 2:]
    assume(ocr[at] != ocr[at + 1] and typed[0] != "0")
    assert compare(ocr, typed) == (False, Reason.MISMATCH_SWAPPED_DIGITS)


@FAST
@given(integers, st.integers(0, 9), st.sampled_from("0123456789"))
def test_a_missing_or_extra_digit_is_named(ocr, at, digit):
    at %= len(ocr) + 1
    longer = ocr[:at] + digit + ocr[at:]
    assume(longer[0] != "0")
    assert compare(longer, ocr) == (False, Reason.MISMATCH_MISSING_DIGIT)  # the consumer left one out
    assert compare(ocr, longer) == (False, Reason.MISMATCH_EXTRA_DIGIT)


@FAST
@given(integers, digits)
def test_a_missed_decimal_point_is_named(whole, decimals):
    ocr, typed = f"{whole}.{decimals}", whole + decimals  # 1234.5 typed 12345
    assert compare(ocr, typed) == (False, Reason.MISMATCH_DECIMAL)


@FAST
@given(integers, integers)
def test_naming_a_mismatch_is_symmetric_for_whole_readings(a, b):
    assume(a != b)
    dual = {Reason.MISMATCH_MISSING_DIGIT: Reason.MISMATCH_EXTRA_DIGIT,
            Reason.MISMATCH_EXTRA_DIGIT: Reason.MISMATCH_MISSING_DIGIT}
    there = classify_mismatch(parse_number(a), parse_number(b), None)
    back = classify_mismatch(parse_number(b), parse_number(a), None)
    assert back == dual.get(there, there)


@FAST
@given(integers, integers)
def test_typing_the_previous_reading_is_named(ocr, previous):
    assume(ocr != previous)
    assert compare(ocr, previous, previous) == (False, Reason.MISMATCH_PREVIOUS_READING)


# --- the submissions CSV -------------------------------------------------------------

#: any cell the app (or a hand edit) could put in a field: NUL, CR/LF, quotes, commas, BOM, other scripts
cells = st.one_of(st.text(max_size=12), st.text(alphabet=st.sampled_from(NASTY + "ab\u2028\x85"), max_size=12),
                  st.text(alphabet=st.sampled_from("\x00\r\n\t\ufeff\"', a/."), max_size=6), readings, st.just(""))
line_ends = st.sampled_from(["\n", "\r\n", "\r"])


def record(fields: list[str], end: str) -> str:
    """One CSV record as a correct writer writes it (a field with a CR or LF quoted), ended by ``end``."""
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerow(fields)
    return buf.getvalue()[:-2] + end


@st.composite
def submissions_files(draw: st.DrawFn) -> tuple[bytes, list[list[str]]]:
    """(file bytes, its data rows with their cells in SUBMISSION_COLUMNS order); columns in any order and case."""
    order = draw(st.permutations(SUBMISSION_COLUMNS))
    header = [draw(st.sampled_from([c, c.upper(), f" {c} "])) for c in order]
    rows = draw(st.lists(st.lists(cells, min_size=len(order), max_size=len(order)), max_size=8))
    text = record(header, draw(line_ends))
    for row in rows:
        text += record([row[SUBMISSION_COLUMNS.index(c)] for c in order], draw(line_ends))
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    return bom + text.encode("utf-8"), rows


def _read(data: bytes, name: str = "submissions.csv") -> list[Submission]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        return read_submissions(path)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(submissions_files())
def test_every_non_blank_row_becomes_one_submission_with_its_fields(file):
    """read_submissions' promise: each non-blank data row becomes one Submission (bad fields are reasons)."""
    data, rows = file
    subs = _read(data)
    kept = [(n, dict(zip(SUBMISSION_COLUMNS, row, strict=True))) for n, row in enumerate(rows, 1)
            if any(cell.strip() for cell in row)]
    assert len(subs) == len(kept)
    for sub, (n, row) in zip(subs, kept, strict=True):
        assert sub.row_number == n
        assert sub.submission_id == (row["submission_id"].strip() or f"ROW-{n}")
        assert (sub.ivrs, sub.photo, sub.submitted_at, sub.mobile, sub.email) == tuple(
            row[c].strip() for c in ("ivrs", "photo", "submitted_at", "mobile", "email"))
        assert sub.user_type == row["user_type"].strip().lower()
        assert sub.typed_entered == row["typed_reading"].strip()
        assert sub.typed_reading == normalise_reading(sub.typed_entered)
        assert all(isinstance(r, Reason) for r in sub.row_problems)
        assert (sub.photo_path is None) == any(r.name.startswith("PHOTO_") for r in sub.row_problems)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.booleans())
def test_any_bytes_give_submissions_or_a_clear_csv_error(tail, with_header):
    """Never a traceback: a list of Submissions, or BadCsvError (exit code and message for the operator)."""
    head = (",".join(SUBMISSION_COLUMNS) + "\n").encode() if with_header else b""
    try:
        subs = _read(head + tail)
    except BadCsvError as exc:
        assert exc.message
    else:
        assert with_header and all(isinstance(s, Submission) for s in subs)


@FAST
@given(st.lists(st.tuples(st.text(alphabet="0123456789", min_size=1, max_size=11), cells), max_size=6),
       line_ends)
def test_consumers_are_keyed_by_the_ivrs_as_written(rows, end):
    text = record(["ivrs", "name", "previous_reading", "previous_reading_date", "tariff_category"], end)
    text += "".join(record([ivrs, name, "100", "2026-10-02", "domestic"], end) for ivrs, name in rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "consumers.csv"
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
        got = read_consumers(path)
    assert set(got) == {ivrs for ivrs, _ in rows}  # leading zeros kept: 0012 is not 12
    for ivrs in got:  # the last row of an IVRS wins
        assert got[ivrs].name == [name for i, name in rows if i == ivrs][-1].strip()


@FAST
@given(typed_text)
def test_a_timestamp_is_parsed_or_refused_never_raises(text):
    ts = parse_timestamp(text)
    assert ts is None or ts.tzinfo is not None


# --- the exported cell ---------------------------------------------------------------

@FAST
@given(st.one_of(typed_text, readings, st.builds("-{}".format, readings), st.integers(), st.floats(),
                 st.decimals()))
def test_an_exported_cell_never_starts_a_formula_and_numbers_stay_numbers(value):
    cell = safe_cell(value)
    if isinstance(value, str):  # neutralising twice (the draw re-exports the list's cells) changes nothing
        assert safe_cell(cell) == cell
    is_number = re.fullmatch(r"[-+]?[0-9]+(\.[0-9]+)?", cell) is not None
    if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        assert is_number or (not isinstance(value, str) and cell == str(value)), cell
    if isinstance(value, str):
        assert cell in (value, "'" + value)
        assert (cell == value) == (is_number or not value.startswith(("=", "+", "-", "@", "\t", "\r")))


@FAST
@given(st.lists(cells, min_size=1, max_size=6))
def test_an_exported_row_reads_back_as_one_row_of_its_cells(row):
    line = csv_line(row)
    assert list(csv.reader(io.StringIO(line, newline=""))) == [[safe_cell(c) for c in row]]
    if not any("\r" in c for c in row):  # the files exported before keep their bytes (and SHA-256)
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator="\n").writerow([safe_cell(c) for c in row])
        assert line == buf.getvalue()
