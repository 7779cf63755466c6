"""The harness's authenticator: a fresh step for every code, early by the contract's drift, waiting only when it must."""

from __future__ import annotations

import pyotp
import pytest

from playbooks.harness import two_factor
from playbooks.harness.two_factor import CLOCK_SKEW_SECONDS, STEP_SECONDS, Authenticator
from reference_portal.core.totp import matching_step

SECRET = pyotp.random_base32()


class FakeClock:
    def __init__(self, now: float):
        self.now = now
        self.slept = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(1_000 * STEP_SECONDS + 10)
    monkeypatch.setattr(two_factor.time, "time", fake.time)
    monkeypatch.setattr(two_factor.time, "sleep", fake.sleep)
    return fake


def test_two_codes_in_one_step_need_no_wait_and_the_portal_takes_both(clock: FakeClock):
    authenticator = Authenticator(SECRET)
    last_used = -1
    for _ in range(2):
        step = matching_step(SECRET, authenticator.code(), now=clock.now, last_used_step=last_used)
        assert step is not None and step > last_used
        last_used = step
    assert clock.slept == 0


def test_a_third_code_in_one_step_waits_for_the_next_step_and_no_longer(clock: FakeClock):
    authenticator = Authenticator(SECRET)
    codes = [authenticator.code() for _ in range(3)]
    assert len(set(codes)) == 3
    assert 0 < clock.slept <= STEP_SECONDS
    assert matching_step(SECRET, codes[2], now=clock.now, last_used_step=1_001) == 1_002


def test_a_step_just_begun_counts_as_not_begun_for_a_portal_a_little_behind(clock: FakeClock):
    clock.now = 1_000 * STEP_SECONDS + CLOCK_SKEW_SECONDS / 2
    code = Authenticator(SECRET).code()
    portal_behind = clock.now - CLOCK_SKEW_SECONDS
    assert matching_step(SECRET, code, now=portal_behind, last_used_step=-1) is not None
