"""Accounts and organisations: who someone is, what they may do, and the session they are signed in with."""

from __future__ import annotations

from dataclasses import dataclass

from .db import Database


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    role: str
    organisation_id: int | None
    organisation_name: str | None
    organisation_role: str | None
    totp_enabled: bool

    @property
    def is_developer(self) -> bool:
        return self.role == "developer"

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"


_SELECT = """
    SELECT u.id, u.email, u.name, u.role, u.organisation_id, o.name AS organisation_name,
           u.organisation_role, u.totp_enabled
    FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id
"""


def _user(row) -> User | None:  # type: ignore[no-untyped-def]
    if row is None:
        return None
    return User(**{**dict(row), "totp_enabled": bool(row["totp_enabled"])})


def get_user(db: Database, user_id: int) -> User | None:
    return _user(db.one(_SELECT + " WHERE u.id = ?", (user_id,)))


def find_credentials(db: Database, email: str) -> tuple[int, str] | None:
    """The id and password hash of the account with this email, for sign-in only."""
    row = db.one("SELECT id, password_hash FROM users WHERE email = ?", (email.strip(),))
    return None if row is None else (row["id"], row["password_hash"])


@dataclass
class Session:
    id_hash: str
    csrf_token: str
    created_at: float
    user: User | None = None
    pending_user_id: int | None = None
    issued_id: str | None = None  # the raw id, only on the request that created the session
    stored: bool = True  # False for an anonymous visitor's session, which has no row
    public_id: str | None = None  # names the session on the sessions page; never the cookie or its hash
    authenticated_at: float | None = None  # when the password was last proven in this session
