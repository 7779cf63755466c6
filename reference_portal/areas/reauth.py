"""Confirming the password again (and a current code where 2FA is on) before a sensitive action, when the sign-in
is older than the configured window (GitHub calls this sudo mode). GET/POST /reauth, fields password, code, next."""

from __future__ import annotations

from ..core.account_sessions import mark_authenticated
from ..core.audit import record_event
from ..core.code_guard import check_code, code_retry_after, throttled_message, with_retry_after
from ..core.handlers import check_own_password, signed_in_user, too_many_attempts
from ..core.http import Request, Response, redirect
from .auth import safe_next

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
    if user.totp_enabled and (wait := code_retry_after(request, user.id)):
        refused = _form(request, next_path=next_path, status=429, error=throttled_message(wait))
        return with_retry_after(refused, wait)
    password = check_own_password(request, request.field("password"))
    if password.retry_after:
        refused = _form(request, next_path=next_path, status=429, error=password.throttled_message)
        return too_many_attempts(refused, password)
    if not password.right:
        record_event(app.db, user_id=user.id, kind="reauthentication_failed", request=request, detail="wrong password")
        return _form(request, next_path=next_path, status=401, error=WRONG)

    def confirmed(conn):  # type: ignore[no-untyped-def]
        mark_authenticated(conn, session.id_hash, app.config.clock())
        record_event(conn, user_id=user.id, kind="reauthenticated", request=request)

    if user.totp_enabled:
        # An authenticator code only: whoever has lost the authenticator signs in again, with a recovery code.
        check = check_code(request, user.id, request.field("code"), form="re-authentication", recovery=False,
                           on_accepted=confirmed)
        if check.retry_after:
            refused = _form(request, next_path=next_path, status=429, error=check.throttled_message)
            return with_retry_after(refused, check.retry_after)
        if check.accepted is None:
            record_event(app.db, user_id=user.id, kind="reauthentication_failed", request=request, detail="wrong code")
            return _form(request, next_path=next_path, status=401, error=WRONG)
    else:
        with app.db.transaction() as conn:
            confirmed(conn)
    app.throttle.record_success(user.email)
    return redirect(next_path or "/app")
