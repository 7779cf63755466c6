"""DPF-18 Delete sandbox credential: gone from the list, and refused by the API at once.

Faults of a broken portal this flow must catch:
- deletion that does nothing (still listed), or that only hides the credential while its key still works;
- a credential that comes back on a fresh load of the page;
- a deleted key the sandbox API still accepts, or refuses with another status than 401;
- deletion that takes other credentials with it (the flow's second credential must stay listed and working).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import sandbox_account
from playbooks.harness.controls import button, revealed, shown_text
from playbooks.harness.pages import SandboxPage

FLOW_ID = "DPF-18"


@pytest.mark.dpf(FLOW_ID)
def test_delete_sandbox_credential(flow, open_page, developer, sandbox_credentials, vault, api):
    old = sandbox_credentials.create()
    kept = sandbox_credentials.create()
    key, kept_key = vault.get(old.key_name), vault.get(kept.key_name)
    assert sandbox_account(api, key).status_code == 200, "the sandbox key does not work before deletion"
    page = open_page(developer)
    sandbox = SandboxPage(page)
    page.goto("/app/sandbox")

    with flow.step("Delete an old test credential."):
        revealed(sandbox.delete(old.name)).click()
        revealed(button(page, "Delete permanently")).click()

    with flow.step("Confirm removal from list."):
        expect(sandbox.heading).to_be_visible()
        expect(sandbox.row(old.name)).to_have_count(0)

    with flow.expected_result("credential lifecycle supports cleanup."):
        answer = sandbox_account(api, key)
        assert answer.status_code == 401, f"a deleted sandbox key answered HTTP {answer.status_code}"
        assert answer.json().get("error"), "the refusal of a deleted key has no error code"
        response = page.goto("/app/sandbox")
        assert response is not None and response.status == 200
        expect(sandbox.row(kept.name)).to_have_count(1)
        expect(sandbox.row(old.name)).to_have_count(0)
        listed = [shown_text(cell) for cell in page.get_by_test_id("merchant-id").all()]
        assert old.merchant_id not in listed, "the deleted credential's merchant ID is still listed"
        still = sandbox_account(api, kept_key)
        assert still.status_code == 200, f"deleting one credential broke another: HTTP {still.status_code}"
        assert still.json()["merchant_id"] == kept.merchant_id
        assert sandbox_account(api, key).status_code == 401, "the deleted key works again"
