"""What every area's handlers need: who is signed in and their organisation, a row the organisation owns (or a
404), the page that shows a secret once, a recent sign-in for sensitive actions, and the account's own password
checked again."""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

from .accounts import User
from .http import BadRequest, NotFound, Request, Response, redirect
from .urls import parse_url

REAUTH_PATH = "/reauth"
MAX_PASSWORD = 1024


def signed_in_user(request: Request) -> User:
    """The user of a request that passed the central access check for developer or operator routes."""
    session = request.session
    if session is None or session.user is None:
        raise RuntimeError(f"{request.path} was reached without a signed-in user")
    return session.user


def organisation_of(request: Request) -> int:
    """The signed-in developer's organisation: every query of an area is scoped by it."""
    organisation_id = signed_in_user(request).organisation_id
    if organisation_id is None:
        raise RuntimeError(f"{request.path} was reached by a user without an organisation")
    return organisation_id


def owned_row(request: Request, sql: str, item_id: int, *, missing: str) -> sqlite3.Row:
    """The row `sql` selects for (item_id, the signed-in organisation); another organisation's is simply not found.
    `sql` takes the item's id first and the organisation's second."""
    row = request.app.db.one(sql, (item_id, organisation_of(request)))
    if row is None:
        raise NotFound(missing)
    return row


def public_id(request: Request, kind: str, number: int) -> str:
    """How the row is named in addresses, pages and JSON (core/ids.py)."""
    return request.app.ids.encode(kind, number)


def id_from(request: Request, kind: str, raw: str, *, refused: str) -> int:
    """The row a public ID in a query string or form field names. The one way they are read: anything the portal
    would not have rendered is a 400 with `refused`, never an error; whose row it is, the caller checks (404)."""
    number = request.app.ids.decode(kind, raw.strip())
    if number is None:
        raise BadRequest(refused)
    return number


def secret_page(request: Request, template: str, **context: Any) -> Response:
    """A page that shows a secret once: never cached, by the browser or anything between."""
    response = request.app.render(request, template, **context)
    response.set_header("Cache-Control", "no-store")
    return response


def is_recently_signed_in(request: Request) -> bool:
    """Whether the password (and code) were proven in this session within config.recent_sign_in_seconds."""
    session = request.session
    if session is None or session.user is None:
        return False
    proven_at = session.authenticated_at or session.created_at
    return request.app.config.clock() - proven_at <= request.app.config.recent_sign_in_seconds


def _return_path(request: Request) -> str:
    """Where to come back after confirming: this page for a GET, the page the form was on for a POST."""
    if request.method in ("GET", "HEAD"):
        return request.full_path
    parsed = parse_url(request.header("Referer"))
    referer = parsed.parts if parsed is not None else None
    if referer is not None and referer.path and f"{referer.scheme}://{referer.netloc}" == request.base_url:
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/app"


def reauth_location(request: Request) -> str:
    return f"{REAUTH_PATH}?next={quote(_return_path(request), safe='/')}"


def requires_recent_sign_in(handler: Callable[..., Response]) -> Callable[..., Response]:
    """For sensitive actions (revealing or rotating a secret, revoking, deactivating or deleting what holds data or
    access, 2FA changes): a session whose password was proven longer ago than the configured window is sent to
    confirm it first, and nothing is done. A refused POST is not replayed: the person comes back to the page and
    does it again."""

    @functools.wraps(handler)
    def checked(request: Request, **params: Any) -> Response:
        if not is_recently_signed_in(request):
            return redirect(reauth_location(request))
        return handler(request, **params)

    return checked


@dataclass(frozen=True)
class PasswordCheck:
    right: bool
    retry_after: int = 0  # while throttled: the seconds to wait, and the password was not checked
    stored_hash: str | None = None

    @property
    def throttled_message(self) -> str:
        return f"Too many attempts. Try again in {self.retry_after} seconds."


def check_own_password(request: Request, password: str) -> PasswordCheck:
    """The signed-in user's password, checked as every form that asks for it again checks it (re-authentication,
    2FA changes, the password change): not at all while the account or address is throttled, and a wrong one
    counted against both."""
    app = request.app
    user = signed_in_user(request)
    keys = app.throttle.keys(user.email, request.remote_addr)
    wait = app.throttle.retry_after(keys)
    if wait:
        return PasswordCheck(right=False, retry_after=wait)
    stored = app.db.scalar("SELECT password_hash FROM users WHERE id = ?", (user.id,))
    if password and len(password) <= MAX_PASSWORD and app.passwords.verify(stored, password):
        return PasswordCheck(right=True, stored_hash=stored)
    app.throttle.record_failure(keys)
    return PasswordCheck(right=False)


def record_failed_attempt(request: Request) -> None:
    """A refusal after the password was right (a wrong code, the password changed meanwhile) counts against the
    throttle as a wrong password does."""
    user = signed_in_user(request)
    request.app.throttle.record_failure(request.app.throttle.keys(user.email, request.remote_addr))


def too_many_attempts(response: Response, check: PasswordCheck) -> Response:
    response.set_header("Retry-After", str(check.retry_after))
    return response
