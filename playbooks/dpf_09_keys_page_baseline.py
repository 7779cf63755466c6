"""DPF-09 Keys page baseline: every credential with its client ID and state, and no secret in sight."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from playbooks.harness.pages import KeysPage

FLOW_ID = "DPF-09"
CLIENT_ID = re.compile(r"^ci_[A-Za-z0-9_-]{16,}$")
STATES = ("active", "deactivated", "revoked")


@pytest.mark.dpf(FLOW_ID)
def test_keys_page_baseline(flow, open_page, developer, applications, vault):
    app = applications.create()
    page = open_page(developer)
    keys = KeysPage(page)

    with flow.step("Open keys page."):
        response = page.goto("/app/keys")
        assert response is not None and response.status == 200, f"/app/keys answered HTTP {response and response.status}"
        expect(keys.heading).to_be_visible()

    with flow.step("Validate client IDs and key states."):
        expect(keys.rows.first).to_be_visible()
        for row in keys.rows.all():
            client_id = row.get_by_test_id("client-id").inner_text().strip()
            assert CLIENT_ID.match(client_id), f"a key row shows client ID {client_id!r}"
            state = row.get_by_test_id("key-state").get_attribute("data-state")
            assert state in STATES, f"{client_id} has state {state!r}, not one of {STATES}"

    with flow.expected_result("key inventory is visible."):
        expect(keys.row(app.client_id)).to_have_count(1)
        expect(keys.state(app.client_id)).to_have_attribute("data-state", "active")
        expect(keys.action(app.client_id, "Rotate secret")).to_be_visible()
        secret = vault.get(app.secret_name)
        assert secret not in page.content(), "the keys page shows a client secret"
        expect(keys.row(app.client_id)).to_contain_text(secret[-4:])
