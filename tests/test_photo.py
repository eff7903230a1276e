"""PHOTO orchestration: a runner-up display is read when the best-looking row is not a number."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeline import photo
from pipeline.context import PhotoContext
from pipeline.locate import locate_all
from samples.synth import PhotoSpec, render_photo


@pytest.fixture(scope="module")
def meter():
    """A clear LCD meter photo with a large printed word beside the meter (as a brand name
    can be), its bytes, its truth, and the located displays of the word and of the digits."""
    img, truth = render_photo(PhotoSpec(kind="lcd", defect=None), np.random.default_rng(4))
    h, w = img.shape[:2]
    tq = np.asarray(truth["display_quad"], np.float32)
    y = 140 if tq[:, 1].min() > h / 2 else h - 60  # the half of the photo without the display
    cv2.rectangle(img, (20, y - 130), (w - 20, y + 30), (235, 235, 235), -1)
    cv2.putText(img, "AVANT", (60, y), cv2.FONT_HERSHEY_DUPLEX, 4.0, (20, 20, 20), 12)
    ok, buf = cv2.imencode(".png", img)
    found = locate_all(img, PhotoContext(), limit=5)
    real = [d for d in found if cv2.pointPolygonTest(tq, tuple(map(float, d.quad.mean(axis=0))), False) >= 0]
    word = [d for d in found if abs(float(d.quad[:, 1].mean()) - (y - 45)) < 80]
    assert real and word, "both rows should be among the located candidates"
    return buf.tobytes(), truth, real[0], word[0]


@pytest.mark.parametrize("word_first", [True, False])
def test_runner_up_display_is_read_when_first_row_is_a_word(monkeypatch, meter, word_first: bool) -> None:
    data, truth, real, word = meter
    order = [word, real] if word_first else [real, word]
    monkeypatch.setattr(photo.locate, "locate_all", lambda *a, **k: order)
    res = photo.process_photo(data, PhotoContext(use_tesseract=False), "t")
    assert res.reading == truth["reading"]
    assert res.confidence >= 0.9
    assert res.metrics.get("display_rank") == (1.0 if word_first else None)


def test_word_alone_reads_as_nothing_confident(monkeypatch, meter) -> None:
    data, _, _, word = meter
    monkeypatch.setattr(photo.locate, "locate_all", lambda *a, **k: [word])
    res = photo.process_photo(data, PhotoContext(use_tesseract=False), "t")
    assert res.confidence < 0.9


def test_a_short_runner_up_does_not_replace_a_surely_read_register(monkeypatch):
    """A first row of six surely read digits, doubted only for the ink around them, keeps
    its place against a runner-up that reads three digits confidently (a painted number)."""
    import numpy as np

    from pipeline import photo, quality
    from pipeline.context import PhotoContext
    from pipeline.display import Display, Reading

    painted = Display("lcd", np.zeros((96, 200, 3), np.uint8), (10, 16, 150, 64), np.zeros((4, 2), np.float32),
                      40.0, 0.5)
    monkeypatch.setattr(quality, "check_display", lambda img, d, th: ([], {}))
    monkeypatch.setattr(photo.read, "read_display",
                        lambda d, ctx, typed=None: Reading("748", 0.9999, [1.0, 1.0, 1.0]))
    img = np.zeros((100, 100, 3), np.uint8)
    args = (img, [painted], painted, False, PhotoContext(), None)
    assert photo._runner_up(*args, rank0=1, min_digits=6)[0] is None
    assert photo._runner_up(*args, rank0=1)[0][1].text == "748"


def _rows(monkeypatch, readings: dict):  # rows whose reading is given by their width
    import numpy as np

    from pipeline import photo, quality
    from pipeline.display import Display

    monkeypatch.setattr(quality, "check_display", lambda img, d, th: ([], {}))
    monkeypatch.setattr(photo.read, "read_display", lambda d, ctx, typed=None: readings[d.crop.shape[1]])
    monkeypatch.setattr(photo.locate, "locate_all", lambda img, ctx, cut_joined=False, **kw: [])
    return [Display("lcd", np.zeros((96, w, 3), np.uint8), (10, 16, w - 50, 64), np.zeros((4, 2), np.float32),
                    40.0, 0.5) for w in readings]


def test_a_confident_row_that_is_not_what_was_typed_yields_to_a_row_that_is(monkeypatch):
    """A painted number looked more like a display than the LCD: the typed reading is the
    hypothesis, the row that reads it is shown, and a person confirms (never valid alone)."""
    import numpy as np

    from pipeline import photo
    from pipeline.context import PhotoContext
    from pipeline.display import Reading
    from pipeline.rules import Reason

    rows = _rows(monkeypatch, {200: Reading("76140", 1.0, [1.0] * 5), 210: Reading("11152.1", 0.99, [0.99] * 6)})
    img = np.zeros((100, 100, 3), np.uint8)
    first = Reading("76140", 1.0, [1.0] * 5)
    found, doubt = photo._other_rows(img, rows, first, [], PhotoContext(), "11152")
    assert found[1].text == "11152.1" and doubt == Reason.OTHER_NUMBER_ON_METER
    # nothing else matches: the first row stays, a plain mismatch for the decision
    assert photo._other_rows(img, rows, first, [], PhotoContext(), "55555") == (None, None)
    # a typing slip (one digit off) is explained by the first row: no search
    assert photo._other_rows(img, rows, first, [], PhotoContext(), "76149") == (None, None)


def test_a_confident_row_of_two_digits_is_no_reading(monkeypatch):
    """'CUM' read as '00' at 0.94: fewer digits than any reading can have, so the runner-ups
    are read and the display's '541' replaces it."""
    import numpy as np

    from pipeline import photo
    from pipeline.context import PhotoContext
    from pipeline.display import Reading

    rows = _rows(monkeypatch, {200: Reading("00", 0.94, [0.97, 0.97]), 210: Reading("541", 0.99, [0.99] * 3)})
    img = np.zeros((100, 100, 3), np.uint8)
    found, doubt = photo._other_rows(img, rows, Reading("00", 0.94, [0.97, 0.97]), [], PhotoContext(), "541")
    assert found[1].text == "541" and doubt is None
