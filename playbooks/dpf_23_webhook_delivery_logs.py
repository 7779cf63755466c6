"""DPF-23 Webhook delivery logs: a failed attempt, its status code and the successful retry are all visible.

Faults of a broken portal this flow must catch:
- a failed attempt that is never retried (the receiver answers 503 once; the retry must arrive, same webhook-id);
- a log that hides an attempt, or shows attempts without their HTTP status, or statuses other than the answers the
  receiver really gave (503, then 200);
- a delivery not shown as delivered, the wrong attempt count, or the wrong event type.
It must not rely on the order of deliveries or attempts on the page (newest first is as good as oldest first), or on
how many times a delivered event arrives (delivery is at least once: a duplicate under the same webhook-id is fine).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.controls import heading, revealed
from playbooks.harness.pages import WebhooksPage, at_path

FLOW_ID = "DPF-23"
POLLS = 20


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
        revealed(WebhooksPage(page).action(endpoint.url, "Delivery logs")).click()
        expect(page).to_have_url(at_path(f"/app/webhooks/{endpoint.id}/deliveries"))
        expect(heading(page, "Delivery logs")).to_be_visible()

    delivery = page.locator(f'[data-testid="delivery-row"][data-event-id="{retried.webhook_id}"]')
    with flow.step("Validate status, response codes, and retry visibility."):
        # The receiver has the answer; the portal records it as it reads it: a bounded poll, reloading the log.
        for _ in range(POLLS):
            try:
                expect(delivery.get_by_test_id("delivery-state")).to_have_text("delivered", timeout=1000)
                break
            except AssertionError:
                page.reload()
        expect(delivery).to_have_count(1)
        expect(delivery.get_by_test_id("delivery-state")).to_have_text("delivered")
        delivery_id = delivery.get_attribute("data-delivery-id")
        attempts = page.locator(f'[data-testid="attempt-row"][data-delivery-id="{delivery_id}"]')
        expect(attempts).not_to_have_count(0)
        expect(delivery.get_by_test_id("attempt-count")).to_have_text(str(attempts.count()))

    with flow.expected_result("delivery observability is available."):
        arrived = [d for d in webhook_inbox.received() if d.webhook_id == first.webhook_id]
        answered = {str(d.answered) for d in arrived}
        logged = [attempt.get_attribute("data-status") or "" for attempt in attempts.all()]
        assert answered == {"503", "200"}, f"the receiver answered {sorted(answered)}, not a 503 and then a 200"
        assert set(logged) == answered, f"the log shows attempt statuses {logged}; the receiver answered {sorted(answered)}"
        assert len(logged) <= len(arrived), f"the log shows {len(logged)} attempts; {len(arrived)} reached the receiver"
        expect(delivery.get_by_test_id("event-type")).to_have_text("webhook.test")
