"""DPF-16 Sandbox credentials page: the sandbox credentials and test accounts, with their metadata, and no key."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from playbooks.harness.pages import SandboxPage

FLOW_ID = "DPF-16"
MERCHANT_ID = re.compile(r"^mer_test_[A-Za-z0-9]+$")


@pytest.mark.dpf(FLOW_ID)
def test_sandbox_credentials_page(flow, open_page, developer, sandbox_credentials, vault):
    known = sandbox_credentials.create()
    page = open_page(developer)
    sandbox = SandboxPage(page)

    with flow.step("Open sandbox page."):
        response = page.goto("/app/sandbox")
        assert response is not None and response.status == 200, f"/app/sandbox answered HTTP {response and response.status}"
        expect(sandbox.heading).to_be_visible()

    with flow.step("Validate existing sandbox credentials/accounts."):
        expect(sandbox.rows.first).to_be_visible()
        for row in sandbox.rows.all():
            merchant_id = row.get_by_test_id("merchant-id").inner_text().strip()
            assert MERCHANT_ID.match(merchant_id), f"a sandbox row shows merchant ID {merchant_id!r}"
            expect(row.get_by_test_id("created")).not_to_be_empty()
            expect(row.get_by_test_id("last-used")).not_to_be_empty()

    with flow.expected_result("sandbox access data is visible."):
        row = sandbox.row(known.name)
        expect(row).to_have_count(1)
        expect(row.get_by_test_id("merchant-id")).to_have_text(known.merchant_id)
        expect(row.get_by_test_id("balance")).not_to_be_empty()
        key = vault.get(known.key_name)
        assert key not in page.content(), "the sandbox page shows an API key in full"
        expect(row).to_contain_text(key[-4:])
