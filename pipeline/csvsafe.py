"""Neutralise spreadsheet formulas in every CSV the system exports (CSV injection).

Names, e-mails, IVRS numbers and submission ids come from consumers and the app;
reasons and notes are typed by reviewers. Opened in a spreadsheet, a cell such as
``=HYPERLINK("http://x")`` or ``@SUM(A1)`` would run as a formula. Every exported
cell therefore goes through :func:`safe_cell` (``pipeline.results`` and
``pipeline.cycles.csv_bytes``, which billing, the draw and the notices use), as
OWASP recommends: such a cell gets a leading single quote, which spreadsheets
show as text. A carriage return inside a cell is always quoted too
(:func:`csv_line`): unquoted, it would end the row and let the rest of the cell
start a new row, and a formula, of its own.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from decimal import Decimal

#: a text cell starting with one of these is prefixed with "'" (OWASP's list)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_PLAIN_NUMBER = re.compile(r"[-+]?[0-9]+(\.[0-9]+)?")  # '-371', '+5', '0123.4': read as a number


def is_plain_number(text: str) -> bool:
    """True for an optional sign, ASCII digits and at most one decimal point with digits after it."""
    return _PLAIN_NUMBER.fullmatch(text) is not None


def _finite_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return isinstance(value, int)


def safe_cell(value: object) -> str:
    """The text of one exported CSV cell, never starting a formula.

    The rule:

    * ``None`` is the empty cell.
    * A number (``int``, ``float``, ``Decimal``; not ``bool``) that is finite is
      written as ``str(value)``, untouched: it cannot run as a formula.
    * Text that is a *plain decimal number* -- an optional ``+``/``-``, ASCII digits,
      optionally ``.`` and more digits, nothing else (``-371``, ``+5``, ``0123.4``) --
      is written as it is, so readings and units stay numbers a billing system can
      add up. A quote would turn them into text.
    * Any other text whose first character is ``=``, ``+``, ``-``, ``@``, a tab or a
      carriage return gets a leading ``'``: ``=1+1`` -> ``'=1+1``, ``-1e5`` ->
      ``'-1e5`` (the exports write amounts as plain digits, never with an exponent),
      ``-5\\n`` -> ``'-5\\n``. So does ``-inf`` or ``nan`` as a float.

    Applying it twice changes nothing more (a quoted cell starts with ``'``).
    """
    if value is None:
        return ""
    if _finite_number(value):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_START) and not is_plain_number(text):
        return QUOTE + text
    return text


def safe_row(row: Iterable[object]) -> list[str]:
    """Every cell of a row through :func:`safe_cell`."""
    return [safe_cell(v) for v in row]


def csv_line(row: Iterable[object], line_end: str = "\n") -> str:
    """One CSV record: every cell through :func:`safe_cell`, quoted where needed, then ``line_end``.

    Python's csv writer quotes only the characters of its line terminator: with
    ``"\\n"`` a cell holding a lone ``"\\r"`` would be written bare and read back as
    two rows. So the record is written with ``"\\r\\n"``, which quotes both, and
    ends with ``line_end``.
    """
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerow(safe_row(row))
    return buf.getvalue()[:-2] + line_end


def written_from(cell: str) -> tuple[str, ...]:
    """The values that :func:`safe_cell` writes as ``cell``, for finding a re-read cell in the database.

    ``'=x`` was written from ``=x`` or from ``'=x`` itself; any other cell only from itself.
    """
    if cell.startswith(QUOTE) and safe_cell(cell[1:]) == cell:
        return (cell[1:], cell)
    return (cell,)
