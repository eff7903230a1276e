"""Reviewer workbench: the item page, decisions into billing and the draw, claims, escaping, file serving."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from stores import STORES
from web_data import BATCH, CYCLE, HOSTILE_ID, SCRIPT, ReviewDb, csrf_of, fresh_copy, review_db, sign_in

from pipeline.billing import export_billing
from pipeline.draw import export_eligibility
from pipeline.reviews import history
from pipeline.store import connect
from pipeline.web import create_app
from pipeline.web.app import close_connections
from pipeline.web.item import align


@pytest.fixture(scope="module", params=STORES)
def base(request, tmp_path_factory) -> ReviewDb:
    """The sample review database with the hostile submission, once per store kind."""
    return review_db(request, tmp_path_factory.mktemp("web-item"), hostile=True,
                     accounts=(("asha", "reviewer"), ("ravi", "reviewer"), ("meena", "supervisor")))


@pytest.fixture()
def db(base, tmp_path, request):  # noqa: ANN201 - a SQLite path or a PostgreSQL URL
    return fresh_copy(base, tmp_path, request)


@pytest.fixture()
def conn(db):  # noqa: ANN201
    with connect(db) as c:
        yield c


@pytest.fixture()
def app(db, base):  # noqa: ANN201
    app = create_app(db, crop_dirs=[base.crops])
    yield app
    close_connections(app)


def client(app, name: str):  # noqa: ANN201
    c = app.test_client()
    assert sign_in(c, name).status_code == 303
    return c


def decide(c, sid: str, action: str, **fields: str):  # noqa: ANN001, ANN201
    page = c.get(f"/item/{sid}")
    return c.post("/decide", data={"submission_id": sid, "action": action, "csrf": csrf_of(page.text),
                                   "cycle": CYCLE, **fields})


def read_csv(path: Path) -> dict[str, dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return {r["submission_id"]: r for r in csv.DictReader(f)}


def test_align_marks_the_differing_digits():
    cols = align("4938.4", "4438", [0.99, 0.6, 0.99, 0.99, 0.95])
    assert [(c.photo, c.typed, c.state) for c in cols] == [
        ("4", "4", "same"), ("9", "4", "diff"), ("3", "3", "same"), ("8", "8", "same"), (".", "", "point"),
        ("4", "", "dim")]
    assert cols[1].level == "mid" and cols[4].confidence is None
    missing = align("41820.5", "1820", [1.0] * 6)
    assert [c.state for c in missing][:2] == ["missing", "same"]
    swapped = align("00621.4", "261", [1.0] * 6)
    assert [(c.photo, c.typed, c.state) for c in swapped][:5] == [
        ("0", "", "lead"), ("0", "", "lead"), ("6", "2", "diff"), ("2", "6", "diff"), ("1", "1", "same")]


def test_item_page_shows_the_reading_the_difference_and_masks_contacts(app):
    c = client(app, "asha")
    r = c.get("/item/S000008")
    assert r.status_code == 200
    html = r.text
    assert "One digit off" in html and "The photo reading differs from the typed one in one digit." in html
    assert 'class="d diff typed"' in html and "Confirm 4438" in html and 'value="4938.4"' in html
    assert "Previous reading" in html and "implausible" in html  # 4438 is below last month's 4835
    with connect(app.config["MV_SETTINGS"].db_path) as conn:
        mobile = conn.execute("SELECT mobile, email FROM submissions WHERE submission_id = 'S000008'").fetchone()
    assert mobile[0] not in html and mobile[1] not in html
    assert "*" * (len(mobile[0]) - 4) + mobile[0][-4:] in html
    assert '/media/photo/1/photos/S000008.jpg' in html and "/media/crop/S000008_0.png" in html
    assert c.get("/media/photo/1/photos/S000008.jpg").headers["Content-Type"] == "image/jpeg"
    assert c.get("/media/crop/S000008_0.png").status_code == 200


def test_typed_html_is_shown_as_text(app):
    c = client(app, "asha")
    for url in (f"/item/{HOSTILE_ID}", f"/queue?cycle={CYCLE}"):
        html = c.get(url).text
        assert SCRIPT not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_correct_flows_into_billing_not_the_draw_and_confirm_into_both(app, conn, tmp_path):
    c = client(app, "asha")
    r = decide(c, "S000008", "correct", reading="4938")
    assert r.status_code == 303 and r.headers["Location"].startswith("/item/S000009?")  # the next item at once
    assert "done=S000008" in r.headers["Location"]
    r = decide(c, "S000034", "confirm")
    assert r.status_code == 303
    [h] = history(conn, "S000008")
    assert (h.action.value, h.reading_before, h.reading_after, h.reviewer) == ("correct", "4438", "4938", "asha")
    export_billing(conn, CYCLE, tmp_path / "billing.csv")
    billed = read_csv(tmp_path / "billing.csv")
    assert billed["S000008"]["current_reading"] == "4938" and billed["S000008"]["verified_by"] == "asha"
    assert billed["S000034"]["current_reading"] == "25454"
    export_eligibility(conn, CYCLE, tmp_path / "eligible.csv")
    eligible = read_csv(tmp_path / "eligible.csv")
    assert "S000008" not in eligible and "S000034" in eligible
    queue = c.get(f"/queue?cycle={CYCLE}").text
    assert "S000008" not in queue.split("<table")[1] and "S000009" in queue


def test_the_page_warns_before_saving_a_reading_billing_would_hold_back(app, conn, tmp_path):
    c = client(app, "asha")
    # S000012: previous reading 1890; 1519 would bill -371 units
    r = decide(c, "S000012", "correct", reading="1519")
    assert r.status_code == 200 and 'id="units-warning"' in r.text
    assert "1519 is below the previous reading 1890" in r.text and "-371 units" in r.text
    assert 'name="units_checked"' in r.text and 'value="1519"' in r.text  # the typed value is kept
    assert history(conn, "S000012") == []  # nothing saved yet
    c.set_cookie("mv_lang", "hi")
    r = decide(c, "S000012", "correct", reading="1519")
    assert "पिछली रीडिंग 1890 से कम है" in r.text  # the warning in Hindi too
    r = decide(c, "S000012", "correct", reading="1519", units_checked="1")
    assert r.status_code == 303
    [h] = history(conn, "S000012")
    assert (h.reading_after, h.units_checked) == ("1519", True)
    feed, _ = export_billing(conn, CYCLE, tmp_path / "billing.csv")
    assert "S000012" not in read_csv(tmp_path / "billing.csv")  # billing still holds negative units back
    assert [(row.submission_id, why) for row, why, _ in feed.held] == [("S000012", "held_negative_units")]


def test_a_correction_typed_in_devanagari_digits_is_stored_in_ascii(app, conn):
    c = client(app, "asha")
    assert decide(c, "S000008", "correct", reading="४९३८").status_code == 303
    [h] = history(conn, "S000008")
    assert (h.reading_after, h.reading_entered) == ("4938", "४९३८")


def test_reject_records_the_code_and_a_missing_reason_is_refused(app, conn):
    c = client(app, "asha")
    r = decide(c, "S000012", "reject", reject_code="")
    assert r.status_code == 400 and "Choose a reason" in r.text
    assert decide(c, "S000012", "reject", reject_code="BLURRED").status_code == 303
    assert decide(c, "S000013", "reject", reject_code="OTHER", note="photo of a neighbour's meter").status_code == 303
    assert history(conn, "S000012")[-1].reason == "BLURRED"
    assert history(conn, "S000013")[-1].reason == "photo of a neighbour's meter"


def test_a_bad_correction_is_refused_with_the_value_kept(app):
    c = client(app, "asha")
    r = decide(c, "S000008", "correct", reading="49a8")
    assert r.status_code == 400 and 'value="49a8"' in r.text


def test_two_reviewers_never_decide_the_same_item(app, conn):
    asha, ravi = client(app, "asha"), client(app, "ravi")
    assert "Yours until" in asha.get("/item/S000010").text
    page = ravi.get("/item/S000010")
    assert "Claimed by asha" in page.text and 'value="confirm"' not in page.text
    r = ravi.post("/decide", data={"submission_id": "S000010", "action": "confirm", "csrf": csrf_of(page.text)})
    assert r.status_code == 409 and "asha is working on this item" in r.text
    assert history(conn, "S000010") == []
    # the claim expires: ravi may take the item over
    conn.execute("UPDATE claims SET expires_at = '2000-01-01T00:00:00+00:00'")
    assert "Yours until" in ravi.get("/item/S000010").text
    # and a released item is free again
    page = ravi.get("/item/S000010")
    assert ravi.post("/release", data={"submission_id": "S000010", "csrf": csrf_of(page.text)}).status_code == 303
    assert "Yours until" in asha.get("/item/S000010").text


def test_opening_another_item_releases_the_previous_one(app, conn):
    asha = client(app, "asha")
    asha.get("/item/S000010")
    asha.get("/item/S000011")
    held = conn.execute("SELECT submission_id FROM claims WHERE reviewer = 'asha'").fetchall()
    assert [tuple(r) for r in held] == [("S000011",)]


def test_next_skips_items_claimed_by_others(app):
    asha, ravi = client(app, "asha"), client(app, "ravi")
    asha.get("/item/S000008")
    r = ravi.get(f"/next?cycle={CYCLE}")
    assert r.status_code == 303 and r.headers["Location"].startswith("/item/S000009")


def test_supervisor_reassigns_and_reviewers_cannot(app):
    asha, meena, ravi = client(app, "asha"), client(app, "meena"), client(app, "ravi")
    asha.get("/item/S000014")
    page = ravi.get("/item/S000014")
    assert ravi.post("/reassign", data={"submission_id": "S000014", "to": "ravi",
                                        "csrf": csrf_of(page.text)}).status_code == 403
    page = meena.get("/item/S000014")
    r = meena.post("/reassign", data={"submission_id": "S000014", "to": "ravi", "csrf": csrf_of(page.text)})
    assert r.status_code == 303
    assert decide(ravi, "S000014", "confirm", units_checked="1").status_code == 303
    audit = meena.get("/audit?sid=S000014").text
    assert "reassigned" in audit and "to ravi (was asha)" in audit and "confirmed" in audit


def test_items_that_are_not_flagged_cannot_be_decided(app):
    c = client(app, "asha")
    page = c.get("/item/S000002")
    assert page.status_code == 200 and "not flagged" in page.text and 'value="confirm"' not in page.text
    r = c.post("/decide", data={"submission_id": "S000002", "action": "confirm", "csrf": csrf_of(page.text)})
    assert r.status_code == 409 and "not flagged" in r.text
    r = c.post("/decide", data={"submission_id": "NOPE", "action": "confirm", "csrf": csrf_of(page.text)})
    assert r.status_code == 404
    assert c.get("/item/NOPE").status_code == 404


def test_a_decision_can_be_changed_and_the_old_one_stays(app, conn):
    c = client(app, "asha")
    decide(c, "S000011", "confirm", units_checked="1")  # 4408 after 276: implausible units, ticked
    decide(c, "S000011", "correct", reading="408")
    actions = [(h.action.value, h.reading_after) for h in history(conn, "S000011")]
    assert actions == [("confirm", "4408"), ("correct", "408")]


@pytest.fixture()
def outside(base, tmp_path) -> Path:
    """A symlink inside the crop folder pointing at an image outside it."""
    secret = tmp_path / "secret.png"
    secret.write_bytes((base.crops / "S000008_0.png").read_bytes())
    link = base.crops / "escape.png"
    if not link.is_symlink():
        os.symlink(secret, link)
    yield link
    link.unlink()


@pytest.mark.parametrize("url", [
    "/media/photo/1/../submissions.csv",
    "/media/photo/1/photos/../../batch/submissions.csv",
    "/media/photo/1/%2e%2e/%2e%2e/pipeline/cli.py",
    "/media/photo/1/%2e%2e%2fbatch%2fphotos%2fS000008.jpg",
    "/media/photo/1//etc/passwd",
    "/media/photo/1/%2Fetc%2Fpasswd",
    f"/media/photo/1/{BATCH}/photos/S000008.jpg",
    "/media/photo/1/submissions.csv",  # inside, but not an image: the CSV holds mobile numbers
    "/media/photo/99/photos/S000008.jpg",
    "/media/crop/..%2F..%2Fm.db",
    "/media/crop/%2e%2e/m.db",
    "/media/crop/escape.png",
    "/media/crop/missing.png",
])
def test_files_outside_the_batch_and_crop_folders_answer_404(app, outside, url):
    c = client(app, "asha")
    assert c.get("/media/photo/1/photos/S000008.jpg").status_code == 200
    assert c.get(url).status_code == 404


def test_reviewers_working_at_once_never_decide_an_item_twice(app, conn):
    import re
    import threading

    errors: list[object] = []

    def work(name: str) -> None:
        c = client(app, name)
        location = c.get(f"/next?cycle={CYCLE}").headers["Location"]
        for _ in range(3):
            page = c.get(location)
            sid = re.search(r'name="submission_id" value="([^"]+)"', page.text).group(1)
            r = c.post("/decide", data={"submission_id": sid, "action": "confirm", "cycle": CYCLE,
                                        "units_checked": "1", "csrf": csrf_of(page.text)})
            if r.status_code != 303:
                errors.append((name, r.status_code))
                return
            location = r.headers["Location"]
            if "/item/" not in location:
                return

    threads = [threading.Thread(target=work, args=(n,)) for n in ("asha", "ravi", "meena")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = conn.execute("SELECT submission_id, COUNT(*) FROM reviews GROUP BY submission_id").fetchall()
    assert len(rows) == 9 and all(n == 1 for _, n in rows)


def test_the_supervisor_sees_decisions_per_day_overturns_and_recent_ones(app, conn):
    from pipeline.web import supervisor

    asha, meena = client(app, "asha"), client(app, "meena")
    assert decide(asha, "S000008", "correct", reading="4938").status_code == 303  # to the machine's reading
    assert decide(asha, "S000034", "confirm").status_code == 303  # the typed reading was right
    assert decide(asha, "S000012", "reject", reject_code="BLURRED").status_code == 303
    assert decide(asha, "S000011", "confirm", units_checked="1").status_code == 303
    assert decide(asha, "S000011", "correct", reading="408").status_code == 303  # changed: the latest counts
    reasons = {r[0]: [x for x in r[1].split(";") if x] for r in conn.execute(
        "SELECT submission_id, reasons FROM results WHERE submission_id IN ('S000008', 'S000034', 'S000012',"
        " 'S000011')")}
    rows = supervisor.overturns(conn, CYCLE)
    assert rows == supervisor.overturns(conn) and supervisor.overturns(conn, "2026-01") == []
    assert sum(r.decided for r in rows) == sum(len(v) for v in reasons.values())
    assert sum(r.confirmed for r in rows) == len(reasons["S000034"])
    assert sum(r.rejected for r in rows) == len(reasons["S000012"])
    assert sum(r.corrected_to_machine + r.corrected_other for r in rows) == len(reasons["S000008"]) + len(
        reasons["S000011"])
    table = supervisor.per_reviewer_per_day(conn)
    assert table.reviewers == ["asha"] and table.total("asha", table.days[0]) == 5
    recent = supervisor.recent_decisions(conn)
    assert [r.submission_id for r in recent] == ["S000011", "S000011", "S000012", "S000034", "S000008"]
    page = meena.get(f"/supervisor?cycle={CYCLE}")
    assert page.status_code == 200 and "asha" in page.text and "S000011" in page.text
    audit = meena.get("/audit?sid=S000011").text
    assert audit.count("decided") >= 2 and "correct (review" in audit
