"""DPF-18 Delete sandbox credential: gone from the list, and refused by the API at once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import sandbox_account
from playbooks.harness.pages import SandboxPage

FLOW_ID = "DPF-18"


@pytest.mark.dpf(FLOW_ID)
def test_delete_sandbox_credential(flow, open_page, developer, sandbox_credentials, vault, api):
    old = sandbox_credentials.create()
    key = vault.get(old.key_name)
    assert sandbox_account(api, key).status_code == 200, "the sandbox key does not work before deletion"
    page = open_page(developer)
    sandbox = SandboxPage(page)
    page.goto("/app/sandbox")

    with flow.step("Delete an old test credential."):
        row = sandbox.row(old.name)
        row.get_by_role("link", name="Delete").or_(row.get_by_role("button", name="Delete")).click()
        page.get_by_role("button", name="Delete permanently").click()

    with flow.step("Confirm removal from list."):
        expect(sandbox.heading).to_be_visible()
        expect(sandbox.row(old.name)).to_have_count(0)

    with flow.expected_result("credential lifecycle supports cleanup."):
        page.reload()
        expect(sandbox.row(old.name)).to_have_count(0)
        expect(page.get_by_test_id("merchant-id").filter(has_text=old.merchant_id)).to_have_count(0)
        answer = sandbox_account(api, key)
        assert answer.status_code == 401, f"a deleted sandbox key answered HTTP {answer.status_code}"
