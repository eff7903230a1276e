"""Named schema migrations, applied in order, each in its own transaction.

Modelled on sqlite-utils' ``migrations.py``: a migration is a name and SQL; the
``schema_migrations`` table records which have run. The SQL is written once, in
portable SQL, and drives both databases; :func:`for_dialect` makes the two
changes PostgreSQL needs (an ``INTEGER PRIMARY KEY`` is SQLite's auto-numbered
row id, an identity column there; ``REAL`` is double precision in SQLite).
PostgreSQL runs DDL inside a transaction too, so a migration that fails leaves
nothing half done on either. Never edit a released migration: add a new one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pipeline.store.backends import Connection

# two processes that open a new PostgreSQL database at once (verify and the review
# page) must not both run 0001: the first holds this lock while it migrates
_PG_MIGRATION_LOCK = 727_001

MIGRATIONS: list[tuple[str, str]] = [
    ("0001_initial", """
CREATE TABLE consumers (
    ivrs TEXT PRIMARY KEY,
    name TEXT,
    previous_reading TEXT,
    previous_reading_date TEXT,
    tariff_category TEXT,
    updated_at TEXT
);
CREATE TABLE batches (
    batch_id INTEGER PRIMARY KEY,
    submissions_csv TEXT NOT NULL,
    consumers_csv TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    n_rows INTEGER
);
CREATE TABLE submissions (
    submission_id TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    batch_id INTEGER REFERENCES batches(batch_id),
    row_number INTEGER,
    ivrs TEXT,
    typed_reading TEXT,
    photo TEXT,
    photo_path TEXT,
    submitted_at TEXT,
    user_type TEXT,
    mobile TEXT,
    email TEXT,
    PRIMARY KEY (submission_id, occurrence)
);
CREATE INDEX submissions_fingerprint ON submissions (fingerprint);
CREATE TABLE results (
    submission_id TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    status TEXT NOT NULL,
    clear INTEGER NOT NULL,
    ocr_reading TEXT,
    confidence REAL,
    reasons TEXT,
    crop TEXT,
    kind TEXT,
    register TEXT,
    digit_confidences TEXT,
    cycle TEXT,
    units REAL,
    phash TEXT,
    crop_phash TEXT,
    phash_b0 INTEGER,
    phash_b1 INTEGER,
    phash_b2 INTEGER,
    phash_b3 INTEGER,
    reused_of TEXT,
    detail TEXT,
    pipeline_version TEXT,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (submission_id, occurrence)
);
CREATE INDEX results_b0 ON results (phash_b0);
CREATE INDEX results_b1 ON results (phash_b1);
CREATE INDEX results_b2 ON results (phash_b2);
CREATE INDEX results_b3 ON results (phash_b3);
CREATE INDEX results_cycle_status ON results (cycle, status);
"""),
    ("0002_reviews_exports_draws", """
