"""The long commands as an operator meets them: at a real terminal, interrupted with Ctrl-C, piped into head.

CI's stderr is a pipe, not a terminal, so these run the installed ``meter-verify``
under a pseudo-terminal (tests/terminal.py) where the progress bar and the
interrupt behave as they do for a person.
"""

from __future__ import annotations

import csv
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from terminal import run

ROOT = Path(__file__).resolve().parent.parent
BATCH = ROOT / "samples" / "batch"
CLI = str(Path(sys.executable).with_name("meter-verify"))
pytestmark = pytest.mark.skipif(not Path(CLI).exists(), reason="meter-verify console script not installed")
TRACEBACK = re.compile(r"Traceback|KeyboardInterrupt|BrokenPipe|Error:")


def verify_argv(out: Path, workers: int = 2) -> list[str]:
    return [CLI, "verify", str(BATCH / "submissions.csv"), "--consumers", str(BATCH / "consumers.csv"),
            "--db", str(out / "m.db"), "--results", str(out / "results.csv"), "--workers", str(workers)]


def rows_in(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as c:
        return (c.execute("SELECT COUNT(*) FROM results").fetchone()[0],
                c.execute("SELECT COUNT(*) FROM (SELECT DISTINCT submission_id, occurrence FROM results)").fetchone()[0])


def n_rows() -> int:
    with (BATCH / "submissions.csv").open(encoding="utf-8", errors="replace", newline="") as f:
        return sum(1 for row in csv.reader(f) if any(c.strip() for c in row)) - 1


def test_verify_at_a_terminal_shows_a_progress_bar(tmp_path):
    total = n_rows()
    got = run(verify_argv(tmp_path), tmp_path)
    assert got.returncode == 0, got.text
    assert not TRACEBACK.search(got.text), got.text
    # the bar redraws in place: photos done of total, the rate and the time left
    assert re.search(rf"verifying: +\d+%\|.*\| \d+/{total} photos \[[0-9:]+ elapsed, [0-9:?]+ left, ", got.text)
    assert f"{total}/{total} photos" in got.text and "photo/s]" in got.text
    assert any(line.startswith(f"rows: {total}  verified now: {total}") for line in got.lines())
    assert (tmp_path / "results.csv").is_file()


def test_ctrl_c_saves_says_so_in_one_line_and_resumes(tmp_path):
    total = n_rows()
    # press Ctrl-C once the bar shows a few photos done
    got = run(verify_argv(tmp_path), tmp_path,
              interrupt_when=lambda raw: re.search(rb"\| ([3-9]|[12][0-9])/\d+ photos", raw) is not None)
    assert got.returncode == 130, got.text
    assert not TRACEBACK.search(got.text), got.text  # no worker prints a traceback
    screen = [line for line in got.lines() if line.strip() not in ("^C", "")]
    assert len(screen) == 1, screen  # the bar is wiped: one line stays
    saved = re.fullmatch(r"meter-verify: interrupted: (\d+) of (\d+) rows are verified and saved in (\S+) "
                         r"\((\d+) in this run\); run the same command again to verify the other (\d+)", screen[0])
    assert saved, screen[0]
    done, rows, db = int(saved[1]), int(saved[2]), saved[3]
    assert rows == total and 0 < done < total and int(saved[5]) == total - done
    assert Path(tmp_path / db).resolve() == (tmp_path / "m.db").resolve()
    assert rows_in(tmp_path / "m.db") == (done, done)  # exactly what the line says was saved
    again = run(verify_argv(tmp_path), tmp_path)
    assert again.returncode == 0
    assert any(line.startswith(f"rows: {total}  verified now: {total - done}  already verified: {done}")
               for line in again.lines()), again.lines()
    assert rows_in(tmp_path / "m.db") == (total, total)  # nothing duplicated


def test_ctrl_c_on_read_is_one_line(tmp_path):
    photos = sorted(str(p) for p in (BATCH / "photos").glob("*.jpg"))
    got = run([CLI, "read", *photos, *photos], tmp_path,
              interrupt_when=lambda raw: raw.count(b"reading=") >= 2)
    assert got.returncode == 130, got.text
    assert not TRACEBACK.search(got.text), got.text
    assert sum("interrupted" in line for line in got.lines()) == 1


def test_other_long_commands_at_a_terminal(tmp_path):
    assert run(verify_argv(tmp_path), tmp_path).returncode == 0
    db = str(tmp_path / "m.db")
    for argv in (["read", str(BATCH / "photos" / "S000001.jpg"), str(BATCH / "photos" / "S000002.JPG")],
                 ["report", "--cycle", "2026-11", "-o", "report.html", "--db", db],
                 ["export", "notices", "--cycle", "2026-11", "-o", "notices.csv", "--db", db]):
        got = run([CLI, *argv], tmp_path)
        assert got.returncode == 0 and not TRACEBACK.search(got.text), (argv, got.text)


@pytest.mark.parametrize("form", ["--json", "--tesseract"])
def test_read_piped_into_head_is_no_error(tmp_path, form):
    photos = " ".join(str(p) for p in sorted((BATCH / "photos").glob("*.jpg")) * 2)  # more than a pipe buffer
    proc = subprocess.run(["bash", "-c", f"set -o pipefail; '{CLI}' read {form} {photos} | head -1"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and len(proc.stdout.splitlines()) == 1 and "reading" in proc.stdout
