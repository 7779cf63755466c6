"""DPF-17 Create sandbox credential: the values are shown once, and the key reaches its test account."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import sandbox_account
from playbooks.harness.pages import SandboxPage, SecretDialog, at_path

FLOW_ID = "DPF-17"
SANDBOX_KEY = re.compile(r"^sk_test_[A-Za-z0-9_-]{43}$")


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
            sandbox.create.click()
            expect(dialog.root).to_be_visible()

        with flow.step("Capture generated values."):
            merchant_id = dialog.root.get_by_test_id("sandbox-merchant-id").inner_text().strip()
            dialog.keep(vault, f"{merchant_id}.api_key")
            flow.capture("Sandbox credential dialog (key masked)")
            dialog.done.click()
            expect(page).to_have_url(at_path("/app/sandbox"))

    with flow.expected_result("sandbox credential is provisioned."):
        key = vault.get(f"{merchant_id}.api_key")
        assert SANDBOX_KEY.match(key), "the sandbox key does not have the format sk_test_<256 bits>"
        expect(sandbox.row(name).get_by_test_id("merchant-id")).to_have_text(merchant_id)
        assert key not in page.content(), "the sandbox page shows the key again"
        answer = sandbox_account(api, key)
        assert answer.status_code == 200, f"the new sandbox key was refused: HTTP {answer.status_code}"
        assert answer.json()["merchant_id"] == merchant_id
