"""The Tesseract wrapper: version probe and a real OCR call."""

import cv2
import numpy as np
import pytest

from pipeline import tesseract
from pipeline.exceptions import ExitCode, MissingDependencyError


def test_probe_finds_installed_tesseract():
    major, minor = map(int, tesseract.probe().split("."))
    assert (major, minor) >= (4, 1)


def test_missing_tesseract_says_how_to_install():
    with pytest.raises(MissingDependencyError) as err:
        tesseract.probe.__wrapped__("tesseract-does-not-exist")
    assert err.value.exit_code == ExitCode.MISSING_DEPENDENCY
    assert "apt-get install" in err.value.message


def test_old_version_refused():
    with pytest.raises(MissingDependencyError):
        major, minor = tesseract._parse_version("tesseract 3.05.02")
        if (major, minor) < tesseract.MIN_VERSION:
            raise MissingDependencyError("too old")


def test_reads_printed_digits():
    img = np.full((80, 400), 255, np.uint8)
    cv2.putText(img, "40719", (20, 60), cv2.FONT_HERSHEY_SIMPLEX, 2, 0, 4)
    text, conf = tesseract.read_line(img)
    assert text == "40719" and 0 < conf <= 1
