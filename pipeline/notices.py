"""Consumer notices: what to tell each consumer whose submission was not valid, in Hindi and English.

The texts live in ``pipeline/data/notices.csv`` (code, english, hindi, note), a
file anyone can edit in a spreadsheet; ``--texts`` points at another copy. One
row per submission that is not valid (rejected, rejected by a reviewer, or
flagged and still awaiting review) and that has a mobile number, ready for an SMS
gateway (the mobile as digits only). A consumer whose reading of the cycle was
billed after all (a later valid submission, or a reviewer's confirmation) gets
no notice.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pipeline.cycles import (
    BILLABLE,
    REVIEWER_REJECTED,
    CycleRow,
    Outcome,
    load_cycle,
    record_export,
    write_csv,
)
from pipeline.exceptions import BadCsvError, InputFileError, NothingToExportError
from pipeline.rules import REJECT_REASONS, Reason
from pipeline.store.backends import Connection

NOTICE_COLUMNS = ("submission_id", "ivrs", "cycle", "outcome", "mobile", "email", "reason_code", "reasons",
                  "text_en", "text_hi")
TEXT_COLUMNS = ("code", "english", "hindi")
FALLBACK = "DEFAULT"


@dataclass(frozen=True)
class NoticeText:
    english: str
    hindi: str


def load_texts(path: Path | None = None) -> dict[str, NoticeText]:
    """code -> texts from the notices CSV (the shipped one when ``path`` is None)."""
    where = str(path) if path else "pipeline/data/notices.csv"
    try:
        raw = path.read_bytes() if path else (resources.files("pipeline") / "data" / "notices.csv").read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read notice texts {where}: {exc}") from exc
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or ()]
    missing = [c for c in TEXT_COLUMNS if c not in header]
    if missing:
        raise BadCsvError(f"notice texts {where} lack columns: {', '.join(missing)}")
    reader.fieldnames = header
    texts: dict[str, NoticeText] = {}
    for line, row in enumerate(reader, 2):
        code = (row.get("code") or "").strip().upper()
        if not code:
            continue
        en, hi = (row.get("english") or "").strip(), (row.get("hindi") or "").strip()
        if not en or not hi:
            raise BadCsvError(f"notice texts {where} line {line} ({code}): both english and hindi are needed")
        texts[code] = NoticeText(en, hi)
    if FALLBACK not in texts:
        raise BadCsvError(f"notice texts {where} need a {FALLBACK} row (used for codes without a text)")
    return texts


def sms_number(mobile: str) -> str:
    """The mobile number as digits only (``+91 98111-11111`` -> ``919811111111``), as SMS gateways take it."""
    return "".join(ch for ch in mobile if ch.isascii() and ch.isdigit())


def notice_code(row: CycleRow, texts: dict[str, NoticeText]) -> str:
    """The one reason the SMS is about: a reviewer's, else the first reject reason, else the first flag."""
    if row.outcome is Outcome.REVIEW_REJECTED:
        given = row.review_reason.strip().upper()
        return given if given in texts and given in Reason.__members__ else REVIEWER_REJECTED
    reasons = row.reasons
    rejects = [r for r in reasons if r in REJECT_REASONS]
    return (rejects or reasons or [FALLBACK])[0]


@dataclass
class Notices:
    cycle: str
    rows: list[list[str]] = field(default_factory=list)
    no_mobile: int = 0
    resolved: int = 0  # not valid, but the consumer's reading was billed from another submission
    by_code: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        out = [f"notices {self.cycle}: {len(self.rows)} to send",
               f"  not sent, no mobile number: {self.no_mobile}",
               f"  not sent, the consumer's reading was billed from another submission: {self.resolved}"]
        out += [f"  {code}: {n}" for code, n in sorted(self.by_code.items())]
        return out


def build_notices(rows: list[CycleRow], texts: dict[str, NoticeText], cycle: str) -> Notices:
    """One notice per not-valid submission with a mobile, in (ivrs, time) order."""
    result = Notices(cycle=cycle)
    billed = {r.ivrs for r in rows if r.outcome in BILLABLE}
    for row in sorted(rows, key=lambda r: (r.ivrs, r.order_key())):
        if row.outcome in BILLABLE:
            continue
        if row.ivrs in billed:
            result.resolved += 1
            continue
        mobile = sms_number(row.mobile)
        if not mobile:
            result.no_mobile += 1
            continue
        code = notice_code(row, texts)
        text = texts.get(code, texts[FALLBACK])
        result.by_code[code] += 1
        outcome = "flagged" if row.outcome is Outcome.PENDING else "rejected"
        reasons = row.reasons_text if row.outcome is not Outcome.REVIEW_REJECTED else row.review_reason
        result.rows.append([row.submission_id, row.ivrs, cycle, outcome, mobile, row.email, code, reasons,
                            text.english, text.hindi])
    return result


def export_notices(conn: Connection, cycle: str, out: Path, texts_path: Path | None = None) -> Notices:
    """Write the notices CSV for the cycle; nothing to send is an error, not an empty file."""
    texts = load_texts(texts_path)
    rows = load_cycle(conn, cycle)
    result = build_notices(rows, texts, cycle)
    if not result.rows:
        raise NothingToExportError(
            f"no notice to send for cycle {cycle}: of {len(rows)} submissions, none is not valid with a mobile "
            f"number ({result.no_mobile} without mobile, {result.resolved} billed from another submission); "
            f"{out} was not written")
    sha, _ = write_csv(out, NOTICE_COLUMNS, result.rows)
    record_export(conn, "notices", cycle, out, sha, len(result.rows),
                  {"texts": str(texts_path) if texts_path else "shipped"})
    return result
