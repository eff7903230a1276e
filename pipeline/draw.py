"""The monthly lucky draw: who is eligible, a draw anyone can recompute, and its check.

Eligible: the consumer's billed reading of the cycle (the latest billable one) is
clear and valid without review or confirmed by a reviewer as typed (a corrected
reading is billed but earns no entry), is not held back by the billing export for
its units, and was submitted within the 1st-5th (IST). One entry per consumer. Guests need a mobile number unless configured
otherwise; winners of earlier cycles can be left out. Both rules apply when the
list is exported, so the published list is exactly the set of entries.

The rule (docs/exports.md): each entry's key is the SHA-256 hex digest of the
UTF-8 bytes of the draw seed immediately followed by the entry's ``ivrs`` cell as
published; entries sorted by (key, ivrs) ascending; the first N win. The seed is
generated and committed to when the list is exported (pipeline.commitment), so
the operator cannot choose it; the draw ranks the committed list, and ``draw
verify`` checks the commitment, the list and the winners from the files alone.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import commitment
from pipeline.billing import hold_reason, row_units
from pipeline.commitment import Commitment
from pipeline.csvsafe import safe_cell, written_from
from pipeline.cycles import (
    BILLABLE,
    DRAW_OUTCOMES,
    CycleRow,
    csv_bytes,
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
from pipeline.store.backends import Connection

ELIGIBLE_COLUMNS = ("entry", "cycle", "ivrs", "submission_id", "submitted_at", "user_type", "mobile", "email")
WINNER_COLUMNS = ("rank", "cycle", "ivrs", "submission_id", "name", "mobile", "email", "user_type", "draw_key",
                  "seed", "list_sha256", "seed_sha256", "public_value")
#: the columns ``draw verify`` needs in a winners file (the published one may drop the contacts)
WINNER_REQUIRED = ("rank", "ivrs", "draw_key", "seed", "list_sha256")
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
    commitment: Commitment | None = None
    commitment_path: Path | None = None

    def lines(self) -> list[str]:
        out = [f"draw eligibility {self.cycle}: {len(self.entries)} entries", f"list sha256 {self.sha256}"]
        if self.commitment is not None:
            c = self.commitment
            out.append(f"seed sha256 {c.seed_sha256} (the seed is kept secret in the database until the draw)")
            out.append(f"public value mixed into the seed: {c.public_value_source}" if c.public_value_source else
                       "no public value named: the seed alone decides (see docs/exports.md)")
            names = [x.name for x in (self.path, self.commitment_path) if x is not None]
            out.append(f"publish {' and '.join(names)} now, before the draw")
        out += [f"  left out: {n} {_LEFT_OUT_WORDS.get(why, why)}" for why, n in sorted(self.left_out.items())]
        return out


#: why a consumer is not on the list, as the end of "left out: N ..."
_LEFT_OUT_WORDS = {
    "reading corrected by a reviewer": "whose billed reading a reviewer corrected",
    "photo not clear": "whose photo was not clear",
    "submitted outside the window": "who submitted outside the 1st-5th",
    "guest without a mobile number": "guests without a mobile number",
    "won in an earlier cycle": "who won in an earlier cycle",
    "no valid reading": "without a valid reading",
    "reading held back from billing": "whose reading the billing export holds back (negative or implausible units)",
}


def left_out_sentence(left_out: Counter[str]) -> str:
    """'3 whose photo was not clear and 1 without a valid reading' (for a message to a person)."""
    parts = [f"{n} {_LEFT_OUT_WORDS.get(why, why)}" for why, n in sorted(left_out.items())]
    if not parts:
        return "nobody submitted a valid reading"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def past_winners(conn: Connection, before_cycle: str) -> set[str]:
    """IVRS of the winners of the latest draw of each cycle before ``before_cycle``, as the winners file has them.

    A draw records the ``ivrs`` cells of its winners as published (through
    csvsafe.safe_cell): compare ``safe_cell(ivrs)`` with them.
    """
    latest: dict[str, list[str]] = {}
    for cycle, winners in conn.execute(
            "SELECT cycle, winners FROM draws WHERE cycle < ? ORDER BY draw_id", (before_cycle,)):
        latest[cycle] = json.loads(winners)
    return {ivrs for ws in latest.values() for ivrs in ws}


def _why_not(row: CycleRow, rules: DrawRules, th: Thresholds, past: set[str]) -> str:
    """'' when the billed row earns an entry, else the reason it does not."""
    if row.outcome not in DRAW_OUTCOMES:
        return "reading corrected by a reviewer"
    if hold_reason(row, row_units(row, th)):
        return "reading held back from billing"
    ts = row.timestamp
    if not row.clear:
        return "photo not clear"
    if ts is None or not in_window(ts, th):
        return "submitted outside the window"
    if rules.guests_need_mobile and row.user_type != "registered" and not row.mobile:
        return "guest without a mobile number"
    if rules.exclude_past_winners and safe_cell(row.ivrs) in past:  # past: the ivrs cells as published
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


def export_eligibility(conn: Connection, cycle: str, out: Path, rules: DrawRules = DrawRules(),
                       th: Thresholds = DEFAULT_THRESHOLDS, public_value_source: str = "") -> Eligibility:
    """Write the masked list, its ``.sha256`` and ``.commitment`` files, and store them in the database.

    A fresh seed is generated and committed to here (pipeline.commitment): the
    commitment file, published with the list, holds the seed's SHA-256 only.
    """
    result = eligibility(load_cycle(conn, cycle), rules,
                         past_winners(conn, cycle) if rules.exclude_past_winners else set(), cycle, th)
    if not result.entries:
        raise NothingToExportError(f"nobody is eligible for the draw of cycle {cycle} "
                                   f"({left_out_sentence(result.left_out)}); {out} was not written")
    try:
        seed = commitment.new_seed()
        at = now_utc()
        rows = [_published_row(n, r, cycle) for n, r in enumerate(result.entries, 1)]
        data = csv_bytes(ELIGIBLE_COLUMNS, rows)
        sha = hashlib.sha256(data).hexdigest()
        promise = commitment.make(cycle, out.name, sha, len(rows), seed, public_value_source, at)
    except ValueError as exc:
        raise MeterVerifyError(f"--public-value-source: {exc}", exit_code=ExitCode.BAD_ARGS) from exc
    write_csv(out, ELIGIBLE_COLUMNS, rows)
    out.with_name(out.name + ".sha256").write_text(f"{sha}  {out.name}\n", encoding="utf-8")
    commitment_path = out.with_name(out.name + ".commitment")
    commitment_path.write_text(promise.text(), encoding="utf-8")
    export_id = record_export(conn, EXPORT_KIND, cycle, out, sha, len(result.entries),
                              {"guests_need_mobile": rules.guests_need_mobile,
                               "exclude_past_winners": rules.exclude_past_winners,
                               "public_value_source": promise.public_value_source}, data.decode("utf-8"))
    conn.execute("INSERT INTO draw_commitments (cycle, export_id, list_sha256, seed_sha256, seed,"
                 " public_value_source, content, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (cycle, export_id, sha, promise.seed_sha256, seed, promise.public_value_source or None,
                  promise.text(), at))
    result.sha256, result.path = sha, out
    result.commitment, result.commitment_path = promise, commitment_path
    return result


# --- the draw --------------------------------------------------------------------

@dataclass
class DrawResult:
    cycle: str
    draw_id: int
    seed: str
    public_value: str
    list_sha256: str
    entries: int
    winners: list[list[str]]
    redraw_of: int | None

    def lines(self) -> list[str]:
        mixed = f" with public value {self.public_value!r}" if self.public_value else ""
        out = [f"draw {self.draw_id} for cycle {self.cycle}: {len(self.winners)} winners of {self.entries} "
               f"entries, seed {self.seed}{mixed} (revealed now: publish it with the winners), "
               f"list sha256 {self.list_sha256}"]
        if self.redraw_of:
            out.append(f"  redraw: replaces draw {self.redraw_of}")
        out += [f"  {w[0]}. {w[2]}" for w in self.winners]
        return out


def _entries(content: str, where: str = "the eligibility list") -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(content, newline=""))
    missing = {"entry", "ivrs", "submission_id"} - set(reader.fieldnames or ())
    if missing:
        raise BadCsvError(f"{where} is not an eligibility list: it lacks the columns {', '.join(sorted(missing))}")
    rows = list(reader)
    if any(not r.get("ivrs") for r in rows):
        raise BadCsvError(f"{where} is not an eligibility list: a row has no ivrs")
    return rows


@dataclass(frozen=True)
class _Committed:
    commitment_id: int
    export_id: int
    list_sha256: str
    seed_sha256: str
    seed: str
    public_value_source: str
    content: str


def _committed_list(conn: Connection, cycle: str) -> tuple[_Committed, str]:
    """The commitment made with the list last exported for the cycle, and that list's content."""
    row = conn.execute("SELECT export_id, sha256, content FROM exports WHERE kind = ? AND cycle = ?"
                       " ORDER BY export_id DESC", (EXPORT_KIND, cycle)).fetchone()
    if row is None:
        raise DrawRefusedError(f"no eligibility list was exported for cycle {cycle}: run "
                               f"`meter-verify export draw-eligibility --cycle {cycle}` and publish the list and "
                               "its commitment first")
    if hashlib.sha256(row[2].encode("utf-8")).hexdigest() != row[1]:
        raise DatabaseError(f"the stored eligibility list {row[0]} does not match its SHA-256: it was altered")
    got = conn.execute("SELECT commitment_id, export_id, list_sha256, seed_sha256, seed, public_value_source,"
                       " content FROM draw_commitments WHERE export_id = ?", (row[0],)).fetchone()
    if got is None:
        raise DrawRefusedError(f"the eligibility list of cycle {cycle} was exported without a seed commitment "
                               f"(by an older meter-verify): export it again and publish the new commitment")
    c = _Committed(int(got[0]), int(got[1]), got[2], got[3], got[4], got[5] or "", got[6])
    if c.list_sha256 != row[1] or commitment.sha256_text(c.seed) != c.seed_sha256:
        raise DatabaseError(f"the stored commitment {c.commitment_id} does not match its list or seed: it was altered")
    return c, row[2]


