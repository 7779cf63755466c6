"""DPF-17 Create sandbox credential: the values are shown once, and the key reaches its test account.

Faults of a broken portal this flow must catch:
- a key shown in the dialog that the sandbox API refuses, or that reaches another test account;
- a merchant ID in the dialog that is not the account's (compared with the list and with the API's answer);
- a key not in the contract's format (`sk_test_` + 256 bits);
- a key shown again once the dialog is gone (going back, on the list after a fresh load), or the page that shows
  it may be cached;
- the new credential not listed, or listed under another merchant ID.
It must not rely on where the dialog's Done link leads (the contract does not say).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import sandbox_account
from playbooks.harness.contract import contract
from playbooks.harness.controls import revealed, shown_text
from playbooks.harness.one_time_secrets import assert_shown_once, secret_page
from playbooks.harness.pages import SandboxPage, SecretDialog

FLOW_ID = "DPF-17"
SANDBOX_KEY = contract().secrets["sandbox_key"]
MERCHANT_ID = contract().secrets["sandbox_merchant_id"]


@pytest.mark.dpf(FLOW_ID)
def test_create_sandbox_credential(flow, open_page, developer, sandbox_credentials, vault, api, secret_on_screen):
    name = sandbox_credentials.unique_name()
    sandbox_credentials.will_remove(name)
    page = open_page(developer)
    sandbox = SandboxPage(page)
    dialog = SecretDialog(page)
    page.goto("/app/sandbox")

    with secret_on_screen(page):
        with flow.step("Create new sandbox credential."):
            sandbox.name.fill(name)
            with secret_page(page) as shown:
                revealed(sandbox.create).click()
            expect(dialog.root).to_be_visible()

        with flow.step("Capture generated values."):
            merchant_id = shown_text(dialog.root.get_by_test_id("sandbox-merchant-id"))
            dialog.keep(vault, f"{merchant_id}.api_key")
            flow.capture("Sandbox credential dialog (key masked)")
            revealed(dialog.done).click()

    with flow.expected_result("sandbox credential is provisioned."):
        key = vault.get(f"{merchant_id}.api_key")
        assert MERCHANT_ID.fullmatch(merchant_id), f"the dialog shows merchant ID {merchant_id!r}"
        assert SANDBOX_KEY.fullmatch(key), "the sandbox key does not have the format sk_test_<256 bits>"
        assert_shown_once(page, shown.value, key, ["/app/sandbox"])
        row = sandbox.row(name)
        expect(row).to_have_count(1)
        assert shown_text(row.get_by_test_id("merchant-id")) == merchant_id, "the list shows another merchant ID"
        expect(row).to_contain_text(key[-4:])
        answer = sandbox_account(api, key)
        assert answer.status_code == 200, f"the new sandbox key was refused: HTTP {answer.status_code}"
        assert answer.json()["merchant_id"] == merchant_id, "the key reaches another test account than the one shown"
