"""Exit codes are a documented, stable interface: docs/exit-codes.md lists every one."""

from pathlib import Path

from pipeline.exceptions import ExitCode


def test_every_exit_code_is_documented_with_its_number_and_name():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip() for line in doc.splitlines()
            if line.startswith("|") and line.split("|")[1].strip().isdigit()}
    assert rows == {str(int(code)): code.name for code in ExitCode}
