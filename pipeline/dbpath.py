"""Where the database is: one rule for every command, the notebook and scripts.

``--db`` wins; without it a command uses ``$METER_VERIFY_DB``, else meterverify.db
in the working folder. A notebook, which runs from notebooks/, looks upwards for
the nearest one (:func:`locate_db`). Kept free of heavy imports: the command line
reads it before it knows which command runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pipeline.exceptions import InputFileError

DB_ENV = "METER_VERIFY_DB"  # names the database for every command (and the notebook) when --db is not given
DB_NAME = "meterverify.db"


POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


def is_url(target: str | Path) -> bool:
    """True when ``target`` names a database server (``postgresql://...``), not a file."""
    return isinstance(target, str) and "://" in target and target.split("://", 1)[0].lower() in POSTGRES_SCHEMES


def redact(url: str) -> str:
    """The URL with any password hidden: it is printed in messages and help texts."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def db_target(text: str) -> str | Path:
    """``--db`` as given: a ``postgresql://`` URL stays a string, anything else is a SQLite file's path."""
    return text if is_url(text) else Path(text)


def default_db() -> str | Path:
    """The database a command uses without ``--db``: ``$METER_VERIFY_DB``, else meterverify.db here."""
    return db_target(os.environ.get(DB_ENV) or DB_NAME)


def locate_db(start: str | Path | None = None) -> str | Path:
    """The database a notebook or script reads: ``$METER_VERIFY_DB``, else the nearest meterverify.db.

    Looks in ``start`` (default: the working folder) and each folder above it, for
    meterverify.db and for out/meterverify.db (where the README's first command puts
    it), so a notebook opened from notebooks/ finds the sample run's database.
    """
    named = os.environ.get(DB_ENV)
    if named:
        if isinstance(db_target(named), str):
            return named  # a server: the notebook connects to it by URL
        if not Path(named).is_file():
            raise InputFileError(f"{DB_ENV}={named}: no such database")
        return Path(named)
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for candidate in (folder / DB_NAME, folder / "out" / DB_NAME):
            if candidate.is_file():
                return candidate
    raise InputFileError(f"no meter-verify database in {here} or above it: run `meter-verify verify` first, or "
                         f"set {DB_ENV}=/path/to/meterverify.db")
