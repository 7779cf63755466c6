"""An account's signed-in sessions as its owner sees them: list, remove one, sign out all the others.

Removing a session deletes its row, so the browser holding its cookie is signed out at its next request (the
session store finds no row). A session is named by its random public id, never by its cookie or the cookie's hash,
and every change is scoped by the account: another account's session id matches nothing."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .config import Config
from .db import Database
from .user_agents import Device, describe_device


@dataclass(frozen=True)
class ActiveSession:
    public_id: str
    client_address: str
    user_agent: str
    signed_in_at: float
    last_active_at: float
    is_current: bool

    @property
    def device(self) -> Device:
        return describe_device(self.user_agent)


def active_sessions(db: Database, config: Config, user_id: int, current_id_hash: str | None) -> list[ActiveSession]:
    """The account's sessions that still work (not idle or too old), this one first, then the most recently active."""
    now = config.clock()
    rows = db.query(
        "SELECT id_hash, public_id, client_address, user_agent, created_at, last_seen_at FROM sessions"
        " WHERE user_id = ? AND last_seen_at >= ? AND created_at >= ? AND public_id IS NOT NULL"
        " ORDER BY last_seen_at DESC, created_at DESC",
        (user_id, now - config.session_idle_seconds, now - config.session_absolute_seconds),
    )
    found = [
        ActiveSession(
            public_id=row["public_id"],
            client_address=row["client_address"],
            user_agent=row["user_agent"],
            signed_in_at=row["created_at"],
            last_active_at=row["last_seen_at"],
            is_current=row["id_hash"] == current_id_hash,
        )
        for row in rows
    ]
    return sorted(found, key=lambda session: not session.is_current)


def end_session(conn: sqlite3.Connection, user_id: int, public_id: str) -> bool:
    """Sign out the account's session with this public id; False when the account has no such session."""
    return conn.execute("DELETE FROM sessions WHERE user_id = ? AND public_id = ?", (user_id, public_id)).rowcount == 1


def end_other_sessions(conn: sqlite3.Connection, user_id: int, keep_session_id: str) -> int:
    """Sign out every session of the account but `keep_session_id` (the id_hash of the one making the change),
    sign-ins waiting for their second factor included; returns how many ended."""
    return conn.execute(
        "DELETE FROM sessions WHERE (user_id = ? OR pending_user_id = ?) AND id_hash != ?",
        (user_id, user_id, keep_session_id),
    ).rowcount


def mark_authenticated(conn: sqlite3.Connection, id_hash: str, now: float) -> None:
    """The password (and code) were proven again in this session just now."""
    conn.execute("UPDATE sessions SET authenticated_at = ? WHERE id_hash = ?", (now, id_hash))


def leave_notice(conn: sqlite3.Connection, id_hash: str, text: str) -> None:
    """A notice for this session's next page, shown once (take_notice)."""
    conn.execute("UPDATE sessions SET notice = ? WHERE id_hash = ?", (text, id_hash))


def take_notice(db: Database, id_hash: str) -> str | None:
    """The session's notice, if it has one, which is then gone."""
    if not db.scalar("SELECT notice IS NOT NULL FROM sessions WHERE id_hash = ?", (id_hash,)):
        return None  # the common case reads and writes nothing more
    with db.transaction() as conn:
        row = conn.execute("SELECT notice FROM sessions WHERE id_hash = ?", (id_hash,)).fetchone()
        conn.execute("UPDATE sessions SET notice = NULL WHERE id_hash = ?", (id_hash,))
    return row["notice"] if row is not None else None
