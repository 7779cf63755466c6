"""DPF-19 Webhooks page baseline: every endpoint with its URL, events, state and last delivery."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.pages import WebhooksPage

FLOW_ID = "DPF-19"
STATES = ("active", "inactive", "disabled")


@pytest.mark.dpf(FLOW_ID)
def test_webhooks_page_baseline(flow, open_page, developer, webhook_endpoints, webhook_inbox):
    known = webhook_endpoints.create(webhook_inbox.url, ["payment.succeeded", "webhook.test"])
    page = open_page(developer)
    webhooks = WebhooksPage(page)

    with flow.step("Open webhooks page."):
        response = page.goto("/app/webhooks")
        assert response is not None and response.status == 200, f"/app/webhooks answered HTTP {response and response.status}"
        expect(webhooks.heading).to_be_visible()

    with flow.step("Validate endpoint list and statuses."):
        expect(webhooks.rows.first).to_be_visible()
        for row in webhooks.rows.all():
            state = row.get_by_test_id("webhook-state").get_attribute("data-state")
            assert state in STATES, f"an endpoint has state {state!r}, not one of {STATES}"
            expect(row.get_by_test_id("webhook-url")).not_to_be_empty()
            expect(row.get_by_test_id("last-delivery")).not_to_be_empty()

    with flow.expected_result("webhook inventory loads."):
        expect(webhooks.row(known.url)).to_have_count(1)
        expect(webhooks.state(known.url)).to_have_attribute("data-state", "active")
        expect(webhooks.row(known.url).get_by_test_id("webhook-events")).to_contain_text("payment.succeeded")
