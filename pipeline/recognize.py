"""Digit recognizer: a small CNN (ONNX, run with cv2.dnn) over 11 classes.

Classes are the digits '0'-'9' and 'none' (blank cell, drum caught mid-roll,
cut-off or unreadable digit). The networks were trained by
``scripts/train_digits.py``; their artifacts live in ``models/`` and are listed
with their SHA-256 in ``models/manifest.json``. Every manifest entry named
``digits`` or ``digits_<suffix>`` is a member of an ensemble: the recognizer
averages the members' calibrated probabilities (two networks trained with
different seeds disagree on exactly the crops that are hard, so the average is
less often confidently wrong than either). The loader refuses a missing or
changed artifact with :class:`ModelError`, so a batch never runs on a model
nobody trained. Inference needs only OpenCV and numpy (no torch).
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from pipeline.exceptions import ModelError

CLASSES: tuple[str, ...] = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "none")
NONE_INDEX = 10
INPUT_H = 40  # network input height (px)
INPUT_W = 28  # network input width (px)
MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
MANIFEST = "manifest.json"
MODEL_NAME = "digits"  # key of the digit model in the manifest
#: also classify each cell's negative and average: the networks learnt both polarities
#: (dark-on-light LCDs, light-on-dark drums), and the two views err on different crops
BOTH_POLARITIES = True


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _resized(cell: np.ndarray) -> np.ndarray:
    """A grey cell at the network size, float32."""
    if cell.ndim == 3:
        cell = cv2.cvtColor(cell, cv2.COLOR_BGR2GRAY)
    h, w = cell.shape[:2]
    interp = cv2.INTER_AREA if (h > INPUT_H or w > INPUT_W) else cv2.INTER_LINEAR
    return cv2.resize(cell, (INPUT_W, INPUT_H), interpolation=interp).astype(np.float32)


def cell_range(cell: np.ndarray) -> float:
    """Contrast of a cell: 98th minus 2nd percentile of its grey levels at network size."""
    if cell.shape[0] < 2 or cell.shape[1] < 2:
        return 0.0
    lo, hi = np.percentile(_resized(cell), (2, 98))
    return float(hi - lo)


def preprocess_cells(cells: list[np.ndarray], floors: list[float] | None = None) -> np.ndarray:
    """Grayscale cells of any size -> float32 NCHW blob (N, 1, INPUT_H, INPUT_W).

    Each cell is resized to the network size and stretched between its 2nd and
    98th percentile, so brightness and exposure do not matter. The stretch is
    never wider than ``floors[i]`` grey levels: the caller passes about half the
    contrast of a lit digit on the same display, so a blank LCD cell with faint
    ghost segments stays faint instead of being blown up into an '8'. Polarity
    is left to the network (trained on both). Training uses this very function.
    """
    out = np.zeros((len(cells), 1, INPUT_H, INPUT_W), np.float32)
    for i, cell in enumerate(cells):
        if cell.shape[0] < 2 or cell.shape[1] < 2:
            continue
        g = _resized(cell)
        lo, hi = np.percentile(g, (2, 98))
        floor = max(16.0, floors[i] if floors is not None else 0.0)
        span = max(hi - lo, floor)
        mid = (hi + lo) / 2.0
        out[i, 0] = np.clip((g - mid) / span, -0.5, 0.5)
    return out


@dataclass(frozen=True)
class ModelInfo:
    """What the manifest says about one artifact."""

    path: Path
    sha256: str
    temperature: float


def load_manifest(model_dir: Path = MODEL_DIR) -> dict:
    """Parsed ``models/manifest.json``; ModelError when absent or unreadable."""
    path = Path(model_dir) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"model manifest missing: {path}; restore models/ from the repository") from exc
    except (OSError, ValueError) as exc:
        raise ModelError(f"model manifest {path} cannot be read: {exc}") from exc


def member_names(model_dir: Path = MODEL_DIR) -> list[str]:
    """Manifest names of the digit ensemble's members (``digits`` first)."""
    names = [n for n in load_manifest(model_dir).get("models", {}) if n == MODEL_NAME or n.startswith(MODEL_NAME + "_")]
    if MODEL_NAME not in names:
        raise ModelError(f"model {MODEL_NAME!r} is not listed in {Path(model_dir) / MANIFEST}")
    return sorted(names, key=lambda n: (n != MODEL_NAME, n))


