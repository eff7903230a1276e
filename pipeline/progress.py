"""Progress of a long command, shown on stderr only when stderr is a terminal.

The batch reports progress through the small :class:`Progress` protocol
(``start(total)``, ``advance(n)``, ``close(interrupted)``), so the orchestrator
knows nothing of terminals. :func:`for_terminal` gives a tqdm bar (photos done of
total, photos per second, time left) when the stream is a terminal and ``None``
otherwise: a scheduled job's log never fills with carriage returns.
"""

from __future__ import annotations

import os
import sys
from typing import Protocol, TextIO


class Progress(Protocol):
    """What a long-running stage reports to."""

    def start(self, total: int) -> None:
        """The amount of work is known: ``total`` items."""

    def advance(self, n: int = 1) -> None:
        """``n`` more items are done."""

    def close(self, interrupted: bool = False) -> None:
        """The work ended; an interrupted bar is wiped so that one message line stays."""


class TerminalBar:
    """A tqdm bar on a terminal stream, created once the total is known."""

    def __init__(self, stream: TextIO, desc: str, unit: str) -> None:
        self._stream, self._desc, self._unit = stream, desc, unit
        self._bar = None

    def start(self, total: int) -> None:
        from tqdm import tqdm

        if self._bar is not None:
            self._bar.close()
        # follow the terminal's width; a terminal that reports no size (0 x 0) gets 80 x 24
        sized = _columns(self._stream) > 0
        self._bar = tqdm(total=total, desc=self._desc, unit=" " + self._unit, file=self._stream,
                         dynamic_ncols=sized, ncols=None if sized else 80, nrows=None if sized else 24,
                         smoothing=0.1, mininterval=0.2,
                         bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} " + self._unit
                                    + "s [{elapsed} elapsed, {remaining} left, {rate_fmt}]")

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self, interrupted: bool = False) -> None:
        if self._bar is None:
            return
        if interrupted:
            self._bar.leave = False  # the interrupt message replaces the bar
        self._bar.close()
        self._bar = None


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0


def for_terminal(stream: TextIO | None = None, desc: str = "verifying", unit: str = "photo") -> TerminalBar | None:
    """A progress bar on ``stream`` (default stderr) when it is a terminal, else None."""
    stream = sys.stderr if stream is None else stream
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        tty = False
    return TerminalBar(stream, desc, unit) if tty else None
