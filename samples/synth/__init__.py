"""Synthetic meter photos with ground truth: displays, whole photos and submission batches.

Entry points: :func:`render_display`, :func:`render_digit`, :func:`render_photo`,
:func:`make_batch` and the CLI ``python -m samples.synth``. Every function takes a
``numpy.random.Generator``; the same seed gives byte-identical output on one machine.
"""

from .batch import make_batch
from .degrade import encode_jpeg
from .display import random_display_spec, render_digit, render_display
from .photo import DEFECTS, PhotoSpec, render_photo
from .spec import DisplaySpec, RenderedDisplay

__all__ = [
    "DEFECTS", "DisplaySpec", "PhotoSpec", "RenderedDisplay", "encode_jpeg", "make_batch",
    "random_display_spec", "render_digit", "render_display", "render_photo",
]
