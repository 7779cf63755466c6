"""Password hashing, random tokens, constant-time comparison and encryption of secrets the portal must reuse."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no stored hash, spend the same time on a decoy so unknown emails do not show."""
    try:
        return _hasher.verify(stored_hash or _decoy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix: str = "", nbytes: int = 32) -> str:
    """A URL-safe random token of nbytes of entropy (256 bits by default)."""
    return prefix + secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def encrypt(key: bytes, plaintext: str, *, purpose: str) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), purpose.encode("utf-8"))


def decrypt(key: bytes, blob: bytes, *, purpose: str) -> str:
    return AESGCM(key).decrypt(blob[:12], blob[12:], purpose.encode("utf-8")).decode("utf-8")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
