"""A right second-factor code clears the wrong ones counted before it, as a right password does at sign-in: a
person who mistyped a few codes today does not start tomorrow's sign-in already near the limit."""

from __future__ import annotations

import pyotp

from reference_portal.core.totp import STEP_SECONDS

ACCOUNT = ("dev-2fa@example.com", "developer-demo-pass")
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
UNDER_THE_ALLOWANCE = 4  # Config.login_account_free_failures is 5


def code_for(now: float, steps: int = 0) -> str:
    return pyotp.TOTP(SECRET, interval=STEP_SECONDS).generate_otp(int(now // STEP_SECONDS) + steps)


def wrong_code(now: float) -> str:
    near = {code_for(now, offset) for offset in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)


def test_a_right_code_clears_the_wrong_ones_before_it(auth, make_client, clock):
    first = make_client()
    assert auth.sign_in(first, *ACCOUNT).headers["location"] == "/login/2fa"
    for _ in range(UNDER_THE_ALLOWANCE):
        assert auth.second_factor(first, wrong_code(clock.now)).status_code == 401
    assert auth.second_factor(first, code_for(clock.now)).status_code == 303

    second = make_client()
    assert auth.sign_in(second, *ACCOUNT).headers["location"] == "/login/2fa"
    answers = [auth.second_factor(second, wrong_code(clock.now)).status_code for _ in range(UNDER_THE_ALLOWANCE)]
    assert answers == [401] * UNDER_THE_ALLOWANCE  # not slowed down: the count began again
