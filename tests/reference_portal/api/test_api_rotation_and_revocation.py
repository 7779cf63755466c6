"""Secret rotation with the organisation's grace policy, deactivation, revocation, and secrets at rest."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from reference_portal import Portal

ONE_HOUR = 3600
ONE_DAY = 86400


@pytest.fixture
def rotate(post_form, read_page):
    """rotate(client, created_app): the new secret, read from the one-time page."""

    def rotate_(client, created):
        answer = post_form(client, "/app/keys", f"/app/keys/{created.credential_id}/rotate")
        assert answer.status_code == 200, answer.text
        assert answer.headers["Cache-Control"] == "no-store"
        page = read_page(answer.text)
        assert page.text_of("client-id") == created.client_id
        return page.text_of("one-time-secret")

    return rotate_


@pytest.fixture
def set_rotation_policy(post_form):
    def set_policy(client, grace_seconds: int) -> None:
        answer = post_form(client, "/app/keys", "/app/keys/policy", {"rotation_grace_seconds": str(grace_seconds)})
        assert answer.status_code == 303, answer.text

    return set_policy


@pytest.fixture
def key_row(read_page):
    """key_row(client, created_app): the app's row on /app/keys, as a page of its own (its one element "key-row")."""

    def row(client, created):
        return read_page(client.get("/app/keys").text).within("key-row", data_client_id=created.client_id)

    return row


@pytest.fixture
def stored_grace(portal: Portal):
    return lambda: portal.db.scalar("SELECT rotation_grace_seconds FROM organisations WHERE name = 'Acme Payments'")


@pytest.fixture
def stored_state(portal: Portal):
    return lambda created: portal.db.scalar("SELECT state FROM credentials WHERE id = ?", (created.credential_id,))


def payments_status(call_api, token: str) -> int:
    return call_api("GET", "/api/v1/payments", token).status_code


# --- Rotation --------------------------------------------------------------------------------------------------


def test_default_policy_stops_the_old_secret_at_once(
    developer, sandbox_app, rotate, request_token, access_token, call_api, read_page
):
    policy = read_page(developer.get("/app/keys").text).all("rotation-policy")[0]
    assert policy["data-grace-seconds"] == "0"
    old_token = access_token(sandbox_app)

    new_secret = rotate(developer, sandbox_app)

    assert new_secret != sandbox_app.secret
    assert new_secret.startswith("cs_test_")
    assert request_token(sandbox_app.client_id, sandbox_app.secret).status_code == 401
    assert payments_status(call_api, old_token) == 401
    assert payments_status(call_api, access_token(sandbox_app, secret=new_secret)) == 200


def test_grace_policy_keeps_the_old_secret_and_its_tokens_for_an_hour(
    developer, sandbox_app, set_rotation_policy, rotate, request_token, access_token, call_api, clock
):
    set_rotation_policy(developer, ONE_HOUR)
    token_before_rotation = access_token(sandbox_app)
    new_secret = rotate(developer, sandbox_app)

    clock.advance(1800)
    # Issued from the old secret half-way through the grace period: its own hour outlives the grace period.
    token_during_grace = access_token(sandbox_app)
    clock.advance(1799)  # one second before the grace period ends
    assert request_token(sandbox_app.client_id, sandbox_app.secret).status_code == 200
    assert payments_status(call_api, token_before_rotation) == 200
    assert payments_status(call_api, token_during_grace) == 200

    clock.advance(2)
    assert request_token(sandbox_app.client_id, sandbox_app.secret).status_code == 401
    assert payments_status(call_api, token_before_rotation) == 401
    assert payments_status(call_api, token_during_grace) == 401
    assert payments_status(call_api, access_token(sandbox_app, secret=new_secret)) == 200


def test_keys_page_shows_the_grace_period_only_while_it_lasts(
    developer, sandbox_app, set_rotation_policy, rotate, clock, auth, key_row
):
    assert "previous secret expires" not in key_row(developer, sandbox_app).text_of("key-row")
    set_rotation_policy(developer, ONE_HOUR)
    rotate(developer, sandbox_app)

    row = key_row(developer, sandbox_app)
    assert "previous secret expires" in row.text_of("previous-secret-expiry")

    clock.advance(ONE_HOUR + 1)
    signed_in_again = auth.signed_in("dev@example.com", "developer-demo-pass")  # the first session has idled out
    row = key_row(signed_in_again, sandbox_app)
    assert "previous secret expires" not in row.text_of("key-row")
    assert not row.all("previous-secret-expiry")


