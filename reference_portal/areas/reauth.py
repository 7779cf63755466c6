"""Confirming the password again (and a current code where 2FA is on) before a sensitive action, when the sign-in
is older than the configured window (GitHub calls this sudo mode). GET/POST /reauth, fields password, code, next."""

from __future__ import annotations

from ..core.account_sessions import mark_authenticated
from ..core.audit import record_event
from ..core.handlers import check_own_password, record_failed_attempt, signed_in_user, too_many_attempts
from ..core.http import Request, Response, redirect
from ..core.second_factor import consume_code
from .auth import safe_next

MAX_CODE = 64
WRONG = "The password or the code is not right. Try again."


def _form(request: Request, *, next_path: str, error: str | None = None, status: int = 200) -> Response:
    user = signed_in_user(request)
    return request.app.render(
        request, "auth/reauth.html", status=status, next_path=next_path, error=error, asks_code=user.totp_enabled
    )


def form(request: Request) -> Response:
    """GET /reauth?next=...: the confirmation form."""
    return _form(request, next_path=safe_next(request.arg("next")) or "")


def confirm(request: Request) -> Response:
    """POST /reauth: the password (and code) proven again in this session; back to `next`."""
    app = request.app
    user = signed_in_user(request)
    session = request.session
    assert session is not None
    next_path = safe_next(request.field("next")) or ""
    password = check_own_password(request, request.field("password"))
    if password.retry_after:
        refused = _form(request, next_path=next_path, status=429, error=password.throttled_message)
        return too_many_attempts(refused, password)
    password_right = password.right
    now = app.config.clock()
    with app.db.transaction() as conn:
        code_right = True
        if password_right and user.totp_enabled:
            check = consume_code(conn, app.secret_key, user.id, request.field("code")[:MAX_CODE], now=now)
            code_right = check.accepted is not None
        if password_right and code_right:
            mark_authenticated(conn, session.id_hash, now)
            record_event(conn, user_id=user.id, kind="reauthenticated", request=request)
        else:
            record_event(conn, user_id=user.id, kind="reauthentication_failed", request=request,
                         detail="wrong password" if not password_right else "wrong code")
    if not (password_right and code_right):
        if password_right:
            record_failed_attempt(request)
        return _form(request, next_path=next_path, status=401, error=WRONG)
    app.throttle.record_success(user.email)
    return redirect(next_path or "/app")
