"""Tests of samples/render2, the second, independent photo renderer (fast: a handful of photos)."""

from __future__ import annotations

import ast
import csv
import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from samples.render2 import TRUTH_FIELDS, render_photo
from samples.render2.batch import TRUTH_HEADER, make_batch, mistype
from samples.render2.photo import UNCLEAR

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "samples" / "render2"
READING = re.compile(r"^\d*(\.\d+)?$")
IST = timezone(timedelta(hours=5, minutes=30))

#: (seed, options): both kinds, both orientations, every kind of unclear photo
CASES = [
    (11, {"kind": "lcd", "defect": "none", "orientation": "landscape"}),
    (12, {"kind": "drum", "defect": "none", "orientation": "portrait"}),
    (13, {"kind": "lcd", "defect": "not_kwh"}),
    (14, {"kind": "drum", "defect": "glare_on_digits"}),
    (15, {"kind": "lcd", "defect": "cut_off"}),
    (16, {"kind": "drum", "defect": "too_small"}),
    (17, {"kind": "lcd", "defect": "blur"}),
    (18, {"kind": "lcd", "defect": "display_off"}),
    (19, {}),
]


@pytest.fixture(scope="module")
def photos() -> list[tuple[dict, bytes, dict]]:
    return [(opts, *render_photo(seed, **opts)) for seed, opts in CASES]


def _quad(truth: dict) -> np.ndarray:
    vals = [float(v) for v in truth["display_quad"].split()]
    assert len(vals) == 8
    return np.array(vals).reshape(4, 2)


def test_photos_decode_as_jpegs_of_the_asked_size(photos) -> None:
    for opts, data, truth in photos:
        assert data[:3] == b"\xff\xd8\xff"
        im = Image.open(io.BytesIO(data))
        assert im.format == "JPEG"
        im.load()
        assert im.size == (truth["width"], truth["height"])
        assert sorted(im.size) == [1200, 1600]
        if opts.get("orientation") == "landscape":
            assert im.size == (1600, 1200)
        if opts.get("orientation") == "portrait":
            assert im.size == (1200, 1600)


def test_other_photo_size() -> None:
    data, truth = render_photo(21, size="800x600", orientation="landscape")
    assert Image.open(io.BytesIO(data)).size == (800, 600)
    assert (truth["width"], truth["height"]) == (800, 600)


def test_truth_rows_are_complete_and_consistent(photos) -> None:
    for opts, _data, truth in photos:
        assert set(TRUTH_FIELDS) <= set(truth)
        assert truth["kind"] in ("lcd", "drum")
        assert truth["glare"] in ("none", "beside", "on_digits")
        assert isinstance(truth["clear"], bool) and isinstance(truth["midroll"], bool)
        assert READING.match(truth["reading"]), truth["reading"]
        assert truth["reading"].count(".") <= 1
        assert truth["layout"]
        q = _quad(truth)
        assert np.isfinite(q).all()
        if truth["clear"]:
            assert truth["reading"] and truth["why_unclear"] == ""
            assert truth["register"] == "kWh"
            assert truth["glare"] != "on_digits"
            w, h = truth["width"], truth["height"]
            assert (q[:, 0] >= 0).all() and (q[:, 0] <= w).all() and (q[:, 1] >= 0).all() and (q[:, 1] <= h).all()
        else:
            assert truth["why_unclear"] in UNCLEAR
        if truth["kind"] == "drum":
            assert truth["register"] == "kWh" and truth["layout"].startswith("drum")
        forced = opts.get("defect")
        if forced == "none":
            assert truth["clear"]
        elif forced:
            assert not truth["clear"] and truth["why_unclear"] == forced


def test_unclear_photos_say_why(photos) -> None:
    by_why = {t["why_unclear"]: t for _o, _d, t in photos if not t["clear"]}
    assert by_why["glare_on_digits"]["glare"] == "on_digits"
    assert by_why["not_kwh"]["register"] != "kWh"
    assert by_why["display_off"]["reading"] == ""
    assert by_why["too_small"]["digit_height_px"] < 12
    cut = _quad(by_why["cut_off"])
    w = by_why["cut_off"]["width"]
    assert cut[:, 0].min() < 0 or cut[:, 0].max() > w


def test_same_seed_same_bytes_other_seed_other_bytes(photos) -> None:
    seed, opts = CASES[0]
    again, truth = render_photo(seed, **opts)
    assert again == photos[0][1]
    assert truth == photos[0][2]
    other, _ = render_photo(seed + 1000, **opts)
    assert other != again
    assert len({d for _o, d, _t in photos}) == len(photos)


