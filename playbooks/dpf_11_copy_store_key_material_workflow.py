"""DPF-11 Copy/store key material workflow: Copy puts the exact secret on the clipboard; it goes to the vault,
and the credential is used from the vault, never from code."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import request_token
from playbooks.harness.pages import KeysPage, SecretDialog, at_path

FLOW_ID = "DPF-11"


@pytest.mark.dpf(FLOW_ID)
def test_copy_store_key_material_workflow(flow, open_page, developer, applications, vault, api, secret_on_screen):
    app = applications.create()
    page = open_page(developer, permissions=("clipboard-read", "clipboard-write"))
    keys = KeysPage(page)
    dialog = SecretDialog(page)
    page.goto("/app/keys")

    with secret_on_screen(page):
        with flow.step("Copy key/secret safely."):
            with page.expect_response(lambda r: r.request.method == "POST" and "/rotate" in r.url) as rotated:
                keys.action(app.client_id, "Rotate secret").click()
            dialog.copy_client_id.click()
            copied_client_id = page.evaluate("navigator.clipboard.readText()")
            dialog.copy_secret.click()
            copied_secret = page.evaluate("navigator.clipboard.readText()")
            shown_secret = dialog.secret.inner_text().strip()
            flow.capture("Secret dialog after copying (secret masked)")

        with flow.step("Store in secure secret manager."):
            vault.put(app.secret_name, copied_secret)
            page.evaluate("navigator.clipboard.writeText('')")  # leave nothing behind on the clipboard
            dialog.done.click()
            expect(page).to_have_url(at_path("/app/keys"))

    with flow.expected_result("credentials are handled securely and not hardcoded."):
        assert copied_client_id == app.client_id, "Copy client ID did not copy the exact client ID"
        assert copied_secret == shown_secret, "Copy client secret did not copy the exact secret shown"
        assert "no-store" in rotated.value.headers.get("cache-control", ""), "the secret page may be cached"
        stored = vault.get(app.secret_name)
        assert stored == copied_secret
        assert request_token(api, app.client_id, stored).status_code == 200, "the stored secret does not work"
        assert stored not in page.content(), "the keys page shows the secret after the dialog closed"
        expect(keys.row(app.client_id)).to_contain_text(stored[-4:])
