"""Changing the password, a form of account settings: POST /account/security/password with the current password
(and a current code while 2FA is on), the new one and the same again.

Bad input is refused before the current password is checked (422), a wrong current password or code after (401,
throttled like every password check); either way nothing changes. A change stores the new argon2 hash, signs out
every other session of the account (sign-ins waiting for their second factor included) and gives this session a new
id, signed in, in one go."""

from __future__ import annotations

from ..core.account_sessions import end_other_sessions
from ..core.accounts import User
from ..core.audit import record_event
from ..core.handlers import MAX_PASSWORD, check_own_password, record_failed_attempt, signed_in_user, too_many_attempts
from ..core.http import Request, Response, redirect
from ..core.code_guard import check_code, code_retry_after, throttled_message, with_retry_after
from ..core.security import same
from .auth import MAX_CODE
from .two_factor import settings_page

MIN_LENGTH = 12
CHANGED_PAGE = "/account/security?password_changed=1#password"
WRONG_PASSWORD = "That is not your current password. Nothing was changed."
WRONG_CODE = "That code is not valid. Enter the current code from your authenticator app, or an unused recovery code."


def _refused(request: Request, status: int, errors: dict[str, str]) -> Response:
    return settings_page(request, status=status, password_errors=errors)


def form_errors(current: str, new: str, confirmation: str, code: str | None) -> dict[str, str]:
    """What is wrong with the form before any password is checked; `code` is None when 2FA is off."""
    errors: dict[str, str] = {}
    if not current:
        errors["current_password"] = "Enter your current password."
    if len(new) < MIN_LENGTH:
        errors["new_password"] = f"Choose a new password of at least {MIN_LENGTH} characters."
    elif len(new) > MAX_PASSWORD:
        errors["new_password"] = f"Choose a new password of at most {MAX_PASSWORD} characters."
    elif new != confirmation:
        errors["confirm_password"] = "The two new passwords are not the same. Type the new password again."
    if code is not None and not code.strip():
        errors["code"] = "Enter the 6-digit code from your authenticator app, or one of your recovery codes."
    return errors


def _failed(request: Request, user: User, detail: str) -> None:
    record_event(request.app.db, user_id=user.id, kind="password_change_failed", request=request, detail=detail)


def change(request: Request) -> Response:
    """POST /account/security/password, fields current_password, new_password, confirm_password (and code)."""
    app = request.app
    user = signed_in_user(request)
    session = request.session
    assert session is not None
    current = request.field("current_password")
    new = request.field("new_password")
    code = request.field("code")[:MAX_CODE] if user.totp_enabled else None
    errors = form_errors(current, new, request.field("confirm_password"), code)
    if errors:
        return _refused(request, 422, errors)

    if code is not None and (wait := code_retry_after(request, user.id)):
        return with_retry_after(_refused(request, 429, {"code": throttled_message(wait)}), wait)
    password = check_own_password(request, current)
    if password.retry_after:
        return too_many_attempts(_refused(request, 429, {"current_password": password.throttled_message}), password)
    stored = password.stored_hash
    if not password.right:
        _failed(request, user, "wrong current password")
        return _refused(request, 401, {"current_password": WRONG_PASSWORD})
    if same(new, current):
        return _refused(request, 422, {"new_password": "The new password must be different from the current one."})

    new_hash = app.passwords.hash(new)  # before the write transaction: argon2 takes a while

    def store(conn):  # type: ignore[no-untyped-def]
        """None once changed; the refusal when the password was changed by another request meanwhile."""
        still_current = conn.execute("SELECT password_hash FROM users WHERE id = ?", (user.id,)).fetchone()
        if still_current is None or still_current["password_hash"] != stored:
            return "current_password", WRONG_PASSWORD, "password changed meanwhile"
        conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (new_hash, user.id))
        ended = end_other_sessions(conn, user.id, session.id_hash)
        record_event(conn, user_id=user.id, kind="password_changed", request=request,
                     detail=f"{ended} other session{'' if ended == 1 else 's'} signed out")
        return None

    if code is None:
        with app.db.transaction() as conn:
            refusal = store(conn)
    else:
        check = check_code(request, user.id, code, form="password change", on_accepted=store)
        if check.retry_after:
            return with_retry_after(_refused(request, 429, {"code": check.throttled_message}), check.retry_after)
        refusal = check.result if check.accepted else ("code", WRONG_CODE, "wrong code")
    if refusal is not None:
        field, message, detail = refusal
        if field == "current_password":
            record_failed_attempt(request)
        _failed(request, user, detail)
        return _refused(request, 401, {field: message})

    app.throttle.record_success(user.email)
    app.sessions.end(session)  # a new id for this session: whoever held the old cookie is signed out too
    app.sessions.start(request, user_id=user.id)
    return redirect(CHANGED_PAGE)
