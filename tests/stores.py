"""The two store kinds the store-facing tests run against, and fresh or copied databases of each."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pipeline.store import is_url

STORES = ["sqlite", "postgresql"]


def new_target(kind: str, folder: Path, request: pytest.FixtureRequest, name: str = "m.db") -> str | Path:
    """A fresh database of ``kind``: a file in ``folder``, or a new database on the test cluster."""
    if kind == "sqlite":
        return folder / name
    return request.getfixturevalue("pg_cluster").new_database()


def copy_target(src: str | Path, folder: Path, request: pytest.FixtureRequest, name: str = "copy.db") -> str | Path:
    """A copy of database ``src`` (SQLite's backup, or PostgreSQL's CREATE DATABASE ... TEMPLATE)."""
    if is_url(str(src)):
        return request.getfixturevalue("pg_cluster").new_database(template=str(src).rsplit("/", 1)[1])
    dst = folder / name
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()
    return dst


def drop_target(target: str | Path, request: pytest.FixtureRequest) -> None:
    """Remove database ``target`` (the SQLite file, or the PostgreSQL database)."""
    if is_url(str(target)):
        request.getfixturevalue("pg_cluster").drop_database(str(target))
    else:
        Path(target).unlink()