def _contacts(conn: Connection, submission_id: str, ivrs: str) -> tuple[str, str, str, str]:
    """(name, mobile, email, user_type) of a list entry, by its ``submission_id`` and ``ivrs`` cells.

    The cells are as published, so neutralised by csvsafe (``=2+5`` was written
    ``'=2+5``): the submission is the one whose cells the list would show.
    """
    sids, ivrss = written_from(submission_id), written_from(ivrs)
    got = conn.execute(
        "SELECT c.name, s.mobile, s.email, s.user_type FROM submissions s LEFT JOIN consumers c ON c.ivrs = s.ivrs"
        f" WHERE s.submission_id IN ({','.join('?' * len(sids))}) AND s.ivrs IN ({','.join('?' * len(ivrss))})"
        " ORDER BY s.occurrence", (*sids, *ivrss)).fetchone()
    return tuple(v or "" for v in got) if got else ("", "", "", "")  # type: ignore[return-value]


def _public_value(given: str, source: str, cycle: str) -> str:
    value = " ".join((given or "").split())
    if source and not value:
        raise DrawRefusedError(f"the commitment of cycle {cycle} names a public value to mix into the seed "
                               f"({source}): give it with --public-value once it is published")
    if value and not source:
        raise DrawRefusedError(f"the commitment of cycle {cycle} names no public value: --public-value "
                               "cannot be added after the list was published")
    return value


