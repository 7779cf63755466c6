"""DPF-12 Key revoke/deactivate behavior: a deactivated key stops working until reactivated; a revoked key,
and every token issued to it, never works again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import list_payments, request_token
from playbooks.harness.pages import KeysPage

FLOW_ID = "DPF-12"


@pytest.mark.dpf(FLOW_ID)
def test_key_revoke_deactivate_behavior(flow, open_page, developer, applications, vault, api):
    app = applications.create()
    secret = vault.get(app.secret_name)
    issued = request_token(api, app.client_id, secret)
    assert issued.status_code == 200, "the new app's credentials do not work"
    token = issued.json()["access_token"]
    assert list_payments(api, token).status_code == 200, "a fresh token is refused by the Payments API"
    page = open_page(developer)
    keys = KeysPage(page)

    with flow.step("Revoke/deactivate test key if feature is enabled."):
        page.goto("/app/keys")
        keys.action(app.client_id, "Deactivate").click()
        expect(keys.state(app.client_id)).to_have_attribute("data-state", "deactivated")
        assert request_token(api, app.client_id, secret).status_code == 401, "a deactivated key still gets tokens"
        assert list_payments(api, token).status_code == 401, "a deactivated key's token still works"
        keys.action(app.client_id, "Reactivate").click()
        expect(keys.state(app.client_id)).to_have_attribute("data-state", "active")
        assert request_token(api, app.client_id, secret).status_code == 200, "a reactivated key is still refused"
        keys.action(app.client_id, "Revoke").click()
        page.get_by_role("button", name="Revoke permanently").click()
        expect(keys.state(app.client_id)).to_have_attribute("data-state", "revoked")

    with flow.step("Confirm API calls with revoked key fail."):
        token_answer = request_token(api, app.client_id, secret)
        api_answer = list_payments(api, token)

    with flow.expected_result("revoked keys cannot be used."):
        assert token_answer.status_code == 401, f"a revoked key got HTTP {token_answer.status_code} at /oauth/token"
        assert token_answer.json().get("error") == "invalid_client"
        assert api_answer.status_code == 401, f"a token of a revoked key got HTTP {api_answer.status_code}"
        assert "invalid_token" in api_answer.headers.get("www-authenticate", "")
        expect(keys.action(app.client_id, "Reactivate")).to_have_count(0)
        expect(keys.action(app.client_id, "Rotate secret")).to_have_count(0)
