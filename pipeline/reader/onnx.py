"""One place that opens the learned reader's ONNX models: hash-checked, on one thread, cached per process.

Every model file is checked against its SHA-256 in models/manifest.json before it
is loaded (pipeline.recognize.verify_artifact: ModelError, exit 7, otherwise). A
session runs on one thread: the batch already runs one photo per core.
"""

from __future__ import annotations

import functools

from pipeline.recognize import MODEL_DIR, verify_artifact


def verify(name: str) -> None:
    """Start-up check: the model file ``name`` is present and unchanged (ModelError otherwise)."""
    verify_artifact(MODEL_DIR, name)


@functools.lru_cache(maxsize=8)
def session(name: str):  # noqa: ANN201 - onnxruntime.InferenceSession (imported lazily)
    """The onnxruntime session of manifest model ``name`` (one per process)."""
    import onnxruntime as ort

    info = verify_artifact(MODEL_DIR, name)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(info.path), opts, providers=["CPUExecutionProvider"])
