"""The digit recognizer: classifies rendered digits; refuses a changed or missing model."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from pipeline.exceptions import ExitCode, ModelError
from pipeline.recognize import (
    CLASSES,
    MODEL_DIR,
    DigitRecognizer,
    classify_cells,
    load_manifest,
    preprocess_cells,
    sha256_file,
    verify_artifact,
)
from samples.synth import render_digit


def test_manifest_lists_the_model_with_its_hash():
    entry = load_manifest()["models"]["digits"]
    path = MODEL_DIR / entry["file"]
    assert path.stat().st_size < 3_000_000
    assert sha256_file(path) == entry["sha256"]
    assert entry["classes"] == list(CLASSES)


def test_preprocess_shape_and_range():
    blob = preprocess_cells([np.full((48, 32), 128, np.uint8), np.zeros((10, 5, 3), np.uint8)])
    assert blob.shape == (2, 1, 40, 28) and blob.dtype == np.float32
    assert blob.min() >= -0.5 and blob.max() <= 0.5


@pytest.mark.parametrize("kind", ["lcd", "drum"])
def test_classifies_rendered_digits(kind):
    rng = np.random.default_rng(5000 if kind == "lcd" else 6000)  # not a training seed
    labels = [str(d) for d in range(10)] * 4
    cells = [render_digit(kind, lab, rng) for lab in labels]
    probs = classify_cells(cells)
    assert probs.shape == (len(cells), 11)
    assert np.allclose(probs.sum(1), 1.0, atol=1e-4)
    pred = [CLASSES[k] for k in probs.argmax(1)]
    acc = np.mean([p == t for p, t in zip(pred, labels, strict=True)])
    assert acc >= 0.9, list(zip(pred, labels, strict=True))


def test_blank_cell_is_none():
    rng = np.random.default_rng(7)
    flat = np.clip(rng.normal(150, 3, (48, 32)), 0, 255).astype(np.uint8)
    assert CLASSES[int(classify_cells([flat])[0].argmax())] == "none"


def test_empty_batch():
    assert classify_cells([]).shape == (0, 11)


def _copy_models(tmp_path):
    dst = tmp_path / "models"
    shutil.copytree(MODEL_DIR, dst)
    return dst


def test_tampered_model_is_refused(tmp_path):
    dst = _copy_models(tmp_path)
    verify_artifact(dst)  # the untouched copy passes
    f = dst / load_manifest(dst)["models"]["digits"]["file"]
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match") as err:
        DigitRecognizer(dst)
    assert err.value.exit_code == ExitCode.MODEL


def test_missing_model_and_manifest_are_refused(tmp_path):
    dst = _copy_models(tmp_path)
    (dst / load_manifest(dst)["models"]["digits"]["file"]).unlink()
    with pytest.raises(ModelError, match="missing"):
        DigitRecognizer(dst)
    (dst / "manifest.json").unlink()
    with pytest.raises(ModelError, match="manifest missing"):
        DigitRecognizer(dst)


def test_every_ensemble_member_is_checked_and_averaged(tmp_path):
    """A second member ('digits_<x>') is verified like the first; probabilities are the members' mean."""
    import json

    dst = _copy_models(tmp_path)
    manifest = load_manifest(dst)
    entry = dict(manifest["models"]["digits"])
    twin = dst / "digits_twin.onnx"
    shutil.copyfile(dst / entry["file"], twin)  # the same network twice: the mean is that network
    only = {"models": {"digits": entry}}
    single = tmp_path / "single"
    shutil.copytree(dst, single)
    (single / "manifest.json").write_text(json.dumps(only))
    manifest["models"] = {"digits": entry, "digits_twin": {**entry, "file": twin.name}}
    (dst / "manifest.json").write_text(json.dumps(manifest))
    cells = [np.full((40, 28), 200, np.uint8), np.random.default_rng(0).integers(0, 255, (40, 28)).astype(np.uint8)]
    both = DigitRecognizer(dst)
    assert [m.path.name for m in both.members][1] == twin.name
    alone = DigitRecognizer(single)
    assert len(alone.members) == 1 and len(both.members) == 2
    np.testing.assert_allclose(both.predict_proba(cells), alone.predict_proba(cells), atol=1e-6)
    data = bytearray(twin.read_bytes())
    data[len(data) // 2] ^= 0xFF
    twin.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match"):
        DigitRecognizer(dst)
