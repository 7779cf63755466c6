"""Password hashing, random tokens, constant-time comparison and encryption of secrets the portal must reuse."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from functools import lru_cache

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# argon2id costs by name (Config.password_hashing). "recommended", the library's current recommendation, is what the
# reference portal stores. "test", the smallest cost argon2 allows, is for portals that live for one test: a sign-in
# then costs microseconds instead of 0.2 s of CPU. Still argon2id, salted and checked in constant time.
HASHING_COSTS: dict[str, Parameters] = {"recommended": RFC_9106_LOW_MEMORY, "test": CHEAPEST}
MEMORY_SHARE_FOR_HASHING = 8  # at most 1/8 of the machine's memory in password hashes at once


def hashing_slots(memory_bytes: int, cpus: int, hash_memory_kib: int = RFC_9106_LOW_MEMORY.memory_cost) -> int:
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


class Passwords:
    """Hashing and checking passwords at one argon2 cost, with a decoy of the same cost for unknown accounts."""

    def __init__(self, parameters: Parameters):
        self._hasher = PasswordHasher.from_parameters(parameters)
        self._decoy: str | None = None

    def hash(self, password: str) -> str:
        with hashing:
            return self._hasher.hash(password)

    def decoy(self) -> str:
        if self._decoy is None:
            self._decoy = self.hash(secrets.token_urlsafe(16))
        return self._decoy

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """Check a password; with no stored hash, spend the same time on the decoy so unknown emails do not show."""
        decoy = self.decoy()
        try:
            with hashing:
                return self._hasher.verify(stored_hash or decoy, password) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False


@lru_cache(maxsize=len(HASHING_COSTS))
def passwords(cost: str = "recommended") -> Passwords:
    """The Passwords of a named cost, one per process, so each cost's decoy is made once."""
    if cost not in HASHING_COSTS:
        raise ValueError(f"unknown password hashing cost {cost!r}; choose one of {', '.join(HASHING_COSTS)}")
    return Passwords(HASHING_COSTS[cost])


def hash_password(password: str, cost: str = "recommended") -> str:
    return passwords(cost).hash(password)


def verify_password(stored_hash: str | None, password: str, cost: str = "recommended") -> bool:
    return passwords(cost).verify(stored_hash, password)


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
