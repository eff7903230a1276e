"""notebooks/cycle_analysis.ipynb runs top to bottom on the sample batch's database."""

from __future__ import annotations

import nbformat
import pytest
from cycle_data import BATCH, CYCLE, ROOT, scenario_db

nbclient = pytest.importorskip("nbclient", reason="the notebook needs the test extra (nbclient, ipykernel)")

NOTEBOOK = ROOT / "notebooks" / "cycle_analysis.ipynb"


def test_notebook_runs_top_to_bottom(tmp_path_factory, tmp_path, monkeypatch, request):
    db = scenario_db(tmp_path_factory, tmp_path, request)
    monkeypatch.setenv("METER_VERIFY_DB", str(db))
    monkeypatch.setenv("METER_VERIFY_CYCLE", CYCLE)
    monkeypatch.setenv("METER_VERIFY_TRUTH", str(BATCH / "truth.csv"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook without outputs"
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert f"analysing {CYCLE}: 38 submissions" in text
    assert "at the current threshold:" in text
    assert "clear photos with a reading; reference known for" in text
    assert any(o.output_type == "display_data" and "image/png" in o.data for c in nb.cells
               if c.cell_type == "code" for o in c.outputs), "the threshold plot was not drawn"


def _run(nb_dir, monkeypatch):  # noqa: ANN001, ANN202
    monkeypatch.delenv("METER_VERIFY_DB", raising=False)
    monkeypatch.delenv("METER_VERIFY_TRUTH", raising=False)
    monkeypatch.setenv("METER_VERIFY_CYCLE", CYCLE)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(nb_dir)}})
    return nb, client


def test_notebook_finds_the_database_as_the_readme_leaves_it(tmp_path_factory, tmp_path, monkeypatch, request):
    """Opened from notebooks/ with no variable set, it reads out/meterverify.db of the README's first command."""
    (tmp_path / "out").mkdir()
    scenario_db(tmp_path_factory, tmp_path, request).rename(tmp_path / "out" / "meterverify.db")
    (tmp_path / "notebooks").mkdir()
    nb, client = _run(tmp_path / "notebooks", monkeypatch)
    client.execute()
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert f"database: {tmp_path / 'out' / 'meterverify.db'}" in text
    assert f"analysing {CYCLE}: 38 submissions" in text


def test_notebook_without_a_database_says_how_to_point_it_at_one(tmp_path, monkeypatch):
    nb, client = _run(tmp_path, monkeypatch)
    with pytest.raises(nbclient.exceptions.CellExecutionError) as err:
        client.execute()
    assert "set METER_VERIFY_DB=/path/to/meterverify.db" in str(err.value)
