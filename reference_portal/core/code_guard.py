"""The one guard every form that takes a second-factor code goes through: the second step of signing in,
re-authentication, turning 2FA off, regenerating recovery codes, changing the password, and any later one.

Wrong codes are counted per account under one throttle key, whichever form they came through, from whichever
session or address; no correct password clears it, a right code does. While the key is throttled every form
refuses (429 with Retry-After) without looking at the code, so the /login/2fa allowance is the allowance of the
whole portal."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Callable

from .audit import record_event
from .http import Request, Response
from .second_factor import CodeKind, consume_code

MAX_CODE = 64


@dataclass(frozen=True)
class GuardedCheck:
    accepted: CodeKind | None
    malformed: bool = False
    retry_after: int = 0  # while throttled: the seconds to wait, and the code was not checked
    result: Any = None  # what on_accepted or on_refused returned

    @property
    def throttled_message(self) -> str:
        return throttled_message(self.retry_after)


def _keys(request: Request, user_id: int) -> dict[str, int]:
    return {f"totp:{user_id}": request.app.config.login_account_free_failures}


def code_retry_after(request: Request, user_id: int) -> int:
    """The seconds before the account's codes are checked again; 0 when they are checked now. Forms ask this
    before checking the password too, so a throttled attempt learns nothing."""
    return request.app.throttle.retry_after(_keys(request, user_id))


def check_code(
    request: Request,
    user_id: int,
    code: str,
    *,
    form: str,
    recovery: bool = True,
    on_accepted: Callable[[sqlite3.Connection], Any] | None = None,
    on_refused: Callable[[sqlite3.Connection], Any] | None = None,
) -> GuardedCheck:
    """Check and use up a code of the account (a recovery code too, with `recovery`), counting a wrong one against
    the account's code throttle and recording it in the security log with `form`. `on_accepted(conn)` (the change
    the code allows) or `on_refused(conn)` runs inside the transaction that used the code."""
    app = request.app
    wait = code_retry_after(request, user_id)
    if wait:
        record_event(app.db, user_id=user_id, kind="second_factor_throttled", request=request, detail=form)
        return GuardedCheck(None, retry_after=wait)
    with app.db.transaction() as conn:
        check = consume_code(conn, app.secret_key, user_id, code[:MAX_CODE], now=app.config.clock(),
                             recovery=recovery)
        if check.accepted is not None:
            if check.accepted == "recovery":
                record_event(conn, user_id=user_id, kind="recovery_code_used", request=request, detail=form)
            result = on_accepted(conn) if on_accepted else None
        else:
            record_event(conn, user_id=user_id, kind="second_factor_failed", request=request, detail=form)
            result = on_refused(conn) if on_refused else None
    if check.accepted is None:
        app.throttle.record_failure(_keys(request, user_id))
    else:  # a right code ends a run of wrong ones, as a right password does at sign-in
        app.throttle.clear(_keys(request, user_id))
    return GuardedCheck(check.accepted, check.malformed, 0, result)


def throttled_message(seconds: int) -> str:
    return f"Too many attempts. Try again in {seconds} seconds."


def with_retry_after(response: Response, seconds: int) -> Response:
    response.set_header("Retry-After", str(seconds))
    return response
