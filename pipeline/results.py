"""Write the results CSV: one row per input row, in input order.

Every cell goes through :func:`pipeline.csvsafe.safe_cell`, as in every exported
CSV, so a value typed by a consumer can never run as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path

from pipeline.csvsafe import safe_row

RESULT_COLUMNS = (
    "submission_id", "ivrs", "status", "clear", "ocr_reading", "typed_reading", "confidence", "reasons",
    "crop", "kind", "register", "cycle", "reused_of",
)


def _format(row: dict) -> list[str]:
    out = dict(row)
    out["clear"] = "true" if row.get("clear") else "false"
    conf = row.get("confidence")
    out["confidence"] = f"{float(conf):.3f}" if conf is not None else ""
    return safe_row(out.get(c) for c in RESULT_COLUMNS)


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
