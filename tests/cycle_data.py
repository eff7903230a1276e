"""Test data for the cycle commands: the sample batch's database, then the situations each test needs.

The sample batch is verified once per test session (``base_db``). ``scenario_db``
copies it and sets every result to what ``samples/batch/truth.csv`` says the
verifier should decide, so the export tests do not depend on how accurate the
image stages are today; then it adds what the sample batch lacks: a superseded
submission, a register roll-over, reviewer decisions (confirm, correct, a
decision changed later, rejections), formula-looking cells, a past winner and a
second cycle with nothing to export.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from stores import copy_target, new_target

from pipeline.cycles import ReviewAction
from pipeline.reviews import ReviewRequest, decide
from pipeline.store import Connection, Store, is_url
from pipeline.verify import run_verify

ROOT = Path(__file__).resolve().parent.parent
BATCH = ROOT / "samples" / "batch"
CYCLE = "2026-11"
EMPTY_CYCLE = "2026-10"  # one rejected submission without a mobile: nothing to export
ROLLOVER_IVRS = "99900000001"
FORMULA_IVRS = "=2+5"  # an IVRS the app let through: must come out neutralised

_base: dict[str, str | Path] = {}


def base_db(tmp_path_factory, request: pytest.FixtureRequest, kind: str = "sqlite") -> str | Path:  # noqa: ANN001
    """The sample batch verified once per session and store kind (workers=2, as the CLI would)."""
    if kind not in _base:
        out = tmp_path_factory.mktemp(f"sample-batch-{kind}")
        target = new_target(kind, out, request, keep=True)  # cached for the session
        run_verify(BATCH / "submissions.csv", BATCH / "consumers.csv", target, out / "results.csv", workers=2,
                   crop_dir=out / "crops")
        _base[kind] = target
    return _base[kind]


def copy_db(src: str | Path, dst: Path, request: pytest.FixtureRequest) -> str | Path:
    """A writable copy of ``src``: a SQLite file at ``dst``, or a new PostgreSQL database from it."""
    return copy_target(src, dst.parent, request, dst.name)


def _crop_png(path: Path, text: str) -> str:
    img = Image.new("RGB", (260, 70), (170, 190, 160))
    ImageDraw.Draw(img).text((20, 25), text or "?", fill=(20, 20, 20))
    img.save(path)
    return str(path)


def apply_truth(conn: Connection, crops: Path) -> None:
    """Set each sample result to the expected decision in truth.csv (with a crop for clear photos)."""
    crops.mkdir(parents=True, exist_ok=True)
    with (BATCH / "truth.csv").open(encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    seen: dict[str, int] = {}
    for t in truth:
        occ = seen.get(t["submission_id"], 0)
        seen[t["submission_id"]] = occ + 1
        clear = t["clear"] == "true"
        status = t["expected_status"]
        confidence = {"valid": 0.97, "flagged": 0.93}.get(status, 0.6 if clear else 0.0)
        if "LOW_CONFIDENCE" in t["expected_reasons"]:
            confidence = 0.5
        crop = _crop_png(crops / f"{t['submission_id']}_{occ}.png", t["true_reading"]) if clear else ""
        conn.execute("UPDATE results SET status = ?, reasons = ?, clear = ?, ocr_reading = ?, confidence = ?,"
                     " kind = ?, crop = ? WHERE submission_id = ? AND occurrence = ?",
                     (status, t["expected_reasons"], int(clear), t["true_reading"] if clear else "", confidence,
                      t["kind"], crop, t["submission_id"], occ))


def add_submission(conn: Connection, sid: str, ivrs: str, typed: str, submitted_at: str, *, status: str,
                   cycle: str = CYCLE, reasons: str = "", clear: bool = True, ocr: str = "", confidence: float = 0.97,
                   user_type: str = "registered", mobile: str = "", email: str = "", crop: str = "") -> None:
    """Insert one submission and its verifier result directly (a situation the sample lacks)."""
    conn.execute("INSERT INTO submissions (submission_id, occurrence, fingerprint, ivrs, typed_reading, photo,"
                 " photo_path, submitted_at, user_type, mobile, email) VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (sid, f"fp-{sid}", ivrs, typed, f"photos/{sid}.jpg", "", submitted_at, user_type, mobile, email))
    conn.execute("INSERT INTO results (submission_id, occurrence, status, clear, ocr_reading, confidence, reasons,"
                 " crop, kind, cycle, decided_at) VALUES (?, 0, ?, ?, ?, ?, ?, ?, 'lcd', ?, '2026-11-06T00:00:00')",
                 (sid, status, int(clear), ocr, confidence, reasons, crop, cycle))


def add_consumer(conn: Connection, ivrs: str, name: str, previous: str, previous_date: str) -> None:
    conn.execute("INSERT INTO consumers (ivrs, name, previous_reading, previous_reading_date, tariff_category)"
                 " VALUES (?, ?, ?, ?, 'domestic')", (ivrs, name, previous, previous_date))


REVIEWERS = ("asha", "ravi", "meena")  # the accounts of the scenario: a decision must name a real reviewer


def add_reviewers(conn: Connection, names: tuple[str, ...] = REVIEWERS) -> None:
    """Reviewer accounts, inserted directly (no sign-in happens in these tests, so no password hash is made)."""
    conn.executemany("INSERT INTO reviewers (name, role, password_hash, active, created_at, updated_at)"
                     " VALUES (?, 'reviewer', 'not-for-sign-in', 1, '2026-11-01T00:00:00+00:00',"
                     " '2026-11-01T00:00:00+00:00') ON CONFLICT (name) DO NOTHING", [(n,) for n in names])


def review(conn: Connection, sid: str, action: ReviewAction, reviewer: str, reading: str = "",
           reason: str = "", units_checked: bool = False) -> None:
    decide(ReviewRequest(sid, action, reviewer, reading, reason, units_checked), conn)


def build_scenario(db: str | Path, crops: Path) -> str | Path:
    """Apply truth and add the situations (see the module docstring) to a copy of the sample db."""
    with Store(db) as store:
        c = store.conn
        c.execute("BEGIN")
        add_reviewers(c)
        apply_truth(c, crops)
        # S000001's consumer submits again later in the window: S100001 is billed, S000001 superseded.
        add_submission(c, "S100001", "78203289048", "1185", "2026-11-04T10:00:00+05:30", status="valid",
                       ocr="1185.2", mobile="7555598776", email="pooja.bano987@yahoo.co.in")
        # A 5-digit register that rolled over: 99987 -> 00012 is 25 units.
        add_consumer(c, ROLLOVER_IVRS, "@Rollover Tester", "99987", "2026-10-02")
        add_submission(c, "S100002", ROLLOVER_IVRS, "00012", "2026-11-03T09:00:00+05:30", status="valid",
                       ocr="00012.4", mobile="9000000001", email="roll.over@example.in")
        # A consumer in the master who never submits, named like a formula.
        add_consumer(c, "88800000001", '=HYPERLINK("http://x","y")', "100", "2026-10-02")
        # An IVRS that looks like a formula (rejected: not in the master), with a +91 mobile.
        add_submission(c, "S100003", FORMULA_IVRS, "123", "2026-11-02T10:00:00+05:30", status="rejected",
                       reasons="UNKNOWN_IVRS", mobile="+91 98111 11111")
        # The empty cycle: one rejected submission, no mobile.
        add_submission(c, "S100004", "0327241216", "600", "2026-10-03T10:00:00+05:30", status="rejected",
                       cycle=EMPTY_CYCLE, reasons="BLURRED", clear=False, confidence=0.0, user_type="guest")
        # S000002's consumer won the draw of the previous cycle.
        c.execute("INSERT INTO draws (cycle, seed, n_winners, list_sha256, winners, drawn_at) VALUES"
                  " (?, 'old', 1, 'x', '[\"2837193563\"]', '2026-10-06T00:00:00')", (EMPTY_CYCLE,))
        c.execute("COMMIT")
        review(c, "S000008", ReviewAction.CORRECT, "asha", "4938")  # typed 4438, display 4938.4
        review(c, "S000034", ReviewAction.CONFIRM, "ravi")  # high consumption, but the photo agrees
        # a decision changed later: confirmed below the previous reading (494), ticked past the warning ...
        review(c, "S000009", ReviewAction.CONFIRM, "ravi", units_checked=True)
        review(c, "S000009", ReviewAction.CORRECT, "asha", "621", "digits swapped")  # ... then corrected: latest wins
        review(c, "S000010", ReviewAction.REJECT, "asha", reason="photo of a neighbour's meter")
        review(c, "S000011", ReviewAction.REJECT, "ravi", reason="BLURRED")
    return db


def scenario_db(tmp_path_factory, tmp_path: Path, request: pytest.FixtureRequest,  # noqa: ANN001
                kind: str = "sqlite") -> str | Path:
    """A fresh, writable copy of the sample db of ``kind`` with every situation added."""
    db = copy_db(base_db(tmp_path_factory, request, kind), tmp_path / "cycle.db", request)
    return build_scenario(db, tmp_path / "crops")


def is_postgres(db: str | Path) -> bool:
    return is_url(str(db))
