"""DPF-23 Webhook delivery logs: a failed attempt, its status code and the successful retry are all visible."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.pages import WebhooksPage, at_path

FLOW_ID = "DPF-23"


@pytest.mark.dpf(FLOW_ID)
def test_webhook_delivery_logs(flow, open_page, developer, developer_portal, webhook_endpoints, webhook_inbox):
    endpoint = webhook_endpoints.create(webhook_inbox.url, ["webhook.test"])
    webhook_inbox.fail_next(1, status=503)
    developer_portal.send_test_event(endpoint.id)
    first = webhook_inbox.wait_for(lambda d: d.answered == 503)
    retried = webhook_inbox.wait_for(lambda d: d.answered == 200 and d.webhook_id == first.webhook_id)
    page = open_page(developer)

    with flow.step("Open delivery logs tab."):
        page.goto("/app/webhooks")
        WebhooksPage(page).action(endpoint.url, "Delivery logs").click()
        expect(page).to_have_url(at_path(f"/app/webhooks/{endpoint.id}/deliveries"))
        expect(page.get_by_role("heading", level=1, name="Delivery logs")).to_be_visible()

    delivery = page.locator(f'[data-testid="delivery-row"][data-event-id="{retried.webhook_id}"]')
    with flow.step("Validate status, response codes, and retry visibility."):
        expect(delivery).to_have_count(1)
        expect(delivery.get_by_test_id("delivery-state")).to_have_text("delivered")
        expect(delivery.get_by_test_id("attempt-count")).to_have_text("2")
        delivery_id = delivery.get_attribute("data-delivery-id")
        attempts = page.locator(f'[data-testid="attempt-row"][data-delivery-id="{delivery_id}"]')
        expect(attempts).to_have_count(2)

    with flow.expected_result("delivery observability is available."):
        expect(attempts.nth(0)).to_have_attribute("data-status", "503")
        expect(attempts.nth(1)).to_have_attribute("data-status", "200")
        expect(delivery.get_by_test_id("event-type")).to_have_text("webhook.test")
