"""The security log: what happened to an account's security, when, from which address and browser.

Every area records into it with `record_event`; an account's owner reads their own with `events_for`.
The kinds are fixed (an unknown one is a programming error) and each has the label the log page shows."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from .db import Database
from .http import Request
from .user_agents import Device, describe_device

KINDS = {
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed (wrong password)",
    "second_factor_failed": "Wrong two-factor code",
    "second_factor_throttled": "Two-factor code refused: too many wrong codes",
    "second_factor_abandoned": "Sign-in ended after too many wrong codes",
    "recovery_code_used": "Recovery code used",
    "sign_out": "Signed out",
    "reauthenticated": "Password confirmed for a sensitive action",
    "reauthentication_failed": "Password confirmation failed",
    "password_changed": "Password changed",
    "password_change_failed": "Password change refused",
    "two_factor_enabled": "Two-factor authentication turned on",
    "two_factor_disabled": "Two-factor authentication turned off",
    "two_factor_change_failed": "Two-factor change refused",
    "recovery_codes_regenerated": "Recovery codes regenerated",
    "session_revoked": "Session removed",
    "other_sessions_revoked": "All other sessions signed out",
    "session_revoke_refused": "Removing a session was refused",
    "api_secret_rotated": "API client secret rotated",
    "api_key_revoked": "API key revoked",
    "api_key_deactivated": "API key deactivated",
    "api_key_reactivated": "API key reactivated",
    "webhook_secret_rotated": "Webhook signing secret rotated",
}
MAX_DETAIL = 300


@dataclass(frozen=True)
class SecurityEvent:
    id: int
    kind: str
    detail: str
    client_address: str
    user_agent: str
    created_at: float

    @property
    def label(self) -> str:
        return KINDS[self.kind]

    @property
    def device(self) -> Device:
        return describe_device(self.user_agent)


def record_event(
    conn: sqlite3.Connection | Database,
    *,
    user_id: int | None,
    kind: str,
    request: Request | None = None,
    detail: str = "",
) -> None:
    """Add an event to the log; with a request, its time (the portal's clock), client address and user agent.

    `conn` is a connection inside the caller's transaction, so the event is kept exactly when the change is;
    a Database opens a transaction of its own."""
    if kind not in KINDS:
        raise ValueError(f"unknown security event kind {kind!r}")
    if isinstance(conn, Database):
        with conn.transaction() as writing:
            record_event(writing, user_id=user_id, kind=kind, request=request, detail=detail)
        return
    now = request.app.config.clock() if request is not None else time.time()
    address = request.remote_addr[:64] if request is not None else ""
    user_agent = request.header("User-Agent")[:300] if request is not None else ""
    conn.execute(
        "INSERT INTO security_events (user_id, kind, detail, client_address, user_agent, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (user_id, kind, detail[:MAX_DETAIL], address, user_agent, now),
    )


def events_for(db: Database, user_id: int, *, limit: int = 200) -> list[SecurityEvent]:
    """The account's own events, newest first."""
    rows = db.query(
        "SELECT id, kind, detail, client_address, user_agent, created_at FROM security_events"
        " WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
        (user_id, limit),
    )
    return [SecurityEvent(**dict(row)) for row in rows]
