"""The reviewer workbench: a web page to work the flagged queue (``meter-verify review``).

Server-rendered Flask pages over the same database ``meter-verify verify`` fills;
every decision goes through ``pipeline.reviews.decide``. See docs/review.md.
"""

from __future__ import annotations

from pipeline.web.app import create_app, serve

__all__ = ["create_app", "serve"]
