"""The Flask app of the reviewer workbench: settings, database connections, sign-in gate, CSRF, headers.

One :func:`create_app` builds the app for a database; the views live in
``pipeline.web.views``. Every request runs through the same gate: the session
cookie is looked up (``pipeline.web.auth``), pages other than sign-in need a
live session, and every POST must carry the session's CSRF token (the sign-in
form carries a pre-session token, double-submitted in its own cookie). Pages
are never cached and are sent with a strict Content-Security-Policy: scripts,
styles and images only from the app itself (no CDN, no inline script).
"""

from __future__ import annotations

import contextlib
import random
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from flask import Flask, Response, abort, g, redirect, render_template, request, url_for
from markupsafe import Markup

from pipeline import __version__
from pipeline.ingest import IST
from pipeline.store import Store
from pipeline.store.backends import Connection, connect, data_folder, is_url
from pipeline.web import auth, queue
from pipeline.web.labels import LANGS, LabelBook
from pipeline.web.media import MediaRoots

SESSION_COOKIE, PRE_COOKIE, LANG_COOKIE = "mv_session", "mv_pre", "mv_lang"
PUBLIC_ENDPOINTS = {"login", "login_post", "static", "set_lang"}
T = TypeVar("T")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
CSP = ("default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self';"
       " form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


@dataclass
class Settings:
    """What an operator can tune (``meter-verify review --help``)."""

    db_path: str | Path  # a SQLite file or a postgresql:// URL
    crop_dirs: list[Path] = field(default_factory=list)
    labels_path: Path | None = None
    claim_minutes: float = 15.0  # opening an item claims it this long (renewed on every open)
    assign_minutes: float = 240.0  # a supervisor's assignment lasts this long
    idle_minutes: float = 60.0  # a session without a request ends after this
    session_hours: float = 12.0  # a session ends this long after sign-in, whatever happens
    secure_cookies: bool = False  # set when the app is served over HTTPS


class _Connections(threading.local):
    """One connection per serving thread; every one opened is also listed, to be closed with the app."""

    conn: Connection | None = None

    def __init__(self) -> None:
        super().__init__()
        self.conn = None


@dataclass
class _Opened:
    conns: list[Connection] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def settings() -> Settings:
    from flask import current_app
    return current_app.config["MV_SETTINGS"]


def _end_request(_exc: BaseException | None) -> None:
    """No request leaves its connection inside a transaction (PostgreSQL would hold its row locks)."""
    from flask import current_app
    local: _Connections = current_app.extensions["mv_conns"]
    conn = local.conn
    if conn is None or not conn.usable() or not conn.in_transaction():
        return
    try:
        conn.execute("ROLLBACK")
    except Exception:  # noqa: BLE001 - the connection is unusable: the next request opens a new one
        local.conn = None
        conn.close()


def db() -> Connection:
    """This thread's connection (autocommit: ``pipeline.reviews.decide`` runs its own transaction).

    A connection the server dropped is replaced: the request that met the drop fails,
    the next one works again (a serving thread keeps its connection for its lifetime).
    """
    from flask import current_app
    local: _Connections = current_app.extensions["mv_conns"]
    if local.conn is not None and not local.conn.usable():
        local.conn = None
    if local.conn is None:
        local.conn = connect(settings().db_path)
        opened: _Opened = current_app.extensions["mv_opened"]
        with opened.lock:
            opened.conns.append(local.conn)
    return local.conn


def close_connections(app: Flask) -> None:
    """Close every connection the app's threads opened (when the app is done: tests, shutdown)."""
    opened: _Opened = app.extensions["mv_opened"]
    with opened.lock:
        conns, opened.conns = opened.conns, []
    for conn in conns:
        try:
            conn.close()
        except Exception:  # noqa: BLE001, S110 - closing what may already be broken
            pass
    app.extensions["mv_conns"] = _Connections()
    app.extensions["mv_opened"] = _Opened()


_WRITE_LOCK = threading.Lock()


def serialized(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Run a read-then-write transaction, retried while another writer is in the way.

    SQLite has one write lock for the whole file: the threads of this process take
    their turn here (waiting on a lock, not polling the file's busy timeout), and a
    transaction another process got in the way of is retried. PostgreSQL locks rows,
    not the database: its transactions run side by side, from any number of threads
    and servers, and only a deadlock or serialization failure is retried.
    ``pipeline.reviews.decide`` and ``queue.sync`` roll back whole on such an error, so
    running them again after a short pause is safe.
    """
    conn = db()
    with _WRITE_LOCK if conn.dialect == "sqlite" else contextlib.nullcontext():
        for attempt in range(8):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                if attempt == 7 or not conn.is_retryable(exc):
                    raise
                time.sleep(0.02 * 2 ** attempt * (0.5 + random.random()))  # noqa: S311 - jitter, not a secret
    raise AssertionError("unreachable")


def labels() -> LabelBook:
    from flask import current_app
    return current_app.extensions["mv_labels"]


def media() -> MediaRoots:
    from flask import current_app
    return current_app.extensions["mv_media"]


def t(key: str, **values: object) -> str:
    """The label ``key`` in the page's language."""
    return labels().get(key, getattr(g, "lang", "en"), **values)


def safe_next(target: str | None, default: str = "/queue") -> str:
    """A local path to go back to; anything else (another site, ``//host``) becomes the default."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or len(target) > 2000:
        return default
    return target


def ist_time(value: str, fmt: str = "%H:%M") -> str:
    """An ISO-8601 UTC time shown in India time."""
    try:
        return datetime.fromisoformat(value).astimezone(IST).strftime(fmt)
    except (TypeError, ValueError):
        return value or ""


def _gate() -> Response | None:
    """Language, labels, session and CSRF for every request."""
    g.lang = request.cookies.get(LANG_COOKIE) if request.cookies.get(LANG_COOKIE) in LANGS else "en"
    labels().refresh()
    s = settings()
    token = request.cookies.get(SESSION_COOKIE, "")
    g.session = auth.load_session(db(), token, timedelta(minutes=s.idle_minutes)) if token else None
    g.me = g.session.account if g.session else None
    if request.method == "POST":
        expected = g.session.csrf_token if g.session else request.cookies.get(PRE_COOKIE, "")
        if not auth.same_token(request.form.get("csrf"), expected):
            abort(403, description=t("error.csrf"))
    if request.endpoint not in PUBLIC_ENDPOINTS and g.session is None:
        if request.method == "GET" and not request.path.startswith("/media/"):
            return redirect(url_for("login", next=request.full_path.rstrip("?")))
        abort(401)
    return None


def _headers(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "static" and not request.path.startswith("/media/"):
        resp.headers["Cache-Control"] = "no-store"
    if request.endpoint in ("login", "login_post", "set_lang") and g.get("session") is None:
        pre = request.cookies.get(PRE_COOKIE, "")
        if not _TOKEN.match(pre):
            pre = g.get("pre_token") or secrets.token_urlsafe(32)
            resp.set_cookie(PRE_COOKIE, pre, httponly=True, samesite="Strict", secure=settings().secure_cookies)
    return resp


def pre_token() -> str:
    """The sign-in form's CSRF token (also set as a cookie by :func:`_headers`)."""
    pre = request.cookies.get(PRE_COOKIE, "")
    if not _TOKEN.match(pre):
        pre = g.get("pre_token") or secrets.token_urlsafe(32)
        g.pre_token = pre
    return pre


def csrf_field() -> Markup:
    token = g.session.csrf_token if g.get("session") else pre_token()
    return Markup('<input type="hidden" name="csrf" value="%s">') % token


def _error(exc: Exception) -> tuple[str, int]:
    code = getattr(exc, "code", 500) or 500
    message = getattr(exc, "description", "") or ""
    default = {400: "error.bad_request", 401: "error.sign_in", 403: "error.forbidden", 404: "error.not_found",
               409: "error.conflict", 429: "error.too_many"}.get(code, "error.unexpected")
    if code == 404 or code >= 500 or not message or message == type(exc).description:
        message = t(default)  # werkzeug's default English texts replaced by the page's labels
    return render_template("error.html", code=code, message=message), code


def create_app(db_path: str | Path, *, crop_dirs: list[Path] | None = None, labels_path: Path | None = None,
               **options: object) -> Flask:
    """The workbench for one database (created or migrated if needed; the queue is rebuilt)."""
    target = db_path if isinstance(db_path, str) and is_url(db_path) else Path(db_path)
    s = Settings(target, list(crop_dirs or []), labels_path, **options)  # type: ignore[arg-type]
    roots = MediaRoots(data_folder(target), s.crop_dirs)
    with Store(s.db_path) as store:
        queue.rebuild(store.conn)
        roots.load_batches(store.conn)
    app = Flask(__name__)
    app.config["MV_SETTINGS"] = s
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    app.url_map.merge_slashes = False  # '//etc/passwd' must not be quietly redirected
    app.extensions["mv_conns"] = _Connections()
    app.extensions["mv_opened"] = _Opened()
    app.extensions["mv_labels"] = LabelBook(labels_path)
    app.extensions["mv_media"] = roots
    app.jinja_env.globals.update(t=t, csrf_field=csrf_field, ist_time=ist_time, version=__version__, langs=LANGS)
    app.before_request(_gate)
    app.teardown_request(_end_request)
    app.after_request(_headers)
    for code in (400, 401, 403, 404, 405, 409, 413, 429, 500):
        app.register_error_handler(code, _error)
    from pipeline.web import views
    views.register(app)
    return app


def serve(app: Flask, host: str = "127.0.0.1", port: int = 8000, threads: int = 8,
          ready: Callable[[str], None] | None = None) -> None:
    """Serve with waitress (a production WSGI server, pure Python) until interrupted.

    The address is bound before ``ready`` is called with the URL, so a port in use
    fails (OSError) before anything is announced.
    """
    from waitress import create_server

    server = create_server(app, host=host, port=port, threads=threads, ident="meter-verify",
                           clear_untrusted_proxy_headers=True)
    if ready is not None:
        ready(f"http://{host}:{server.effective_port}/")
    try:
        server.run()
    finally:
        server.close()
        close_connections(app)
