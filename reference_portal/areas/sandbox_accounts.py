"""Test merchant accounts and their API keys: made here for the sandbox page and for the demo seed alike."""

from __future__ import annotations

import secrets
import sqlite3

from ..core.security import new_token, token_hash

OPENING_BALANCE = 500_000


def create_account(conn: sqlite3.Connection, organisation_id: int, name: str, now: float) -> tuple[str, str]:
    """A new test merchant; returns (merchant_id, api_key). The key exists only in the answer."""
    merchant_id = "mer_test_" + secrets.token_hex(8)
    key = new_token("sk_test_")
    conn.execute(
        "INSERT INTO sandbox_accounts (organisation_id, name, merchant_id, balance, key_hash, key_last4, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (organisation_id, name, merchant_id, OPENING_BALANCE, token_hash(key), key[-4:], now),
    )
    return merchant_id, key
