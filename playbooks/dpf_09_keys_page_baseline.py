"""DPF-09 Keys page baseline: every credential with its client ID and state, and no secret in sight.

Each value on the page is compared with what the flow itself made: the client IDs the portal gave when the flow
created its applications, the state the flow put a credential in, the last four characters of the secret it got.

Faults of a broken portal this flow must catch:
- a credential is missing from the keys page;
- a row's client-ID cell shows another client ID than the credential's (another row's, or a garbled one);
- a key state other than active, deactivated or revoked, or the wrong state (a deactivated key shown as active);
- the page shows a client secret, or not the last four characters of the current one;
- an active credential offers no Rotate secret action.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from playbooks.harness.controls import revealed, shown_text
from playbooks.harness.pages import KeysPage

FLOW_ID = "DPF-09"
CLIENT_ID = re.compile(r"^ci_[A-Za-z0-9_-]{22}$")
STATES = ("active", "deactivated", "revoked")


@pytest.mark.dpf(FLOW_ID)
def test_keys_page_baseline(flow, open_page, developer, applications, vault):
    app = applications.create(scopes=())
    paused = applications.create(scopes=())  # a second credential, deactivated over HTTP as set-up
    applications.account.deactivate_credential(applications.account.credential_id(paused.client_id))
    page = open_page(developer)
    keys = KeysPage(page)

    with flow.step("Open keys page."):
        response = page.goto("/app/keys")
        assert response is not None and response.status == 200, f"/app/keys answered HTTP {response and response.status}"
        expect(keys.heading).to_be_visible()

    with flow.step("Validate client IDs and key states."):
        expect(keys.rows.first).to_be_visible()
        for row in keys.rows.all():
            listed = row.get_attribute("data-client-id") or ""
            client_id = shown_text(row.get_by_test_id("client-id"))
            assert CLIENT_ID.match(client_id), f"a key row shows client ID {client_id!r}"
            assert client_id == listed, f"the key row of {listed} shows client ID {client_id}"
            state = row.get_by_test_id("key-state").get_attribute("data-state")
            assert state in STATES, f"{client_id} has state {state!r}, not one of {STATES}"

    with flow.expected_result("key inventory is visible."):
        for made in (app, paused):
            expect(keys.row(made.client_id)).to_have_count(1)
            shown = shown_text(keys.row(made.client_id).get_by_test_id("client-id"))
            assert shown == made.client_id, f"the key row of {made.client_id} shows client ID {shown!r}"
        expect(keys.state(app.client_id)).to_have_attribute("data-state", "active")
        expect(keys.state(paused.client_id)).to_have_attribute("data-state", "deactivated")
        expect(revealed(keys.action(app.client_id, "Rotate secret"))).to_be_visible()
        for made in (app, paused):
            secret = vault.get(made.secret_name)
            assert secret not in page.content(), "the keys page shows a client secret"
            expect(keys.row(made.client_id)).to_contain_text(secret[-4:])
