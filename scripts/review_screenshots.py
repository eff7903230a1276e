"""Screenshots of the reviewer workbench for the docs (docs/screenshots/*.png).

Verifies the committed sample batch into a temporary database (real display
crops), adds three accounts, a week of decisions and a claim, serves the app on
a free loopback port and photographs the queue, an item (in English and in
Hindi) and the supervisor page in headless Chromium (Debian's /usr/bin/chromium
through Playwright). The Hindi page needs a Devanagari font (scripts/setup.sh).

    .venv/bin/python scripts/review_screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.cycles import ReviewAction  # noqa: E402
from pipeline.reviews import ReviewRequest, decide  # noqa: E402
from pipeline.store import Store  # noqa: E402
from pipeline.verify import run_verify  # noqa: E402
from pipeline.web import auth, claims, create_app  # noqa: E402
from pipeline.web.app import LANG_COOKIE  # noqa: E402

PASSWORD = "screenshot-password"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def demo_db(folder: Path) -> Path:
    """The sample batch verified, with reviewers and some history."""
    batch = ROOT / "samples" / "batch"
    db = folder / "meterverify.db"
    run_verify(batch / "submissions.csv", batch / "consumers.csv", db, None, workers=2)
    with Store(db) as store:
        conn = store.conn
        for name, role in (("asha", "reviewer"), ("ravi", "reviewer"), ("meena", "supervisor")):
            auth.add_reviewer(conn, name, PASSWORD, role)
        flagged = [r[0] for r in conn.execute(
            "SELECT submission_id FROM results WHERE status = 'flagged' ORDER BY submission_id")]
        decided = flagged[-4:]
        typed = dict(conn.execute("SELECT submission_id, typed_reading FROM submissions"))
        read = {k: (v or "").split(".")[0] for k, v in conn.execute("SELECT submission_id, ocr_reading FROM results")}
        # a week of earlier work (what the per-day table shows), then today's real decisions
        now = datetime.now(UTC)
        team = [("asha", "confirm"), ("asha", "correct"), ("ravi", "confirm"), ("ravi", "reject"), ("meena", "confirm")]
        for day in range(1, 9):
            for k, (who, action) in enumerate(team[: 2 + day % 4]):
                for n in range((day * 7 + k * 3) % 11 + 2):
                    sid = decided[(n + k) % len(decided)]
                    after = {"confirm": typed[sid], "correct": read[sid] or typed[sid], "reject": ""}[action]
                    at = (now - timedelta(days=day, hours=k, minutes=7 * n)).isoformat(timespec="seconds")
                    conn.execute("INSERT INTO reviews (submission_id, occurrence, action, reading_before,"
                                 " reading_after, reason, reviewer, reviewed_at) VALUES (?, 0, ?, ?, ?, ?, ?, ?)",
                                 (sid, action, typed[sid], after, "BLURRED" if action == "reject" else "", who, at))
        plan = [(ReviewAction.CONFIRM, "asha"), (ReviewAction.CORRECT, "ravi"), (ReviewAction.REJECT, "asha"),
                (ReviewAction.CORRECT, "asha")]
        for sid, (action, who) in zip(decided, plan, strict=True):
            ocr = conn.execute("SELECT ocr_reading FROM results WHERE submission_id = ?", (sid,)).fetchone()[0]
            reading = (ocr or "1").split(".")[0] if action is ReviewAction.CORRECT else ""
            decide(ReviewRequest(sid, action, who, reading, "BLURRED" if action is ReviewAction.REJECT else "",
                                 units_checked=True), conn)
        claims.take(conn, (flagged[2], 0), "ravi", 15)
    return db


def shoot(db: Path, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright
    from waitress import create_server

    srv = create_server(create_app(db), host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=srv.run, daemon=True).start()
    base = f"http://127.0.0.1:{srv.effective_port}"
    out.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db)
    first = (conn.execute("SELECT submission_id FROM review_queue WHERE reasons LIKE 'MISMATCH_ONE_DIGIT%'"
                          " LIMIT 1").fetchone()
             or conn.execute("SELECT submission_id FROM review_queue ORDER BY submitted_utc LIMIT 1").fetchone())[0]
    conn.close()
    shots = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, who, path, lang in (("queue", "asha", "/queue", "en"), ("item", "asha", f"/item/{first}", "en"),
                                      ("supervisor", "meena", "/supervisor", "en"),
                                      ("item-hi", "asha", f"/item/{first}", "hi")):
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.context.add_cookies([{"name": LANG_COOKIE, "value": lang, "url": base}])
            page.goto(base + "/login")
            page.fill("input[name=name]", who)
            page.fill("input[name=password]", PASSWORD)
            page.press("input[name=password]", "Enter")
            page.wait_for_url("**/queue")
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            target = out / f"{name}.png"
            page.screenshot(path=str(target))
            shots.append(target)
            page.close()
        browser.close()
    srv.close()
    return shots


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for shot in shoot(demo_db(Path(tmp)), args.out):
            print(shot)


if __name__ == "__main__":
    main()
