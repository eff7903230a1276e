"""One submission as a reviewer sees it, and the decision on it.

Everything the item page shows is gathered here from the database: the photo
and crop references, the reading digit by digit with its confidence aligned
against the typed reading (differing digits marked), how the two differ in
words (``pipeline.compare``), the consumption each value implies
(``pipeline.billing.consumption``, roll-over included), the reasons, the other
submissions of the consumer in the cycle and the decision history. A decision
goes through :func:`decide_item`: claim check, then ``pipeline.reviews.decide``
(the one code path the CLI uses too).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from datetime import date

from pipeline import reviews
from pipeline.billing import consumption, register_width
from pipeline.compare import compare as compare_readings
from pipeline.compare import parse_number
from pipeline.cycles import ReviewAction
from pipeline.draw import mask, mask_email
from pipeline.exceptions import ExitCode, MeterVerifyError, NotReviewableError
from pipeline.ingest import IST, parse_timestamp
from pipeline.rules import DEFAULT_THRESHOLDS, Reason, Thresholds
from pipeline.store.backends import Connection
from pipeline.web import claims, queue

#: Reasons a reviewer can pick when rejecting: each chooses the consumer's notice (pipeline/data/notices.csv).
REJECT_CODES = ("NOT_A_METER", "BLURRED", "GLARE_ON_DIGITS", "DISPLAY_CUT_OFF", "DIGITS_TOO_SMALL", "TOO_DARK",
                "OVEREXPOSED", "NOT_KWH_REGISTER", "PHOTO_REUSED", "MISMATCH_PREVIOUS_READING")


class ClaimedError(MeterVerifyError):
    """The item is claimed by another reviewer."""

    exit_code = ExitCode.NOT_REVIEWABLE

    def __init__(self, claim: claims.Claim) -> None:
        super().__init__(f"{claim.submission_id} is claimed by {claim.reviewer} until {claim.expires_at}")
        self.claim = claim


@dataclass(frozen=True)
class Column:
    """One position of the aligned readings: the photo's character, the typed one, and how they compare."""

    photo: str
    typed: str
    confidence: float | None  # of the photo's digit
    state: str  # same | diff | missing (typed lacks it) | extra (typed only) | lead (leading zero) | point | dim

    @property
    def level(self) -> str:
        c = self.confidence
        return "" if c is None else "high" if c >= 0.9 else "mid" if c >= 0.6 else "low"


def _clean(text: str) -> str:
    n = parse_number(text)
    if n is None:
        return text.strip()
    return n.integer + ("." + n.decimals if n.decimals is not None else "")


