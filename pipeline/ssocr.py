"""The one module that talks to ssocr, the classic seven-segment OCR program.

meter-verify does not read meters with ssocr: it is the baseline that the
evaluation (``scripts/eval_read.py``) measures our recognizer against, on the
same rectified crops. ``probe()`` checks the installed version once (>= 2.0) and
raises :class:`MissingDependencyError` with the install command when it is absent.
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
from pathlib import Path

import cv2
import numpy as np

from pipeline.exceptions import MissingDependencyError
from pipeline.programs import parse_version, probe_version

MIN_VERSION = (2, 0)
INSTALL_HINT = "install it with: apt-get install -y ssocr  (Debian/Ubuntu, as root)"
VERSION_PATTERN = r"version\s+(\d+)\.(\d+)"


def _parse_version(text: str) -> tuple[int, int]:
    return parse_version(text, VERSION_PATTERN, "ssocr", INSTALL_HINT)


@functools.lru_cache(maxsize=1)
def probe(cmd: str = "ssocr") -> str:
    """Return the ssocr version ('2.22') or raise MissingDependencyError."""
    return probe_version(cmd, "ssocr", VERSION_PATTERN, MIN_VERSION, INSTALL_HINT)


def available() -> bool:
    """True when a usable ssocr is installed (evaluation skips the baseline otherwise)."""
    try:
        probe()
    except MissingDependencyError:
        return False
    return True


def read_digits(gray: np.ndarray, n_digits: int = -1, timeout: float = 10.0) -> str:
    """ssocr's reading of dark seven-segment digits on a light ground ('' when it reads nothing).

    ``n_digits`` -1 lets ssocr find the digits itself; iterative thresholding
    (``-T``) is its most robust setting for uneven light.
    """
    probe()
    with tempfile.TemporaryDirectory(prefix="mv-ssocr-") as tmp:
        path = Path(tmp) / "in.png"
        cv2.imwrite(str(path), gray)
        try:
            out = subprocess.run(["ssocr", "-T", "-d", str(n_digits), str(path)],
                                 capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.SubprocessError):
            return ""
    return out.stdout.strip() if out.returncode in (0, 1) else ""