CREATE TABLE reviews (
    review_id INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    action TEXT NOT NULL,
    reading_before TEXT,
    reading_after TEXT,
    reason TEXT,
    reviewer TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    FOREIGN KEY (submission_id, occurrence) REFERENCES submissions (submission_id, occurrence)
);
CREATE INDEX reviews_submission ON reviews (submission_id, occurrence);
CREATE TABLE exports (
    export_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    cycle TEXT NOT NULL,
    path TEXT,
    sha256 TEXT NOT NULL,
    n_rows INTEGER NOT NULL,
    options TEXT,
    content TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX exports_cycle_kind ON exports (cycle, kind);
CREATE TABLE draws (
    draw_id INTEGER PRIMARY KEY,
    cycle TEXT NOT NULL,
    seed TEXT NOT NULL,
    n_winners INTEGER NOT NULL,
    export_id INTEGER REFERENCES exports (export_id),
    list_sha256 TEXT NOT NULL,
    winners TEXT NOT NULL,
    redraw_of INTEGER REFERENCES draws (draw_id),
    why TEXT,
    drawn_at TEXT NOT NULL
);
CREATE INDEX draws_cycle ON draws (cycle);
"""),
    ("0003_reviewer_workbench", """
CREATE TABLE reviewers (
    reviewer_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    reviewer_id INTEGER NOT NULL REFERENCES reviewers (reviewer_id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_reviewer ON web_sessions (reviewer_id);
CREATE TABLE login_attempts (
    attempt_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    remote TEXT NOT NULL,
    ok INTEGER NOT NULL,
    attempted_at TEXT NOT NULL
);
CREATE INDEX login_attempts_name ON login_attempts (name, attempted_at);
CREATE INDEX login_attempts_remote ON login_attempts (remote, attempted_at);
CREATE TABLE claims (
    submission_id TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    reviewer TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    assigned_by TEXT,
    PRIMARY KEY (submission_id, occurrence)
);
CREATE INDEX claims_reviewer ON claims (reviewer, expires_at);
CREATE TABLE review_events (
    event_id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    submission_id TEXT,
    occurrence INTEGER,
    detail TEXT
);
CREATE INDEX review_events_submission ON review_events (submission_id, occurrence);
CREATE TABLE review_queue (
    submission_id TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    cycle TEXT NOT NULL,
    submitted_utc TEXT NOT NULL,
    ivrs TEXT NOT NULL,
    reasons TEXT NOT NULL,
    PRIMARY KEY (submission_id, occurrence)
);
CREATE INDEX review_queue_order ON review_queue (cycle, submitted_utc, submission_id, occurrence);
CREATE INDEX review_queue_ivrs ON review_queue (ivrs, cycle, submitted_utc, submission_id, occurrence);
CREATE TABLE review_queue_reasons (
    reason TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    cycle TEXT NOT NULL,
    submitted_utc TEXT NOT NULL,
    PRIMARY KEY (reason, submission_id, occurrence)
);
CREATE INDEX review_queue_reasons_order ON review_queue_reasons (cycle, reason, submitted_utc, submission_id, occurrence);
CREATE INDEX review_queue_reasons_item ON review_queue_reasons (submission_id, occurrence);
CREATE TABLE review_sync (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE INDEX results_decided_at ON results (decided_at);
CREATE INDEX submissions_ivrs ON submissions (ivrs);
CREATE INDEX reviews_reviewer ON reviews (reviewer, reviewed_at);
CREATE INDEX reviews_reviewed_at ON reviews (reviewed_at)
"""),
    ("0004_readings_as_entered_and_draw_commitments", """
ALTER TABLE submissions ADD COLUMN typed_reading_entered TEXT;
ALTER TABLE reviews ADD COLUMN reading_entered TEXT;
ALTER TABLE reviews ADD COLUMN units_checked INTEGER;
CREATE TABLE draw_commitments (
    commitment_id INTEGER PRIMARY KEY,
    cycle TEXT NOT NULL,
    export_id INTEGER NOT NULL REFERENCES exports (export_id),
    list_sha256 TEXT NOT NULL,
    seed_sha256 TEXT NOT NULL,
    seed TEXT NOT NULL,
    public_value_source TEXT,
    content TEXT NOT NULL,
    committed_at TEXT NOT NULL
);
CREATE INDEX draw_commitments_cycle ON draw_commitments (cycle);
ALTER TABLE draws ADD COLUMN commitment_id INTEGER REFERENCES draw_commitments (commitment_id);
ALTER TABLE draws ADD COLUMN public_value TEXT
"""),
    # where verify read the batch's photos (--photos: a folder or a URL), for the review page
    ("0005_batch_photos_root", """
ALTER TABLE batches ADD COLUMN photos_root TEXT
"""),
]


_ROWID = re.compile(r"\b(\w+) INTEGER PRIMARY KEY\b")
_REAL = re.compile(r"\bREAL\b")


def for_dialect(sql: str, dialect: str) -> str:
    """A migration's SQL as the database ``dialect`` needs it."""
    if dialect != "postgresql":
        return sql
    sql = _ROWID.sub(r"\1 INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", sql)
    return _REAL.sub("DOUBLE PRECISION", sql)


def applied(conn: Connection) -> set[str]:
    """Names of the migrations already applied."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    return {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}


def migrate(conn: Connection) -> list[str]:
    """Apply pending migrations in order; each one commits or rolls back whole."""
    done = applied(conn)
    ran = []
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        conn.execute("BEGIN")
        try:
            if conn.dialect == "postgresql":
                conn.execute(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
                if conn.execute("SELECT 1 FROM schema_migrations WHERE name = ?", (name,)).fetchone():
                    conn.execute("COMMIT")  # another process ran it while this one waited for the lock
                    continue
            for statement in filter(None, (s.strip() for s in for_dialect(sql, conn.dialect).split(";"))):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                         (name, datetime.now(UTC).isoformat(timespec="seconds")))
        except Exception:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        ran.append(name)
    return ran
