"""The database, in one place: its schema, migrations, the two backends and the operations on it.

- :mod:`pipeline.store.backends`: a connection to SQLite (a path, the embedded
  default) or PostgreSQL (a ``postgresql://`` URL), running the same portable SQL;
- :mod:`pipeline.store.migrations`: the named schema migrations both are built by;
- :mod:`pipeline.store.store`: :class:`Store`, what ``verify`` asks of the database.

The cycle consumers (billing, notices, draw, reviews, report, the review page) take
the :class:`Connection` a Store opened, never a driver's own connection.
"""

from pipeline.store.backends import Connection, connect, is_url, redact
from pipeline.store.store import Store, fingerprint

__all__ = ["Connection", "Store", "connect", "fingerprint", "is_url", "redact"]
