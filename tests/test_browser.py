"""The reviewer workbench driven in headless Chromium (Debian's /usr/bin/chromium, through Playwright).

The app is served by waitress on a free loopback port in a thread, on a
database built from the sample batch, once on each store kind (SQLite and
PostgreSQL). Skipped only when Chromium is not installed (``scripts/setup.sh``
installs it).
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from stores import STORES
from web_data import CYCLE, HOSTILE_ID, PASSWORD, SCRIPT, review_db

from pipeline.cli import main
from pipeline.reviews import history
from pipeline.store import connect
from pipeline.web import create_app
from pipeline.web.app import close_connections

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed (scripts/setup.sh)")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module", params=STORES)
def db(request, tmp_path_factory):  # noqa: ANN201 - a SQLite path or a PostgreSQL URL
    """The sample review database with the hostile submission, once per store kind."""
    built = review_db(request, tmp_path_factory.mktemp("browser"), hostile=True,
                      accounts=(("asha", "reviewer"), ("ravi", "reviewer")))
    return built.target


@pytest.fixture(scope="module")
def server(db) -> Iterator[str]:
    from waitress import create_server

    app = create_app(db)
    srv = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.effective_port}"
    srv.close()
    thread.join(timeout=10)
    close_connections(app)


def decisions(db, sid: str) -> list:  # noqa: ANN001
    with connect(db) as conn:
        return history(conn, sid)


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def signed_in(browser, server: str, name: str):  # noqa: ANN001, ANN201
    """A new browser context (its own cookies) signed in as ``name``, and its page."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    page.on("dialog", lambda d: pytest.fail(f"a script ran: dialog {d.message!r}"))
    page.goto(f"{server}/queue")
    assert "/login" in page.url
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{server}/queue")
    return ctx, page


def export(db: str | Path, kind: str, out: Path) -> dict[str, dict]:
    assert main(["export", kind, "--cycle", CYCLE, "-o", str(out), "--db", str(db)]) == 0
    with out.open(encoding="utf-8", newline="") as f:
        return {r["submission_id"]: r for r in csv.DictReader(f)}


def queue_ids(page) -> list[str]:  # noqa: ANN001
    return page.locator("table.queue tbody tr td:nth-child(3)").all_inner_texts()


def test_review_flow_in_a_real_browser(browser, server, db, tmp_path):
    ctx, page = signed_in(browser, server, "asha")
    # the queue, oldest first
    assert queue_ids(page)[:2] == ["S000008", "S000009"]
    assert page.locator("#waiting").inner_text() == "11"
    # open the first item with the keyboard
    page.keyboard.press("n")
    page.wait_for_url("**/item/S000008**")
    assert page.locator(".claim.mine").is_visible()
    assert page.locator("td.d.diff.typed").inner_text() == "4"
    # correct the reading with the keyboard: the next item opens at once
    page.keyboard.press("e")
    page.keyboard.type("4938")
    page.keyboard.press("Enter")
    page.wait_for_url("**/item/S000009**")
    assert "S000008 corrected 4438 → 4938" in page.locator(".notice").first.inner_text()
    # confirming the typed 261 would bill below the previous reading (494): the page warns, saves nothing
    with page.expect_navigation():
        page.keyboard.press("c")
    assert page.locator("input[name=submission_id]").first.input_value() == "S000009"
    warning = page.locator("#units-warning").inner_text()
    assert "261" in warning and "494" in warning and "-233" in warning
    assert page.locator("#units_checked").is_visible()
    assert decisions(db, "S000009") == []
    # the photo shows 621 (digits swapped): correct it instead; the next item opens
    page.keyboard.press("e")
    page.keyboard.type("621")
    page.keyboard.press("Enter")
    page.wait_for_url("**/item/S000010**")
    # both left the queue
    page.keyboard.press("q")
    page.wait_for_url("**/queue**")
    ids = queue_ids(page)
    assert "S000008" not in ids and "S000009" not in ids and "S000010" in ids
    assert page.locator("#waiting").inner_text() == "9"
    # corrections are billed but earn no draw entry
    billed = export(db, "billing", tmp_path / "billing.csv")
    eligible = export(db, "draw-eligibility", tmp_path / "eligible.csv")
    assert billed["S000008"]["current_reading"] == "4938" and "S000008" not in eligible
    assert billed["S000009"]["current_reading"] == "621" and billed["S000009"]["units"] == "127"
    assert "S000009" not in eligible

    # asha holds S000010: a second browser context cannot work it
    page.goto(f"{server}/item/S000010")
    ctx2, other = signed_in(browser, server, "ravi")
    other.goto(f"{server}/item/S000010")
    assert "Claimed by asha" in other.locator(".claim.other").inner_text()
    assert other.locator("button[value=confirm]").count() == 0
    # ... and "next" gives ravi the following free item instead
    other.goto(f"{server}/queue")
    other.keyboard.press("n")
    other.wait_for_url("**/item/S000011**")

    # a POST without the CSRF token is refused
    page.goto(f"{server}/item/S000010")
    page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())")
    with page.expect_navigation():
        page.click("button[value=confirm]")
    assert "security token" in page.content()
    assert decisions(db, "S000010") == []  # nothing was recorded
    ctx2.close()
    ctx.close()


