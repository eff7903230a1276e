"""The cycle report: one self-contained HTML page for the operations team.

Counts by status (the verifier's and after review), reasons, arrivals per day and
hour, the straight-through rate, the confidence histogram, the consumption
distribution, the reviewer backlog, superseded submissions, the exports and
draws of the cycle, and a gallery of the flagged crops with typed and read
values. Plots are drawn with matplotlib's Agg canvas (no display needed) and
embedded as base64 PNG, like the crops, so the page can be mailed as one file.
Every value from a submission is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image

from pipeline.billing import HELD_TEXT, BillingFeed, build_feed
from pipeline.cycles import BILLABLE, CycleRow, Outcome, load_cycle, master_consumers
from pipeline.rules import DEFAULT_THRESHOLDS, Thresholds
from pipeline.store.backends import Connection

STATUS_COLOURS = {"valid": "#2e7d32", "flagged": "#f9a825", "rejected": "#c62828"}
OUTCOME_LABELS = {
    Outcome.VALID: "valid (no person needed)", Outcome.CONFIRMED: "flagged, confirmed by a reviewer",
    Outcome.CORRECTED: "flagged, corrected by a reviewer", Outcome.REJECTED: "rejected",
    Outcome.REVIEW_REJECTED: "flagged, rejected by a reviewer", Outcome.PENDING: "flagged, awaiting review",
}
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#222}
h1{margin-bottom:0}h2{border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:32px}
.sub{color:#666;margin-top:4px}.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:140px}
.card b{display:block;font-size:26px}.card span{color:#555;font-size:13px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;font-size:14px}
th{background:#f5f5f5}td.n{text-align:right}.plots{display:flex;flex-wrap:wrap;gap:12px}
.plots img{border:1px solid #eee;max-width:100%}.gallery{display:flex;flex-wrap:wrap;gap:12px}
.tile{border:1px solid #ddd;border-radius:6px;padding:8px;width:250px;font-size:13px}
.tile img{max-width:100%;display:block;margin-bottom:6px;background:#eee}.muted{color:#888}
code{background:#f5f5f5;padding:0 3px}
"""


@dataclass
class CycleData:
    """Everything the report shows, gathered once from the database."""

    cycle: str
    rows: list[CycleRow]
    feed: BillingFeed
    exports: list[tuple]
    draws: list[tuple]
    reviews: list[tuple]
    base_dir: Path


def gather(conn: Connection, cycle: str, th: Thresholds = DEFAULT_THRESHOLDS) -> CycleData:
    """Load the cycle (unknown cycle -> UnknownCycleError) and what was exported and drawn from it."""
    rows = load_cycle(conn, cycle)
    feed = build_feed(rows, master_consumers(conn), cycle, th)
    exports = conn.execute("SELECT kind, created_at, n_rows, sha256, path FROM exports WHERE cycle = ?"
                           " ORDER BY export_id", (cycle,)).fetchall()
    draws = conn.execute("SELECT draw_id, drawn_at, seed, n_winners, list_sha256, redraw_of, why FROM draws"
                         " WHERE cycle = ? ORDER BY draw_id", (cycle,)).fetchall()
    reviews = conn.execute("SELECT v.reviewer, v.action, COUNT(*) FROM reviews v JOIN results r ON"
                           " r.submission_id = v.submission_id AND r.occurrence = v.occurrence WHERE r.cycle = ?"
                           " GROUP BY v.reviewer, v.action ORDER BY v.reviewer, v.action", (cycle,)).fetchall()
    base = Path(conn.location).parent if conn.dialect == "sqlite" else Path(".")
    return CycleData(cycle, rows, feed, exports, draws, reviews, base)


# --- plots -------------------------------------------------------------------------

def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _axes(title: str, size: tuple[float, float] = (5.4, 3.2)) -> tuple[Figure, object]:
    fig = Figure(figsize=size)
    ax = fig.subplots()
    ax.set_title(title, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _no_data(ax: object, text: str = "no data") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#888")
    ax.set_xticks([])
    ax.set_yticks([])


def plot_reasons(rows: list[CycleRow]) -> str:
    counts = Counter(r for row in rows for r in row.reasons)
    fig, ax = _axes("Reasons (submissions with each code)", (5.4, max(2.4, 0.28 * len(counts) + 1)))
    if not counts:
        _no_data(ax, "no reasons: every submission valid")
        return _png(fig)
    items = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]))
    ax.barh([k for k, _ in items], [v for _, v in items], color="#5c6bc0")
    ax.tick_params(axis="y", labelsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("submissions")
    return _png(fig)


def plot_arrivals_by_day(rows: list[CycleRow]) -> str:
    fig, ax = _axes("Arrivals per day (IST), by verifier status")
    days = sorted({r.ist.date() for r in rows if r.ist})
    if not days:
        _no_data(ax)
        return _png(fig)
    labels = [d.strftime("%d %b") for d in days]
    bottom = [0] * len(days)
    for status, colour in STATUS_COLOURS.items():
        n = [sum(1 for r in rows if r.ist and r.ist.date() == d and r.status == status) for d in days]
        ax.bar(labels, n, bottom=bottom, color=colour, label=status)
        bottom = [b + x for b, x in zip(bottom, n, strict=True)]
    ax.legend(fontsize=8, frameon=False)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="x", labelsize=8, rotation=45)
    return _png(fig)