def test_tokens_of_the_new_secret_outlive_the_grace_period(
    developer, sandbox_app, set_rotation_policy, rotate, access_token, call_api, clock
):
    set_rotation_policy(developer, ONE_HOUR)
    new_secret = rotate(developer, sandbox_app)
    clock.advance(1800)
    token = access_token(sandbox_app, secret=new_secret)
    clock.advance(1801)  # the grace period is over, the token's own hour is not
    assert payments_status(call_api, token) == 200


def test_rotating_twice_in_grace_retires_the_first_secret(
    developer, sandbox_app, set_rotation_policy, rotate, request_token
):
    set_rotation_policy(developer, ONE_HOUR)
    second = rotate(developer, sandbox_app)
    third = rotate(developer, sandbox_app)

    assert request_token(sandbox_app.client_id, sandbox_app.secret).status_code == 401
    assert request_token(sandbox_app.client_id, second).status_code == 200
    assert request_token(sandbox_app.client_id, third).status_code == 200


def test_switching_back_to_immediate_ends_grace_at_the_next_rotation(
    developer, sandbox_app, set_rotation_policy, rotate, request_token
):
    set_rotation_policy(developer, ONE_DAY)
    second = rotate(developer, sandbox_app)
    set_rotation_policy(developer, 0)
    third = rotate(developer, sandbox_app)

    assert request_token(sandbox_app.client_id, second).status_code == 401
    assert request_token(sandbox_app.client_id, third).status_code == 200


def test_rotated_production_secret_stays_live(developer, create_app_via_form, rotate, request_token):
    production = create_app_via_form(developer, "Live Checkout", environment="production")
    new_secret = rotate(developer, production)
    assert new_secret.startswith("cs_live_")
    # Not subscribed to anything yet: invalid_scope (400) means the secret was accepted, invalid_client (401) not.
    assert request_token(production.client_id, new_secret).status_code == 400
    assert request_token(production.client_id, production.secret).status_code == 401


def test_policy_choice_is_shown_and_stored(developer, set_rotation_policy, read_page, stored_grace):
    set_rotation_policy(developer, ONE_DAY)
    policy = read_page(developer.get("/app/keys").text).all("rotation-policy")[0]
    assert policy["data-grace-seconds"] == "86400"
    assert stored_grace() == ONE_DAY


@pytest.mark.parametrize("value", ["60", "-1", "soon", ""])
def test_policy_outside_the_offered_choices_is_refused(developer, post_form, stored_grace, value):
    answer = post_form(developer, "/app/keys", "/app/keys/policy", {"rotation_grace_seconds": value})
    assert answer.status_code == 400
    assert stored_grace() == 0


def test_member_cannot_change_the_rotation_policy(auth, read_page, stored_grace):
    member = auth.signed_in("dev-setup@example.com", "developer-demo-pass")
    keys_page = read_page(member.get("/app/keys").text)
    assert "/app/keys/policy" not in keys_page.html  # no form posting there, nor any mention of it

    fields = {"csrf_token": auth.csrf_token(member), "rotation_grace_seconds": "86400"}
    answer = member.post("/app/keys/policy", data=fields)
    assert answer.status_code == 403
    assert stored_grace() == 0


# --- Deactivation and revocation -------------------------------------------------------------------------------


def test_deactivated_credential_and_its_tokens_are_refused_until_reactivated(
    developer, sandbox_app, post_form, request_token, access_token, call_api, key_row
):
    token = access_token(sandbox_app)

    answer = post_form(developer, "/app/keys", f"/app/keys/{sandbox_app.credential_id}/deactivate")
    assert answer.status_code == 303
    assert key_row(developer, sandbox_app).one("key-state")["data-state"] == "deactivated"
    refused = request_token(sandbox_app.client_id, sandbox_app.secret)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    assert payments_status(call_api, token) == 401

    answer = post_form(developer, "/app/keys", f"/app/keys/{sandbox_app.credential_id}/reactivate")
    assert answer.status_code == 303
    assert key_row(developer, sandbox_app).one("key-state")["data-state"] == "active"
    assert request_token(sandbox_app.client_id, sandbox_app.secret).status_code == 200
    assert payments_status(call_api, token) == 200


def test_deactivated_credential_cannot_be_rotated(developer, sandbox_app, post_form, auth, request_token):
    post_form(developer, "/app/keys", f"/app/keys/{sandbox_app.credential_id}/deactivate")
    rotate_path = f"/app/keys/{sandbox_app.credential_id}/rotate"
    answer = developer.post(rotate_path, data={"csrf_token": auth.csrf_token(developer)})
    assert answer.status_code == 400
    post_form(developer, "/app/keys", f"/app/keys/{sandbox_app.credential_id}/reactivate")
    assert request_token(sandbox_app.client_id, sandbox_app.secret).status_code == 200


