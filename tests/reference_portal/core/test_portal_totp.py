"""reference_portal.core.totp and the second sign-in step: codes, clock drift, replay, the 5-minute pending step."""

from __future__ import annotations

import pyotp
import pytest

from reference_portal.core import second_factor
from reference_portal.core.config import DEMO_TOTP_SECRET
from reference_portal.core.totp import STEP_SECONDS, matching_step

SECRET = DEMO_TOTP_SECRET
NOW = 1_800_000_000.0
STEP = int(NOW // STEP_SECONDS)
TWO_FACTOR = ("dev-2fa@example.com", "developer-demo-pass")


def code_at(step: int) -> str:
    return pyotp.TOTP(SECRET, interval=STEP_SECONDS).generate_otp(step)


# matching_step


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_a_code_of_the_current_or_a_neighbouring_step_matches(offset: int):
    assert matching_step(SECRET, code_at(STEP + offset), now=NOW, last_used_step=0) == STEP + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_a_code_two_or_more_steps_away_does_not_match(offset: int):
    assert matching_step(SECRET, code_at(STEP + offset), now=NOW, last_used_step=0) is None


def test_what_authenticator_apps_show_matches():
    assert matching_step(SECRET, pyotp.TOTP(SECRET).at(NOW), now=NOW, last_used_step=0) == STEP


@pytest.mark.parametrize("last_used", [STEP, STEP + 1])
def test_a_code_of_an_already_used_step_does_not_match(last_used: int):
    assert matching_step(SECRET, code_at(STEP), now=NOW, last_used_step=last_used) is None


def test_only_steps_after_the_last_used_one_match():
    assert matching_step(SECRET, code_at(STEP + 1), now=NOW, last_used_step=STEP) == STEP + 1


@pytest.mark.parametrize(
    "code",
    ["", "12345", "1234567", "abcdef", "12345a", "１２３４５６", "-12345", code_at(STEP) + "0"],
)
def test_a_code_that_is_not_six_digits_never_matches(code: str):
    assert matching_step(SECRET, code, now=NOW, last_used_step=0) is None


def test_spaces_in_a_typed_code_are_ignored():
    code = code_at(STEP)
    assert matching_step(SECRET, f" {code[:3]} {code[3:]} ", now=NOW, last_used_step=0) == STEP


def test_a_wrong_code_does_not_match():
    wrong = f"{(int(code_at(STEP)) + 1) % 1_000_000:06d}"
    assert wrong not in {code_at(STEP + offset) for offset in (-1, 0, 1)}
    assert matching_step(SECRET, wrong, now=NOW, last_used_step=0) is None


# The second sign-in step


def current_code(clock) -> str:
    return pyotp.TOTP(SECRET).at(clock.now)


def accepted_codes(clock) -> set[str]:
    step = int(clock.now // STEP_SECONDS)
    return {code_at(step + offset) for offset in (-1, 0, 1)}


def test_the_demo_secret_is_the_configured_one(portal):
    assert portal.config.demo_passwords.totp_secret == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" == SECRET


def test_the_password_alone_does_not_sign_in_a_2fa_account(client, auth):
    response = auth.sign_in(client, *TWO_FACTOR)
    assert (response.status_code, response.headers["location"]) == (303, "/login/2fa")
    assert client.get("/app").status_code == 303
    page = client.get("/login/2fa")
    assert page.status_code == 200
    assert 'name="code"' in page.text


def test_the_current_code_signs_in(client, auth, clock):
    auth.sign_in(client, *TWO_FACTOR)
    pending_id = client.cookies["dpf_session"]
    response = auth.second_factor(client, current_code(clock))
    assert (response.status_code, response.headers["location"]) == (303, "/app")
    assert client.cookies["dpf_session"] != pending_id  # a new session id once fully signed in
    assert client.get("/app").status_code == 200


def test_next_is_carried_through_the_second_step(client, auth, clock):
    response = auth.sign_in(client, *TWO_FACTOR, next="/app/keys")
    assert response.headers["location"] == "/login/2fa?next=/app/keys"
    assert 'name="next" value="/app/keys"' in client.get(response.headers["location"]).text
    assert auth.second_factor(client, current_code(clock), next="/app/keys").headers["location"] == "/app/keys"


def test_a_code_used_once_is_refused_the_second_time(client, auth, clock):
    code = current_code(clock)
    auth.sign_in(client, *TWO_FACTOR)
    assert auth.second_factor(client, code).status_code == 303
    auth.sign_out(client)

    clock.advance(5)  # still the same 30-second step
    assert current_code(clock) == code
    auth.sign_in(client, *TWO_FACTOR)
    replay = auth.second_factor(client, code)
    assert replay.status_code == 401
    assert "That code is not valid" in replay.text
    assert client.get("/app").status_code == 303


def test_the_next_steps_code_works_after_a_used_one(client, auth, clock):
    auth.sign_in(client, *TWO_FACTOR)
    auth.second_factor(client, current_code(clock))
    auth.sign_out(client)
    clock.advance(STEP_SECONDS)
    auth.sign_in(client, *TWO_FACTOR)
    assert auth.second_factor(client, current_code(clock)).status_code == 303


def test_the_database_refuses_a_step_already_used_even_if_a_racing_check_passed(make_client, auth, clock, monkeypatch):
    first, second = make_client(), make_client()
    auth.sign_in(first, *TWO_FACTOR)
    auth.sign_in(second, *TWO_FACTOR)
    code = current_code(clock)
    assert auth.second_factor(first, code).status_code == 303

    real = second_factor.matching_step  # the second request read totp_last_step before the first one wrote it
    monkeypatch.setattr(second_factor, "matching_step", lambda *a, **kw: real(*a, **{**kw, "last_used_step": 0}))
    assert auth.second_factor(second, code).status_code == 401
    assert second.get("/app").status_code == 303


@pytest.mark.parametrize("code", ["000000", "12345", "abcdef", ""])
def test_a_wrong_code_is_401_and_does_not_sign_in(client, auth, clock, code: str):
    assert code not in accepted_codes(clock)
    auth.sign_in(client, *TWO_FACTOR)
    response = auth.second_factor(client, code)
    assert response.status_code == 401
    assert client.get("/app").status_code == 303
    assert auth.second_factor(client, current_code(clock)).status_code == 303  # the step is still pending


def test_the_pending_step_expires_after_five_minutes(client, auth, clock):
    auth.sign_in(client, *TWO_FACTOR)
    token = auth.csrf_token(client, "/login/2fa")
    clock.advance(5 * 60 + 1)
    assert client.get("/login/2fa").headers["location"] == "/login"
    response = client.post("/login/2fa", data={"csrf_token": token, "code": current_code(clock)})
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert client.get("/app").status_code == 303


def test_the_pending_step_is_still_open_just_before_five_minutes(client, auth, clock):
    auth.sign_in(client, *TWO_FACTOR)
    token = auth.csrf_token(client, "/login/2fa")
    clock.advance(5 * 60 - 1)
    response = client.post("/login/2fa", data={"csrf_token": token, "code": current_code(clock)})
    assert response.headers["location"] == "/app"


def test_the_second_step_without_a_password_first_goes_back_to_sign_in(client, auth):
    assert client.get("/login/2fa").headers["location"] == "/login"
    token = auth.csrf_token(client, "/login")
    response = client.post("/login/2fa", data={"csrf_token": token, "code": "123456"})
    assert (response.status_code, response.headers["location"]) == (303, "/login")


def test_five_wrong_codes_end_the_pending_sign_in_and_guessing_is_throttled(client, auth, clock):
    auth.sign_in(client, *TWO_FACTOR)
    right = current_code(clock)
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in accepted_codes(clock))
    for _ in range(4):
        assert auth.second_factor(client, wrong).status_code == 401
    ended = auth.second_factor(client, wrong)
    assert ended.status_code == 401 and "this sign-in has ended" in ended.text
    assert client.get("/login/2fa").headers["location"] == "/login"  # the pending sign-in is gone
    auth.sign_in(client, *TWO_FACTOR)
    blocked = auth.second_factor(client, right)  # the account's code guessing is slowed down across sign-ins too
    assert blocked.status_code == 429
    assert "retry-after" in blocked.headers


def test_the_totp_seed_is_stored_encrypted(portal):
    stored = portal.db.scalar("SELECT totp_secret_encrypted FROM users WHERE email = ?", (TWO_FACTOR[0],))
    assert isinstance(stored, bytes)
    assert SECRET.encode() not in stored