def plot_arrivals_by_hour(rows: list[CycleRow]) -> str:
    fig, ax = _axes("Arrivals per hour of day (IST)")
    hours = Counter(r.ist.hour for r in rows if r.ist)
    if not hours:
        _no_data(ax)
        return _png(fig)
    ax.bar(range(24), [hours.get(h, 0) for h in range(24)], color="#26a69a")
    ax.set_xticks(range(0, 24, 3))
    ax.set_xlabel("hour")
    return _png(fig)


def plot_confidence(rows: list[CycleRow], th: Thresholds) -> str:
    fig, ax = _axes("Reading confidence (photos with a reading)")
    read = [r for r in rows if r.ocr_reading]
    if not read:
        _no_data(ax, "no photo was read")
        return _png(fig)
    bins = [i / 20 for i in range(21)]
    series = [[r.confidence for r in read if r.status == s] for s in STATUS_COLOURS]
    ax.hist(series, bins=bins, stacked=True, color=list(STATUS_COLOURS.values()), label=list(STATUS_COLOURS))
    ax.axvline(th.auto_accept_confidence, color="#333", linestyle="--", linewidth=1)
    ax.text(th.auto_accept_confidence, ax.get_ylim()[1] * 0.95, f" accept {th.auto_accept_confidence:.2f}",
            fontsize=8, va="top")
    ax.set_xlabel("confidence")
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    return _png(fig)


def plot_consumption(feed: BillingFeed) -> str:
    fig, ax = _axes("Consumption billed this cycle (kWh)")
    units = [float(r[6]) for r in feed.rows if r[6]]
    if not units:
        _no_data(ax, "no billed reading with a previous one")
        return _png(fig)
    ax.hist(units, bins=min(20, max(5, len(units))), color="#8d6e63")
    ax.set_xlabel("units (kWh)")
    ax.set_ylabel("consumers")
    return _png(fig)


# --- HTML ---------------------------------------------------------------------------

def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _table(header: list[str], body: list[list[object]], numeric: set[int] | None = None) -> str:
    if not body:
        return '<p class="muted">none</p>'
    numeric = numeric or set()
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    lines = ["".join(f'<td class="n">{_e(v)}</td>' if i in numeric else f"<td>{_e(v)}</td>"
                     for i, v in enumerate(row)) for row in body]
    return f"<table><tr>{head}</tr>" + "".join(f"<tr>{tr}</tr>" for tr in lines) + "</table>"