def test_traversal_answers_404_and_typed_html_stays_text(browser, server):
    ctx, page = signed_in(browser, server, "asha")
    assert page.goto(f"{server}/media/photo/1/photos/S000008.jpg").status == 200
    for url in ("/media/photo/1/..%2f..%2fbatch%2fsubmissions.csv", "/media/photo/1/%2e%2e/%2e%2e/README.md",
                "/media/photo/1/../submissions.csv", "/media/crop/..%2fm.db"):
        assert page.goto(server + url).status == 404, url
    page.goto(f"{server}/item/{HOSTILE_ID}")
    assert SCRIPT in page.locator(".card.reading").inner_text()
    assert SCRIPT in page.locator(".card", has_text="IVRS").first.inner_text()
    assert page.locator("script").count() == 1  # only the shipped review.js
    ctx.close()


def _hindi_families() -> set[str]:
    """Font families fontconfig says cover Hindi (what Chromium can fall back to)."""
    import shutil
    import subprocess

    if shutil.which("fc-list") is None:
        return set()
    out = subprocess.run(["fc-list", ":lang=hi", "family"], capture_output=True, text=True, check=False).stdout
    return {name.strip() for line in out.splitlines() for name in line.split(",") if name.strip()}


def _is_devanagari(ch: str) -> bool:
    return "\u0900" <= ch <= "\u097f" or "\ua8e0" <= ch <= "\ua8ff"


def test_the_hindi_page_renders_devanagari_glyphs_not_boxes(browser, server):
    """Each Hindi label is drawn with a font that has Devanagari, as Chromium itself resolves it.

    Without one (a fresh Debian machine before fonts-noto-core) Chromium falls back to
    a Latin font such as DejaVu Sans and draws every Devanagari letter as an empty box.
    """
    covering = _hindi_families()
    assert covering, "no font covers Hindi: scripts/setup.sh installs fonts-noto-core"
    ctx, page = signed_in(browser, server, "asha")
    page.click("form.lang button[value=hi]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "hi"
    cdp = ctx.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    checked = 0
    for selector in ("header a", "h1", "h2", "th", "button", "label"):
        for node in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"][:6]:
            text = cdp.send("DOM.getOuterHTML", {"nodeId": node})["outerHTML"]
            shown = page.evaluate("(h) => { const d = document.createElement('div'); d.innerHTML = h;"
                                  " return d.textContent; }", text)
            deva = sum(_is_devanagari(ch) for ch in shown)
            if not deva:
                continue
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            if not fonts:
                continue  # not drawn (a hidden help panel)
            hindi = sum(f["glyphCount"] for f in fonts if f["familyName"] in covering)
            other = sum(f["glyphCount"] for f in fonts if f["familyName"] not in covering)
            assert hindi > 0, (shown, fonts)
            # glyphs from fonts without Devanagari are at most the label's other characters (digits, spaces)
            assert other <= len(shown) - deva, (shown, fonts)
            checked += 1
    assert checked >= 8
    ctx.close()
