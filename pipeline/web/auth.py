"""Reviewer accounts, sign-in sessions, the CSRF token and the wrong-password brake.

Passwords are stored as argon2id hashes (argon2-cffi). A session is a random
token in an HttpOnly cookie; the database keeps only its SHA-256, so a copy of
the database does not let anyone in. A session ends after ``idle`` without a
request or ``lifetime`` after sign-in, whichever comes first. Each session has
its own CSRF token that every POST must carry. After a few wrong passwords for
a name (or from one address) each further try must wait, doubling up to five
minutes, and a try made too early is refused without checking the password.
"""

from __future__ import annotations

import getpass
import hashlib
import re
import secrets
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TextIO

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pipeline.exceptions import ExitCode, MeterVerifyError
from pipeline.store.backends import Connection

ROLES = ("reviewer", "supervisor")
MIN_PASSWORD = 8
NAME = re.compile(r"^[\w.-]{1,40}$")
FREE_TRIES_PER_NAME = 3  # wrong passwords for one name before tries slow down
FREE_TRIES_PER_REMOTE = 10  # wrong passwords from one address (any names) before tries slow down
MAX_WAIT_S = 300
WINDOW = timedelta(minutes=15)  # failures older than this are forgotten
KEEP_ATTEMPTS = timedelta(days=90)  # sign-in attempts are kept this long (who signed in when)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password: equalises the time of a sign-in with an unknown name")


def now() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="seconds")


def _usage(message: str) -> MeterVerifyError:
    return MeterVerifyError(message, exit_code=ExitCode.BAD_ARGS)


@dataclass(frozen=True)
class Account:
    reviewer_id: int
    name: str
    role: str
    active: bool

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


def _account(row: tuple) -> Account:
    return Account(int(row[0]), row[1], row[2], bool(row[3]))


def add_reviewer(conn: Connection, name: str, password: str, role: str = "reviewer") -> tuple[Account, bool]:
    """Create the account, or set a new password and role for an existing one. Returns (account, created)."""
    name = name.strip()
    if not NAME.match(name):
        raise _usage(f"reviewer name {name!r}: use 1-40 letters, digits, '.', '_' or '-' (it is recorded "
                     "with every decision)")
    if role not in ROLES:
        raise _usage(f"--role must be one of {', '.join(ROLES)}, not {role!r}")
    if len(password) < MIN_PASSWORD:
        raise _usage(f"the password must have at least {MIN_PASSWORD} characters")
    hashed, at = _hasher.hash(password), iso(now())
    row = conn.execute("SELECT reviewer_id FROM reviewers WHERE name = ?", (name,)).fetchone()
    if row is None:
        conn.execute("INSERT INTO reviewers (name, role, password_hash, active, created_at, updated_at)"
                     " VALUES (?, ?, ?, 1, ?, ?)", (name, role, hashed, at, at))
    else:
        conn.execute("UPDATE reviewers SET role = ?, password_hash = ?, active = 1, updated_at = ? WHERE name = ?",
                     (role, hashed, at, name))
        conn.execute("DELETE FROM web_sessions WHERE reviewer_id = ?", (row[0],))  # a new password signs out
    account = find_account(conn, name)
    assert account is not None
    return account, row is None


def find_account(conn: Connection, name: str) -> Account | None:
    row = conn.execute("SELECT reviewer_id, name, role, active FROM reviewers WHERE name = ?", (name,)).fetchone()
    return _account(row) if row else None


def list_reviewers(conn: Connection) -> list[Account]:
    return [_account(r) for r in conn.execute("SELECT reviewer_id, name, role, active FROM reviewers ORDER BY name")]


