"""The harness's authenticator: a fresh step for every code, early by the contract's drift, waiting only when it must;
one per secret and portal in a process, shared by the sign-in and the flows."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs

import httpx
import pyotp
import pytest

from fixtures.personas import Persona
from fixtures.signin import sign_in
from playbooks.harness import two_factor
from playbooks.harness.two_factor import CLOCK_SKEW_SECONDS, STEP_SECONDS, Authenticator, authenticator_for
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


# --- One authenticator per secret and portal in a process --------------------------------------------------------


class FakePortal:
    """The contract's sign-in with a second factor: one step of drift, each step good once."""

    def __init__(self, secret: str, clock: FakeClock):
        self.secret, self.clock, self.last_step = secret, clock, -1
        self.codes: list[str] = []

    def second_factor(self, code: str) -> httpx.Response:
        self.codes.append(code)
        step = matching_step(self.secret, code, now=self.clock.now, last_used_step=self.last_step)
        if step is None:
            return httpx.Response(401)
        self.last_step = step
        return httpx.Response(303, headers={"location": "/app"})

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET":
            return httpx.Response(200, html=f'<form method="post" action="{path}">'
                                            '<input type="hidden" name="csrf_token" value="t"></form>')
        if path == "/login":
            return httpx.Response(303, headers={"location": "/login/2fa"})
        return self.second_factor(parse_qs(request.content.decode())["code"][0])


def test_one_authenticator_per_secret_and_portal():
    secret, other = pyotp.random_base32(), pyotp.random_base32()
    first = authenticator_for(secret, portal="http://portal.test/")
    assert authenticator_for(" ".join([secret[:16].lower(), secret[16:]]), portal="http://portal.test") is first
    assert authenticator_for(secret, portal="http://elsewhere.test") is not first
    assert authenticator_for(other, portal="http://portal.test") is not first


def test_the_sign_in_and_a_flow_in_one_process_never_type_one_step(clock: FakeClock):
    secret = pyotp.random_base32()
    portal = FakePortal(secret, clock)
    persona = Persona("developer_2fa", "dev-2fa@example.test", "password", totp_secret=secret)
    with httpx.Client(base_url="http://portal.test", transport=httpx.MockTransport(portal.handle)) as client:
        sign_in(client, persona)
    assert len(portal.codes) == 1
    assert Authenticator(secret).code() == portal.codes[0]  # what a flow's own authenticator would type: refused
    assert portal.second_factor(portal.codes[0]).status_code == 401
    flow_code = authenticator_for(secret, portal="http://portal.test").code()
    assert portal.second_factor(flow_code).status_code == 303 and clock.slept == 0


def test_threads_sharing_an_authenticator_get_different_steps(clock: FakeClock):
    authenticator = Authenticator(pyotp.random_base32())
    codes: list[str] = []
    threads = [threading.Thread(target=lambda: codes.append(authenticator.code())) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(set(codes)) == 2 and clock.slept == 0
