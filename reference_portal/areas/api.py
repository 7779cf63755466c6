"""The public API's shared machinery: bearer tokens, scopes, rate limits, JSON errors and the usage log."""

from __future__ import annotations

import functools
import secrets
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Callable

from ..core.http import HTTPError, Request, Response, json_response
from ..core.security import token_hash
from . import alerts
from .credentials import token_is_live

REALM = "developer-portal"


class ApiError(Exception):
    """An API answer that is an error: a status, an RFC 6749 / 6750 style code, a description and headers."""

    def __init__(self, status: int, error: str, description: str, *, headers: list[tuple[str, str]] | None = None):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description
        self.headers = headers or []

    def response(self) -> Response:
        response = json_response({"error": self.error, "error_description": self.description}, self.status)
        response.headers.extend(self.headers)
        return response


def invalid_token(description: str) -> ApiError:
    challenge = f'Bearer realm="{REALM}", error="invalid_token", error_description="{description}"'
    return ApiError(401, "invalid_token", description, headers=[("WWW-Authenticate", challenge)])


@dataclass
class CallRecord:
    """Who made an API call, filled in as far as the call got."""

    application_id: int | None = None
    credential_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    environment: str = ""


Work = Callable[[sqlite3.Connection, CallRecord], Response]


def run_call(request: Request, work: Work, *, scope: str | None = None) -> Response:
    """Run one API call in one transaction with its usage record; scope=None skips bearer authentication."""
    app = request.app
    request_id = "req_" + secrets.token_hex(12)
    started = time.perf_counter()
    now = app.config.clock()
    record = CallRecord()
    unreadable: HTTPError | None = None
    try:
        request.read_body()  # all of it before the write lock: a client still sending must hold no one up
    except HTTPError as error:
        unreadable = error
    with app.db.transaction() as conn:
        try:
            if unreadable is not None:
                raise unreadable
            if "access_token" in request.query:
                raise ApiError(400, "invalid_request", "Send the access token in the Authorization header.")
            if scope is not None:
                authenticate(conn, request, record, scope, now)
                enforce_rate_limit(conn, record, now)
            response = work(conn, record)
        except ApiError as error:
            response = error.response()
        except HTTPError as error:  # a malformed or oversized body
            code = "request_too_large" if error.status == 413 else "invalid_request"
            response = ApiError(error.status, code, error.description, headers=error.headers).response()
        conn.execute(
            "INSERT INTO api_calls (application_id, credential_id, method, route, status, latency_ms, request_id,"
            " client_address, called_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.application_id,
                record.credential_id,
                request.method,
                request.route,
                response.status,
                round((time.perf_counter() - started) * 1000, 2),
                request_id,
                request.remote_addr[:64],
                now,
            ),
        )
        if record.application_id is not None and response.status < 400:
            conn.execute("UPDATE applications SET last_used_at = ? WHERE id = ?", (now, record.application_id))
    if alerts.after_call(app.db, record.application_id, now, app.ids):
        app.deliveries.notify()
    response.set_header("X-Request-Id", request_id)
    response.set_header("Cache-Control", "no-store")
    return response


def authenticate(conn: sqlite3.Connection, request: Request, record: CallRecord, scope: str, now: float) -> None:
    header = request.header("Authorization")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        challenge = f'Bearer realm="{REALM}"'
        raise ApiError(401, "invalid_request", "An access token is required.", headers=[("WWW-Authenticate", challenge)])
    row = conn.execute(
        "SELECT t.generation, t.scopes, t.expires_at, t.credential_id, c.state, c.generation AS current_generation,"
        " c.previous_secret_expires_at, c.application_id, a.status AS application_status, a.environment"
        " FROM access_tokens t JOIN credentials c ON c.id = t.credential_id"
        " JOIN applications a ON a.id = c.application_id WHERE t.token_hash = ?",
        (token_hash(token.strip()),),
    ).fetchone()
    if row is None:
        raise invalid_token("The access token is unknown, revoked or expired.")
    record.application_id, record.credential_id = row["application_id"], row["credential_id"]
    if not token_is_live(row, now):
        raise invalid_token("The access token is unknown, revoked or expired.")
    record.scopes = frozenset(row["scopes"].split())
    record.environment = row["environment"]
    if scope not in record.scopes:
        challenge = f'Bearer realm="{REALM}", error="insufficient_scope", scope="{scope}"'
        raise ApiError(
            403, "insufficient_scope", f"This call needs the {scope!r} scope.", headers=[("WWW-Authenticate", challenge)]
        )


def enforce_rate_limit(conn: sqlite3.Connection, record: CallRecord, now: float) -> None:
    assert record.application_id is not None
    limit = conn.execute(
        "SELECT rate_limit_per_minute FROM applications WHERE id = ?", (record.application_id,)
    ).fetchone()[0]
    window = int(now // 60)
    calls = conn.execute(
        "INSERT INTO rate_windows (application_id, window_start, calls) VALUES (?, ?, 1)"
        " ON CONFLICT (application_id, window_start) DO UPDATE SET calls = calls + 1 RETURNING calls",
        (record.application_id, window),
    ).fetchone()[0]
    conn.execute("DELETE FROM rate_windows WHERE application_id = ? AND window_start < ?", (record.application_id, window))
    if calls > limit:
        retry_after = max(1, 60 - int(now % 60))
        raise ApiError(
            429, "rate_limited", f"More than {limit} calls a minute.", headers=[("Retry-After", str(retry_after))]
        )


def api_endpoint(scope: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Make `handler(request, conn, caller, **params)` an endpoint that needs a bearer token with `scope`."""

    def decorate(handler: Callable[..., Response]) -> Callable[..., Response]:
        def endpoint(request: Request, **params: object) -> Response:
            return run_call(request, lambda conn, caller: handler(request, conn, caller, **params), scope=scope)

        functools.update_wrapper(endpoint, handler)
        endpoint.scope = scope  # type: ignore[attr-defined]
        return endpoint

    return decorate
