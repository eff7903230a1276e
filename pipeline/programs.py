"""Finding and version-checking the external programs meter-verify runs.

Each program has its own wrapper module (:mod:`pipeline.tesseract`,
:mod:`pipeline.ssocr`); this is what they share: locate the executable, ask it
for its version, and turn every way that can fail into one
:class:`MissingDependencyError` that says how to install the program.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from pipeline.exceptions import MissingDependencyError


def parse_version(text: str, pattern: str, name: str, install_hint: str) -> tuple[int, int]:
    """(major, minor) from a ``--version`` text; ``pattern`` captures the two numbers."""
    m = re.search(pattern, text, re.IGNORECASE)
    if not m:
        raise MissingDependencyError(f"cannot tell the {name} version from {text[:80]!r}; {install_hint}")
    return int(m.group(1)), int(m.group(2))


def probe_version(cmd: str, name: str, pattern: str, min_version: tuple[int, int],
                  install_hint: str) -> str:
    """'major.minor' of the program ``cmd``, or MissingDependencyError (absent, broken, too old)."""
    path = shutil.which(cmd)
    if path is None:
        raise MissingDependencyError(f"{name} is not installed; {install_hint}")
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise MissingDependencyError(f"{name} at {path} does not run ({exc}); {install_hint}") from exc
    version = parse_version((out.stdout or "") + (out.stderr or ""), pattern, name, install_hint)
    if version < min_version:
        raise MissingDependencyError(
            f"{name} {version[0]}.{version[1]} is too old (need >= {min_version[0]}.{min_version[1]}); "
            + install_hint
        )
    return f"{version[0]}.{version[1]}"
