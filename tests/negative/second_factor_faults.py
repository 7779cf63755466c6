"""Faults of the second factor that several flows' negative controls inject: the one code check every form that takes
a code goes through, made to take any six digits, or a code it has taken before."""

from __future__ import annotations

import pytest

from reference_portal.core import code_guard, second_factor


def accept_any_six_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    consume = code_guard.consume_code

    def any_six_digits(conn, key, user_id, code, **options):  # type: ignore[no-untyped-def]
        if second_factor.is_totp_shaped(code):
            return second_factor.CodeCheck("totp")
        return consume(conn, key, user_id, code, **options)

    monkeypatch.setattr(code_guard, "consume_code", any_six_digits)


def accept_replayed_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A time step's code is good as often as it is typed within its window (the portal forgets the step used)."""
    consume = code_guard.consume_code

    def forgetting(conn, key, user_id, code, **options):  # type: ignore[no-untyped-def]
        conn.execute("UPDATE users SET totp_last_step = 0 WHERE id = ?", (user_id,))
        return consume(conn, key, user_id, code, **options)

    monkeypatch.setattr(code_guard, "consume_code", forgetting)
