"""The second factor of an account: its TOTP secret (AES-GCM encrypted), single-use recovery codes (kept only as
keyed hashes) and the one check every form that asks for a code uses.

A code is consumed in the same write transaction that checks it, so of two requests carrying one code exactly one
wins: a TOTP step is good once (totp_last_step only moves forward), a recovery code once (used_at is set once)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Literal

from .db import Database
from .security import decrypt, encrypt, same
from .totp import matching_step

SECRET_BITS = 160  # RFC 4226 recommends 160 bits; base32 makes 32 characters of it
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_GROUPS = 3  # xxxx-xxxx-xxxx: 12 base32 characters, 60 random bits
TOTP_PURPOSE = "totp"
PENDING_PURPOSE = "totp-pending"
_RECOVERY_CODE = re.compile(r"[a-z2-7]{12}")


def new_totp_secret() -> str:
    return base64.b32encode(secrets.token_bytes(SECRET_BITS // 8)).decode("ascii")


def encrypt_secret(key: bytes, secret: str, *, pending: bool = False) -> bytes:
    return encrypt(key, secret, purpose=PENDING_PURPOSE if pending else TOTP_PURPOSE)


def decrypt_secret(key: bytes, blob: bytes, *, pending: bool = False) -> str:
    return decrypt(key, blob, purpose=PENDING_PURPOSE if pending else TOTP_PURPOSE)


def new_recovery_code() -> str:
    text = base64.b32encode(secrets.token_bytes(8)).decode("ascii").lower()[: 4 * RECOVERY_CODE_GROUPS]
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalise_recovery_code(typed: str) -> str | None:
    """The code as stored (lower case, no spaces or hyphens), or None when it cannot be a recovery code."""
    text = typed.strip().lower().replace("-", "").replace(" ", "")
    return text if _RECOVERY_CODE.fullmatch(text) else None


def recovery_code_hash(key: bytes, code: str) -> str:
    """A hash keyed by the portal's key: a copy of the database alone does not allow guessing codes offline."""
    hashing_key = hmac.new(key, b"recovery-codes", hashlib.sha256).digest()
    return hmac.new(hashing_key, code.encode("ascii"), hashlib.sha256).hexdigest()


def replace_recovery_codes(conn: sqlite3.Connection, key: bytes, user_id: int, now: float) -> list[str]:
    """New recovery codes for the account, inside the caller's transaction; every earlier one stops working."""
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    conn.execute("DELETE FROM recovery_codes WHERE user_id = ?", (user_id,))
    conn.executemany(
        "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)",
        [(user_id, recovery_code_hash(key, normalise_recovery_code(code) or ""), now) for code in codes],
    )
    return codes


def recovery_codes_left(db: Database, user_id: int) -> int:
    return int(db.scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", (user_id,)))


CodeKind = Literal["totp", "recovery"]


@dataclass(frozen=True)
class CodeCheck:
    accepted: CodeKind | None
    malformed: bool = False


def is_totp_shaped(code: str) -> bool:
    return re.fullmatch(r"[0-9]{6}", code.strip().replace(" ", "")) is not None


def consume_code(
    conn: sqlite3.Connection, key: bytes, user_id: int, code: str, *, now: float, recovery: bool = True
) -> CodeCheck:
    """Check a TOTP code (or, with `recovery`, a recovery code) of an account with 2FA on and use it up, inside the
    caller's write transaction (BEGIN IMMEDIATE), so no other request can use the same code."""
    row = conn.execute(
        "SELECT totp_secret_encrypted, totp_last_step FROM users WHERE id = ? AND totp_enabled = 1", (user_id,)
    ).fetchone()
    if row is None or row["totp_secret_encrypted"] is None:
        return CodeCheck(None)
    if is_totp_shaped(code):
        secret = decrypt_secret(key, row["totp_secret_encrypted"])
        step = matching_step(secret, code, now=now, last_used_step=row["totp_last_step"])
        if step is None:
            return CodeCheck(None)
        moved = conn.execute(
            "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?", (step, user_id, step)
        ).rowcount
        return CodeCheck("totp" if moved == 1 else None)
    normalised = normalise_recovery_code(code) if recovery else None
    if normalised is None:
        return CodeCheck(None, malformed=True)
    wanted = recovery_code_hash(key, normalised)
    unused = conn.execute(
        "SELECT id, code_hash FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", (user_id,)
    ).fetchall()
    match = None
    for candidate in unused:  # every one compared, in constant time each
        if same(candidate["code_hash"], wanted):
            match = candidate["id"]
    if match is None:
        return CodeCheck(None)
    used = conn.execute(
        "UPDATE recovery_codes SET used_at = ? WHERE id = ? AND used_at IS NULL", (now, match)
    ).rowcount
    return CodeCheck("recovery" if used == 1 else None)


def confirm_pending_secret(
    conn: sqlite3.Connection, key: bytes, user_id: int, code: str, *, now: float
) -> list[str] | None:
    """Turn 2FA on with the set-up secret if `code` is a current code of it: the new recovery codes, else None.
    The confirming code's step counts as used, so it cannot also sign in."""
    row = conn.execute(
        "SELECT totp_pending_secret_encrypted FROM users WHERE id = ? AND totp_enabled = 0", (user_id,)
    ).fetchone()
    if row is None or row["totp_pending_secret_encrypted"] is None or not is_totp_shaped(code):
        return None
    secret = decrypt_secret(key, row["totp_pending_secret_encrypted"], pending=True)
    step = matching_step(secret, code, now=now, last_used_step=0)
    if step is None:
        return None
    conn.execute(
        "UPDATE users SET totp_secret_encrypted = ?, totp_enabled = 1, totp_enabled_at = ?, totp_last_step = ?,"
        " totp_pending_secret_encrypted = NULL WHERE id = ?",
        (encrypt_secret(key, secret), now, step, user_id),
    )
    return replace_recovery_codes(conn, key, user_id, now)


def pending_secret(db: Database, key: bytes, user_id: int) -> str:
    """The secret of the set-up under way, made (and kept, encrypted) on the first visit, so a reload shows the
    same one the authenticator app may already hold."""
    with db.transaction() as conn:
        row = conn.execute("SELECT totp_pending_secret_encrypted FROM users WHERE id = ?", (user_id,)).fetchone()
        if row is not None and row["totp_pending_secret_encrypted"] is not None:
            return decrypt_secret(key, row["totp_pending_secret_encrypted"], pending=True)
        secret = new_totp_secret()
        conn.execute(
            "UPDATE users SET totp_pending_secret_encrypted = ? WHERE id = ?",
            (encrypt_secret(key, secret, pending=True), user_id),
        )
        return secret


def turn_off(conn: sqlite3.Connection, user_id: int) -> None:
    conn.execute(
        "UPDATE users SET totp_enabled = 0, totp_enabled_at = NULL, totp_secret_encrypted = NULL,"
        " totp_pending_secret_encrypted = NULL WHERE id = ?",
        (user_id,),
    )
    conn.execute("DELETE FROM recovery_codes WHERE user_id = ?", (user_id,))
