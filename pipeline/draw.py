"""The monthly lucky draw: who is eligible, a draw anyone can recompute, and its check.

Eligible: the consumer's billed reading of the cycle (the latest billable one) is
clear and valid without review or confirmed by a reviewer as typed (a corrected
reading is billed but earns no entry), and was submitted within the 1st-5th
(IST). One entry per consumer. Guests need a mobile number unless configured
otherwise; winners of earlier cycles can be left out. Both rules apply when the
list is exported, so the published list is exactly the set of entries.

The rule (docs/exports.md): each entry's key is the SHA-256 hex digest of the
UTF-8 bytes of SEED immediately followed by the entry's ``ivrs`` cell as
published; entries sorted by (key, ivrs) ascending; the first N win. The draw
ranks the list whose SHA-256 was stored at export, so it can be checked with
``draw verify`` from the files alone.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.cycles import (
    BILLABLE,
    DRAW_OUTCOMES,
    CycleRow,
    latest_per_consumer,
    load_cycle,
    now_utc,
    record_export,
    write_csv,
)
from pipeline.decide import in_window
from pipeline.exceptions import (
    BadCsvError,
    DatabaseError,
    DrawRefusedError,
    ExitCode,
    InputFileError,
    MeterVerifyError,
    NothingToExportError,
)
from pipeline.rules import DEFAULT_THRESHOLDS, Thresholds

ELIGIBLE_COLUMNS = ("entry", "cycle", "ivrs", "submission_id", "submitted_at", "user_type", "mobile", "email")
WINNER_COLUMNS = ("rank", "cycle", "ivrs", "submission_id", "name", "mobile", "email", "user_type", "draw_key",
                  "seed", "list_sha256")
EXPORT_KIND = "draw-eligibility"


@dataclass(frozen=True)
class DrawRules:
    """The configurable parts of eligibility."""

    guests_need_mobile: bool = True
    exclude_past_winners: bool = False


def mask(text: str, keep: int = 4) -> str:
    """Every character but the last ``keep`` replaced by '*' (all of it when that short)."""
    text = text.strip()
    if len(text) <= keep:
        return "*" * len(text)
    return "*" * (len(text) - keep) + text[-keep:]


def mask_email(email: str) -> str:
    """The part before '@' masked but its last 4 characters; the domain kept."""
    local, at, domain = email.strip().rpartition("@")
    return mask(local) + at + domain if at else mask(email)


def draw_key(seed: str, ivrs: str) -> str:
    """SHA-256 hex of SEED immediately followed by IVRS, both UTF-8: an entry's rank key."""
    return hashlib.sha256((seed + ivrs).encode("utf-8")).hexdigest()


def rank(ivrs_list: list[str], seed: str) -> list[tuple[str, str]]:
    """(ivrs, key) of every entry, best first: ascending key, ties by ivrs."""
    return sorted(((i, draw_key(seed, i)) for i in ivrs_list), key=lambda p: (p[1], p[0]))


# --- eligibility ---------------------------------------------------------------

@dataclass
class Eligibility:
    """The published list and why the others are not on it."""

    cycle: str
    entries: list[CycleRow] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)
    sha256: str = ""
    path: Path | None = None

    def lines(self) -> list[str]:
        out = [f"draw eligibility {self.cycle}: {len(self.entries)} entries",
               f"sha256 {self.sha256}  (publish this before the draw)"]
        out += [f"  left out, {why}: {n}" for why, n in sorted(self.left_out.items())]
        return out


def past_winners(conn: sqlite3.Connection, before_cycle: str) -> set[str]:
    """IVRS of the winners of the latest draw of each cycle before ``before_cycle``."""
    latest: dict[str, list[str]] = {}
    for cycle, winners in conn.execute(
            "SELECT cycle, winners FROM draws WHERE cycle < ? ORDER BY draw_id", (before_cycle,)):
        latest[cycle] = json.loads(winners)
    return {ivrs for ws in latest.values() for ivrs in ws}


def _why_not(row: CycleRow, rules: DrawRules, th: Thresholds, past: set[str]) -> str:
    """'' when the billed row earns an entry, else the reason it does not."""
    if row.outcome not in DRAW_OUTCOMES:
        return "reading corrected by a reviewer"
    ts = row.timestamp
    if not row.clear:
        return "photo not clear"
    if ts is None or not in_window(ts, th):
        return "submitted outside the window"
    if rules.guests_need_mobile and row.user_type != "registered" and not row.mobile:
        return "guest without a mobile number"
    if rules.exclude_past_winners and row.ivrs in past:
        return "won in an earlier cycle"
    return ""


