"""Fixtures shared by the store-facing tests: each runs against SQLite and against PostgreSQL.

``db_target`` is a fresh database of the kind the test's ``store`` parameter names: a
path to a SQLite file, or the URL of a new database on the session's throwaway
PostgreSQL cluster (tests/pgcluster.py). PostgreSQL tests are never skipped: if the
server cannot start, they fail with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from stores import STORES, new_target


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[object]:
    """The session's PostgreSQL server (started on first use, stopped at the end)."""
    from pgcluster import Cluster

    cluster = Cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module", params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_target(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str | Path:
    """A fresh, empty database for one test, once per store kind."""
    return new_target(store_kind, tmp_path, request)
