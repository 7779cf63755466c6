"""Client credentials: one per application, the secret stored only as a SHA-256 hash and its last four characters."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..core.security import new_token, same, token_hash

ROTATION_GRACE_CHOICES = {0: "Immediately", 5: "After 5 seconds (for testing)", 3600: "After 1 hour",
                          86400: "After 24 hours"}
STATES = ("active", "deactivated", "revoked")


def new_client_id() -> str:
    return new_token("ci_", 16)


def new_client_secret(environment: str) -> str:
    return new_token("cs_live_" if environment == "production" else "cs_test_", 32)


def issue(conn: sqlite3.Connection, application_id: int, environment: str, now: float) -> tuple[str, str]:
    """A new credential for an application; returns (client_id, secret). The secret exists only in the answer."""
    client_id, secret = new_client_id(), new_client_secret(environment)
    conn.execute(
        "INSERT INTO credentials (application_id, client_id, secret_hash, secret_last4, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (application_id, client_id, token_hash(secret), secret[-4:], now),
    )
    return client_id, secret


def rotate(conn: sqlite3.Connection, credential_id: int, environment: str, grace_seconds: int, now: float) -> str:
    """Replace the secret. The old one keeps working for grace_seconds (0: not at all), then never again."""
    secret = new_client_secret(environment)
    if grace_seconds > 0:
        conn.execute(
            "UPDATE credentials SET previous_secret_hash = secret_hash, previous_secret_expires_at = ?,"
            " secret_hash = ?, secret_last4 = ?, generation = generation + 1, rotated_at = ? WHERE id = ?",
            (now + grace_seconds, token_hash(secret), secret[-4:], now, credential_id),
        )
    else:
        conn.execute(
            "UPDATE credentials SET previous_secret_hash = NULL, previous_secret_expires_at = NULL,"
            " secret_hash = ?, secret_last4 = ?, generation = generation + 1, rotated_at = ? WHERE id = ?",
            (token_hash(secret), secret[-4:], now, credential_id),
        )
    return secret


def set_state(conn: sqlite3.Connection, credential_id: int, state: str) -> None:
    assert state in STATES
    # Tokens already issued stop working at once: every API call checks its credential's state.
    conn.execute("UPDATE credentials SET state = ? WHERE id = ?", (state, credential_id))


@dataclass(frozen=True)
class VerifiedClient:
    credential_id: int
    application_id: int
    generation: int  # the generation of the secret that was presented
    environment: str


def verify(conn: sqlite3.Connection, client_id: str, secret: str, now: float) -> tuple[VerifiedClient | None, int | None]:
    """Check a client ID and secret. Returns the verified client (or None) and the application ID if the client ID
    is known, so a failed attempt can still be attributed in the usage log."""
    row = conn.execute(
        "SELECT c.*, a.status AS application_status, a.environment FROM credentials c"
        " JOIN applications a ON a.id = c.application_id WHERE c.client_id = ?",
        (client_id,),
    ).fetchone()
    presented = token_hash(secret)
    if row is None:
        same(presented, token_hash("decoy"))  # the same work whether or not the client exists
        return None, None
    generation = None
    if same(presented, row["secret_hash"]):
        generation = row["generation"]
    elif (
        row["previous_secret_hash"]
        and row["previous_secret_expires_at"] is not None
        and row["previous_secret_expires_at"] > now
        and same(presented, row["previous_secret_hash"])
    ):
        generation = row["generation"] - 1
    if generation is None or row["state"] != "active" or row["application_status"] != "active":
        return None, row["application_id"]
    return VerifiedClient(row["id"], row["application_id"], generation, row["environment"]), row["application_id"]


def token_is_live(row: sqlite3.Row, now: float) -> bool:
    """An access token row joined with its credential (state, current_generation, previous_secret_expires_at)."""
    if row["expires_at"] <= now or row["state"] != "active" or row["application_status"] != "active":
        return False
    if row["generation"] == row["current_generation"]:
        return True
    in_grace = row["previous_secret_expires_at"] is not None and row["previous_secret_expires_at"] > now
    return row["generation"] == row["current_generation"] - 1 and in_grace
