"""Server-side sessions: a random 256-bit id in an HttpOnly cookie, stored only as its SHA-256 hash.

A visitor who has not signed in gets a cookie but no row: their CSRF token is an HMAC of the cookie's id, so
any number of anonymous visits to the sign-in page store nothing."""

from __future__ import annotations

import hashlib
import hmac

from .accounts import Session, get_user
from .config import Config
from .db import Database
from .http import Request, Response
from .security import new_token, token_hash

COOKIE = "dpf_session"
TOUCH_EVERY_SECONDS = 60


class SessionStore:
    def __init__(self, db: Database, config: Config, secret_key: bytes):
        self.db = db
        self.config = config
        self._csrf_key = hmac.new(secret_key, b"anonymous-csrf", hashlib.sha256).digest()

    def _anonymous(self, raw_id: str, *, issued: bool) -> Session:
        csrf = hmac.new(self._csrf_key, raw_id.encode("utf-8"), hashlib.sha256).hexdigest()
        return Session(token_hash(raw_id), csrf, self.config.clock(), issued_id=raw_id if issued else None, stored=False)

    def load(self, request: Request) -> Session | None:
        raw_id = request.cookies.get(COOKIE)
        if not raw_id or len(raw_id) > 100:
            return None
        id_hash = token_hash(raw_id)
        row = self.db.one("SELECT * FROM sessions WHERE id_hash = ?", (id_hash,))
        if row is None:
            return self._anonymous(raw_id, issued=False)
        now = self.config.clock()
        idle_expired = now - row["last_seen_at"] > self.config.session_idle_seconds
        absolute_expired = now - row["created_at"] > self.config.session_absolute_seconds
        if idle_expired or absolute_expired:
            with self.db.transaction() as conn:
                conn.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))
            return self._anonymous(raw_id, issued=False)
        if now - row["last_seen_at"] > TOUCH_EVERY_SECONDS:
            with self.db.transaction() as conn:
                conn.execute("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", (now, id_hash))
        user = get_user(self.db, row["user_id"]) if row["user_id"] is not None else None
        return Session(
            id_hash,
            row["csrf_token"],
            row["created_at"],
            user,
            row["pending_user_id"],
            public_id=row["public_id"],
            authenticated_at=row["authenticated_at"] or row["created_at"],
        )

    def start(self, request: Request, *, user_id: int | None = None, pending_user_id: int | None = None) -> Session:
        """A new session with a new id: called for anonymous visitors and again at every sign-in step."""
        raw_id = new_token()
        now = self.config.clock()
        session = Session(
            token_hash(raw_id),
            new_token(),
            now,
            pending_user_id=pending_user_id,
            issued_id=raw_id,
            public_id=new_token(nbytes=12),
            authenticated_at=now,
        )
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO sessions (id_hash, user_id, pending_user_id, csrf_token, created_at, last_seen_at,"
                " client_address, user_agent, public_id, authenticated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session.id_hash,
                    user_id,
                    pending_user_id,
                    session.csrf_token,
                    now,
                    now,
                    request.remote_addr[:64],
                    request.header("User-Agent")[:300],
                    session.public_id,
                    now,
                ),
            )
            conn.execute(
                "DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?",
                (now - self.config.session_idle_seconds, now - self.config.session_absolute_seconds),
            )
        if user_id is not None:
            session.user = get_user(self.db, user_id)
        request.session = session
        return session

    def end(self, session: Session) -> None:
        if session.stored:
            with self.db.transaction() as conn:
                conn.execute("DELETE FROM sessions WHERE id_hash = ?", (session.id_hash,))

    def ensure(self, request: Request) -> Session:
        """The visitor's session, or a new anonymous one (a cookie and a CSRF token, no row)."""
        if request.session is None:
            request.session = self._anonymous(new_token(), issued=True)
        return request.session

    def write_cookie(self, request: Request, response: Response) -> None:
        session = request.session
        if session is not None and session.issued_id is not None:
            response.set_cookie(COOKIE, session.issued_id, secure=request.is_secure)

    def clear_cookie(self, request: Request, response: Response) -> None:
        response.delete_cookie(COOKIE, secure=request.is_secure)
