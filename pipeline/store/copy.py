"""Copy a whole meter-verify database into an empty one: SQLite to PostgreSQL when a team outgrows a file.

``meter-verify db copy SRC DST`` is the way from the embedded default to the team's
server (or back, or to a backup). Both ends are brought to the current schema by the
same named migrations, then every table is copied in the order the migrations
created it (so a row's foreign keys already exist when it arrives), in one
transaction on the destination: a copy that fails leaves the destination as empty
as it was. Row ids are kept as they are (reviews, exports, draws and audit entries
point at each other by id), and PostgreSQL's identity counters are moved past the
copied ids so that new rows do not collide with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.exceptions import DatabaseError, InputFileError
from pipeline.store.backends import Connection, is_url
from pipeline.store.migrations import MIGRATIONS
from pipeline.store.store import Store

_CREATE = re.compile(r"\bCREATE TABLE (?:IF NOT EXISTS )?(\w+)\s*\(", re.IGNORECASE)
_ROWID = re.compile(r"\b(\w+) INTEGER PRIMARY KEY\b")
_BATCH_ROWS = 1000


@dataclass(frozen=True)
class CopySummary:
    """What was copied: rows per table, in copy order."""

    source: str
    destination: str
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def tables_in_order() -> list[tuple[str, str | None]]:
    """(table, its integer id column or None) in the order the migrations create the tables."""
    out: list[tuple[str, str | None]] = []
    for _, sql in MIGRATIONS:
        for statement in sql.split(";"):
            m = _CREATE.search(statement)
            if m and m.group(1) not in {t for t, _ in out}:
                rowid = _ROWID.search(statement)
                out.append((m.group(1), rowid.group(1) if rowid else None))
    return out


def _columns(conn: Connection, table: str) -> list[str]:
    cur = conn.execute(f"SELECT * FROM {table} WHERE 1 = 0")  # noqa: S608 - table names from the migrations
    return [d[0] for d in cur.description]


def _is_empty(conn: Connection, tables: list[str]) -> list[str]:
    return [t for t in tables if conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()]  # noqa: S608


def copy_store(source: str | Path, destination: str | Path) -> CopySummary:
    """Copy every row of ``source`` into ``destination``, which must hold no rows yet."""
    if str(source) == str(destination):
        raise DatabaseError("db copy: the source and the destination are the same database")
    if not is_url(str(source)) and not Path(source).is_file():
        raise InputFileError(f"db copy: database not found: {source}")
    tables = tables_in_order()
    with Store(source) as src, Store(destination) as dst:
        filled = _is_empty(dst.conn, [t for t, _ in tables])
        if filled:
            raise DatabaseError(f"db copy: {dst.conn.location} is not empty (rows in {', '.join(filled)}); "
                                "copy into a new, empty database")
        rows: dict[str, int] = {}
        dst.conn.execute("BEGIN")
        try:
            for table, id_column in tables:
                cols = _columns(src.conn, table)
                missing = set(cols) - set(_columns(dst.conn, table))
                if missing:
                    raise DatabaseError(f"db copy: {table} has columns the destination lacks: {sorted(missing)}")
                names = ", ".join(cols)
                insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(cols))})"  # noqa: S608
                order = f" ORDER BY {id_column}" if id_column else ""
                cur = src.conn.execute(f"SELECT {names} FROM {table}{order}")  # noqa: S608
                n = 0
                while batch := cur.fetchmany(_BATCH_ROWS):
                    dst.conn.executemany(insert, batch)
                    n += len(batch)
                rows[table] = n
                if id_column and dst.conn.dialect == "postgresql" and n:
                    dst.conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{id_column}'),"
                                     f" (SELECT MAX({id_column}) FROM {table}))")  # noqa: S608
        except Exception as exc:
            dst.conn.execute("ROLLBACK")
            if isinstance(exc, DatabaseError):
                raise
            raise DatabaseError(f"db copy failed, {dst.conn.location} left empty: {exc}") from exc
        dst.conn.execute("COMMIT")
        return CopySummary(src.conn.location, dst.conn.location, rows)
