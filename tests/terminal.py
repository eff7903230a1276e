"""Run a command at a real pseudo-terminal, as an operator would, and read what it showed.

CI's stderr is a pipe, so a bug that only shows at a terminal (a progress bar, Ctrl-C)
passes unseen there. Here the child gets a pty with a size as its stdin, stdout and
stderr and its controlling terminal; Ctrl-C is sent as the byte 0x03, so the terminal
driver delivers SIGINT to the whole foreground process group (workers included),
exactly as a keyboard would.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass
class TerminalRun:
    returncode: int
    raw: bytes  # every byte the terminal received

    @property
    def text(self) -> str:
        return ANSI.sub(b"", self.raw).decode("utf-8", "replace")

    def lines(self) -> list[str]:
        """What is left on screen, line by line: each carriage return overwrites the line."""
        out = []
        for line in self.text.replace("\r\n", "\n").split("\n"):
            out.append(line.split("\r")[-1] if "\r" in line.rstrip("\r") else line.rstrip("\r"))
        return [line for line in out if line.strip()]


def run(argv: list[str], cwd: Path, *, timeout: float = 180.0, columns: int = 100,
        interrupt_when: Callable[[bytes], bool] | None = None, env: dict[str, str] | None = None) -> TerminalRun:
    """Run ``argv`` at a pty of ``columns`` x 30; press Ctrl-C once ``interrupt_when(output)`` holds."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: its own session, the pty its controlling terminal
        try:
            os.chdir(cwd)
            os.execve(argv[0], argv, {**os.environ, **(env or {}), "TERM": "xterm"})
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
    raw = b""
    interrupted = False
    deadline = time.monotonic() + timeout
    status = None
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                if not chunk:
                    break
                raw += chunk
            if interrupt_when is not None and not interrupted and interrupt_when(raw):
                os.write(fd, b"\x03")  # Ctrl-C at the keyboard
                interrupted = True
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
                while select.select([fd], [], [], 0.2)[0]:  # what is still buffered
                    try:
                        chunk = os.read(fd, 65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    raw += chunk
                break
        else:
            os.kill(pid, 9)
            raise TimeoutError(f"{argv[:3]} still running after {timeout} s; output: {raw[-2000:]!r}")
    finally:
        os.close(fd)
    if status is None:
        _, status = os.waitpid(pid, 0)
    return TerminalRun(os.waitstatus_to_exitcode(status), raw)
