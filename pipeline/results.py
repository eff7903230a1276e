"""Write the results CSV: one row per input row, in input order.

Every exported CSV goes through :func:`safe_cell`, so a value typed by a
consumer can never run as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable
from pathlib import Path

RESULT_COLUMNS = (
    "submission_id", "ivrs", "status", "clear", "ocr_reading", "typed_reading", "confidence", "reasons",
    "crop", "kind", "register", "cycle", "reused_of",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[-+]?[0-9]+(\.[0-9]+)?$")  # '-371', '+5', '12.5': a spreadsheet reads a number


def safe_cell(value: object) -> str:
    """Text for a CSV cell; a text cell with a leading formula character is neutralised with a quote.

    A plain number (``-371``, ``12.5``) is written as it is: it cannot run as a
    formula, and a quote would turn it into text that billing cannot add up.
    """
    text = "" if value is None else str(value)
    if _PLAIN_NUMBER.match(text):
        return text
    return "'" + text if text.startswith(_FORMULA_START) else text


def _format(row: dict) -> list[str]:
    out = dict(row)
    out["clear"] = "true" if row.get("clear") else "false"
    conf = row.get("confidence")
    out["confidence"] = f"{float(conf):.3f}" if conf is not None else ""
    return [safe_cell(out.get(c)) for c in RESULT_COLUMNS]


def write_results(path: Path, rows: Iterable[dict]) -> int:
    """Write rows atomically (temp file then rename); return how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(RESULT_COLUMNS)
        for row in rows:
            writer.writerow(_format(row))
            n += 1
    os.replace(tmp, path)
    return n
