"""CSRF: every form POST needs the token of its own session; a refused POST changes nothing."""

from __future__ import annotations

import pyotp
import pytest

DEVELOPER = {"email": "dev@example.com", "password": "developer-demo-pass"}


def test_sign_in_without_a_token_is_403_and_creates_no_session(client, session_rows):
    client.get("/login")
    before = session_rows()
    response = client.post("/login", data=DEVELOPER)
    assert response.status_code == 403
    assert "did not come from this portal" in response.text
    assert session_rows() == before
    assert client.get("/app").status_code == 303


def test_sign_in_without_any_session_is_403(client, session_rows):
    response = client.post("/login", data={**DEVELOPER, "csrf_token": "guess"})
    assert response.status_code == 403
    assert session_rows() == []


def test_sign_in_with_a_wrong_token_is_403(client, session_rows):
    client.get("/login")
    before = session_rows()
    assert client.post("/login", data={**DEVELOPER, "csrf_token": "wrong"}).status_code == 403
    assert session_rows() == before


def test_sign_in_with_another_sessions_token_is_403(make_client, auth, session_rows):
    attacker, victim = make_client(), make_client()
    attackers_token = auth.csrf_token(attacker, "/login")
    victim.get("/login")
    before = session_rows()
    assert victim.post("/login", data={**DEVELOPER, "csrf_token": attackers_token}).status_code == 403
    assert session_rows() == before


def test_sign_out_without_a_token_is_403_and_keeps_the_user_signed_in(client, auth, session_rows):
    auth.sign_in(client, **DEVELOPER)
    before = session_rows()
    assert client.post("/logout").status_code == 403
    assert session_rows() == before
    assert client.get("/app").status_code == 200


def test_sign_out_with_another_sessions_token_is_403(make_client, auth):
    other, victim = make_client(), make_client()
    auth.sign_in(other, **DEVELOPER)
    others_token = auth.csrf_token(other, "/app")
    auth.sign_in(victim, **DEVELOPER)
    assert victim.post("/logout", data={"csrf_token": others_token}).status_code == 403
    assert victim.get("/app").status_code == 200


def test_the_token_from_before_sign_in_stops_working_after_it(client, auth):
    anonymous_token = auth.csrf_token(client, "/login")
    client.post("/login", data={**DEVELOPER, "csrf_token": anonymous_token})
    assert client.post("/logout", data={"csrf_token": anonymous_token}).status_code == 403
    assert client.get("/app").status_code == 200


def test_the_token_may_come_in_the_x_csrf_token_header(client, auth):
    auth.sign_in(client, **DEVELOPER)
    token = auth.csrf_token(client, "/app")
    assert client.post("/logout", headers={"X-CSRF-Token": token}).status_code == 303
    assert client.get("/app").status_code == 303


@pytest.mark.parametrize("path", ["/login", "/login/2fa", "/logout"])
def test_every_auth_form_refuses_a_post_without_a_token(client, path: str):
    client.get("/login")
    assert client.post(path, data={"code": "123456", **DEVELOPER}).status_code == 403


def test_a_refused_second_factor_post_does_not_sign_in(client, auth, portal):
    auth.sign_in(client, "dev-2fa@example.com", "developer-demo-pass")
    code = pyotp.TOTP(portal.config.demo_passwords.totp_secret).at(portal.config.clock())
    assert client.post("/login/2fa", data={"code": code}).status_code == 403
    assert client.get("/app").status_code == 303
    assert portal.db.scalar("SELECT totp_last_step FROM users WHERE email = 'dev-2fa@example.com'") == 0