def test_revoked_credential_is_refused_for_good(
    developer, sandbox_app, post_form, auth, request_token, access_token, call_api, key_row, clock, stored_state
):
    token = access_token(sandbox_app)
    revoke_page = f"/app/keys/{sandbox_app.credential_id}/revoke"

    answer = post_form(developer, revoke_page, revoke_page)  # the confirmation form carries confirm=revoke
    assert answer.status_code == 303
    assert key_row(developer, sandbox_app).one("key-state")["data-state"] == "revoked"
    assert request_token(sandbox_app.client_id, sandbox_app.secret).status_code == 401
    assert payments_status(call_api, token) == 401

    csrf = auth.csrf_token(developer)
    for action in ("reactivate", "rotate", "deactivate"):
        refused = developer.post(f"/app/keys/{sandbox_app.credential_id}/{action}", data={"csrf_token": csrf})
        assert refused.status_code == 400, action
    assert stored_state(sandbox_app) == "revoked"

    clock.advance(ONE_DAY * 30)
    assert request_token(sandbox_app.client_id, sandbox_app.secret).status_code == 401


@pytest.mark.parametrize("confirm", ["", "yes", "REVOKE"])
def test_revoke_without_confirmation_changes_nothing(
    developer, sandbox_app, post_form, request_token, access_token, call_api, stored_state, confirm
):
    token = access_token(sandbox_app)
    revoke_page = f"/app/keys/{sandbox_app.credential_id}/revoke"

    answer = post_form(developer, revoke_page, revoke_page, {"confirm": confirm})

    assert answer.status_code == 400
    assert stored_state(sandbox_app) == "active"
    assert request_token(sandbox_app.client_id, sandbox_app.secret).status_code == 200
    assert payments_status(call_api, token) == 200


def test_deactivated_credential_can_be_revoked(developer, sandbox_app, post_form, stored_state):
    post_form(developer, "/app/keys", f"/app/keys/{sandbox_app.credential_id}/deactivate")
    revoke_page = f"/app/keys/{sandbox_app.credential_id}/revoke"
    assert post_form(developer, revoke_page, revoke_page).status_code == 303
    assert stored_state(sandbox_app) == "revoked"


# --- Secrets at rest -------------------------------------------------------------------------------------------


def every_stored_value(portal: Portal) -> list[tuple[str, str, str]]:
    """(table, column, value as text) for every cell of every table."""
    cells = []
    tables = [r["name"] for r in portal.db.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        for row in portal.db.query(f'SELECT * FROM "{table}"'):
            for column in row.keys():
                value = row[column]
                text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                cells.append((table, column, text))
    return cells


def test_database_never_holds_a_secret_or_token_in_clear(
    developer, sandbox_app, rotate, set_rotation_policy, access_token, portal: Portal
):
    set_rotation_policy(developer, ONE_HOUR)
    first_token = access_token(sandbox_app)
    new_secret = rotate(developer, sandbox_app)
    second_token = access_token(sandbox_app, secret=new_secret)
    in_clear = [sandbox_app.secret, new_secret, first_token, second_token]

    cells = every_stored_value(portal)
    assert {table for table, _, _ in cells} >= {"credentials", "access_tokens", "applications", "api_calls"}
    leaks = [(table, column) for table, column, text in cells for value in in_clear if value in text]
    assert leaks == []
    database = Path(portal.config.database)
    files = [path for path in database.parent.glob(database.name + "*") if not path.name.endswith(".key")]
    assert database in files
    raw = b"".join(path.read_bytes() for path in files)
    assert not [value for value in in_clear if value.encode() in raw]


def test_secrets_are_stored_as_sha256_and_last_four(
    developer, sandbox_app, rotate, set_rotation_policy, access_token, portal: Portal
):
    def sha256(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    stored = portal.db.one("SELECT * FROM credentials WHERE id = ?", (sandbox_app.credential_id,))
    assert stored["client_id"] == sandbox_app.client_id
    assert stored["secret_hash"] == sha256(sandbox_app.secret)
    assert stored["secret_last4"] == sandbox_app.secret[-4:]

    token = access_token(sandbox_app)
    assert portal.db.scalar("SELECT COUNT(*) FROM access_tokens WHERE token_hash = ?", (sha256(token),)) == 1

    set_rotation_policy(developer, ONE_HOUR)
    new_secret = rotate(developer, sandbox_app)
    stored = portal.db.one("SELECT * FROM credentials WHERE id = ?", (sandbox_app.credential_id,))
    assert stored["secret_hash"] == sha256(new_secret)
    assert stored["previous_secret_hash"] == sha256(sandbox_app.secret)
    assert stored["secret_last4"] == new_secret[-4:]


def test_keys_page_shows_only_the_last_four(developer, sandbox_app):
    page = developer.get("/app/keys").text
    assert f"…{sandbox_app.secret[-4:]}" in page
    assert sandbox_app.secret not in page
