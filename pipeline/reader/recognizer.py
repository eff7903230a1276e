"""The sequence recognizer's session: digit-row crops in, per-step log-probabilities out.

The model (models/reader_rec.onnx, trained by scripts/train_reader.py) is a small
CNN with dilated temporal convolutions and a CTC head over the blank, the ten
digits and the decimal point. It is checked against its SHA-256 in
models/manifest.json before it is loaded, and run with onnxruntime on one thread
(the batch runs one photo per core).
"""

from __future__ import annotations

import math

import numpy as np

from pipeline.reader import onnx
from pipeline.reader.ctc import log_softmax
from pipeline.reader.rows import STRIDE, normalise, to_row

REC_MODEL = "reader_rec"


def verify() -> None:
    """Start-up check: the recognizer file is present and unchanged (ModelError otherwise)."""
    onnx.verify(REC_MODEL)


def read_rows(crops: list[np.ndarray]) -> list[np.ndarray]:
    """Log-probabilities (steps x classes) for each BGR row crop (any size; resized here)."""
    if not crops:
        return []
    rows = [to_row(c) for c in crops]
    width = int(math.ceil(max(r.shape[1] for r in rows) / STRIDE) * STRIDE)
    x = np.zeros((len(rows), 3, rows[0].shape[0], width), np.float32)
    steps = []
    for k, r in enumerate(rows):
        n = normalise(r)
        x[k, :, :, :n.shape[2]] = n
        x[k, :, :, n.shape[2]:] = n[:, :, -1:]
        steps.append(int(math.ceil(n.shape[2] / STRIDE)))
    logits = onnx.session(REC_MODEL).run(None, {"row": x})[0]
    return [log_softmax(logits[k, :steps[k]]) for k in range(len(rows))]
