"""Twenty reviewers working one queue at once: no item claimed twice, no decision lost, a complete audit.

The queue (200 flagged submissions) is written straight through the store. Each
reviewer is a thread with its own browser-like session (a Flask test client with
its own cookies) that signs in through the form, then asks for the next item,
opens it and decides it, again and again, until the queue is empty. The
reviewers are spread over four instances of the app, as four server processes
on one database would be (each has its own connections; on SQLite they share
this process's write lock, as threads of one server do).

Afterwards the database must hold exactly one decision per item, made by the
reviewer who believes they made it; nothing left in the queue or claimed; and
``review_events`` must tell each item's story in order: claims, each ended by a
release or by the same reviewer's decision, never two holders at once.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from stores import STORES, new_target
from web_data import PASSWORD, csrf_of, sign_in

from pipeline.store import Store, connect
from pipeline.web import auth, create_app
from pipeline.web.app import close_connections

N_REVIEWERS = 20
N_ITEMS = 200
N_APPS = 4
CYCLE = "2026-11"
DEADLINE_S = 120
_SID = re.compile(r'name="submission_id" value="([^"]+)"')


def build_queue(target: str | Path, n_items: int, reviewers: list[str]) -> list[str]:
    """``n_items`` flagged submissions of one cycle (and their consumers) and the accounts; returns the ids."""
    ids = [f"Q{i:06d}" for i in range(n_items)]
    with Store(target) as store:
        conn = store.conn
        batch_id = store.start_batch("/nowhere/submissions.csv", "/nowhere/consumers.csv", n_items)
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO consumers (ivrs, name, previous_reading, previous_reading_date, tariff_category,"
            " updated_at) VALUES (?, ?, ?, ?, 'domestic', '2026-11-01T00:00:00+00:00')",
            [(f"80{i:08d}", f"Consumer {i}", str(1000 + i), "2026-10-02") for i in range(n_items)])
        conn.executemany(
            "INSERT INTO submissions (submission_id, occurrence, fingerprint, batch_id, row_number, ivrs,"
            " typed_reading, photo, photo_path, submitted_at, user_type, mobile, email)"
            " VALUES (?, 0, ?, ?, ?, ?, ?, ?, '', ?, 'consumer', '9876500000', 'c@example.in')",
            [(sid, f"fp-{sid}", batch_id, i + 1, f"80{i:08d}", str(1100 + i), f"photos/{sid}.jpg",
              f"2026-11-{1 + i % 5:02d}T{8 + i % 10:02d}:{i % 60:02d}:00+05:30") for i, sid in enumerate(ids)])
        conn.executemany(
            "INSERT INTO results (submission_id, occurrence, status, clear, ocr_reading, confidence, reasons,"
            " crop, kind, register, digit_confidences, cycle, decided_at) VALUES (?, 0, 'flagged', 1, ?, 0.5,"
            " ?, '', 'lcd', 'kWh', '[0.99, 0.99, 0.71, 0.99]', ?, '2026-11-06T00:00:00+00:00')",
            [(sid, str(1100 + i + (i % 2)), "LOW_CONFIDENCE" if i % 2 == 0 else "MISMATCH_ONE_DIGIT", CYCLE)
             for i, sid in enumerate(ids)])
        conn.execute("COMMIT")
        for name in reviewers:
            auth.add_reviewer(conn, name, PASSWORD)
    return ids


def decision_for(sid: str) -> dict[str, str]:
    """What a reviewer decides on an item: confirmations, corrections and rejections mixed."""
    n = int(sid[1:])
    if n % 3 == 0:
        return {"action": "confirm", "units_checked": "1"}
    if n % 3 == 1:
        return {"action": "correct", "reading": str(1100 + n + 1), "units_checked": "1"}
    return {"action": "reject", "reject_code": "BLURRED"}


@dataclass
class Worker:
    """One reviewer's session and what it believes it did."""

    name: str
    claimed: list[str] = field(default_factory=list)
    decided: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def work(app, me: Worker, start: threading.Barrier) -> None:  # noqa: ANN001 - a Flask app
    try:
        c = app.test_client()
        r = sign_in(c, me.name)
        assert r.status_code == 303, (me.name, "sign-in", r.status_code)
        start.wait(timeout=60)
        deadline = time.monotonic() + DEADLINE_S
        r = c.get(f"/next?cycle={CYCLE}")
        while time.monotonic() < deadline:
            assert r.status_code == 303, (me.name, "next", r.status_code, r.text[:300])
            location = r.headers["Location"]
            if "/item/" not in location:
                assert "empty=1" in location, (me.name, location)
                return  # no free item left: the queue is empty, or the rest are held by others
            page = c.get(location)
            assert page.status_code == 200, (me.name, location, page.status_code)
            sid = _SID.search(page.text).group(1)
            assert "Yours until" in page.text, (me.name, sid, "opened an item it does not hold")
            me.claimed.append(sid)
            r = c.post("/decide", data={"submission_id": sid, "cycle": CYCLE, "csrf": csrf_of(page.text),
                                        **decision_for(sid)})
            assert r.status_code == 303, (me.name, sid, "decide", r.status_code, r.text[:300])
            assert f"done={sid}" in r.headers["Location"], (me.name, sid, r.headers["Location"])
            me.decided.append(sid)
        me.errors.append(f"{me.name}: still working after {DEADLINE_S} s")
    except Exception as exc:  # noqa: BLE001 - reported by the test, with the reviewer's name
        me.errors.append(f"{me.name}: {type(exc).__name__}: {exc}")


