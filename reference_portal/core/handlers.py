"""What every area's handlers need: who is signed in and their organisation, a row the organisation owns (or a
404), and the page that shows a secret once."""

from __future__ import annotations

import sqlite3
from typing import Any

from .accounts import User
from .http import NotFound, Request, Response


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


def secret_page(request: Request, template: str, **context: Any) -> Response:
    """A page that shows a secret once: never cached, by the browser or anything between."""
    response = request.app.render(request, template, **context)
    response.set_header("Cache-Control", "no-store")
    return response