def eligibility(rows: list[CycleRow], rules: DrawRules, past: set[str], cycle: str,
                th: Thresholds = DEFAULT_THRESHOLDS) -> Eligibility:
    """Entries (sorted by ivrs) from the cycle's billed readings."""
    result = Eligibility(cycle=cycle)
    billed, _ = latest_per_consumer(r for r in rows if r.outcome in BILLABLE and r.in_master)
    for ivrs in sorted(billed):
        why = _why_not(billed[ivrs], rules, th, past)
        if why:
            result.left_out[why] += 1
        else:
            result.entries.append(billed[ivrs])
    no_reading = {r.ivrs for r in rows} - set(billed)
    if no_reading:
        result.left_out["no valid reading"] = len(no_reading)
    return result


def _published_row(n: int, row: CycleRow, cycle: str) -> list[str]:
    ist = row.ist
    return [str(n), cycle, row.ivrs, row.submission_id, ist.isoformat() if ist else row.submitted_at,
            row.user_type, mask(row.mobile), mask_email(row.email)]


def export_eligibility(conn: sqlite3.Connection, cycle: str, out: Path, rules: DrawRules = DrawRules(),
                       th: Thresholds = DEFAULT_THRESHOLDS) -> Eligibility:
    """Write the masked list, its ``.sha256`` file, and store both in the database."""
    result = eligibility(load_cycle(conn, cycle), rules,
                         past_winners(conn, cycle) if rules.exclude_past_winners else set(), cycle, th)
    if not result.entries:
        raise NothingToExportError(f"nobody is eligible for the draw of cycle {cycle} "
                                   f"({dict(result.left_out) or 'no valid reading'}); {out} was not written")
    sha, data = write_csv(out, ELIGIBLE_COLUMNS,
                          (_published_row(n, r, cycle) for n, r in enumerate(result.entries, 1)))
    out.with_name(out.name + ".sha256").write_text(f"{sha}  {out.name}\n", encoding="utf-8")
    record_export(conn, EXPORT_KIND, cycle, out, sha, len(result.entries),
                  {"guests_need_mobile": rules.guests_need_mobile,
                   "exclude_past_winners": rules.exclude_past_winners}, data.decode("utf-8"))
    result.sha256, result.path = sha, out
    return result


# --- the draw --------------------------------------------------------------------

@dataclass
class DrawResult:
    cycle: str
    draw_id: int
    seed: str
    list_sha256: str
    entries: int
    winners: list[list[str]]
    redraw_of: int | None

    def lines(self) -> list[str]:
        out = [f"draw {self.draw_id} for cycle {self.cycle}: {len(self.winners)} winners of {self.entries} "
               f"entries, seed {self.seed!r}, list sha256 {self.list_sha256}"]
        if self.redraw_of:
            out.append(f"  redraw: replaces draw {self.redraw_of}")
        out += [f"  {w[0]}. {w[2]}" for w in self.winners]
        return out


def _entries(content: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(content, newline=""))
    missing = {"ivrs", "submission_id"} - set(reader.fieldnames or ())
    if missing:
        raise BadCsvError(f"the eligibility list lacks columns: {', '.join(sorted(missing))}")
    return list(reader)


def _published_list(conn: sqlite3.Connection, cycle: str) -> tuple[int, str, str]:
    """(export_id, sha256, content) of the list last exported for the cycle."""
    row = conn.execute("SELECT export_id, sha256, content FROM exports WHERE kind = ? AND cycle = ?"
                       " ORDER BY export_id DESC", (EXPORT_KIND, cycle)).fetchone()
    if row is None:
        raise DrawRefusedError(f"no eligibility list was exported for cycle {cycle}: run "
                               f"`meter-verify export draw-eligibility --cycle {cycle}` and publish its SHA-256 first")
    if hashlib.sha256(row[2].encode("utf-8")).hexdigest() != row[1]:
        raise DatabaseError(f"the stored eligibility list {row[0]} does not match its SHA-256: it was altered")
    return int(row[0]), row[1], row[2]


def _contacts(conn: sqlite3.Connection, submission_id: str, ivrs: str) -> tuple[str, str, str, str]:
    got = conn.execute(
        "SELECT c.name, s.mobile, s.email, s.user_type FROM submissions s LEFT JOIN consumers c ON c.ivrs = s.ivrs"
        " WHERE s.submission_id = ? AND s.ivrs = ? ORDER BY s.occurrence", (submission_id, ivrs)).fetchone()
    return tuple(v or "" for v in got) if got else ("", "", "", "")  # type: ignore[return-value]


