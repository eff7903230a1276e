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
_ALTER = re.compile(r"\bALTER TABLE (\w+)\b", re.IGNORECASE)
_REFERENCES = re.compile(r"\bREFERENCES\s+(\w+)", re.IGNORECASE)
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
    """(table, its integer id column or None), each after the tables its foreign keys point at.

    The migrations are the schema's one description: a table's references are those of
    its CREATE TABLE and of every later ALTER TABLE that adds a column to it (as
    draws.commitment_id was added after draw_commitments existed). Ties keep the order
    the migrations create the tables in.
    """
    created: list[str] = []
    ids: dict[str, str | None] = {}
    refs: dict[str, set[str]] = {}
    for _, sql in MIGRATIONS:
        for statement in sql.split(";"):
            m = _CREATE.search(statement) or _ALTER.search(statement)
            if not m:
                continue
            table = m.group(1)
            if table not in ids:
                created.append(table)
                rowid = _ROWID.search(statement)
                ids[table] = rowid.group(1) if rowid else None
            refs.setdefault(table, set()).update(r for r in _REFERENCES.findall(statement) if r != table)
    ordered: list[str] = []
    while len(ordered) < len(created):
        ready = [t for t in created if t not in ordered and refs[t] <= set(ordered)]
        if not ready:
            raise DatabaseError(f"db copy: the migrations' foreign keys form a cycle among {created}")
        ordered.append(ready[0])
    return [(t, ids[t]) for t in ordered]


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
