"""DPF-32 Event-driven integration chain: a real API call raises an event, whose signed delivery arrives, is logged,
and the call itself shows in usage."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import access_token, create_payment
from playbooks.harness.pages import SecretDialog, WebhooksPage

FLOW_ID = "DPF-32"


@pytest.mark.dpf(FLOW_ID)
def test_event_driven_integration_chain(flow, open_page, developer, applications, webhook_endpoints, webhook_inbox,
                                        vault, api, secret_on_screen):
    app = applications.create()
    webhook_endpoints.will_remove(webhook_inbox.url)
    page = open_page(developer)
    webhooks = WebhooksPage(page)
    dialog = SecretDialog(page)

    with flow.step("Configure webhook endpoint."):
        page.goto("/app/webhooks")
        with secret_on_screen(page):
            webhooks.url.fill(webhook_inbox.url)
            webhooks.event_type("payment.succeeded").check()
            webhooks.add.click()
            dialog.keep(vault, f"{app.client_id}.webhook_secret")
            dialog.done.click()
        expect(webhooks.state(webhook_inbox.url)).to_have_attribute("data-state", "active")

    with flow.step("Trigger test event."):
        token = access_token(api, app.client_id, vault.get(app.secret_name))
        answer = create_payment(api, token, 4242)
        assert answer.status_code == 201, f"the payment was refused: HTTP {answer.status_code}"
        payment, request_id = answer.json()["id"], answer.headers["x-request-id"]

    with flow.step("Validate delivery and usage logs."):
        delivery = webhook_inbox.wait_for(lambda d: d.event["data"].get("id") == payment)
        event = delivery.verify(vault.get(f"{app.client_id}.webhook_secret"))
        page.goto("/app/webhooks")
        webhooks.action(webhook_inbox.url, "Delivery logs").click()
        logged = page.locator(f'[data-testid="delivery-row"][data-event-id="{delivery.webhook_id}"]')
        expect(logged).to_have_count(1)
        expect(logged.get_by_test_id("delivery-state")).to_have_text("delivered")
        page.goto("/app/usage")
        usage = page.locator(f'[data-testid="usage-row"][data-request-id="{request_id}"]')

    with flow.expected_result("webhook delivery is verifiable end-to-end."):
        assert event["type"] == "payment.succeeded" and event["data"]["amount"] == 4242
        expect(usage).to_have_count(1)
        expect(usage).to_have_attribute("data-status", "201")
