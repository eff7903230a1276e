"""render2: a second, independent renderer of meter photos (see README.md in this folder)."""

from .batch import make_batch
from .photo import TRUTH_FIELDS, render_array, render_photo

__all__ = ["TRUTH_FIELDS", "make_batch", "render_array", "render_photo"]
