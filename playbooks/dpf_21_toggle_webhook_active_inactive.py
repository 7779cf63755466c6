"""DPF-21 Toggle webhook active/inactive: nothing is delivered while inactive; deliveries resume when reactivated."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import access_token, create_payment
from playbooks.harness.pages import WebhooksPage

FLOW_ID = "DPF-21"


@pytest.mark.dpf(FLOW_ID)
def test_toggle_webhook_active_inactive(flow, open_page, developer, applications, webhook_endpoints, webhook_inbox,
                                         vault, api):
    endpoint = webhook_endpoints.create(webhook_inbox.url, ["payment.succeeded"])
    app = applications.create()
    token = access_token(api, app.client_id, vault.get(app.secret_name))
    page = open_page(developer)
    webhooks = WebhooksPage(page)
    page.goto("/app/webhooks")

    with flow.step("Deactivate endpoint."):
        webhooks.action(endpoint.url, "Deactivate").click()
        expect(webhooks.state(endpoint.url)).to_have_attribute("data-state", "inactive")
        while_inactive = create_payment(api, token, 1111).json()["id"]

    with flow.step("Reactivate endpoint."):
        webhooks.action(endpoint.url, "Activate").click()
        expect(webhooks.state(endpoint.url)).to_have_attribute("data-state", "active")
        after = create_payment(api, token, 2222).json()["id"]

    with flow.expected_result("toggle state updates correctly."):
        webhook_inbox.wait_for(lambda d: d.event["data"].get("id") == after)
        sent_while_inactive = [d for d in webhook_inbox.received() if d.event["data"].get("id") == while_inactive]
        assert not sent_while_inactive, "an event raised while the endpoint was inactive was delivered"
        page.reload()
        expect(webhooks.state(endpoint.url)).to_have_attribute("data-state", "active")
