"""Sign-in (password, then a one-time code where 2FA is on) and sign-out."""

from __future__ import annotations

from urllib.parse import quote

from ..core.accounts import User, find_credentials, get_user
from ..core.audit import record_event
from ..core.handlers import MAX_PASSWORD
from ..core.http import Request, Response, redirect
from ..core.code_guard import check_code, with_retry_after

MAX_EMAIL = 254
SECOND_FACTOR_SECONDS = 5 * 60
GENERIC_FAILURE = "Email or password is incorrect."
MAX_CODE = 64
MAX_WRONG_CODES = 5  # wrong codes at the second step before the pending sign-in ends


def safe_next(target: str) -> str | None:
    """Only a path on this portal: no scheme, no host, no protocol-relative or backslash tricks."""
    if target.startswith("/") and not target.startswith(("//", "/\\")) and "\\" not in target and len(target) < 500:
        # Printable ASCII only: browsers drop tabs and newlines (/<TAB>/evil is //evil), CR LF would split headers.
        return target if target.isascii() and target.isprintable() else None
    return None


def landing_path(user: User) -> str:
    return "/admin" if user.is_operator else "/app"


def login_form(request: Request) -> Response:
    next_path = safe_next(request.arg("next")) or ""
    session = request.session
    if session is not None and session.user is not None:
        return redirect(next_path or landing_path(session.user))
    request.app.sessions.ensure(request)
    return request.app.render(request, "auth/login.html", next_path=next_path, email="", error=None)


def _login_failed(request: Request, message: str, status: int, email: str, next_path: str) -> Response:
    response = request.app.render(
        request, "auth/login.html", status=status, next_path=next_path, email=email[:MAX_EMAIL], error=message
    )
    return response


def login(request: Request) -> Response:
    app = request.app
    email = request.field("email").strip()
    password = request.field("password")
    next_path = safe_next(request.field("next")) or ""
    if not email or not password:
        return _login_failed(request, "Enter your email and password.", 422, email, next_path)
    if len(email) > MAX_EMAIL or len(password) > MAX_PASSWORD:
        return _login_failed(request, GENERIC_FAILURE, 401, email, next_path)

    keys = app.throttle.keys(email, request.remote_addr)
    wait = app.throttle.retry_after(keys)
    if wait:
        response = _login_failed(
            request, f"Too many sign-in attempts. Try again in {wait} seconds.", 429, email, next_path
        )
        response.set_header("Retry-After", str(wait))
        return response

    found = find_credentials(app.db, email)
    if not app.passwords.verify(found[1] if found else None, password) or found is None:
        app.throttle.record_failure(keys)
        if found is not None:  # an unknown email has no account whose owner could read it
            record_event(app.db, user_id=found[0], kind="sign_in_failed", request=request)
        return _login_failed(request, GENERIC_FAILURE, 401, email, next_path)

    app.throttle.record_success(email)
    user = get_user(app.db, found[0])
    assert user is not None
    if request.session is not None:
        app.sessions.end(request.session)
    if user.totp_enabled:
        app.sessions.start(request, pending_user_id=user.id)
        return redirect("/login/2fa" + (f"?next={quote(next_path)}" if next_path else ""))
    app.sessions.start(request, user_id=user.id)
    record_event(app.db, user_id=user.id, kind="sign_in", request=request, detail="password")
    return redirect(next_path or landing_path(user))


def _pending_user_id(request: Request) -> int | None:
    session = request.session
    if session is None or session.pending_user_id is None:
        return None
    if request.app.config.clock() - session.created_at > SECOND_FACTOR_SECONDS:
        return None
    return session.pending_user_id


def second_factor_form(request: Request) -> Response:
    if _pending_user_id(request) is None:
        return redirect("/login")
    next_path = safe_next(request.arg("next")) or ""
    return request.app.render(request, "auth/second_factor.html", next_path=next_path, error=None)


def second_factor(request: Request) -> Response:
    """The code from an authenticator app (RFC 6238, one step of drift, each step good once) or a recovery code
    (good once). Five wrong codes end the pending sign-in; the session id changes once the code is accepted."""
    app = request.app
    user_id = _pending_user_id(request)
    if user_id is None:
        return redirect("/login")
    session = request.session
    assert session is not None
    next_path = safe_next(request.field("next")) or ""
    code = request.field("code")[:MAX_CODE]

    def count_wrong_code(conn):  # type: ignore[no-untyped-def]
        return conn.execute(
            "UPDATE sessions SET second_factor_failures = second_factor_failures + 1 WHERE id_hash = ?"
            " RETURNING second_factor_failures",
            (session.id_hash,),
        ).fetchone()

    check = check_code(request, user_id, code, form="sign-in", on_refused=count_wrong_code)
    if check.retry_after:
        response = app.render(request, "auth/second_factor.html", status=429, next_path=next_path,
                              error=check.throttled_message)
        return with_retry_after(response, check.retry_after)
    if check.accepted is None:
        failures = check.result
        if failures is None or failures[0] >= MAX_WRONG_CODES:
            app.sessions.end(session)
            request.session = None
            record_event(app.db, user_id=user_id, kind="second_factor_abandoned", request=request)
            app.sessions.ensure(request)
            message = "Too many wrong codes: this sign-in has ended. Sign in again with your password."
            return _login_failed(request, message, 401, "", next_path)
        message = (
            "Enter the 6-digit code from your authenticator app, or one of your recovery codes."
            if check.malformed
            else "That code is not valid. Enter the current code from your authenticator app, or an unused recovery code."
        )
        return app.render(request, "auth/second_factor.html", status=401, next_path=next_path, error=message)

    app.sessions.end(session)
    session = app.sessions.start(request, user_id=user_id)
    record_event(app.db, user_id=user_id, kind="sign_in", request=request, detail="password and second factor")
    assert session.user is not None
    return redirect(next_path or landing_path(session.user))


def logout(request: Request) -> Response:
    response = redirect("/")
    if request.session is not None:
        if request.session.user is not None:
            record_event(request.app.db, user_id=request.session.user.id, kind="sign_out", request=request)
        request.app.sessions.end(request.session)
        request.session = None
    request.app.sessions.clear_cookie(request, response)
    return response
