"""The ssocr wrapper (the seven-segment baseline of scripts/eval_read.py): probe and a real call."""

import numpy as np
import pytest

from pipeline import ssocr
from pipeline.exceptions import ExitCode, MissingDependencyError
from samples.synth import DisplaySpec, render_display


def test_probe_finds_installed_ssocr():
    major, minor = map(int, ssocr.probe().split("."))
    assert (major, minor) >= ssocr.MIN_VERSION


def test_missing_ssocr_says_how_to_install():
    with pytest.raises(MissingDependencyError) as err:
        ssocr.probe.__wrapped__("ssocr-does-not-exist")
    assert err.value.exit_code == ExitCode.MISSING_DEPENDENCY
    assert "apt-get install" in err.value.message


def test_version_parsing():
    assert ssocr._parse_version("Seven Segment Optical Character Recognition Version 2.22.1") == (2, 22)
    with pytest.raises(MissingDependencyError):
        ssocr._parse_version("no version here")


def test_reads_a_clean_seven_segment_row():
    import cv2

    rd = render_display(DisplaySpec(kind="lcd", value="012345", blank_leading=False), np.random.default_rng(5))
    x, y, w, h = (int(v) for v in rd.digits_box)
    g = cv2.cvtColor(rd.image, cv2.COLOR_BGR2GRAY) if rd.image.ndim == 3 else rd.image
    m = h // 5
    assert ssocr.read_digits(g[max(0, y - m):y + h + m, max(0, x - m):x + w + m]) == "012345"
