"""The two store kinds the store-facing tests run against, and fresh or copied databases of each."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pipeline.store import is_url

STORES = ["sqlite", "postgresql"]


def new_target(kind: str, folder: Path, request: pytest.FixtureRequest, name: str = "m.db", *,
               keep: bool = False) -> str | Path:
    """A fresh database of ``kind``: a file in ``folder``, or a new database on the test cluster.

    A PostgreSQL database is dropped when ``request``'s test or fixture ends (a SQLite file
    goes with its folder), unless ``keep`` (a database cached for the whole session).
    """
    if kind == "sqlite":
        return folder / name
    return _dropped_after(request.getfixturevalue("pg_cluster").new_database(), request, keep)


def _dropped_after(url: str, request: pytest.FixtureRequest, keep: bool = False) -> str:
    if not keep:
        cluster = request.getfixturevalue("pg_cluster")
        request.addfinalizer(lambda: cluster.drop_database(url))
    return url


def copy_target(src: str | Path, folder: Path, request: pytest.FixtureRequest, name: str = "copy.db") -> str | Path:
    """A copy of database ``src`` (SQLite's backup, or PostgreSQL's CREATE DATABASE ... TEMPLATE, dropped after)."""
    if is_url(str(src)):
        url = request.getfixturevalue("pg_cluster").new_database(template=str(src).rsplit("/", 1)[1])
        return _dropped_after(url, request)
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
