"""Sensitive actions need a recent sign-in: a session whose password was proven longer ago than
Config.recent_sign_in_seconds is sent to /reauth and nothing changes; a fresh one is not. Confirming the password
(and a current code where 2FA is on) makes it fresh again. Rotations and revocations go into the security log."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from reference_portal.core.config import DEMO_TOTP_SECRET

WINDOW = 600  # shorter than the default 15 minutes, and shorter than the 30-minute idle limit
PASSWORD = "developer-demo-pass"
HOOK_URL = "http://127.0.0.1:9/hook"


@pytest.fixture
def portal(make_portal):
    return make_portal(recent_sign_in_seconds=WINDOW)



def reauth_target(answer) -> str:
    """The `next` of a redirect to /reauth; fails when the answer is anything else."""
    assert answer.status_code == 303, answer.status_code
    location = urlsplit(answer.headers["location"])
    assert location.path == "/reauth", answer.headers["location"]
    return parse_qs(location.query)["next"][0]


def confirm_password(client, read_page, next_path: str, password: str = PASSWORD, **fields: str):
    form = client.get("/reauth", params={"next": next_path})
    assert form.status_code == 200
    return client.post("/reauth", data={**read_page(form.text).form("/reauth"), "password": password, **fields})


def log_kinds(read_page, client) -> list[str]:
    return [event["data-kind"] for event in read_page(client.get("/app/security/activity").text).all("security-event")]


def secret_hash(portal, created) -> str:
    return portal.db.scalar("SELECT secret_hash FROM credentials WHERE id = ?", (created.credential_id,))


def test_a_fresh_sign_in_rotates_at_once_and_the_rotation_is_logged(developer, sandbox_app, post_form, read_page):
    answer = post_form(developer, "/app/keys", f"/app/keys/{sandbox_app.credential_id}/rotate")
    assert answer.status_code == 200
    assert read_page(answer.text).text_of("one-time-secret")
    kinds = log_kinds(read_page, developer)
    assert kinds[0] == "api_secret_rotated" and "sign_in" in kinds


def test_a_stale_sign_in_is_sent_to_reauth_and_nothing_is_rotated(
    developer, sandbox_app, post_form, read_page, age_sign_in, portal
):
    before = secret_hash(portal, sandbox_app)
    age_sign_in(developer)

    answer = developer.post(
        f"/app/keys/{sandbox_app.credential_id}/rotate",
        data=read_page(developer.get("/app/keys").text).form(f"/app/keys/{sandbox_app.credential_id}/rotate"),
        headers={"Referer": "http://portal.test/app/keys"},
    )

    assert reauth_target(answer) == "/app/keys"
    assert secret_hash(portal, sandbox_app) == before
    assert "api_secret_rotated" not in log_kinds(read_page, developer)


def test_confirming_the_password_makes_the_session_fresh_again(
    developer, sandbox_app, post_form, read_page, age_sign_in, auth
):
    age_sign_in(developer)
    confirm_page = f"/app/keys/{sandbox_app.credential_id}/revoke"
    assert reauth_target(developer.get(confirm_page)) == confirm_page

    wrong = confirm_password(developer, read_page, confirm_page, password="not the password")
    assert wrong.status_code == 401
    assert read_page(wrong.text).text_of("form-error")
    assert reauth_target(developer.get(confirm_page)) == confirm_page

    right = confirm_password(developer, read_page, confirm_page)
    assert right.status_code == 303 and right.headers["location"] == confirm_page
    assert developer.get(confirm_page).status_code == 200
    revoked = post_form(developer, confirm_page, confirm_page)
    assert revoked.status_code == 303
    assert log_kinds(read_page, developer)[:3] == ["api_key_revoked", "reauthenticated", "reauthentication_failed"]

    # Fresh for the window, then stale again.
    age_sign_in(developer)
    rotate = f"/app/keys/{sandbox_app.credential_id}/rotate"
    assert reauth_target(developer.post(rotate, data={"csrf_token": auth.csrf_token(developer)})) == "/app"


@pytest.mark.parametrize("next_path", ["https://evil.example/", "//evil.example/", "/\\evil.example", ""])
def test_reauth_only_returns_to_a_path_on_the_portal(developer, read_page, age_sign_in, next_path):
    age_sign_in(developer)
    answer = confirm_password(developer, read_page, next_path)
    assert answer.status_code == 303 and answer.headers["location"] == "/app"


def test_reauth_needs_a_signed_in_developer(client):
    answer = client.get("/reauth")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_with_2fa_on_reauth_needs_a_current_code_too(auth, read_page, clock, age_sign_in):
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    client = auth.signed_in("dev-2fa@example.com", PASSWORD, code=totp.at(clock()))
    age_sign_in(client)
    assert reauth_target(client.get("/app/keys/1/revoke")) == "/app/keys/1/revoke"
    form = read_page(client.get("/reauth").text)
    assert form.html.count('name="code"') == 1

    without_code = confirm_password(client, read_page, "/app/keys")
    assert without_code.status_code == 401
    with_code = confirm_password(client, read_page, "/app/keys", code=totp.at(clock()))
    assert with_code.status_code == 303 and with_code.headers["location"] == "/app/keys"
    # The same code a second time is refused (a TOTP step is good once).
    replayed = confirm_password(client, read_page, "/app/keys", code=totp.at(clock()))
    assert replayed.status_code == 401


def test_a_stale_webhook_secret_rotation_is_refused_and_a_fresh_one_logged(
    developer, post_form, read_page, age_sign_in, portal
):
    created = post_form(developer, "/app/webhooks", "/app/webhooks", {"url": HOOK_URL, "event_types": "webhook.test"})
    assert created.status_code == 200, created.text
    endpoint_id = int(read_page(developer.get("/app/webhooks").text).one("webhook-row")["data-webhook-id"])
    stored = portal.db.scalar("SELECT secret_encrypted FROM webhook_endpoints WHERE id = ?", (endpoint_id,))
    age_sign_in(developer)

    refused = post_form(developer, "/app/webhooks", f"/app/webhooks/{endpoint_id}/rotate")
    assert reauth_target(refused) == "/app"
    assert portal.db.scalar("SELECT secret_encrypted FROM webhook_endpoints WHERE id = ?", (endpoint_id,)) == stored

    assert confirm_password(developer, read_page, "/app/webhooks").status_code == 303
    rotated = post_form(developer, "/app/webhooks", f"/app/webhooks/{endpoint_id}/rotate")
    assert rotated.status_code == 200
    assert portal.db.scalar("SELECT secret_encrypted FROM webhook_endpoints WHERE id = ?", (endpoint_id,)) != stored
    assert log_kinds(read_page, developer)[0] == "webhook_secret_rotated"