def verify_artifacts(model_dir: Path = MODEL_DIR) -> list[ModelInfo]:
    """Check every ensemble member against its SHA-256 (a start-up check)."""
    return [verify_artifact(model_dir, n) for n in member_names(model_dir)]


def verify_artifact(model_dir: Path = MODEL_DIR, name: str = MODEL_NAME) -> ModelInfo:
    """Check the artifact ``name`` against its SHA-256 in the manifest."""
    model_dir = Path(model_dir)
    manifest = load_manifest(model_dir)
    entry = manifest.get("models", {}).get(name)
    if not entry:
        raise ModelError(f"model {name!r} is not listed in {model_dir / MANIFEST}")
    path = model_dir / entry["file"]
    if not path.is_file():
        raise ModelError(f"model file missing: {path}; restore models/ from the repository "
                         "or retrain with scripts/train_digits.py")
    digest = sha256_file(path)
    if digest != entry["sha256"]:
        raise ModelError(f"model file {path} does not match models/{MANIFEST} "
                         f"(sha256 {digest[:12]}... != {entry['sha256'][:12]}...): it was changed or corrupted; "
                         "restore it from the repository or retrain with scripts/train_digits.py")
    return ModelInfo(path=path, sha256=digest, temperature=float(entry.get("temperature", 1.0)))


class DigitRecognizer:
    """The loaded digit networks. Use :func:`get_recognizer` for the cached instance."""

    def __init__(self, model_dir: Path = MODEL_DIR) -> None:
        self.members = verify_artifacts(model_dir)
        self.info = self.members[0]
        self.nets = []
        for info in self.members:
            try:
                net = cv2.dnn.readNetFromONNX(str(info.path))
            except cv2.error as exc:
                raise ModelError(f"model file {info.path} cannot be loaded by OpenCV: {exc}") from exc
            # the CPU target is the default; setting it makes OpenCV 4.10+ warn on stderr
            net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
            self.nets.append(net)
        self._lock = threading.Lock()  # cv2.dnn.Net is not safe to share between threads

    def logits(self, blob: np.ndarray, member: int = 0) -> np.ndarray:
        """Raw outputs (N, 11) of one member network for a preprocessed blob."""
        if len(blob) == 0:
            return np.zeros((0, len(CLASSES)), np.float32)
        with self._lock:
            self.nets[member].setInput(blob)
            out = self.nets[member].forward()
        return np.asarray(out, np.float32).reshape(len(blob), len(CLASSES))

    def predict_proba(self, cells: list[np.ndarray], floors: list[float] | None = None) -> np.ndarray:
        """Calibrated class probabilities (N, 11) for grayscale cells, in one batch:
        the mean of the members' temperature-scaled softmax outputs (over both
        polarities, see :data:`BOTH_POLARITIES`).

        ``floors``: minimum contrast per cell (see :func:`preprocess_cells`).
        """
        blob = preprocess_cells(cells, floors)
        n = len(blob)
        if BOTH_POLARITIES:  # the cell and its negative in one batch (blobs are centred on 0)
            blob = np.concatenate([blob, -blob])
        total = np.zeros((len(blob), len(CLASSES)), np.float64)
        for k, info in enumerate(self.members):
            z = self.logits(blob, k) / info.temperature
            z = z - z.max(axis=1, keepdims=True)
            e = np.exp(z)
            total += e / e.sum(axis=1, keepdims=True)
        if BOTH_POLARITIES:
            total = total[:n] + total[n:]
        return (total / total.sum(axis=1, keepdims=True)).astype(np.float32)


@functools.lru_cache(maxsize=4)
def _cached(model_dir: str) -> DigitRecognizer:
    return DigitRecognizer(Path(model_dir))


def get_recognizer(model_dir: Path | str = MODEL_DIR) -> DigitRecognizer:
    """The process-wide recognizer for ``model_dir`` (loaded and verified once)."""
    return _cached(str(Path(model_dir).resolve()))


def classify_cells(cells: list[np.ndarray], floors: list[float] | None = None,
                   model_dir: Path | str = MODEL_DIR) -> np.ndarray:
    """Probabilities (N, 11) over :data:`CLASSES` for grayscale digit cells."""
    return get_recognizer(model_dir).predict_proba(cells, floors)


def label_of(probs: np.ndarray) -> tuple[str, float]:
    """(best label, its probability) of one probability row; label 'none' for no digit."""
    k = int(np.argmax(probs))
    return CLASSES[k], float(probs[k])
