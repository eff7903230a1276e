"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, on loopback, a free port.

PostgreSQL refuses to run as root, so under root (CI) the cluster belongs to the
``postgres`` user that Debian's package creates. It trusts local connections
(loopback only, its own socket folder) and is stopped and deleted at the end of
the session. ``scripts/setup.sh`` installs the server; when it cannot start, the
tests that need it fail (they are never skipped), and the error says why.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                      key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if not versions:
        raise RuntimeError(f"PostgreSQL's {name} is not installed: run `bash scripts/setup.sh` "
                           "(it installs Debian's postgresql package)")
    return versions[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """One running server; :attr:`url` is a superuser's URL to its ``postgres`` database."""

    def __init__(self, durable: bool = False) -> None:
        """``durable``: fsync and synchronous commit on, as a production server runs (benchmarks)."""
        self.root = Path(tempfile.mkdtemp(prefix="mv-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = "meterverify"
        self._as: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError("running as root, and there is no `postgres` user to run the test "
                                   "server as: install Debian's postgresql package") from exc
            shutil.chown(self.root, "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        self._run([_bin("initdb"), "-D", str(self.data), "-U", self.user, "-A", "trust", "-E", "UTF8",
                   "--no-locale", "--no-sync"])
        # throwaway: no durability, and no autovacuum worker holding a template database being copied
        fast = "" if durable else ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                                   "-c autovacuum=off ")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} {fast}-c max_connections=200"
        self._run([_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                   "-w", "-t", "60", "start"])
        self.url = f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    def _run(self, cmd: list[str]) -> None:
        done = subprocess.run(self._as + cmd, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.root / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd[:2])} failed ({done.returncode}): {done.stderr.strip()} {tail}")

    def new_database(self, template: str | None = None) -> str:
        """A fresh, empty database (or a copy of ``template``); returns its URL.

        PostgreSQL refuses to copy a database while another session is connected to it
        (a connection still closing): the copy is tried again for a few seconds.
        """
        import psycopg

        name = "t_" + uuid.uuid4().hex[:16]
        sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        for attempt in range(50):
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    conn.execute(sql)
                break
            except psycopg.errors.ObjectInUse:
                if attempt == 49:
                    raise
                time.sleep(0.1)
        return self.url.rsplit("/", 1)[0] + "/" + name

    def drop_database(self, url: str) -> None:
        """Drop the database of ``url``, closing whatever still holds it open."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            self._run([_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
