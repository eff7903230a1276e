"""scripts/train_reader.py can start a new stage from a shipped ONNX file (its checkpoint gone)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
torch = pytest.importorskip("torch", reason="PyTorch is the optional [train] extra")
pytest.importorskip("onnx", reason="onnx comes with the [train] extra")
sys.path.insert(0, str(ROOT / "scripts"))


def test_weights_recovered_from_the_shipped_recognizer_compute_what_it_does():
    import onnxruntime as ort
    from train_reader import freeze_bn, from_onnx

    path = ROOT / "models" / "reader_rec.onnx"
    model = from_onnx(path)
    x = np.random.default_rng(0).normal(size=(2, 3, 32, 96)).astype(np.float32)
    want = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"row": x})[0]
    model.eval()
    assert np.abs(model(torch.from_numpy(x)).detach().numpy() - want).max() < 1e-3
    model.train()
    freeze_bn(model)  # training mode with the folded BatchNorms frozen: only dropout differs
    model.drop.eval()
    assert np.abs(model(torch.from_numpy(x)).detach().numpy() - want).max() < 1e-3
    bn = next(m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert not bn.training