def test_package_imports_nothing_from_synth_or_pipeline() -> None:
    modules = sorted(PKG.glob("*.py"))
    assert len(modules) >= 8
    allowed_top = {"__future__", "argparse", "csv", "collections", "concurrent", "dataclasses", "datetime",
                   "functools", "glob", "io", "math", "os", "pathlib", "sys", "time", "typing", "cv2", "numpy",
                   "PIL"}
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{path.name}: import from outside samples.render2"
                if node.level == 1:
                    continue
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not name.startswith(("samples", "pipeline")), f"{path.name} imports {name}"
                assert name.split(".")[0] in allowed_top, f"{path.name} imports {name}"


def test_no_training_generator_fonts() -> None:
    banned = ("dejavu", "liberation", "nimbus", "urw", "dseg", "hershey", "puttext", "load_default")
    for path in PKG.glob("*.py"):
        text = path.read_text(encoding="utf-8").lower()
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        doc_free = re.sub(r'"""(.|\n)*?"""', "", code)
        for word in banned:
            assert word not in doc_free, f"{path.name} mentions {word}"


def test_mistype_changes_the_reading() -> None:
    rng = np.random.default_rng(0)
    seen = set()
    for typed in ("3525", "1", "1000", "98765", "22", "40"):
        for _ in range(20):
            wrong, kind = mistype(typed, rng)
            seen.add(kind)
            assert wrong != typed and wrong.isdigit()
            if kind == "dropped":
                assert len(wrong) == len(typed) - 1
            else:
                assert len(wrong) == len(typed)
    assert seen == {"digit_changed", "swapped", "dropped"}


def _doc_header(section: str) -> list[str]:
    """The indented header line that follows ``## <section>`` in docs/formats.md."""
    lines = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("## ") and section in ln)
    line = next(ln for ln in lines[start + 1:] if ln.startswith("    ") and "," in ln)
    return line.strip().split(",")


def test_batch_csvs(tmp_path: Path) -> None:
    out = make_batch(tmp_path / "b", n=4, seed=3, size="640x480", wrong_typed=0.5)
    with open(out / "submissions.csv", encoding="utf-8") as f:
        subs = list(csv.DictReader(f))
    with open(out / "consumers.csv", encoding="utf-8") as f:
        cons = {r["ivrs"]: r for r in csv.DictReader(f)}
    with open(out / "truth.csv", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    assert set(_doc_header("Submissions CSV")) <= set(subs[0])
    assert set(_doc_header("Consumers CSV")) <= set(next(iter(cons.values())))
    assert list(truth[0]) == TRUTH_HEADER
    assert len(subs) == len(truth) == len(cons) == 4
    for s, t in zip(subs, truth, strict=True):
        assert s["submission_id"] == t["submission_id"] and s["photo"] == t["file"]
        assert (out / s["photo"]).is_file()
        assert Image.open(out / s["photo"]).size in ((640, 480), (480, 640))
        when = datetime.fromisoformat(s["submitted_at"])
        assert s["submitted_at"].endswith("+05:30")
        assert datetime(2026, 11, 1, tzinfo=IST) <= when < datetime(2026, 11, 6, tzinfo=IST)
        assert s["typed_reading"].isdigit() and s["user_type"] in ("registered", "guest")
        honest = str(int(float(t["kwh"])))
        assert (s["typed_reading"] == honest) == (t["typed_honest"] == "true")
        c = cons[s["ivrs"]]
        assert c["tariff_category"] in ("domestic", "non-domestic", "industrial", "agriculture")
        assert 0 <= int(c["previous_reading"]) <= int(honest)
        datetime.strptime(c["previous_reading_date"], "%Y-%m-%d")
        assert t["clear"] in ("true", "false") and READING.match(t["reading"])


def test_batch_is_deterministic(tmp_path: Path) -> None:
    a = make_batch(tmp_path / "a", n=2, seed=9, size="640x480")
    b = make_batch(tmp_path / "b", n=2, seed=9, size="640x480")
    for name in ("submissions.csv", "consumers.csv", "truth.csv", "photos/R000001.jpg", "photos/R000002.jpg"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    honest = make_batch(tmp_path / "c", n=2, seed=9, size="640x480", wrong_typed=0.0)
    with open(honest / "truth.csv", encoding="utf-8") as f:
        assert all(r["typed_honest"] == "true" for r in csv.DictReader(f))
