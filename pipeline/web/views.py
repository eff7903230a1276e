"""The pages: sign-in, queue, item, decisions, claims, supervisor, audit, photos and crops.

Views only read the request, call the modules that own the work (``queue``,
``item``, ``claims``, ``supervisor``, ``auth``, ``media``) and render a
template. After a decision the next item of the same filtered queue is claimed
and opened at once (one redirect).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, abort, g, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from pipeline import reviews
from pipeline.billing import HELD_NEGATIVE
from pipeline.cycles import ReviewAction
from pipeline.exceptions import ExitCode, MeterVerifyError, NotReviewableError
from pipeline.rules import FLAG_REASONS
from pipeline.web import auth, claims, item, queue, supervisor
from pipeline.web.app import LANG_COOKIE, SESSION_COOKIE, db, media, safe_next, serialized, settings, t
from pipeline.web.labels import LANGS
from pipeline.web.media import IMAGE_TYPES, contained


def _filters() -> queue.Filters:
    src = request.values
    cycle = (src.get("cycle") or "").strip()[:7] or queue.default_cycle(db())
    reason = (src.get("reason") or "").strip()
    return queue.Filters(cycle=cycle, reason=reason if reason in {r.value for r in FLAG_REASONS} else "",
                         day=(src.get("day") or "").strip()[:10] if queue.ist_day_range(src.get("day") or "") else "",
                         consumer=(src.get("consumer") or "").strip()[:60])


def _item_url(sid: str, f: queue.Filters, **extra: str) -> str:
    return url_for("item_page", submission_id=sid, **f.args(), **extra)


def _require_supervisor() -> None:
    if not g.me.is_supervisor:
        abort(403, description=t("error.supervisor_only"))


def _open_next(f: queue.Filters, after: queue.QueueKey | None, skip: tuple[str, int] | None = None,
               **extra: str) -> Response:
    """Claim the next free item after ``after`` (wrapping to the start) and open it; the queue when none."""
    conn = db()
    serialized(queue.sync, conn)
    for start in (after, None):
        cursor = start
        # page through the candidates: under concurrent reviewers a whole page can be
        # claimed or decided by others between the read and the claim (the queue is not
        # empty then; stopping after one page told a reviewer so)
        while batch := queue.candidates(conn, f, g.me.name, cursor):
            for key in batch:
                k = (key.submission_id, key.occurrence)
                if k == skip:
                    continue
                held = claims.take(conn, k, g.me.name, settings().claim_minutes)
                if held.reviewer != g.me.name:
                    continue
                if item.decided(conn, k):  # decided by someone between the queue read and the claim
                    claims.release(conn, k, g.me.name)  # logged: every claim in the audit has its end
                    continue
                claims.release_own_except(conn, g.me.name, k)
                return redirect(_item_url(key.submission_id, f, **extra), 303)
            cursor = batch[-1]
        if start is None:
            break
    return redirect(url_for("queue_page", **f.args(), empty="1", **extra), 303)


def _login() -> str:
    return render_template("login.html", next=safe_next(request.values.get("next")), error="")


def _login_post() -> Response | tuple[str, int]:
    conn = db()
    name = (request.form.get("name") or "").strip()[:100]
    password = request.form.get("password") or ""
    remote = request.remote_addr or ""
    nxt = safe_next(request.form.get("next"))
    wait = auth.wait_seconds(conn, name, remote)
    if wait > 0:
        return render_template("login.html", next=nxt, name=name, error=t("login.wait", seconds=wait)), 429
    account = auth.check_password(conn, name, password)
    auth.record_attempt(conn, name, remote, account is not None)
    if account is None:
        return render_template("login.html", next=nxt, name=name, error=t("login.wrong")), 401
    s = settings()
    token, _ = auth.start_session(conn, account, timedelta(hours=s.session_hours))
    claims.log_event(conn, account.name, "sign-in", None, remote)
    resp = redirect(nxt, 303)
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Strict", secure=s.secure_cookies,
                    max_age=int(s.session_hours * 3600))
    return resp


def _logout() -> Response:
    auth.end_session(db(), request.cookies.get(SESSION_COOKIE, ""))
    resp = redirect(url_for("login"), 303)
    resp.delete_cookie(SESSION_COOKIE, httponly=True, samesite="Strict")
    return resp


def _set_lang() -> Response:
    lang = request.form.get("lang", "en")
    resp = redirect(safe_next(request.form.get("next")), 303)
    resp.set_cookie(LANG_COOKIE, lang if lang in LANGS else "en", max_age=365 * 86400, httponly=True,
                    samesite="Strict", secure=settings().secure_cookies)
    return resp


def _queue_page() -> str:
    conn = db()
    serialized(queue.sync, conn)
    f = _filters()
    after, before = queue.QueueKey.decode(request.args.get("after")), queue.QueueKey.decode(request.args.get("before"))
    page = queue.page(conn, f, after=after, before=before if after is None else None)
    return render_template(
        "queue.html", f=f, page=page, counts=queue.reason_counts(conn, f.cycle), cycles=queue.cycles(conn),
        progress=queue.progress_today(conn, g.me.name), mine=claims.held_by(conn, g.me.name),
        done=_done_notice(), empty=request.args.get("empty") == "1",
        reasons=sorted(r.value for r in FLAG_REASONS))


def _done_notice() -> reviews.Review | None:
    """The decision just saved (``?done=ID`` after a decision), for the green line at the top."""
    sid = request.args.get("done", "")
    if not sid:
        return None
    history = reviews.history(db(), sid)
    return history[-1] if history else None


def _item_page(submission_id: str, error: str = "", status: int = 200, form: dict | None = None,
               units_warning: str = "", units_action: str = "") -> tuple[str, int]:
    conn = db()
    it = item.load_item(conn, submission_id)
    if it is None:
        abort(404)
    held = None
    if it.flagged:
        if request.method == "GET":
            held = claims.take(conn, it.key, g.me.name, settings().claim_minutes)
            if held.reviewer == g.me.name:
                claims.release_own_except(conn, g.me.name, it.key)
        else:
            held = claims.current(conn, it.key)
    roots = media()
    photo = roots.photo_ref(conn, it.batch_id, it.photo, it.photo_path)
    crop = roots.crop_ref(it.crop)
    return render_template(
        "item.html", it=it, f=_filters(), held=held, mine=held is not None and held.reviewer == g.me.name,
        photo_url=url_for("media_photo", batch_id=photo[0], rel=photo[1]) if photo else "",
        crop_url=url_for("media_crop", rel=crop) if crop else "", error=error, form=form or {},
        units_warning=units_warning, units_action=units_action,
        reject_codes=item.REJECT_CODES, done=_done_notice(),
        reviewers=[a for a in auth.list_reviewers(conn) if a.active] if g.me.is_supervisor else []), status


def _decide() -> Response | tuple[str, int]:
    sid = (request.form.get("submission_id") or "").strip()
    f = _filters()
    try:
        action = ReviewAction(request.form.get("action", ""))
    except ValueError:
        abort(400)
    reading = request.form.get("reading", "") if action is ReviewAction.CORRECT else ""
    reason = item.reject_reason(request.form.get("reject_code", ""), request.form.get("note", "")) \
        if action is ReviewAction.REJECT else ""
    units_checked = action is not ReviewAction.REJECT and request.form.get("units_checked") == "1"
    try:
        review = serialized(item.decide_item, db(), sid, action, g.me.name, reading, reason,
                            settings().claim_minutes, units_checked)
    except reviews.UnitsNeedCheckError as exc:  # warn before saving: the reviewer must tick and save again
        u = exc.units
        key = "item.units_negative" if u.problem == HELD_NEGATIVE else "item.units_high"
        it = item.load_item(db(), sid)
        warning = t(key, reading=u.current, previous=it.previous_reading if it else "", units=u.units,
                    limit=f"{u.limit:.0f}")
        return _item_page(sid, "", 200, dict(request.form), units_warning=warning, units_action=action.value)
    except item.ClaimedError as exc:
        return _item_page(sid, t("item.claimed_other", name=exc.claim.reviewer), 409)
    except NotReviewableError as exc:
        if db().execute("SELECT 1 FROM submissions WHERE submission_id = ?", (sid,)).fetchone() is None:
            abort(404)
        return _item_page(sid, exc.message, 409)
    except MeterVerifyError as exc:
        if exc.exit_code != ExitCode.BAD_ARGS:
            raise
        return _item_page(sid, t("item.bad_" + action.value), 400, dict(request.form))
    key = queue.QueueKey(queue.utc_key(_submitted_at(sid, review.occurrence)), sid, review.occurrence)
    return _open_next(f, key, done=sid)


def _submitted_at(sid: str, occurrence: int) -> str:
    row = db().execute("SELECT submitted_at FROM submissions WHERE submission_id = ? AND occurrence = ?",
                       (sid, occurrence)).fetchone()
    return row[0] if row else ""


def _skip() -> Response:
    sid = (request.form.get("submission_id") or "").strip()
    it = item.load_item(db(), sid) or abort(404)
    claims.release(db(), it.key, g.me.name)
    return _open_next(_filters(), it.queue_key, skip=it.key)


def _release() -> Response:
    sid = (request.form.get("submission_id") or "").strip()
    it = item.load_item(db(), sid) or abort(404)
    claims.release(db(), it.key, g.me.name, any_holder=g.me.is_supervisor)
    back = request.form.get("back", "")
    return redirect(safe_next(back, url_for("queue_page", **_filters().args())), 303)


def _reassign() -> Response:
    _require_supervisor()
    sid = (request.form.get("submission_id") or "").strip()
    to = (request.form.get("to") or "").strip()
    it = item.load_item(db(), sid) or abort(404)
    target = auth.find_account(db(), to)
    if not it.flagged or target is None or not target.active:
        abort(400, description=t("error.reassign"))
    claims.reassign(db(), it.key, target.name, g.me.name, settings().assign_minutes)
    return redirect(safe_next(request.form.get("back"), url_for("supervisor_page")), 303)


def _supervisor_page() -> str:
    _require_supervisor()
    conn = db()
    cycle = (request.args.get("cycle") or "").strip()[:7]
    return render_template(
        "supervisor.html", table=supervisor.per_reviewer_per_day(conn), overturns=supervisor.overturns(conn, cycle),
        cycle=cycle, cycles=[c for c, _ in queue.cycles(conn)], live=claims.live(conn),
        recent=supervisor.recent_decisions(conn), reviewers=auth.list_reviewers(conn))


def _audit_page() -> tuple[str, int]:
    _require_supervisor()
    sid = (request.args.get("sid") or "").strip()[:100]
    found = supervisor.audit(db(), sid) if sid else None
    return render_template("audit.html", sid=sid, audit=found), (404 if sid and found is None else 200)


def _send(path: Path | None) -> Response:
    if path is None:
        abort(404)
    resp = send_file(path, mimetype=IMAGE_TYPES[path.suffix.lower()], max_age=600, conditional=True)
    resp.headers["Cache-Control"] = "private, max-age=600"
    return resp


def _media_photo(batch_id: int, rel: str) -> Response:
    root = media().batch_root(db(), batch_id)
    if isinstance(root, str):  # object storage
        found = media().remote_photo(root, rel)
        if found is None:
            abort(404)
        resp = Response(found[0], mimetype=found[1])
        resp.headers["Cache-Control"] = "private, max-age=600"
        return resp
    return _send(contained(root, rel) if root else None)


def _media_crop(rel: str) -> Response:
    return _send(media().crop_file(rel))


def _home() -> Response:
    return redirect(url_for("queue_page"))


def register(app: Flask) -> None:
    """Attach the views to the app."""
    add = app.add_url_rule
    add("/", "home", _home)
    add("/login", "login", _login, methods=["GET"])
    add("/login", "login_post", _login_post, methods=["POST"])
    add("/logout", "logout", _logout, methods=["POST"])
    add("/lang", "set_lang", _set_lang, methods=["POST"])
    add("/queue", "queue_page", _queue_page)
    add("/next", "next_item", lambda: _open_next(_filters(), None))
    add("/item/<path:submission_id>", "item_page", _item_page)
    add("/decide", "decide", _decide, methods=["POST"])
    add("/skip", "skip", _skip, methods=["POST"])
    add("/release", "release", _release, methods=["POST"])
    add("/reassign", "reassign", _reassign, methods=["POST"])
    add("/supervisor", "supervisor_page", _supervisor_page)
    add("/audit", "audit_page", _audit_page)
    add("/media/photo/<int:batch_id>/<path:rel>", "media_photo", _media_photo)
    add("/media/crop/<path:rel>", "media_crop", _media_crop)
    app.jinja_env.globals["urlencode"] = urlencode
