"""The one module that talks to Tesseract.

``probe()`` checks the installed version once at start-up (>= 4.1) and raises
:class:`MissingDependencyError` with the install command when it is absent, so a
batch never fails photo by photo for a missing program.
"""

from __future__ import annotations

import functools
import os

import numpy as np

from pipeline.programs import parse_version, probe_version

# Tesseract's OpenMP threads fight the worker processes for the cores (measured: a batch
# ran 20 % slower); one thread per call, the parallelism is ours
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

MIN_VERSION = (4, 1)
INSTALL_HINT = "install it with: apt-get install -y tesseract-ocr  (Debian/Ubuntu, as root)"
VERSION_PATTERN = r"tesseract\s+v?(\d+)\.(\d+)"
DIGIT_CONFIG = "--psm 7 --oem 1 -c tessedit_char_whitelist=0123456789."


def _parse_version(text: str) -> tuple[int, int]:
    return parse_version(text, VERSION_PATTERN, "Tesseract OCR", INSTALL_HINT)


@functools.lru_cache(maxsize=1)
def probe(cmd: str = "tesseract") -> str:
    """Return the Tesseract version string or raise MissingDependencyError."""
    return probe_version(cmd, "Tesseract OCR", VERSION_PATTERN, MIN_VERSION, INSTALL_HINT)


def read_line(gray: np.ndarray, config: str = DIGIT_CONFIG, timeout: float = 10.0) -> tuple[str, float]:
    """OCR one text line; return (text, mean word confidence 0..1).

    The image should be dark text on a light background with some margin.
    """
    import pytesseract  # imported here so the CLI starts fast when OCR is not needed

    try:
        data = pytesseract.image_to_data(
            gray, config=config, output_type=pytesseract.Output.DICT, timeout=timeout
        )
    except RuntimeError:  # pytesseract raises RuntimeError on timeout
        return "", 0.0
    words, confs = [], []
    for text, conf in zip(data["text"], data["conf"], strict=False):
        text = (text or "").strip()
        if text:
            words.append(text)
            confs.append(max(0.0, float(conf)) / 100.0)
    if not words:
        return "", 0.0
    return "".join(words), float(np.mean(confs))
