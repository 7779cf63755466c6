"""Password hashing, random tokens, constant-time comparison and encryption of secrets the portal must reuse."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
MEMORY_SHARE_FOR_HASHING = 8  # at most 1/8 of the machine's memory in password hashes at once


def hashing_slots(memory_bytes: int, cpus: int, hash_memory_kib: int = _hasher.memory_cost) -> int:
    """How many argon2 computations may run at once: never more than the memory share allows, and no more than
    the CPUs can run (more would only queue inside the library)."""
    by_memory = memory_bytes // MEMORY_SHARE_FOR_HASHING // (hash_memory_kib * 1024)
    return max(1, min(by_memory, 2 * cpus))


def _machine_memory() -> int:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 30


hashing = threading.BoundedSemaphore(hashing_slots(_machine_memory(), os.cpu_count() or 1))


def hash_password(password: str) -> str:
    with hashing:
        return _hasher.hash(password)


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no stored hash, spend the same time on a decoy so unknown emails do not show."""
    decoy = _decoy_hash()
    try:
        with hashing:
            return _hasher.verify(stored_hash or decoy, password) and stored_hash is not None
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
