"""A review database from the committed sample batch, without running the image stages.

The submissions and consumers are ingested and registered as ``verify`` does
(so photo paths and the batch folder are real), then each result is written as
``samples/batch/truth.csv`` says the verifier decides, with a display crop PNG
and digit confidences, so the web tests depend neither on the accuracy nor on
the speed of the image stages. ``add_hostile`` adds a flagged submission whose
consumer typed HTML.

A database is a *target* of either store kind (tests/stores.py): a SQLite path or a
``postgresql://`` URL on the session's test cluster; everything here goes through
``pipeline.store``, never a driver. :func:`review_db` is what the web tests' module
fixtures build once per store kind, :func:`fresh_copy` the copy each test works on.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from stores import copy_target, new_target

from pipeline import ingest
from pipeline.decide import cycle_of
from pipeline.store import Store, connect
from pipeline.web import auth

ROOT = Path(__file__).resolve().parent.parent
BATCH = ROOT / "samples" / "batch"
CYCLE = "2026-11"
PASSWORD = "correct horse battery"
SCRIPT = "<script>alert('x')</script>"
HOSTILE_ID = "S900001"


def _crop(path: Path, text: str) -> str:
    img = Image.new("RGB", (300, 80), (178, 196, 168))
    ImageDraw.Draw(img).text((24, 30), text, fill=(25, 30, 25))
    img.save(path)
    return str(path)


def build(db: str | Path, crops: Path) -> str | Path:
    """The sample batch as the verifier would leave it (results from truth.csv); returns ``db``."""
    crops.mkdir(parents=True, exist_ok=True)
    subs = ingest.read_submissions(BATCH / "submissions.csv")
    consumers = ingest.read_consumers(BATCH / "consumers.csv")
    with Store(db) as store:
        store.upsert_consumers(consumers.values())
        batch_id = store.start_batch(str(BATCH / "submissions.csv"), str(BATCH / "consumers.csv"), len(subs))
        keys = store.register(subs, batch_id)
        with (BATCH / "truth.csv").open(encoding="utf-8") as f:
            truth = list(csv.DictReader(f))
        c = store.conn
        c.execute("BEGIN")
        for (sid, occ), sub, t in zip(keys, subs, truth, strict=True):
            assert t["submission_id"] == sid, (t["submission_id"], sid)
            clear = t["clear"] == "true"
            reading = t["true_reading"] if clear else ""
            confidence = 0.5 if "LOW_CONFIDENCE" in t["expected_reasons"] else 0.97 if clear else 0.0
            digits = [0.99] * sum(ch.isdigit() for ch in reading)
            if digits and t["expected_status"] == "flagged":
                digits[-2] = 0.71  # one doubtful digit, as a real read often has
            crop = _crop(crops / f"{sid}_{occ}.png", reading) if clear else ""
            c.execute("INSERT INTO results (submission_id, occurrence, status, clear, ocr_reading, confidence,"
                      " reasons, crop, kind, register, digit_confidences, cycle, decided_at) VALUES"
                      " (?, ?, ?, ?, ?, ?, ?, ?, ?, 'kWh', ?, ?, ?)",
                      (sid, occ, t["expected_status"], int(clear), reading, confidence, t["expected_reasons"], crop,
                       t["kind"], json.dumps(digits), cycle_of(sub.submitted_at), "2026-11-06T00:00:00+00:00"))
        c.execute("COMMIT")
    return db


def add_hostile(db: str | Path) -> None:
    """A flagged submission whose typed reading, consumer name and e-mail hold a script tag."""
    with connect(db) as c:
        c.execute("BEGIN")
        c.execute("INSERT INTO consumers (ivrs, name, previous_reading, previous_reading_date, tariff_category)"
                  " VALUES ('7000000001', ?, '100', '2026-10-02', 'domestic')", (SCRIPT,))
        c.execute("INSERT INTO submissions (submission_id, occurrence, fingerprint, batch_id, ivrs, typed_reading,"
                  " photo, photo_path, submitted_at, user_type, mobile, email) VALUES (?, 0, 'fp-h', 1, '7000000001',"
                  " ?, 'photos/S000008.jpg', '', '2026-11-03T10:00:00+05:30', 'guest', '9876543210', ?)",
                  (HOSTILE_ID, SCRIPT, f"{SCRIPT}@example.in"))
        c.execute("INSERT INTO results (submission_id, occurrence, status, clear, ocr_reading, confidence, reasons,"
                  " kind, cycle, decided_at) VALUES (?, 0, 'flagged', 1, '150', 0.5, 'LOW_CONFIDENCE', 'lcd', ?,"
                  " '2026-11-06T00:00:00+00:00')", (HOSTILE_ID, CYCLE))
        c.execute("COMMIT")


def add_account(db: str | Path, name: str, role: str = "reviewer") -> None:
    with Store(db) as store:
        auth.add_reviewer(store.conn, name, PASSWORD, role)


def flagged_ids(db: str | Path) -> list[str]:
    with connect(db) as c:
        return [r[0] for r in c.execute("SELECT submission_id FROM results WHERE status = 'flagged'"
                                        " ORDER BY submission_id")]


@dataclass(frozen=True)
class ReviewDb:
    """A review database built once for a test module: its target, and the folder beside it (crops/)."""

    target: str | Path
    folder: Path

    @property
    def crops(self) -> Path:
        return self.folder / "crops"


def review_db(request: pytest.FixtureRequest, folder: Path, *, hostile: bool = False,
              accounts: tuple[tuple[str, str], ...] = ()) -> ReviewDb:
    """The sample review database on a new target of the kind ``request.param`` names (dropped after)."""
    target = build(new_target(request.param, folder, request), folder / "crops")
    if hostile:
        add_hostile(target)
    for name, role in accounts:
        add_account(target, name, role)
    return ReviewDb(target, folder)


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client, name: str, password: str = PASSWORD):  # noqa: ANN001, ANN201 - flask test client/response
    """Sign ``client`` in through the form, as a browser does; returns the POST's response."""
    page = client.get("/login")
    return client.post("/login", data={"name": name, "password": password, "csrf": csrf_of(page.text),
                                       "next": "/queue"})


def fresh_copy(src: ReviewDb | str | Path, folder: Path, request: pytest.FixtureRequest) -> str | Path:
    """A copy of the module's database for one test (SQLite's backup, or a PostgreSQL template copy, dropped after)."""
    target = src.target if isinstance(src, ReviewDb) else src
    return copy_target(target, folder, request, name="m.db")
