"""Reviewer workbench: queue order, filters, counts, keyset pages, staying in step with the CLI, labels."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from stores import STORES
from web_data import CYCLE, ReviewDb, csrf_of, fresh_copy, review_db, sign_in

from pipeline.cycles import ReviewAction
from pipeline.reviews import ReviewRequest, decide
from pipeline.rules import Reason
from pipeline.store import Connection, connect
from pipeline.web import create_app, queue
from pipeline.web.app import close_connections
from pipeline.web.labels import LabelBook

WEB = Path(__file__).resolve().parent.parent / "pipeline" / "web"


@pytest.fixture(scope="module", params=STORES)
def base(request, tmp_path_factory) -> ReviewDb:
    """The sample review database, once per store kind."""
    return review_db(request, tmp_path_factory.mktemp("web-queue"),
                     accounts=(("asha", "reviewer"), ("ravi", "reviewer")))


@pytest.fixture()
def db(base, tmp_path, request):  # noqa: ANN201 - a SQLite path or a PostgreSQL URL
    return fresh_copy(base, tmp_path, request)


@pytest.fixture()
def conn(db) -> Iterator[Connection]:
    close_connections(create_app(db))  # migrates and builds the queue
    with connect(db) as c:
        yield c


@pytest.fixture()
def make_app(db):  # noqa: ANN201
    """create_app on the test's database; the apps' connections are closed after the test."""
    apps = []

    def make(**options: object):  # noqa: ANN202
        apps.append(create_app(db, **options))
        return apps[-1]

    yield make
    for app in apps:
        close_connections(app)


def ids(page: queue.QueuePage) -> list[str]:
    return [r.key.submission_id for r in page.rows]


def test_queue_is_oldest_first_across_time_zone_notations(conn):
    page = queue.page(conn, queue.Filters(CYCLE))
    assert page.total == 10 and page.first_position == 1
    keys = [r.key.submitted_utc for r in page.rows]
    assert keys == sorted(keys) and all(k.endswith("+00:00") for k in keys)
    assert ids(page)[0] == "S000008"


def test_keyset_pages_cover_the_queue_once_and_go_back(conn):
    f = queue.Filters(CYCLE)
    seen, after, pages = [], None, []
    while True:
        page = queue.page(conn, f, after=after, size=3)
        pages.append(page)
        seen += ids(page)
        if page.next_key is None:
            break
        after = page.next_key
    assert seen == ids(queue.page(conn, f)) and len(pages) == 4
    assert [p.first_position for p in pages] == [1, 4, 7, 10]
    back = queue.page(conn, f, before=pages[2].prev_key, size=3)
    assert ids(back) == ids(pages[1]) and back.first_position == 4
    assert queue.QueueKey.decode(pages[1].next_key.encode()) == pages[1].next_key
    assert queue.QueueKey.decode("garbage!") is None


def test_filters_and_counts(conn):
    counts = dict(queue.reason_counts(conn, CYCLE))
    assert counts[Reason.MISMATCH_ONE_DIGIT] == 1 and sum(counts.values()) == 10
    assert ids(queue.page(conn, queue.Filters(CYCLE, reason="PHOTO_REUSED"))) == ["S000035"]
    day = queue.page(conn, queue.Filters(CYCLE, day="2026-11-04"))
    assert set(ids(day)) == {"S000033", "S000034", "S000035"}
    ivrs = conn.execute("SELECT ivrs FROM submissions WHERE submission_id = 'S000010'").fetchone()[0]
    assert ids(queue.page(conn, queue.Filters(CYCLE, consumer=ivrs))) == ["S000010"]
    assert ids(queue.page(conn, queue.Filters(CYCLE, consumer="S000012"))) == ["S000012"]
    assert ids(queue.page(conn, queue.Filters(CYCLE, reason="MISMATCH_DECIMAL", consumer="S000012"))) == ["S000012"]
    assert queue.page(conn, queue.Filters("2026-01")).total == 0


def test_the_queue_follows_decisions_made_with_the_cli_and_new_results(conn):
    decide(ReviewRequest("S000008", ReviewAction.CONFIRM, "ravi", units_checked=True), conn)
    queue.sync(conn)
    assert "S000008" not in ids(queue.page(conn, queue.Filters(CYCLE)))
    conn.execute("UPDATE results SET status = 'flagged', reasons = 'LOW_CONFIDENCE',"
                 " decided_at = '2026-12-01T00:00:00+00:00' WHERE submission_id = 'S000001'")
    queue.sync(conn)
    assert "S000001" in ids(queue.page(conn, queue.Filters(CYCLE)))
    assert queue.rebuild(conn) == 10


def test_queue_page_shows_counts_progress_and_pages(make_app):
    c = make_app().test_client()
    sign_in(c, "asha")
    html = c.get(f"/queue?cycle={CYCLE}").text
    assert "10</b> waiting" in html and "You today: 0 decided" in html and "One digit off <b>1</b>" in html
    item = c.get("/item/S000008")
    c.post("/decide", data={"submission_id": "S000008", "action": "confirm", "units_checked": "1",
                            "csrf": csrf_of(item.text)})
    html = c.get(f"/queue?cycle={CYCLE}&done=S000008").text
    assert "9</b> waiting" in html and "You today: 1 decided" in html and "S000008 confirmed (4438)" in html
    filtered = c.get(f"/queue?cycle={CYCLE}&reason=BELOW_PREVIOUS&reason_bogus=1").text
    assert "S000033" in filtered and "S000034" not in filtered


def test_every_label_the_pages_use_exists_in_english_and_hindi():
    book = LabelBook()
    used = set()
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("*.py")]:
        used |= set(re.findall(r"""\bt\(['"]([a-z_.]*[a-z])['"]\s*[,)]""", path.read_text(encoding="utf-8")))
    actions = [a.value for a in ReviewAction]
    prefixes = {"reason.": [r.value for r in Reason], "code.": [r.value for r in Reason], "outcome.": actions,
                "action.": actions, "done.": actions, "item.bad_": actions, "lang.": ["en", "hi"],
                "role.": ["reviewer", "supervisor"], "kind.": ["lcd", "drum"],
                "status.": ["valid", "flagged", "rejected", "not verified"],
                "event.": ["claim", "release", "reassign", "sign-in", "decide"]}
    for prefix, codes in prefixes.items():
        used |= {prefix + c for c in codes}
    missing = sorted(k for k in used if k not in book.keys())
    assert not missing
    untranslated = [k for k in book.keys() if book.get(k, "hi") == book.get(k, "en") and not k.startswith("lang.")]
    assert not untranslated


def test_hindi_switch_and_edited_labels(make_app, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text((WEB / "labels.csv").read_text(encoding="utf-8").replace(
        "nav.queue,Queue,", "nav.queue,Work list,"), encoding="utf-8")
    c = make_app(labels_path=labels).test_client()
    sign_in(c, "asha")
    page = c.get("/queue")
    assert ">Work list<" in page.text
    r = c.post("/lang", data={"lang": "hi", "next": "/queue", "csrf": csrf_of(page.text)})
    assert r.status_code == 303
    assert "फ़्लैग की गई कतार" in c.get("/queue").text
    labels.write_text("not,a,labels,file\n", encoding="utf-8")  # a broken edit keeps the last good texts
    assert "फ़्लैग की गई कतार" in c.get("/queue").text
