"""Slows down password guessing per account and per client address, without ever locking anyone out for good."""

from __future__ import annotations

import math

from .config import Config
from .db import Database

WINDOW_SECONDS = 15 * 60


class LoginThrottle:
    def __init__(self, db: Database, config: Config):
        self.db = db
        self.config = config

    def keys(self, email: str, address: str) -> dict[str, int]:
        """Each throttle key and how many failures it may have before delays start."""
        return {
            f"account:{email.strip().lower()}": self.config.login_account_free_failures,
            f"address:{address}": self.config.login_address_free_failures,
        }

    def retry_after(self, keys: dict[str, int]) -> int:
        now = self.config.clock()
        rows = self.db.query(
            f"SELECT blocked_until FROM login_throttle WHERE key IN ({','.join('?' * len(keys))})", tuple(keys)
        )
        wait = max((row["blocked_until"] - now for row in rows), default=0)
        return math.ceil(wait) if wait > 0 else 0

    def record_failure(self, keys: dict[str, int]) -> None:
        now = self.config.clock()
        with self.db.transaction() as conn:
            for key, free_failures in keys.items():
                row = conn.execute("SELECT failures, last_failure_at FROM login_throttle WHERE key = ?", (key,)).fetchone()
                failures = 1 if row is None or now - row["last_failure_at"] > WINDOW_SECONDS else row["failures"] + 1
                over = failures - free_failures  # the free_failures-th failure starts the delays: 1 s, 2 s, 4 s...
                delay = 0 if over < 0 else min(2**over, self.config.login_max_delay_seconds)
                conn.execute(
                    "INSERT INTO login_throttle (key, failures, last_failure_at, blocked_until) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,"
                    " last_failure_at = excluded.last_failure_at, blocked_until = excluded.blocked_until",
                    (key, failures, now, now + delay),
                )
            conn.execute(  # rows that no longer slow anyone down
                "DELETE FROM login_throttle WHERE last_failure_at < ? AND blocked_until < ?", (now - WINDOW_SECONDS, now)
            )

    def clear(self, keys: dict[str, int]) -> None:
        """Forget the failures counted under these keys (a right second factor clears its wrong ones)."""
        with self.db.transaction() as conn:
            conn.execute(f"DELETE FROM login_throttle WHERE key IN ({','.join('?' * len(keys))})", tuple(keys))

    def record_success(self, email: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM login_throttle WHERE key = ?", (f"account:{email.strip().lower()}",))