def run_draw(conn: Connection, cycle: str, n_winners: int, out: Path, seed: str = "",
             public_value: str = "", redraw: bool = False, why: str = "") -> DrawResult:
    """Draw from the committed list with the committed seed, write winners.csv with full contacts, record it.

    ``seed`` need not be given (the database holds the committed one); when it is, it
    must be the committed seed. The seed is revealed in winners.csv and the summary.
    """
    if n_winners < 1:
        raise MeterVerifyError("--winners must be at least 1", exit_code=ExitCode.BAD_ARGS)
    earlier = conn.execute("SELECT draw_id, drawn_at FROM draws WHERE cycle = ? ORDER BY draw_id DESC",
                           (cycle,)).fetchone()
    if redraw and not why.strip():
        raise MeterVerifyError("--redraw needs --why TEXT: a second draw must say why", exit_code=ExitCode.BAD_ARGS)
    if earlier is not None and not redraw:
        raise DrawRefusedError(f"cycle {cycle} was already drawn (draw {earlier[0]} on {earlier[1]}); to draw "
                               "again use --redraw --why TEXT (recorded)")
    committed, content = _committed_list(conn, cycle)
    if seed and not secrets.compare_digest(commitment.sha256_text(seed), committed.seed_sha256):
        raise DrawRefusedError(f"that seed is not the one committed to for cycle {cycle} (its SHA-256 is not "
                               f"{committed.seed_sha256}): the draw uses the committed seed; leave out --seed")
    value = _public_value(public_value, committed.public_value_source, cycle)
    ranking_seed = commitment.draw_seed(committed.seed, value)
    entries = {e["ivrs"]: e for e in _entries(content)}
    ranked = rank(list(entries), ranking_seed)[:n_winners]
    winners = []
    for pos, (ivrs, key) in enumerate(ranked, 1):
        sid = entries[ivrs]["submission_id"]
        name, mobile, email, user_type = _contacts(conn, sid, ivrs)
        winners.append([str(pos), cycle, ivrs, sid, name, mobile, email, user_type, key, committed.seed,
                        committed.list_sha256, committed.seed_sha256, value])
    write_csv(out, WINNER_COLUMNS, winners)
    draw_id = conn.insert(
        "INSERT INTO draws (cycle, seed, n_winners, export_id, list_sha256, winners, redraw_of, why, drawn_at,"
        " commitment_id, public_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (cycle, committed.seed, n_winners, committed.export_id, committed.list_sha256,
         json.dumps([w[2] for w in winners]), earlier[0] if earlier else None, why.strip() or None, now_utc(),
         committed.commitment_id, value or None), "draw_id")
    return DrawResult(cycle, draw_id, committed.seed, value, committed.list_sha256, len(entries), winners,
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


def _text(data: bytes, path: Path, what: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadCsvError(f"{path} is not {what}: it is not UTF-8 text") from None


def _winner_rows(path: Path) -> list[dict[str, str]]:
    """The winners file in rank order; a file that is not one is an input error, not a failed draw."""
    try:
        reader = csv.DictReader(io.StringIO(_text(_read(path, "winners file"), path, "a winners list"), newline=""))
        fields = set(reader.fieldnames or ())
        rows = list(reader)
    except csv.Error as exc:
        raise BadCsvError(f"{path} is not a winners list: {exc}") from None
    missing = [c for c in WINNER_REQUIRED if c not in fields]
    if missing:
        raise BadCsvError(f"{path} is not a winners list: it lacks the columns {', '.join(missing)} "
                          "(draw writes winners.csv)")
    if not rows:
        raise BadCsvError(f"{path} is not a winners list: it has no rows")
    ranks = [r["rank"] for r in rows]
    if not all(x.isdigit() for x in ranks) or sorted(int(x) for x in ranks) != list(range(1, len(rows) + 1)):
        raise BadCsvError(f"{path} is not a winners list: its ranks are not 1 to {len(rows)}")
    return sorted(rows, key=lambda r: int(r["rank"]))


def verify_files(list_csv: Path, commitment_file: Path, winners_csv: Path, seed: str = "",
                 public_value: str = "") -> DrawCheck:
    """Check a draw from the published files alone: commitment, list, seed, public value and winners.

    ``seed`` defaults to the one winners.csv reveals; ``public_value`` must be given
    (from its source, not from winners.csv) when the commitment names one.
    """
    promise = commitment.parse(_read(commitment_file, "commitment"), str(commitment_file))
    data = _read(list_csv, "eligibility list")
    sha = hashlib.sha256(data).hexdigest()
    try:
        entries = [e["ivrs"] for e in _entries(_text(data, list_csv, "an eligibility list"), str(list_csv))]
    except csv.Error as exc:
        raise BadCsvError(f"{list_csv} is not an eligibility list: {exc}") from None
    rows = _winner_rows(winners_csv)
    notes = [f"list {list_csv}: {len(entries)} entries, sha256 {sha}",
             f"commitment {commitment_file}: cycle {promise.cycle}, list sha256 {promise.list_sha256}, "
             f"seed sha256 {promise.seed_sha256}"]
    if sha != promise.list_sha256:
        return DrawCheck(False, ["the list is not the one the commitment was made for"] + notes)
    list_shas = {r["list_sha256"] for r in rows}
    if list_shas != {sha}:
        return DrawCheck(False, [f"{winners_csv} was drawn from list sha256 {', '.join(sorted(list_shas))}, "
                                 "not from this list"] + notes)
    seeds = {r["seed"] for r in rows}
    if len(seeds) != 1:
        return DrawCheck(False, [f"{winners_csv} records more than one seed"] + notes)
    seed = seed or next(iter(seeds))
    if not promise.seed_matches(seed):
        return DrawCheck(False, ["the seed is not the one committed to: its SHA-256 is "
                                 f"{commitment.sha256_text(seed)}, the commitment says {promise.seed_sha256}"] + notes)
    if seed not in seeds:
        return DrawCheck(False, [f"{winners_csv} records another seed than the committed one"] + notes)
    value = " ".join((public_value or "").split())
    recorded = {r.get("public_value", "") for r in rows}
    if promise.public_value_source:
        if not value:
            raise MeterVerifyError(f"the commitment names a public value ({promise.public_value_source}): give it "
                                   "with --public-value, as published by its source", exit_code=ExitCode.BAD_ARGS)
        notes.append(f"public value {value!r} ({promise.public_value_source})")
        if recorded != {value}:
            return DrawCheck(False, [f"{winners_csv} was drawn with public value "
                                     f"{', '.join(sorted(recorded))!r}, not {value!r}"] + notes)
    elif value or recorded - {""}:
        return DrawCheck(False, ["the commitment names no public value, but one was used or given"] + notes)
    ranking_seed = commitment.draw_seed(seed, value)
    claimed = [(r["ivrs"], r["draw_key"]) for r in rows]
    expected = rank(entries, ranking_seed)[:len(claimed)]
    if expected == claimed:
        return DrawCheck(True, [f"the {len(claimed)} winners are the top {len(claimed)} entries of the committed "
                                "list ranked by SHA-256(draw seed + ivrs), with the committed seed"] + notes)
    notes += [f"  expected: {';'.join(i for i, _ in expected)}", f"  winners.csv: {';'.join(i for i, _ in claimed)}"]
    return DrawCheck(False, ["the winners do not follow from this list and seed"] + notes)
