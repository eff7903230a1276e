"""The two databases behind one connection type: SQLite (embedded default) and PostgreSQL.

Every module writes the same portable SQL with ``?`` placeholders and explicit
``BEGIN``/``COMMIT``; :class:`Connection` runs it on either database. It is a thin
layer on purpose: the SQL stays readable text a reviewer of a query can copy into
``sqlite3`` or ``psql``, and the differences between the two dialects that the
project meets live here, in one place:

- placeholders: ``?`` (sqlite3) or ``%s`` (psycopg), translated outside quotes;
- the id of an inserted row: ``lastrowid`` or ``RETURNING`` (:meth:`Connection.insert`);
- "the database is busy, try again": SQLite's lock errors, PostgreSQL's
  serialization failures and deadlocks (:meth:`Connection.is_retryable`);
- where the database is, for reports (:attr:`Connection.location`).

A target is a path (SQLite) or a ``postgresql://`` URL (psycopg 3, imported only
when one is used).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pipeline.dbpath import is_url, redact
from pipeline.exceptions import DatabaseError, ExitCode, MeterVerifyError

__all__ = ["Connection", "connect", "data_folder", "is_url", "redact"]


_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|%")


def to_pyformat(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s``; a literal ``%`` (as in ``LIKE '%x'``) doubled."""
    def repl(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        return token.replace("%", "%%")  # inside a quoted literal: only the percent signs change
    return _TOKENS.sub(repl, sql)


class Connection:
    """One database connection in autocommit mode; transactions are explicit ``BEGIN``/``COMMIT``."""

    dialect: str = ""
    location: str = ""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:  # a DB-API cursor
        raise NotImplementedError

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    def insert(self, sql: str, params: Sequence[Any], id_column: str) -> int:
        """Run an ``INSERT`` of one row and return the id the database gave it."""
        raise NotImplementedError

    def is_retryable(self, exc: BaseException) -> bool:
        """True when ``exc`` means "another writer was in the way": the whole transaction may be retried."""
        raise NotImplementedError

    def in_transaction(self) -> bool:
        """True between a ``BEGIN`` and its ``COMMIT``/``ROLLBACK`` (or after a failed statement in one)."""
        raise NotImplementedError

    def usable(self) -> bool:
        """False once the server dropped the connection (a restart, ``pg_terminate_backend``): open a new one."""
        raise NotImplementedError

    def lock(self, key: int) -> None:
        """Inside a transaction: wait until no other transaction holds lock ``key``; held until it ends.

        SQLite needs nothing: its transactions take the one write lock at BEGIN. PostgreSQL
        takes a transaction-scoped advisory lock, so that, for example, two jobs registering
        one batch at once cannot give the same row two keys.
        """

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SQLiteConnection(Connection):
    """SQLite through the standard library: WAL, foreign keys on, waits up to 30 s for a lock."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.location = str(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.raw = sqlite3.connect(str(path), isolation_level=None, timeout=30)
        self.raw.execute("PRAGMA journal_mode=WAL")
        self.raw.execute("PRAGMA synchronous=NORMAL")
        self.raw.execute("PRAGMA foreign_keys=ON")
        self.raw.execute("PRAGMA busy_timeout=30000")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        if sql == "BEGIN":
            # Take the write lock at BEGIN. A deferred transaction that reads and then writes
            # fails at once with "database is locked" when another process wrote in between
            # (its snapshot is stale), whatever the busy timeout; an immediate one waits its turn.
            sql = "BEGIN IMMEDIATE"
        return self.raw.execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.raw.executemany(sql, rows)

    def insert(self, sql: str, params: Sequence[Any], id_column: str) -> int:
        return int(self.raw.execute(sql, tuple(params)).lastrowid)

    def is_retryable(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.OperationalError) and any(w in str(exc) for w in ("locked", "busy"))

    def close(self) -> None:
        self.raw.close()

    def lock(self, key: int) -> None:
        pass

    def in_transaction(self) -> bool:
        return bool(self.raw.in_transaction)

    def usable(self) -> bool:
        try:
            self.raw.total_changes  # noqa: B018 - raises ProgrammingError on a closed connection
        except sqlite3.ProgrammingError:
            return False
        return True


class PostgresConnection(Connection):
    """PostgreSQL through psycopg 3, autocommit, one server session per connection."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError as exc:
            raise MeterVerifyError("a postgresql:// database needs psycopg: pip install 'psycopg[binary]'",
                                   exit_code=ExitCode.MISSING_DEPENDENCY) from exc
        self._psycopg = psycopg
        self.location = redact(url)
        dsn = "postgresql://" + url.split("://", 1)[1]  # SQLAlchemy-style postgresql+psycopg:// too
        self.raw = psycopg.connect(dsn, autocommit=True, connect_timeout=15)
        # psycopg prepares a statement run often; the server then settles on a generic plan made
        # while the tables were small (a sequential scan), and the photo-reuse look-up slowed with
        # every row written (1,585 -> 720 results/s from 2,000 to 8,000 rows). Plan each run.
        self.raw.execute("SET plan_cache_mode = force_custom_plan")
        self._sql: dict[str, str] = {}

    def _translate(self, sql: str) -> str:
        out = self._sql.get(sql)
        if out is None:
            out = self._sql[sql] = to_pyformat(sql)
        return out

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.raw.execute(self._translate(sql), tuple(params))  # type: ignore[arg-type]

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.raw.cursor() as cur:
            cur.executemany(self._translate(sql), [tuple(r) for r in rows])  # type: ignore[arg-type]

    def insert(self, sql: str, params: Sequence[Any], id_column: str) -> int:
        row = self.raw.execute(self._translate(f"{sql} RETURNING {id_column}"),  # type: ignore[arg-type]
                               tuple(params)).fetchone()
        assert row is not None
        return int(row[0])

    def is_retryable(self, exc: BaseException) -> bool:
        errors = self._psycopg.errors
        return isinstance(exc, (errors.SerializationFailure, errors.DeadlockDetected, errors.LockNotAvailable))

    def lock(self, key: int) -> None:
        self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (key,))

    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE

    def usable(self) -> bool:
        return not (self.raw.closed or self.raw.broken)

    def close(self) -> None:
        self.raw.close()


def data_folder(target: str | Path) -> Path:
    """The folder beside the database where crops go by default: the SQLite file's, else the working folder."""
    return Path.cwd() if is_url(str(target)) else Path(target).resolve().parent


def connect(target: str | Path) -> Connection:
    """A connection to the database ``target`` names: a SQLite file, or a PostgreSQL server by URL."""
    if is_url(str(target)):
        url = str(target)
        try:
            return PostgresConnection(url)
        except MeterVerifyError:
            raise
        except Exception as exc:  # noqa: BLE001 - psycopg's OperationalError and friends
            raise DatabaseError(f"cannot use database {redact(url)}: {str(exc).strip()}") from exc
    try:
        return SQLiteConnection(Path(target))
    except (sqlite3.DatabaseError, OSError) as exc:
        raise DatabaseError(f"cannot use database {target}: {exc}") from exc
