"""DPF-11 Copy/store key material workflow: Copy puts the exact secret on the clipboard; it goes to the vault,
and the credential is used from the vault, never from code.

Faults of a broken portal this flow must catch:
- Copy client ID puts something other than the credential's client ID (as the flow created it) on the clipboard;
- Copy client secret puts something other than the secret shown on the clipboard;
- the secret shown (and copied) is not the one that works at /oauth/token;
- the page that shows the secret may be cached;
- the secret shows again after the dialog closed (going back, the application's page, the keys page), or the keys
  page does not show its last four characters.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import request_token
from playbooks.harness.controls import revealed, shown_text
from playbooks.harness.one_time_secrets import assert_shown_once, secret_page
from playbooks.harness.pages import KeysPage, SecretDialog

FLOW_ID = "DPF-11"


def copied_by(page, button, within_seconds: float = 5) -> str:
    """What clicking a Copy button put on the clipboard; writing to it is asynchronous, so wait (bounded) for it."""
    page.evaluate("navigator.clipboard.writeText('')")
    revealed(button).click()
    deadline = time.monotonic() + within_seconds
    while (text := page.evaluate("navigator.clipboard.readText()")) == "" and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    return text


@pytest.mark.dpf(FLOW_ID)
def test_copy_store_key_material_workflow(flow, open_page, developer, applications, vault, api, secret_on_screen):
    app = applications.create()
    creation_secret = vault.get(app.secret_name)
    page = open_page(developer, permissions=("clipboard-read", "clipboard-write"))
    keys = KeysPage(page)
    dialog = SecretDialog(page)
    page.goto("/app/keys")

    with secret_on_screen(page):
        with flow.step("Copy key/secret safely."):
            with secret_page(page) as rotated:
                revealed(keys.action(app.client_id, "Rotate secret")).click()
            page.wait_for_load_state("load")  # the dialog's copy buttons work once its script has run
            copied_client_id = copied_by(page, dialog.copy_client_id)
            copied_secret = copied_by(page, dialog.copy_secret)
            shown_secret = shown_text(dialog.secret)
            flow.capture("Secret dialog after copying (secret masked)")

        with flow.step("Store in secure secret manager."):
            vault.put(app.secret_name, copied_secret)
            page.evaluate("navigator.clipboard.writeText('')")  # leave nothing behind on the clipboard
            revealed(dialog.done).click()

    with flow.expected_result("credentials are handled securely and not hardcoded."):
        assert copied_client_id == app.client_id, "Copy client ID did not copy the exact client ID"
        assert copied_secret == shown_secret, "Copy client secret did not copy the exact secret shown"
        assert copied_secret != creation_secret, "the rotation's dialog copied the application's previous secret"
        stored = vault.get(app.secret_name)  # the flow uses the credential only as read back from the vault
        answer = request_token(api, app.client_id, stored)
        assert answer.status_code == 200, f"the copied secret, read back from the vault, is refused: HTTP {answer.status_code}"
        assert_shown_once(page, rotated.value, stored, [f"/app/apps/{app.id}", "/app/keys"])
        expect(keys.row(app.client_id)).to_have_count(1)
        assert shown_text(keys.row(app.client_id).get_by_test_id("client-id")) == app.client_id, (
            "the key row of this client ID shows another")
        expect(keys.row(app.client_id)).to_contain_text(stored[-4:])