def check_password(conn: Connection, name: str, password: str) -> Account | None:
    """The active account when the password is right, else None (same work for an unknown name)."""
    row = conn.execute("SELECT reviewer_id, name, role, active, password_hash FROM reviewers WHERE name = ?",
                       (name,)).fetchone()
    try:
        _hasher.verify(row[4] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row[3]:
        return None
    return _account(row)


# --- the wrong-password brake ----------------------------------------------------

def _wait_after(failures: int, free: int) -> int:
    return 0 if failures < free else min(MAX_WAIT_S, 2 ** (failures - free))


def _failures(conn: Connection, column: str, value: str, since: str) -> tuple[int, str]:
    """(wrong passwords since the last success within the window, time of the latest one)."""
    n, last = 0, ""
    for ok, at in conn.execute(f"SELECT ok, attempted_at FROM login_attempts WHERE {column} = ? AND attempted_at"
                               " >= ? ORDER BY attempt_id DESC", (value, since)):
        if ok:
            break
        n += 1
        last = last or at
    return n, last


def wait_seconds(conn: Connection, name: str, remote: str, at: datetime | None = None) -> int:
    """Seconds before the next try for this name from this address is allowed (0: try now)."""
    at = at or now()
    since = iso(at - WINDOW)
    wait = 0
    for column, value, free in (("name", name, FREE_TRIES_PER_NAME), ("remote", remote, FREE_TRIES_PER_REMOTE)):
        n, last = _failures(conn, column, value, since)
        if n and last:
            until = datetime.fromisoformat(last) + timedelta(seconds=_wait_after(n, free))
            wait = max(wait, int((until - at).total_seconds() + 0.999))
    return max(0, wait)


def record_attempt(conn: Connection, name: str, remote: str, ok: bool) -> None:
    conn.execute("INSERT INTO login_attempts (name, remote, ok, attempted_at) VALUES (?, ?, ?, ?)",
                 (name[:100], remote[:100], int(ok), iso(now())))


# --- sessions ----------------------------------------------------------------------

@dataclass(frozen=True)
class WebSession:
    token_hash: str
    account: Account
    csrf_token: str
    expires_at: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(conn: Connection, account: Account, lifetime: timedelta) -> tuple[str, WebSession]:
    """A new session for the account: (the cookie's token, the session)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    at = now()
    conn.execute("DELETE FROM web_sessions WHERE expires_at < ?", (iso(at),))  # housekeeping
    conn.execute("DELETE FROM login_attempts WHERE attempted_at < ?", (iso(at - KEEP_ATTEMPTS),))
    conn.execute("INSERT INTO web_sessions (token_hash, reviewer_id, csrf_token, created_at, last_seen, expires_at)"
                 " VALUES (?, ?, ?, ?, ?, ?)",
                 (_token_hash(token), account.reviewer_id, csrf, iso(at), iso(at), iso(at + lifetime)))
    return token, WebSession(_token_hash(token), account, csrf, iso(at + lifetime))


def load_session(conn: Connection, token: str, idle: timedelta) -> WebSession | None:
    """The live session of this token (its idle clock restarted), or None when unknown or expired."""
    if not token or len(token) > 200:
        return None
    row = conn.execute(
        "SELECT w.token_hash, w.csrf_token, w.last_seen, w.expires_at, r.reviewer_id, r.name, r.role, r.active"
        " FROM web_sessions w JOIN reviewers r ON r.reviewer_id = w.reviewer_id WHERE w.token_hash = ?",
        (_token_hash(token),)).fetchone()
    if row is None:
        return None
    at = now()
    last_seen = datetime.fromisoformat(row[2])
    if not row[7] or iso(at) >= row[3] or at - last_seen > idle:
        conn.execute("DELETE FROM web_sessions WHERE token_hash = ?", (row[0],))
        return None
    if (at - last_seen).total_seconds() > 30:  # not a write on every request
        conn.execute("UPDATE web_sessions SET last_seen = ? WHERE token_hash = ?", (iso(at), row[0]))
    return WebSession(row[0], _account(row[4:8]), row[1], row[3])


def end_session(conn: Connection, token: str) -> None:
    conn.execute("DELETE FROM web_sessions WHERE token_hash = ?", (_token_hash(token),))


def same_token(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a submitted CSRF token with the expected one."""
    return bool(given) and bool(expected) and secrets.compare_digest(given.encode(), expected.encode())


# --- the password, from the terminal --------------------------------------------------

def read_password(stdin: TextIO | None = None, confirm: bool = True) -> str:
    """The new password: typed twice without echo at a terminal, or one line on stdin when it is not one."""
    stdin = stdin or sys.stdin
    if stdin.isatty():
        first = getpass.getpass("Password: ")
        if confirm and getpass.getpass("Password again: ") != first:
            raise _usage("the two passwords differ: nothing was changed")
        return first
    line = stdin.readline()
    return line.rstrip("\r\n")
