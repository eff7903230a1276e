"""The cycle report: one self-contained HTML page with embedded plots and crops."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from cycle_data import CYCLE, base_db, copy_db, scenario_db

from pipeline.cli import main
from pipeline.store import connect

SECTIONS = ("Counts by status", "Reasons", "Arrivals and straight-through rate", "Reading confidence",
            "Consumption", "Reviewer backlog", "Superseded submissions", "Exports and draws", "Flagged crops")


@pytest.fixture(scope="module")
def page(tmp_path_factory, request, store_kind) -> str:
    tmp = tmp_path_factory.mktemp("report")
    db = scenario_db(tmp_path_factory, tmp, request, store_kind)
    conn = connect(db)
    conn.execute("UPDATE submissions SET typed_reading = '<b>x</b>' WHERE submission_id = 'S000014'")
    conn.execute("UPDATE results SET crop = '/nonexistent/crop.png' WHERE submission_id = 'S000035'")
    conn.close()
    assert main(["export", "billing", "--cycle", CYCLE, "-o", str(tmp / "b.csv"), "--db", str(db)]) == 0
    out = tmp / "report.html"
    assert main(["report", "--cycle", CYCLE, "-o", str(out), "--db", str(db)]) == 0
    return out.read_text(encoding="utf-8")


def test_every_section_is_there(page):
    for title in SECTIONS:
        assert f"<h2>{title}</h2>" in page


def test_self_contained_with_embedded_pngs(page):
    assert "<script" not in page.lower() and not re.search(r'(src|href)="(https?:|file:|/)', page)
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) >= 5 + 9  # five plots, and the crops of the ten flagged but one whose file is gone
    assert all(base64.b64decode(b).startswith(b"\x89PNG") for b in images)


def test_figures(page):
    assert "24%" in page  # straight-through: 9 of 38 valid with no person
    assert "consumers billed" in page and "1 register roll-overs" in page
    assert "flagged, awaiting review" in page and "corrected by a reviewer (asha: 4938)" in page
    assert "S000001" in page and "S100001" in page  # superseded, and what was billed instead
    assert "billing" in page  # the export just made is listed


def test_gallery_escapes_and_tolerates_missing_crops(page):
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert "no crop saved" in page
    assert "typed <code>2739</code> · read <code>0002739.9</code>" in page


def test_report_on_the_plain_sample_batch(tmp_path_factory, tmp_path, request, store_kind):
    """Whatever the image stages decide today, the report renders."""
    db = copy_db(base_db(tmp_path_factory, request, store_kind), tmp_path / "plain.db", request)
    out = tmp_path / "r.html"
    assert main(["report", "--cycle", CYCLE, "-o", str(out), "--db", str(db)]) == 0
    assert "<h2>Flagged crops</h2>" in out.read_text(encoding="utf-8")


def test_unknown_cycle(tmp_path_factory, tmp_path, request, store_kind, capsys):
    db = copy_db(base_db(tmp_path_factory, request, store_kind), tmp_path / "plain.db", request)
    out = tmp_path / "r.html"
    assert main(["report", "--cycle", "2031-07", "-o", str(out), "--db", str(db)]) == 8
    assert "no submissions for cycle 2031-07" in capsys.readouterr().err and not out.exists()


def test_report_is_a_file_not_a_path_problem(tmp_path_factory, tmp_path, request, store_kind):
    db = copy_db(base_db(tmp_path_factory, request, store_kind), tmp_path / "plain.db", request)
    out = tmp_path / "deep" / "er" / "r.html"
    assert main(["report", "--cycle", CYCLE, "-o", str(out), "--db", str(db)]) == 0
    assert Path(out).stat().st_size > 10_000
