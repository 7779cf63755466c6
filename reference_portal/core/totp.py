"""Time-based one-time passwords (RFC 6238), as authenticator apps make them, with replay protection."""

from __future__ import annotations

import re

import pyotp

from .security import same

STEP_SECONDS = 30


def matching_step(secret: str, code: str, *, now: float, last_used_step: int) -> int | None:
    """The time step a code belongs to (allowing one step of clock drift), unless it was already used."""
    code = code.strip().replace(" ", "")
    if not re.fullmatch(r"[0-9]{6}", code):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if step > last_used_step and same(totp.generate_otp(step), code):
            return step
    return None