def check_audit(conn, ids: list[str], workers: list[Worker]) -> None:  # noqa: ANN001
    """Every item's claims, releases and decision appear in ``review_events`` in an order that makes sense."""
    reviews = {r[0]: (r[1], int(r[2]), r[3]) for r in conn.execute(
        "SELECT submission_id, reviewer, review_id, action FROM reviews")}
    events: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    by_actor: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for sid, actor, kind, detail in conn.execute(
            "SELECT submission_id, actor, kind, detail FROM review_events WHERE kind IN ('claim', 'release',"
            " 'decide') ORDER BY event_id"):
        events[sid].append((actor, kind, detail or ""))
        by_actor[actor].append((kind, sid))
    assert set(events) == set(ids)
    for sid in ids:
        holder, decisions = None, []
        for actor, kind, detail in events[sid]:
            if kind == "claim":
                assert holder is None, (sid, f"claimed by {actor} while {holder} held it", events[sid])
                holder = actor
            else:
                assert holder == actor, (sid, f"{kind} by {actor}, held by {holder}", events[sid])
                holder = None
                if kind == "decide":
                    decisions.append((actor, detail))
        assert holder is None, (sid, "still claimed at the end", events[sid])
        reviewer, review_id, action = reviews[sid]
        assert decisions == [(reviewer, f"{action} (review {review_id})")], (sid, decisions, reviews[sid])
    for w in workers:
        # each reviewer's own claims and decisions, in the order the reviewer made them
        mine = set(w.decided)
        told = [(kind, sid) for kind, sid in by_actor[w.name] if sid in mine]
        assert told == [step for sid in w.decided for step in (("claim", sid), ("decide", sid))], w.name


@pytest.mark.parametrize("store_kind", STORES)
def test_twenty_reviewers_at_once_claim_each_item_once_and_lose_no_decision(store_kind, tmp_path, request):
    t0 = time.monotonic()
    target = new_target(store_kind, tmp_path, request)
    workers = [Worker(f"rev{i:02d}") for i in range(N_REVIEWERS)]
    ids = build_queue(target, N_ITEMS, [w.name for w in workers])
    apps = [create_app(target) for _ in range(N_APPS)]
    try:
        start = threading.Barrier(N_REVIEWERS)
        threads = [threading.Thread(target=work, args=(apps[i % N_APPS], w, start), name=w.name, daemon=True)
                   for i, w in enumerate(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=DEADLINE_S + 60)
        assert not [t.name for t in threads if t.is_alive()], "reviewers still working"
    finally:
        for app in apps:
            close_connections(app)
    took = time.monotonic() - t0
    assert [e for w in workers for e in w.errors] == []

    believed = Counter(sid for w in workers for sid in w.decided)
    assert sum(believed.values()) == N_ITEMS and set(believed) == set(ids), "an item decided twice or never"
    assert all(w.claimed == w.decided for w in workers)
    with connect(target) as conn:
        stored = {r[0]: (r[1], int(r[2])) for r in conn.execute(
            "SELECT submission_id, MIN(reviewer), COUNT(*) FROM reviews GROUP BY submission_id")}
        assert len(stored) == N_ITEMS and all(n == 1 for _, n in stored.values()), "a decision stored twice"
        assert {sid: who for sid, (who, _) in stored.items()} == {sid: w.name for w in workers for sid in w.decided}
        actions = {r[0]: r[1] for r in conn.execute("SELECT submission_id, action FROM reviews")}
        assert actions == {sid: decision_for(sid)["action"] for sid in ids}
        assert conn.execute("SELECT COUNT(*) FROM review_queue").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM review_queue_reasons").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0
        check_audit(conn, ids, workers)
    busy = sorted(len(w.decided) for w in workers)
    print(f"{store_kind}: {N_REVIEWERS} reviewers decided {N_ITEMS} items in {took:.1f} s "
          f"(per reviewer {busy[0]}-{busy[-1]})")
    assert busy[-1] < N_ITEMS, "one reviewer did all the work: the sessions did not run at once"
