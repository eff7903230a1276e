"""Reviewer workbench: accounts, sign-in, sessions, the wrong-password brake, CSRF and headers."""

from __future__ import annotations

import io

import pytest
from stores import STORES
from web_data import PASSWORD, ReviewDb, csrf_of, fresh_copy, review_db, sign_in

from pipeline.cli import main
from pipeline.exceptions import ExitCode
from pipeline.store import connect, is_url
from pipeline.web import create_app
from pipeline.web.app import close_connections


@pytest.fixture(scope="module", params=STORES)
def base(request, tmp_path_factory) -> ReviewDb:
    """The sample review database, once per store kind."""
    return review_db(request, tmp_path_factory.mktemp("web-auth"),
                     accounts=(("asha", "reviewer"), ("meena", "supervisor")))


@pytest.fixture()
def db(base, tmp_path, request):  # noqa: ANN201 - a SQLite path or a PostgreSQL URL
    return fresh_copy(base, tmp_path, request)


@pytest.fixture()
def conn(db):  # noqa: ANN201
    with connect(db) as c:
        yield c


@pytest.fixture()
def app(db, base):  # noqa: ANN201
    app = create_app(db, crop_dirs=[base.crops])
    yield app
    close_connections(app)


class _Stdin(io.StringIO):
    def isatty(self) -> bool:
        return False


def test_reviewer_add_reads_the_password_from_stdin_and_stores_an_argon2_hash(db, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", _Stdin("s3cret-enough\n"))
    assert main(["reviewer", "add", "ravi", "--role", "supervisor", "--db", str(db)]) == ExitCode.OK
    assert "created: ravi (supervisor)" in capsys.readouterr().out
    with connect(db) as conn:
        stored = conn.execute("SELECT password_hash, role FROM reviewers WHERE name = 'ravi'").fetchone()
    assert stored[0].startswith("$argon2id$") and "s3cret" not in stored[0] and stored[1] == "supervisor"
    monkeypatch.setattr("sys.stdin", _Stdin("another-password\n"))
    assert main(["reviewer", "add", "ravi", "--db", str(db)]) == ExitCode.OK
    assert "updated" in capsys.readouterr().out
    assert main(["reviewer", "list", "--db", str(db)]) == ExitCode.OK
    assert "ravi\treviewer\tactive" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "stdin"), [(["reviewer", "add", "ravi"], "short\n"),
                                             (["reviewer", "add", "bad name!"], "long-enough-pw\n")])
def test_reviewer_add_refuses_weak_passwords_and_odd_names(db, monkeypatch, capsys, argv, stdin):
    monkeypatch.setattr("sys.stdin", _Stdin(stdin))
    assert main([*argv, "--db", str(db)]) == ExitCode.BAD_ARGS
    assert "error" in capsys.readouterr().err


def test_password_is_never_an_argument(db):
    with pytest.raises(SystemExit):
        main(["reviewer", "add", "ravi", "--password", "x", "--db", str(db)])


def test_review_needs_an_existing_database(store_kind, tmp_path, request, capsys):
    if store_kind == "sqlite":
        assert main(["review", "--db", str(tmp_path / "none.db")]) == ExitCode.INPUT_FILE
        assert not (tmp_path / "none.db").exists()
    else:  # a PostgreSQL database is made by its administrator: one that is not there cannot be used
        missing = request.getfixturevalue("pg_cluster").url.rsplit("/", 1)[0] + "/no_such_database"
        assert main(["review", "--db", missing]) == ExitCode.DATABASE
    assert "database" in capsys.readouterr().err


def test_pages_need_a_sign_in(app):
    c = app.test_client()
    r = c.get("/queue?cycle=2026-11")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")
    assert c.get("/media/crop/S000008_0.png").status_code == 401


def test_sign_in_sets_a_strict_httponly_cookie_and_sign_out_ends_the_session(app):
    c = app.test_client()
    r = sign_in(c, "asha")
    assert r.status_code == 303 and r.headers["Location"] == "/queue"
    cookie = r.headers["Set-Cookie"]
    assert "mv_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = c.get("/queue")
    assert page.status_code == 200 and "asha" in page.text
    assert c.post("/logout", data={"csrf": csrf_of(page.text)}).status_code == 303
    assert c.get("/queue").status_code == 302


def test_wrong_passwords_slow_further_tries(app, conn):
    c = app.test_client()
    for _ in range(3):
        assert sign_in(c, "asha", "wrong password").status_code == 401
    r = sign_in(c, "asha")  # the right password, but too soon: not even checked
    assert r.status_code == 429 and "Try again in" in r.text
    conn.execute("UPDATE login_attempts SET attempted_at = '2000-01-01T00:00:00+00:00'")  # long ago
    assert sign_in(c, "asha").status_code == 303


def test_unknown_names_are_slowed_too(app):
    c = app.test_client()
    codes = [sign_in(c, "nobody", "x").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_sessions_expire(app, conn):
    c = app.test_client()
    sign_in(c, "asha")
    assert c.get("/queue").status_code == 200
    conn.execute("UPDATE web_sessions SET last_seen = '2000-01-01T00:00:00+00:00'")  # idle too long
    assert c.get("/queue").status_code == 302
    assert conn.execute("SELECT COUNT(*) FROM web_sessions").fetchone()[0] == 0


def test_a_post_without_the_csrf_token_is_refused(app):
    c = app.test_client()
    sign_in(c, "asha")
    for data in ({"submission_id": "S000008", "action": "confirm"},
                 {"submission_id": "S000008", "action": "confirm", "csrf": "forged-token-forged-token"}):
        r = c.post("/decide", data=data)
        assert r.status_code == 403 and "security token" in r.text
    c2 = app.test_client()
    assert c2.post("/login", data={"name": "asha", "password": PASSWORD}).status_code == 403


def test_sign_in_does_not_redirect_to_another_site(app):
    c = app.test_client()
    page = c.get("/login?next=//evil.example/x")
    r = c.post("/login", data={"name": "asha", "password": PASSWORD, "csrf": csrf_of(page.text),
                               "next": "//evil.example/x"})
    assert r.headers["Location"] == "/queue"


def test_security_headers(app):
    c = app.test_client()
    sign_in(c, "asha")
    r = c.get("/queue")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Cache-Control"] == "no-store"
    assert "<script>" not in r.text  # no inline script: the only script is the shipped file
    assert 'src="/static/review.js' in r.text and "http" not in r.text.split("<body")[0]


def test_supervisor_pages_are_for_supervisors(app):
    c = app.test_client()
    sign_in(c, "asha")
    assert c.get("/supervisor").status_code == 403
    assert c.get("/audit?sid=S000008").status_code == 403
    c2 = app.test_client()
    sign_in(c2, "meena")
    assert c2.get("/supervisor").status_code == 200


def test_a_port_in_use_is_a_clear_error(db, capsys):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["review", "--db", str(db), "--port", str(port)]) == ExitCode.SERVE_FAILED
    assert "cannot serve on 127.0.0.1" in capsys.readouterr().err


def test_a_connection_the_server_dropped_costs_one_page_not_the_thread(app, db):
    if not is_url(str(db)):
        pytest.skip("PostgreSQL only: a SQLite file has no server to drop the connection")
    c = app.test_client()
    sign_in(c, "asha")
    assert c.get("/queue").status_code == 200
    with connect(db) as admin:  # what a server restart or an administrator does to the app's sessions
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
                      " AND pid <> pg_backend_pid()")
    assert c.get("/queue").status_code == 500  # the request that meets the drop fails ...
    assert c.get("/queue").status_code == 200  # ... the next one has a new connection
