"""DPF-10 Rotate client secret: a new secret shown once, the old one refused as the rotation policy says."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import request_token
from playbooks.harness.pages import KeysPage, SecretDialog

FLOW_ID = "DPF-10"


@pytest.mark.dpf(FLOW_ID)
def test_rotate_client_secret(flow, open_page, developer, applications, vault, api, secret_on_screen):
    app = applications.create()
    old_secret = vault.get(app.secret_name)
    assert request_token(api, app.client_id, old_secret).status_code == 200, "the new app's secret does not work"
    page = open_page(developer)
    keys = KeysPage(page)
    dialog = SecretDialog(page)
    page.goto("/app/keys")
    grace_seconds = int(keys.policy.get_attribute("data-grace-seconds") or "0")

    with secret_on_screen(page):
        with flow.step("Trigger Rotate Secret for app."):
            keys.action(app.client_id, "Rotate secret").click()
            expect(dialog.root).to_be_visible()
            expect(dialog.client_id).to_have_text(app.client_id)

        with flow.step("Capture one-time rotated secret."):
            dialog.keep(vault, app.secret_name)
            flow.capture("Rotated secret dialog (secret masked)")
            dialog.done.click()
            expect(keys.heading).to_be_visible()

    with flow.expected_result("new secret is issued and old secret invalidated per policy."):
        new_secret = vault.get(app.secret_name)
        assert new_secret != old_secret, "rotation showed the old secret again"
        assert request_token(api, app.client_id, new_secret).status_code == 200, "the rotated secret is refused"
        old = request_token(api, app.client_id, old_secret)
        if grace_seconds == 0:
            assert old.status_code == 401, f"the old secret still works after an immediate rotation: HTTP {old.status_code}"
            assert old.json().get("error") == "invalid_client"
        else:
            assert old.status_code == 200, "the old secret stopped working inside its grace period"
            expect(keys.row(app.client_id).get_by_test_id("previous-secret-expiry")).to_be_visible()
