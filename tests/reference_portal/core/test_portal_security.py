"""reference_portal.core.security: argon2id passwords, random tokens, constant-time comparison, AES-GCM secrets."""

from __future__ import annotations

import hashlib
import re

import pytest
from cryptography.exceptions import InvalidTag

from reference_portal.core import security
from reference_portal.core.config import Config
from reference_portal.core.security import decrypt, encrypt, hash_password, new_token, same, token_hash, verify_password

KEY = bytes(range(32))


@pytest.fixture(scope="module")
def stored_hash() -> str:
    return hash_password("correct horse battery staple")


def test_hash_is_argon2id_in_phc_format(stored_hash: str):
    assert stored_hash.startswith("$argon2id$v=19$")
    assert re.fullmatch(r"\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+", stored_hash)
    assert "correct horse" not in stored_hash


def test_the_same_password_hashes_differently_each_time(stored_hash: str):
    assert hash_password("correct horse battery staple") != stored_hash


def test_verify_accepts_the_right_password(stored_hash: str):
    assert verify_password(stored_hash, "correct horse battery staple") is True


@pytest.mark.parametrize(
    "attempt", ["", "correct horse battery stapl", "Correct horse battery staple", "correct horse battery staple "]
)
def test_verify_refuses_any_other_password(stored_hash: str, attempt: str):
    assert verify_password(stored_hash, attempt) is False


def test_verify_without_a_stored_hash_is_false_even_for_the_decoy():
    assert verify_password(None, "anything") is False
    assert verify_password("", "anything") is False


def test_verify_without_a_stored_hash_is_false_even_with_the_decoys_own_password(monkeypatch):
    passwords = security.Passwords(security.HASHING_COSTS["test"])
    decoy = passwords.hash("the-decoy-password")
    monkeypatch.setattr(passwords, "decoy", lambda: decoy)
    assert passwords.verify(None, "the-decoy-password") is False
    assert passwords.verify(decoy, "the-decoy-password") is True


def test_the_stored_cost_is_the_librarys_recommendation_unless_a_portal_asks_for_the_test_cost(monkeypatch):
    monkeypatch.delenv("DPF_PORTAL_PASSWORD_HASHING")  # what the suite sets for the portals its tests start
    recommended = security.HASHING_COSTS["recommended"]
    assert f"m={recommended.memory_cost},t={recommended.time_cost},p={recommended.parallelism}$" in hash_password("x")
    assert recommended.memory_cost >= 64 * 1024 and recommended.time_cost >= 3
    assert Config(database=":memory:").password_hashing == "recommended"
    assert Config.from_env(database=":memory:").password_hashing == "recommended"
    monkeypatch.setenv("DPF_PORTAL_PASSWORD_HASHING", "test")
    assert Config.from_env(database=":memory:").password_hashing == "test"
    cheap = hash_password("x", "test")
    assert cheap.startswith("$argon2id$") and verify_password(cheap, "x", "test") and not verify_password(cheap, "y")


def test_an_unknown_cost_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown password hashing cost 'fast'"):
        security.passwords("fast")


def test_an_unknown_account_costs_a_verification_at_the_portals_own_cost():
    for cost, parameters in security.HASHING_COSTS.items():
        assert f"m={parameters.memory_cost},t={parameters.time_cost}," in security.passwords(cost).decoy()


@pytest.mark.parametrize("broken", ["not-a-hash", "$argon2id$v=19$garbage", "$2b$12$abcdefghijklmnopqrstuv"])
def test_verify_with_a_broken_stored_hash_is_false(broken: str):
    assert verify_password(broken, "anything") is False


def test_new_token_is_urlsafe_with_256_bits_and_a_prefix():
    token = new_token("dpf_")
    assert token.startswith("dpf_")
    assert re.fullmatch(r"dpf_[A-Za-z0-9_-]{43}", token)
    assert len({new_token() for _ in range(100)}) == 100


def test_token_hash_is_sha256_hex():
    assert token_hash("abc") == hashlib.sha256(b"abc").hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", token_hash(new_token()))


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [("token", "token", True), ("token", "tokeN", False), ("token", "token2", False), ("", "", True),
     ("", "x", False), ("café", "café", True), ("café", "cafe", False)],
)
def test_same(a: str, b: str, equal: bool):
    assert same(a, b) is equal


def test_encrypt_then_decrypt_gives_the_plaintext_back():
    blob = encrypt(KEY, "JBSWY3DPEHPK3PXP", purpose="totp")
    assert b"JBSWY3DPEHPK3PXP" not in blob
    assert decrypt(KEY, blob, purpose="totp") == "JBSWY3DPEHPK3PXP"


def test_encrypting_twice_gives_different_blobs():
    assert encrypt(KEY, "x", purpose="totp") != encrypt(KEY, "x", purpose="totp")


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda blob: (bytes(32), blob, "totp"), id="wrong-key"),
        pytest.param(lambda blob: (KEY, blob, "webhook"), id="wrong-purpose"),
        pytest.param(lambda blob: (KEY, blob[:-1] + bytes([blob[-1] ^ 1]), "totp"), id="flipped-bit"),
        pytest.param(lambda blob: (KEY, bytes([blob[0] ^ 1]) + blob[1:], "totp"), id="other-nonce"),
    ],
)
def test_decrypt_refuses_anything_but_the_original(tamper):
    key, blob, purpose = tamper(encrypt(KEY, "secret", purpose="totp"))
    with pytest.raises(InvalidTag):
        decrypt(key, blob, purpose=purpose)