def run_draw(conn: sqlite3.Connection, cycle: str, n_winners: int, seed: str, out: Path,
             redraw: bool = False, why: str = "") -> DrawResult:
    """Draw from the published list, write winners.csv with full contacts, record the draw."""
    if n_winners < 1:
        raise MeterVerifyError("--winners must be at least 1", exit_code=ExitCode.BAD_ARGS)
    if not seed:
        raise MeterVerifyError("--seed must not be empty", exit_code=ExitCode.BAD_ARGS)
    earlier = conn.execute("SELECT draw_id, seed, drawn_at FROM draws WHERE cycle = ? ORDER BY draw_id DESC",
                           (cycle,)).fetchone()
    if redraw and not why.strip():
        raise MeterVerifyError("--redraw needs --why TEXT: a second draw must say why", exit_code=ExitCode.BAD_ARGS)
    if earlier is not None and not redraw:
        raise DrawRefusedError(f"cycle {cycle} was already drawn (draw {earlier[0]} on {earlier[2]}, seed "
                               f"{earlier[1]!r}); to draw again use --redraw --why TEXT (recorded)")
    export_id, sha, content = _published_list(conn, cycle)
    entries = {e["ivrs"]: e for e in _entries(content)}
    ranked = rank(list(entries), seed)[:n_winners]
    winners = []
    for pos, (ivrs, key) in enumerate(ranked, 1):
        sid = entries[ivrs]["submission_id"]
        name, mobile, email, user_type = _contacts(conn, sid, ivrs)
        winners.append([str(pos), cycle, ivrs, sid, name, mobile, email, user_type, key, seed, sha])
    write_csv(out, WINNER_COLUMNS, winners)
    cur = conn.execute(
        "INSERT INTO draws (cycle, seed, n_winners, export_id, list_sha256, winners, redraw_of, why, drawn_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (cycle, seed, n_winners, export_id, sha, json.dumps([w[2] for w in winners]),
         earlier[0] if earlier else None, why.strip() or None, now_utc()))
    return DrawResult(cycle, int(cur.lastrowid), seed, sha, len(entries), winners,
                      int(earlier[0]) if earlier else None)


# --- draw verify: from the files alone ------------------------------------------------

@dataclass
class DrawCheck:
    ok: bool
    messages: list[str]

    def lines(self) -> list[str]:
        return [("MATCH: " if self.ok else "MISMATCH: ") + self.messages[0]] + self.messages[1:]


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read {what} {path}: {exc.strerror}") from exc


def verify_files(list_csv: Path, seed: str, winners_csv: Path) -> DrawCheck:
    """Recompute the draw from the published list and the seed; compare with winners.csv."""
    data = _read(list_csv, "eligibility list")
    sha = hashlib.sha256(data).hexdigest()
    entries = [e["ivrs"] for e in _entries(data.decode("utf-8-sig"))]
    reader = csv.DictReader(io.StringIO(_read(winners_csv, "winners file").decode("utf-8-sig"), newline=""))
    if "ivrs" not in (reader.fieldnames or ()):
        raise BadCsvError(f"{winners_csv} lacks the column ivrs")
    rows = list(reader)
    if "rank" in (reader.fieldnames or ()):
        rows.sort(key=lambda r: int(r["rank"]) if r["rank"].isdigit() else 0)
    claimed = [r["ivrs"] for r in rows]
    notes = [f"list {list_csv}: {len(entries)} entries, sha256 {sha}"]
    if not claimed:
        return DrawCheck(False, [f"{winners_csv} lists no winner"] + notes)
    list_shas = {r.get("list_sha256", "") for r in rows} - {""}
    if list_shas and list_shas != {sha}:
        return DrawCheck(False, [f"{winners_csv} was drawn from list sha256 {', '.join(sorted(list_shas))}, "
                                 f"not from this list"] + notes)
    seeds = {r.get("seed", "") for r in rows} - {""}
    if seeds and seeds != {seed}:
        notes.append(f"note: {winners_csv} records seed {', '.join(sorted(seeds))!r}")
    expected = [ivrs for ivrs, _ in rank(entries, seed)[:len(claimed)]]
    if expected == claimed:
        return DrawCheck(True, [f"the {len(claimed)} winners are the top {len(claimed)} entries of the list "
                                f"ranked by SHA-256(seed + ivrs)"] + notes)
    notes += [f"  expected: {';'.join(expected)}", f"  winners.csv: {';'.join(claimed)}"]
    return DrawCheck(False, ["the winners do not follow from this list and seed"] + notes)
