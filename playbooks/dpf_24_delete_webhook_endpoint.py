"""DPF-24 Delete webhook endpoint: gone from the list, and nothing is sent to it afterwards."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import access_token, create_payment
from playbooks.harness.pages import WebhooksPage

FLOW_ID = "DPF-24"


@pytest.mark.dpf(FLOW_ID)
def test_delete_webhook_endpoint(flow, open_page, developer, applications, webhook_endpoints, webhook_inbox,
                                 second_webhook_inbox, vault, api):
    doomed = webhook_endpoints.create(webhook_inbox.url, ["payment.succeeded"])
    witness = webhook_endpoints.create(second_webhook_inbox.url, ["payment.succeeded"])
    app = applications.create()
    token = access_token(api, app.client_id, vault.get(app.secret_name))
    page = open_page(developer)
    webhooks = WebhooksPage(page)
    page.goto("/app/webhooks")

    with flow.step("Delete endpoint."):
        webhooks.action(doomed.url, "Delete").click()
        page.get_by_role("button", name="Delete permanently").click()
        expect(webhooks.heading).to_be_visible()

    with flow.step("Confirm endpoint removal and no active deliveries."):
        expect(webhooks.row(doomed.url)).to_have_count(0)
        payment = create_payment(api, token, 3333).json()["id"]
        second_webhook_inbox.wait_for(lambda d: d.event["data"].get("id") == payment)

    with flow.expected_result("endpoint decommission workflow works."):
        # The witness endpoint got the event, so the portal sent it: the deleted endpoint must have got nothing.
        assert not webhook_inbox.received(), "a deleted endpoint still received deliveries"
        expect(webhooks.row(witness.url)).to_have_count(1)