def _img(b64: str, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{b64}">'


def _crop_b64(path_text: str, base_dir: Path) -> str:
    """The crop as a PNG thumbnail (base64), or '' when the file is gone."""
    if not path_text:
        return ""
    path = Path(path_text)
    for candidate in (path, base_dir / path):
        if candidate.is_file():
            try:
                with Image.open(candidate) as img:
                    img = img.convert("RGB")
                    img.thumbnail((480, 200))
                    buf = io.BytesIO()
                    img.save(buf, format="PNG")
                return base64.b64encode(buf.getvalue()).decode("ascii")
            except OSError:
                return ""
    return ""


def _gallery(data: CycleData) -> str:
    flagged = sorted((r for r in data.rows if r.status == "flagged"),
                     key=lambda r: (r.outcome is not Outcome.PENDING, r.order_key()))
    if not flagged:
        return '<p class="muted">no flagged submission this cycle</p>'
    tiles = []
    for r in flagged:
        b64 = _crop_b64(r.crop, data.base_dir)
        pic = _img(b64, f"crop of {r.submission_id}") if b64 else '<p class="muted">no crop saved</p>'
        review = OUTCOME_LABELS[r.outcome].removeprefix("flagged, ")
        if r.outcome is not Outcome.PENDING:
            review += f" ({r.reviewer}" + (f": {r.review_reading})" if r.review_reading else ")")
        tiles.append(
            f'<div class="tile">{pic}<b>{_e(r.submission_id)}</b> · IVRS {_e(r.ivrs)}<br>'
            f"typed <code>{_e(r.typed_reading)}</code> · read <code>{_e(r.ocr_reading or '-')}</code>"
            f" ({r.confidence:.2f})<br>{_e(', '.join(r.reasons))}<br><i>{_e(review)}</i></div>")
    return f'<div class="gallery">{"".join(tiles)}</div>'


def _cards(data: CycleData) -> str:
    rows = data.rows
    n = len(rows)
    auto_valid = sum(r.status == "valid" for r in rows)
    billable = sum(r.outcome in BILLABLE for r in rows)
    pending = sum(r.outcome is Outcome.PENDING for r in rows)
    cards = [
        (n, "submissions"), (len({r.ivrs for r in rows}), "consumers who submitted"),
        (f"{100 * auto_valid / n:.0f}%", "straight-through (valid, no person)"),
        (f"{100 * billable / n:.0f}%", "valid after review"), (len(data.feed.rows), "consumers billed"),
        (len(data.feed.route), f"of {data.feed.master_size} in the master without a valid reading"),
        (pending, "flagged awaiting review"), (sum(r.status == "rejected" for r in rows), "rejected"),
    ]
    return '<div class="cards">' + "".join(f"<div class=\"card\"><b>{_e(v)}</b><span>{_e(t)}</span></div>"
                                          for v, t in cards) + "</div>"


def _backlog(data: CycleData) -> str:
    pending = [r for r in data.rows if r.outcome is Outcome.PENDING]
    now = datetime.now(UTC)
    ages = [(now - r.timestamp).total_seconds() / 86400 for r in pending if r.timestamp]
    oldest = f"oldest waiting {max(ages):.1f} days since submission" if ages else "nothing waiting"
    by_reason = Counter(x for r in pending for x in r.reasons)
    reviews = [[who, action, n] for who, action, n in data.reviews]
    return (f"<p>{len(pending)} flagged submissions await a reviewer; {oldest}.</p>"
            + _table(["reason", "awaiting"], [[k, v] for k, v in by_reason.most_common()], {1})
            + "<h3>Decisions made</h3>" + _table(["reviewer", "action", "submissions"], reviews, {2}))


def _when(row: CycleRow) -> str:
    return row.ist.strftime("%Y-%m-%d %H:%M IST") if row.ist else row.submitted_at


def render(data: CycleData, th: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """The whole page as one HTML string."""
    rows = data.rows
    status = Counter(r.status for r in rows)
    outcome = Counter(r.outcome.value for r in rows)
    reasons = Counter(x for r in rows for x in r.reasons)
    superseded = [[old.submission_id, old.ivrs, _when(old), new.submission_id, _when(new)]
                  for old, new in data.feed.superseded]
    rollovers = sum(r[7] == "true" for r in data.feed.rows)
    held = [[row.submission_id, row.ivrs, row.reading, row.previous_reading, units, HELD_TEXT[why]]
            for row, why, units in data.feed.held]
    parts = [
        f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>meter-verify cycle {_e(data.cycle)}"
        f"</title><style>{_CSS}</style></head><body>",
        f"<h1>Cycle {_e(data.cycle)}</h1><p class=\"sub\">meter-verify report, generated "
        f"{_e(datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC'))}</p>",
        _cards(data),
        "<h2>Counts by status</h2><div class=\"plots\"><div><h3>Verifier</h3>"
        + _table(["status", "submissions"], [[s, status.get(s, 0)] for s in STATUS_COLOURS], {1})
        + "</div><div><h3>After review</h3>"
        + _table(["outcome", "submissions"], [[OUTCOME_LABELS[o], outcome.get(o.value, 0)] for o in Outcome], {1})
        + "</div></div>",
        "<h2>Reasons</h2><div class=\"plots\">" + _img(plot_reasons(rows), "reasons bar chart")
        + _table(["code", "submissions"], [[k, v] for k, v in reasons.most_common()], {1}) + "</div>",
        "<h2>Arrivals and straight-through rate</h2><div class=\"plots\">"
        + _img(plot_arrivals_by_day(rows), "arrivals per day") + _img(plot_arrivals_by_hour(rows), "arrivals per hour")
        + "</div>",
        "<h2>Reading confidence</h2><p>Photos scoring below the dashed line are flagged "
        "<code>LOW_CONFIDENCE</code>.</p>" + _img(plot_confidence(rows, th), "confidence histogram"),
        f"<h2>Consumption</h2><p>{len(data.feed.rows)} consumers billed; {rollovers} register roll-overs; "
        f"{len(held)} readings held back from billing for their units (to the meter reader's route).</p>"
        + _img(plot_consumption(data.feed), "consumption histogram")
        + (_table(["submission", "IVRS", "reading", "previous", "units", "held back because"], held)
           if held else ""),
        "<h2>Reviewer backlog</h2>" + _backlog(data),
        "<h2>Superseded submissions</h2><p>A later valid submission of the same consumer was billed instead.</p>"
        + _table(["submission", "IVRS", "submitted", "billed instead", "submitted"], superseded),
        "<h2>Exports and draws</h2><h3>Exports</h3>"
        + _table(["export", "at", "rows", "sha256", "file"], [list(x) for x in data.exports], {2})
        + "<h3>Draws</h3>" + _table(["draw", "at", "seed", "winners", "list sha256", "redraw of", "why"], [list(x) for x in data.draws]),
        "<h2>Flagged crops</h2><p>Awaiting review first; typed is what the consumer typed, read what the display "
        "shows.</p>" + _gallery(data),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(conn: Connection, cycle: str, out: Path, th: Thresholds = DEFAULT_THRESHOLDS) -> CycleData:
    """Render the cycle's report to ``out`` (atomically)."""
    data = gather(conn, cycle, th)
    page = render(data, th)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return data
