"""Where the database is: one rule for every command, the notebook and scripts.

``--db`` wins; without it a command uses ``$METER_VERIFY_DB``, else meterverify.db
in the working folder. A notebook, which runs from notebooks/, looks upwards for
the nearest one (:func:`locate_db`). Kept free of heavy imports: the command line
reads it before it knows which command runs.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.exceptions import InputFileError

DB_ENV = "METER_VERIFY_DB"  # names the database for every command (and the notebook) when --db is not given
DB_NAME = "meterverify.db"


def default_db() -> Path:
    """The database a command uses without ``--db``: ``$METER_VERIFY_DB``, else meterverify.db here."""
    return Path(os.environ.get(DB_ENV) or DB_NAME)


def locate_db(start: str | Path | None = None) -> Path:
    """The database a notebook or script reads: ``$METER_VERIFY_DB``, else the nearest meterverify.db.

    Looks in ``start`` (default: the working folder) and each folder above it, for
    meterverify.db and for out/meterverify.db (where the README's first command puts
    it), so a notebook opened from notebooks/ finds the sample run's database.
    """
    named = os.environ.get(DB_ENV)
    if named:
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