def _pairs(a: str, b: str) -> list[tuple[str, str, str]]:
    """Align two digit strings: position by position when equally long, else by longest common runs."""
    if len(a) == len(b):
        return [(x, y, "same" if x == y else "diff") for x, y in zip(a, b, strict=True)]
    out: list[tuple[str, str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out += [(x, x, "same") for x in a[i1:i2]]
        elif op == "delete":
            out += [(x, "", "missing") for x in a[i1:i2]]
        elif op == "insert":
            out += [("", y, "extra") for y in b[j1:j2]]
        else:
            xs, ys = a[i1:i2], b[j1:j2]
            n = max(len(xs), len(ys))
            for k in range(n):
                x, y = (xs[k] if k < len(xs) else ""), (ys[k] if k < len(ys) else "")
                out.append((x, y, "diff" if x and y else "missing" if x else "extra"))
    return out


def align(ocr: str, typed: str, confidences: list[float]) -> list[Column]:
    """The photo's reading over the typed one, column by column, with the photo digits' confidences."""
    o, t = ocr.strip(), _clean(typed)
    o_int, _, o_dec = o.partition(".")
    t_int, t_point, t_dec = t.partition(".")
    o_core, t_core = o_int.lstrip("0") or o_int[-1:], t_int.lstrip("0") or t_int[-1:]
    o_lead, t_lead = len(o_int) - len(o_core), len(t_int) - len(t_core)
    width = max(o_lead, t_lead)
    cols = [("0" if j >= width - o_lead else "", "0" if j >= width - t_lead else "", "lead") for j in range(width)]
    cols += _pairs(o_core, t_core)
    if "." in o or t_point:
        cols.append(("." if "." in o else "", "." if t_point else "", "point"))
        for k in range(max(len(o_dec), len(t_dec))):
            x, y = (o_dec[k] if k < len(o_dec) else ""), (t_dec[k] if k < len(t_dec) else "")
            state = "dim" if not t_point else "same" if (x or "0") == (y or "0") else "diff"
            cols.append((x, y, state))
    conf = iter(confidences)
    out = []
    for x, y, state in cols:
        c = next(conf, None) if x and x not in ".:" else None
        out.append(Column(x, y, c, state))
    return out


@dataclass(frozen=True)
class Implied:
    """The consumption a reading implies since the previous one."""

    reading: str
    units: str
    per_day: str
    rolled_over: bool
    plausible: bool


def implied(reading: str, previous: str, previous_date: str, submitted_at: str, tariff: str, ocr: str,
            typed: str, th: Thresholds = DEFAULT_THRESHOLDS) -> Implied | None:
    if parse_number(reading) is None or parse_number(previous) is None:
        return None
    ts = parse_timestamp(submitted_at)
    try:
        days = max(1, (ts.astimezone(IST).date() - date.fromisoformat(previous_date.strip()[:10])).days) if ts else 30
    except ValueError:
        days = 30
    limit = th.daily_limit(tariff) * days
    units, rolled = consumption(previous, _clean(reading), register_width(ocr, typed), limit)
    value = float(units) if units else 0.0
    return Implied(reading, units, f"{value / days:.1f}", rolled, 0 <= value <= limit)


@dataclass
class Item:
    submission_id: str
    occurrence: int
    ivrs: str
    name: str
    in_master: bool
    typed_reading: str
    submitted_at: str
    submitted_ist: str
    user_type: str
    mobile_masked: str
    email_masked: str
    status: str
    clear: bool
    ocr_reading: str
    confidence: float
    reasons: list[str]
    kind: str
    register: str
    cycle: str
    reused_of: str
    decided_at: str
    previous_reading: str
    previous_reading_date: str
    tariff_category: str
    batch_id: int | None
    photo: str
    photo_path: str
    crop: str
    columns: list[Column] = field(default_factory=list)
    match: bool = False
    mismatch: str = ""  # a Reason code naming how typed and read differ
    diff_positions: list[tuple[str, str]] = field(default_factory=list)  # (typed, photo) where they differ
    typed_use: Implied | None = None
    photo_use: Implied | None = None
    daily_limit: float = 0.0
    others: list[dict] = field(default_factory=list)
    history: list[reviews.Review] = field(default_factory=list)
    queue_key: queue.QueueKey | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.submission_id, self.occurrence)

    @property
    def flagged(self) -> bool:
        return self.status == "flagged"

    @property
    def latest(self) -> reviews.Review | None:
        return self.history[-1] if self.history else None


_ITEM_SQL = (
    "SELECT s.submission_id, s.occurrence, s.batch_id, s.ivrs, s.typed_reading, s.photo, s.photo_path,"
    " s.submitted_at, s.user_type, s.mobile, s.email, r.status, r.clear, r.ocr_reading, r.confidence, r.reasons,"
    " r.crop, r.kind, r.register, r.digit_confidences, r.cycle, r.reused_of, r.decided_at, c.ivrs, c.name,"
    " c.previous_reading, c.previous_reading_date, c.tariff_category FROM submissions s"
    " LEFT JOIN results r ON r.submission_id = s.submission_id AND r.occurrence = s.occurrence"
    " LEFT JOIN consumers c ON c.ivrs = s.ivrs WHERE s.submission_id = ?"
    " ORDER BY CASE WHEN r.status = 'flagged' THEN 0 ELSE 1 END, s.occurrence"
)


def _confidences(text: str | None) -> list[float]:
    try:
        values = json.loads(text or "[]")
        return [float(v) for v in values] if isinstance(values, list) else []
    except (ValueError, TypeError):
        return []


def load_item(conn: Connection, submission_id: str, th: Thresholds = DEFAULT_THRESHOLDS) -> Item | None:
    """The submission (its flagged occurrence when it has one) with everything the page shows."""
    r = conn.execute(_ITEM_SQL, (submission_id,)).fetchone()
    if r is None:
        return None
    ts = parse_timestamp(r[7] or "")
    item = Item(
        submission_id=r[0], occurrence=int(r[1]), batch_id=r[2], ivrs=r[3] or "", typed_reading=r[4] or "",
        photo=r[5] or "", photo_path=r[6] or "", submitted_at=r[7] or "",
        submitted_ist=ts.astimezone(IST).strftime("%Y-%m-%d %H:%M IST") if ts else (r[7] or ""),
        user_type=r[8] or "", mobile_masked=mask(r[9] or ""), email_masked=mask_email(r[10] or ""),
        status=r[11] or "not verified", clear=bool(r[12]), ocr_reading=r[13] or "", confidence=float(r[14] or 0),
        reasons=[x for x in (r[15] or "").split(";") if x], crop=r[16] or "", kind=r[17] or "", register=r[18] or "",
        cycle=r[20] or "", reused_of=r[21] or "", decided_at=r[22] or "", in_master=r[23] is not None,
        name=r[24] or "", previous_reading=r[25] or "", previous_reading_date=r[26] or "", tariff_category=r[27] or "")
    item.columns = align(item.ocr_reading, item.typed_reading, _confidences(r[19])) if item.ocr_reading else []
    if item.ocr_reading and parse_number(item.ocr_reading) is not None:
        item.match, why = compare_readings(item.ocr_reading, item.typed_reading, item.previous_reading)
        item.mismatch = why.value if why else ""
    item.diff_positions = [(c.typed, c.photo) for c in item.columns if c.state in ("diff", "missing", "extra")]
    args = (item.previous_reading, item.previous_reading_date, item.submitted_at, item.tariff_category,
            item.ocr_reading, item.typed_reading, th)
    item.typed_use = implied(item.typed_reading, *args)
    item.photo_use = implied(item.ocr_reading, *args) if item.ocr_reading else None
    item.daily_limit = th.daily_limit(item.tariff_category)
    item.others = others(conn, item)
    item.history = [h for h in reviews.history(conn, item.submission_id) if h.occurrence == item.occurrence]
    item.queue_key = queue.QueueKey(queue.utc_key(item.submitted_at), item.submission_id, item.occurrence)
    return item


def others(conn: Connection, item: Item, limit: int = 20) -> list[dict]:
    """The consumer's other submissions of the cycle, oldest first, with their latest review."""
    if not item.ivrs or not item.cycle:
        return []
    rows = conn.execute(
        "SELECT s.submission_id, s.occurrence, s.submitted_at, s.typed_reading, r.status, r.ocr_reading, r.reasons,"
        " (SELECT v.action FROM reviews v WHERE v.submission_id = s.submission_id AND v.occurrence = s.occurrence"
        " ORDER BY v.review_id DESC LIMIT 1) FROM submissions s JOIN results r ON r.submission_id = s.submission_id"
        " AND r.occurrence = s.occurrence WHERE s.ivrs = ? AND r.cycle = ? AND NOT (s.submission_id = ? AND"
        " s.occurrence = ?) LIMIT ?", (item.ivrs, item.cycle, item.submission_id, item.occurrence, limit)).fetchall()
    out = []
    for sid, occ, at, typed, status, ocr, reasons_text, action in rows:
        ts = parse_timestamp(at or "")
        out.append({"submission_id": sid, "occurrence": int(occ), "typed": typed or "", "status": status or "",
                    "ocr": ocr or "", "reasons": [x for x in (reasons_text or "").split(";") if x],
                    "review": action or "", "when": ts.astimezone(IST).strftime("%Y-%m-%d %H:%M") if ts else at,
                    "order": queue.utc_key(at or "")})
    return sorted(out, key=lambda o: (o["order"], o["submission_id"]))


def reject_reason(code: str, note: str) -> str:
    """The reason recorded for a rejection: a notice code, or the reviewer's own words for 'other'."""
    code, note = code.strip(), note.strip()
    if code in REJECT_CODES and code in Reason.__members__:
        return code
    return note


def decide_item(conn: Connection, submission_id: str, action: ReviewAction, reviewer: str,
                reading: str = "", reason: str = "", claim_minutes: float = 15,
                units_checked: bool = False) -> reviews.Review:
    """Record a decision made on the page: refused when the item is claimed by another or not flagged.

    A correction that would bill negative or implausible units raises
    ``reviews.UnitsNeedCheckError`` (nothing saved, the claim kept) until the reviewer
    ticks that the units were checked.
    """
    req = reviews.validate(reviews.ReviewRequest(submission_id, action, reviewer, reading, reason, units_checked))
    row = conn.execute("SELECT occurrence FROM results WHERE submission_id = ? AND status = 'flagged'"
                       " ORDER BY occurrence", (req.submission_id,)).fetchone()
    if row is None:
        return reviews.decide(req, conn)  # raises NotReviewableError with the reason in words
    key = (req.submission_id, int(row[0]))
    held = claims.take(conn, key, reviewer, claim_minutes)
    if held.reviewer != reviewer:
        raise ClaimedError(held)

    def settle(c: Connection, review: reviews.Review) -> None:
        # in the decision's own transaction: out of the queue, the claim gone and the
        # audit line written together with the review, or none of them
        queue.forget(c, [key])
        claims.drop(c, key)
        claims.log_event(c, reviewer, "decide", key, f"{review.action.value} (review {review.review_id})")

    try:
        return reviews.decide(req, conn, also=settle)
    except NotReviewableError:
        claims.drop(conn, key)
        raise


def decided(conn: Connection, key: tuple[str, int]) -> bool:
    """Whether the item already has a reviewer's decision."""
    return conn.execute("SELECT 1 FROM reviews WHERE submission_id = ? AND occurrence = ?", key).fetchone() is not None
