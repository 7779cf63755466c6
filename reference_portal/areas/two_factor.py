"""Two-factor authentication: the security page (state, guidance) and account settings (set-up with a QR code,
recovery codes shown once, turning it off and regenerating codes with the password and a current code)."""

from __future__ import annotations

from urllib.parse import quote

import pyotp
import segno

from ..core.account_sessions import end_other_sessions
from ..core.accounts import User
from ..core.audit import record_event
from ..core.code_guard import check_code, code_retry_after, throttled_message, with_retry_after
from ..core.handlers import (
    check_own_password,
    is_recently_signed_in,
    secret_page,
    signed_in_user,
    too_many_attempts,
)
from ..core.http import Request, Response, redirect
from ..core.second_factor import (
    confirm_pending_secret,
    pending_secret,
    recovery_codes_left,
    replace_recovery_codes,
    turn_off,
)
from .account_sessions import sessions_context

ISSUER = "Developer Portal"
MAX_FIELD = 1024
AUTHENTICATOR_APPS = (
    "Google Authenticator",
    "Microsoft Authenticator",
    "1Password",
    "Authy",
    "FreeOTP",
    "Aegis (Android)",
)
WRONG_PASSWORD_OR_CODE = "The password or the code is not right. Nothing was changed."


def _state(request: Request, user: User) -> dict[str, object]:
    row = request.app.db.one(
        "SELECT totp_enabled, COALESCE(totp_enabled_at, created_at) AS since FROM users WHERE id = ?", (user.id,)
    )
    enabled = bool(row["totp_enabled"]) if row else False
    return {
        "enabled": enabled,
        "since": row["since"] if enabled and row else None,
        "codes_left": recovery_codes_left(request.app.db, user.id) if enabled else 0,
    }


def page(request: Request) -> Response:
    """GET /app/security/2fa: on or off, since when, recovery codes left, and how to set it up."""
    user = signed_in_user(request)
    return request.app.render(
        request, "security/two_factor.html", apps=AUTHENTICATOR_APPS, **_state(request, user),
        **sessions_context(request),
    )


def _needs_password(request: Request) -> bool:
    """Turning 2FA on is a sensitive action: a sign-in older than the configured window confirms the password on
    the set-up form itself."""
    return not is_recently_signed_in(request)


def _qr_svg(secret: str, email: str) -> str:
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_inline(scale=4, svgclass="qr-code", lineclass=None)


def settings_page(
    request: Request,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    password_errors: dict[str, str] | None = None,
) -> Response:
    """Account settings, with the errors of the 2FA forms (`errors`) or of the password form (`password_errors`)."""
    user = signed_in_user(request)
    state = _state(request, user)
    context: dict[str, object] = {
        "errors": errors or {},
        "password_errors": password_errors or {},
        "password_changed": request.method == "GET" and request.arg("password_changed") == "1",
        **state,
    }
    if not state["enabled"]:
        secret = pending_secret(request.app.db, request.app.secret_key, user.id)
        context.update(secret=secret, qr_svg=_qr_svg(secret, user.email), needs_password=_needs_password(request))
        response = secret_page(request, "account/security.html", **context)
        response.status = status
        return response
    return request.app.render(request, "account/security.html", status=status, **context)


def settings(request: Request) -> Response:
    """GET /account/security."""
    return settings_page(request)


def _password_refused(request: Request, user: User) -> Response | None:
    """None when the password field holds the account's password; else the answer (429 while throttled)."""
    password = check_own_password(request, request.field("password")[:MAX_FIELD])
    if password.right:
        return None
    if password.retry_after:
        return too_many_attempts(settings_page(request, status=429, errors={"password": password.throttled_message}),
                                 password)
    record_event(request.app.db, user_id=user.id, kind="two_factor_change_failed", request=request,
                 detail="wrong password")
    return settings_page(request, status=401, errors={"password": WRONG_PASSWORD_OR_CODE})


def _codes_page(request: Request, codes: list[str], title: str) -> Response:
    text = "\n".join(codes) + "\n"
    return secret_page(
        request, "account/recovery_codes.html", title=title, codes=codes, download_href="data:text/plain;charset=utf-8," + quote(text)
    )


def enable(request: Request) -> Response:
    """POST /account/security/2fa/enable, field `code`: a current code of the set-up secret turns 2FA on and shows
    the recovery codes once."""
    user = signed_in_user(request)
    app = request.app
    if user.totp_enabled:
        return redirect("/account/security")
    if _needs_password(request):
        refused = _password_refused(request, user)
        if refused is not None:
            return refused
    code = request.field("code")[:MAX_FIELD]
    with app.db.transaction() as conn:
        codes = confirm_pending_secret(conn, app.secret_key, user.id, code, now=app.config.clock())
        if codes is not None:
            record_event(conn, user_id=user.id, kind="two_factor_enabled", request=request)
    if codes is None:
        message = (
            "That code does not match. Enter the 6-digit code your authenticator app shows now."
            if code.strip()
            else "Enter the 6-digit code your authenticator app shows."
        )
        record_event(app.db, user_id=user.id, kind="two_factor_change_failed", request=request, detail="set-up code refused")
        return settings_page(request, status=422, errors={"code": message})
    return _codes_page(request, codes, "Two-factor authentication is on")


def _password_and_code(request: Request, user: User, form: str, change) -> Response:  # type: ignore[no-untyped-def]
    """Run `change(conn)` inside the transaction that uses up the code, if the password and code are right."""
    app = request.app
    if not user.totp_enabled:
        return redirect("/account/security")
    if wait := code_retry_after(request, user.id):
        return with_retry_after(settings_page(request, status=429, errors={"code": throttled_message(wait)}), wait)
    refused = _password_refused(request, user)
    if refused is not None:
        return refused
    check = check_code(request, user.id, request.field("code"), form=form, on_accepted=change)
    if check.retry_after:
        return with_retry_after(settings_page(request, status=429, errors={"code": check.throttled_message}),
                                check.retry_after)
    if check.accepted is None:
        record_event(app.db, user_id=user.id, kind="two_factor_change_failed", request=request, detail="wrong code")
        return settings_page(request, status=401, errors={"code": WRONG_PASSWORD_OR_CODE})
    return check.result


def disable(request: Request) -> Response:
    """POST /account/security/2fa/disable, fields `password` and `code`: 2FA off, every other session signed out."""
    user = signed_in_user(request)
    session = request.session
    assert session is not None

    def change(conn):  # type: ignore[no-untyped-def]
        turn_off(conn, user.id)
        end_other_sessions(conn, user.id, session.id_hash)
        record_event(conn, user_id=user.id, kind="two_factor_disabled", request=request)
        return redirect("/app/security/2fa")

    return _password_and_code(request, user, "turning 2FA off", change)


def regenerate(request: Request) -> Response:
    """POST /account/security/recovery-codes, fields `password` and `code`: new codes, shown once; old ones stop."""
    user = signed_in_user(request)
    app = request.app

    def change(conn):  # type: ignore[no-untyped-def]
        codes = replace_recovery_codes(conn, app.secret_key, user.id, app.config.clock())
        record_event(conn, user_id=user.id, kind="recovery_codes_regenerated", request=request)
        return _codes_page(request, codes, "New recovery codes")

    return _password_and_code(request, user, "new recovery codes", change)
