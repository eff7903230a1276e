"""The billing feed: one valid reading per consumer per cycle, with the units to bill.

Billable: valid without review, or flagged and then confirmed or corrected by a
reviewer (never rejected, never still pending). When a consumer has several
billable submissions in a cycle the latest wins and the others are reported as
superseded. Units handle a register that rolled over (99987 -> 00012 on a
5-digit register). The file is the same on every re-run of the same data: rows
sorted by IVRS, no timestamps in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from pipeline.compare import Number, parse_number
from pipeline.cycles import (
    BILLABLE,
    SOURCE_SELF_PHOTO,
    CycleRow,
    Outcome,
    latest_per_consumer,
    load_cycle,
    master_consumers,
    record_export,
    write_csv,
)
from pipeline.exceptions import NothingToExportError
from pipeline.rules import DEFAULT_THRESHOLDS, Reason, Thresholds
from pipeline.store.backends import Connection

#: Why a billable reading is held back from the feed (the route file's ``why`` and the summary).
HELD_NEGATIVE = "held_negative_units"  # below the previous reading and no plausible roll-over
HELD_IMPLAUSIBLE = "held_implausible_units"  # more units than the tariff's limit, and no reviewer checked them
HELD_TEXT = {HELD_NEGATIVE: "below the previous reading (negative units, no plausible roll-over)",
             HELD_IMPLAUSIBLE: "more units than plausible for the tariff, not checked by a reviewer"}

BILLING_COLUMNS = (
    "ivrs", "cycle", "previous_reading", "previous_reading_date", "current_reading", "reading_date", "units",
    "rollover", "submission_id", "source", "verified_by", "photo", "crop",
)
ROUTE_COLUMNS = ("ivrs", "name", "cycle", "previous_reading", "previous_reading_date", "why")


@dataclass
class BillingFeed:
    """Rows to write and what the run summary reports."""

    cycle: str
    rows: list[list[str]] = field(default_factory=list)
    superseded: list[tuple[CycleRow, CycleRow]] = field(default_factory=list)  # (earlier, the one billed)
    route: list[list[str]] = field(default_factory=list)  # master consumers without a valid reading
    held: list[tuple[CycleRow, str, str]] = field(default_factory=list)  # (row, HELD_* why, units)
    master_size: int = 0
    pending_review: int = 0


def _decimal(n: Number) -> Decimal:
    return Decimal(n.integer + (f".{n.decimals}" if n.decimals else ""))


def _plain(d: Decimal) -> str:
    """A Decimal as plain digits (no exponent, no '-0')."""
    text = format(d, "f")
    return "0" if text in ("-0", "0") else text


def register_width(ocr_reading: str, typed_reading: str) -> int:
    """Digits before the point on the display: of the photo reading, else of the typed one."""
    text = ocr_reading or typed_reading or ""
    whole = text.strip().replace(" ", "").replace(",", "").split(".")[0]
    return sum(ch.isdigit() for ch in whole)


def consumption(previous: str, current: str, width: int, limit_kwh: float,
                th: Thresholds = DEFAULT_THRESHOLDS) -> tuple[str, bool]:
    """(units, rolled over) from the previous to the current reading.

    A current reading below the previous one is a roll-over when the register
    (``width`` digits, at least as many as the previous reading has) wrapping past
    all nines gives a plausible consumption (at most ``th.rollover_cap``: ``limit_kwh``
    and a share of the register's range, the rule pipeline.decide applies); otherwise the
    negative difference is returned as is, for billing to handle (meter change).
    Units is empty when there is no previous reading (a new connection).
    """
    prev_n, cur_n = parse_number(previous), parse_number(current)
    if prev_n is None or cur_n is None:
        return "", False
    prev, cur = _decimal(prev_n), _decimal(cur_n)
    units = cur - prev
    if units >= 0:
        return _plain(units), False
    modulus = Decimal(10) ** max(width, len(prev_n.integer))
    rolled = modulus - prev + cur
    if 0 <= rolled <= Decimal(str(th.rollover_cap(limit_kwh, float(modulus)))):
        return _plain(rolled), True
    return _plain(units), False


def _days(previous_date: str, reading_day: date | None) -> float:
    try:
        prev = date.fromisoformat(previous_date.strip()[:10])
    except ValueError:
        return 30.0
    return max(1.0, float((reading_day - prev).days)) if reading_day else 30.0


@dataclass(frozen=True)
class Units:
    """What a reading would bill since the previous one, and whether it may be billed."""

    current: str  # the reading as billed: plain digits, leading zeros dropped
    units: str  # '' for a new connection
    rolled_over: bool
    limit: float  # the tariff's plausible kWh for the period
    problem: str  # '' or HELD_NEGATIVE / HELD_IMPLAUSIBLE


def units_for(reading: str, previous: str, previous_date: str, reading_day: date | None, tariff: str,
              width: int, th: Thresholds = DEFAULT_THRESHOLDS) -> Units:
    """The units ``reading`` bills, and the problem that holds it back: one rule for the feed and the reviewer."""
    current = parse_number(reading)
    current_text = "" if current is None else _plain(_decimal(current))
    limit = th.daily_limit(tariff) * _days(previous_date, reading_day)
    units, rolled = consumption(previous, current_text, width, limit, th)
    problem = ""
    if units and Decimal(units) < 0:
        problem = HELD_NEGATIVE
    elif units and Decimal(units) > Decimal(str(limit)):
        problem = HELD_IMPLAUSIBLE
    return Units(current_text, units, rolled, limit, problem)


def row_units(row: CycleRow, th: Thresholds = DEFAULT_THRESHOLDS) -> Units:
    ist = row.ist
    return units_for(row.reading, row.previous_reading, row.previous_reading_date, ist.date() if ist else None,
                     row.tariff_category, register_width(row.ocr_reading, row.typed_reading), th)


def hold_reason_for(problem: str, outcome: Outcome, verifier_reasons: list[str], units_checked: bool) -> str:
    """'' when a reading with this units ``problem`` may be billed, else why it is held back.

    Negative units are never billed (a meter change or a wrong reading: the master's
    previous reading must be put right first). Implausibly many units are billed only
    when a reviewer looked at them: confirmed a reading the verifier flagged
    HIGH_CONSUMPTION, or said the units were checked (``decide --units-checked``, the
    review page's tick box).
    """
    if problem == HELD_IMPLAUSIBLE and (units_checked or (
            outcome is Outcome.CONFIRMED and Reason.HIGH_CONSUMPTION.value in verifier_reasons)):
        return ""
    return problem


def hold_reason(row: CycleRow, units: Units) -> str:
    """Why the row's reading is held back from the feed ('' when it is billed)."""
    return hold_reason_for(units.problem, row.outcome, row.reasons, row.units_checked)


def billing_row(row: CycleRow, cycle: str, units: Units) -> list[object]:
    """One line of the billing feed for a billable submission."""
    ist = row.ist
    reading_day = ist.date() if ist else None
    return [row.ivrs, cycle, row.previous_reading, row.previous_reading_date, units.current,
            reading_day.isoformat() if reading_day else "", units.units, "true" if units.rolled_over else "false",
            row.submission_id, SOURCE_SELF_PHOTO, row.verified_by, row.photo, row.crop]


def build_feed(rows: list[CycleRow], master: dict[str, tuple[str, str, str]], cycle: str,
               th: Thresholds = DEFAULT_THRESHOLDS) -> BillingFeed:
    """Pick the billed submission of each consumer, hold back bad units, list who goes to the meter reader."""
    feed = BillingFeed(cycle=cycle, master_size=len(master))
    billable = [r for r in rows if r.outcome in BILLABLE and r.in_master and parse_number(r.reading)]
    winners, earlier = latest_per_consumer(billable)
    feed.superseded = [(r, winners[r.ivrs]) for r in earlier]
    held: dict[str, str] = {}
    for ivrs in sorted(winners):
        units = row_units(winners[ivrs], th)
        why = hold_reason(winners[ivrs], units)
        if why:
            held[ivrs] = why
            feed.held.append((winners[ivrs], why, units.units))
        else:
            feed.rows.append(billing_row(winners[ivrs], cycle, units))
    feed.pending_review = sum(r.outcome is Outcome.PENDING for r in rows)
    by_ivrs: dict[str, list[CycleRow]] = {}
    for r in rows:
        by_ivrs.setdefault(r.ivrs, []).append(r)
    for ivrs, (name, previous, previous_date) in master.items():
        if ivrs in winners and ivrs not in held:
            continue
        theirs = by_ivrs.get(ivrs, [])
        why = (held[ivrs] if ivrs in held else "no_submission" if not theirs else
               "pending_review" if any(r.outcome is Outcome.PENDING for r in theirs) else "rejected")
        feed.route.append([ivrs, name, cycle, previous, previous_date, why])
    return feed


def export_billing(conn: Connection, cycle: str, out: Path, route_out: Path | None = None,
                   th: Thresholds = DEFAULT_THRESHOLDS) -> tuple[BillingFeed, str]:
    """Write the billing feed (and optionally the meter reader's route); return the feed and its SHA-256."""
    rows = load_cycle(conn, cycle)
    feed = build_feed(rows, master_consumers(conn), cycle, th)
    if not feed.rows:
        held = f", {len(feed.held)} held back for their units" if feed.held else ""
        raise NothingToExportError(
            f"cycle {cycle} has {len(rows)} submissions but no valid reading to bill "
            f"({feed.pending_review} flagged awaiting review{held}); {out} was not written")
    sha, _ = write_csv(out, BILLING_COLUMNS, feed.rows)
    if route_out is not None:
        write_csv(route_out, ROUTE_COLUMNS, feed.route)
    record_export(conn, "billing", cycle, out, sha, len(feed.rows))
    return feed, sha


def summary_lines(feed: BillingFeed, sha: str) -> list[str]:
    """The run summary for the operator."""
    lines = [f"billing {feed.cycle}: {len(feed.rows)} consumers billed (sha256 {sha})",
             f"consumers in the master without a valid reading this cycle: {len(feed.route)} "
             f"of {feed.master_size} (to the meter reader's route)",
             f"flagged awaiting review: {feed.pending_review}",
             f"held back, not billed: {len(feed.held)}"]
    for why in (HELD_NEGATIVE, HELD_IMPLAUSIBLE):
        mine = [(row, units) for row, w, units in feed.held if w == why]
        if mine:
            lines.append(f"  {HELD_TEXT[why]}: {len(mine)}")
            lines += [f"    {row.submission_id} ({row.ivrs}): reading {row.reading}, previous "
                      f"{row.previous_reading}, {units} units" for row, units in mine]
    lines.append(f"superseded submissions: {len(feed.superseded)}")
    lines += [f"  {old.submission_id} ({old.ivrs}) superseded by {new.submission_id}" for old, new in feed.superseded]
    return lines
