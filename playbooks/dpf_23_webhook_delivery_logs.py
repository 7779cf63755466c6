"""DPF-23 Webhook delivery logs: a failed attempt, its status code and the successful retry are all visible.

Faults of a broken portal this flow must catch:
- a failed attempt that is never retried (the receiver answers 503 once; the retry must arrive, same webhook-id);
- a log that hides an attempt, or shows attempts without their HTTP status, or statuses other than the answers the
  receiver really gave (503, then 200);
- a delivery not shown as delivered, the wrong attempt count, or the wrong event type;
- a delivery still being retried without `next-retry`, or with a time that is not its next attempt: the receiver
  answers 503 with Retry-After 30, so the next attempt is due 30 s after the one that arrived (not sooner, as the
  contract says, and not later than the schedule's next step from there);
- a delivery that never reaches `failed`: pressing Send test event while the receiver answers 410 Gone (the one
  answer the contract makes final at once; the whole retry schedule lasts a day and a half) must log it failed;
- a state cell whose words differ from its data-state.
It must not rely on the order of deliveries or attempts on the page (newest first is as good as oldest first), or on
how many times a delivered event arrives (delivery is at least once: a duplicate under the same webhook-id is fine).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.controls import button, heading, revealed, shown_text
from playbooks.harness.pages import WebhooksPage, at_path
from playbooks.harness.polling import reload_until
from playbooks.harness.shown_times import shown_time

FLOW_ID = "DPF-23"
RETRY_AFTER = 30  # seconds, what the receiver asks for with its 503
CLOCK_SLACK = 3  # seconds between the portal's clock and this machine's, and the page's rounding


def reload_until_state(page, delivery, state: str, within: float) -> None:
    """The receiver has the answer; the portal records it as it reads it: a bounded poll, reloading the log."""
    reload_until(page, lambda timeout: expect(delivery).to_have_attribute("data-state", state, timeout=timeout),
                 within=within)


@pytest.mark.dpf(FLOW_ID)
def test_webhook_delivery_logs(flow, open_page, developer, developer_portal, webhook_endpoints, webhook_inbox,
                               second_webhook_inbox):
    endpoint = webhook_endpoints.create(webhook_inbox.url, ["webhook.test"])
    # a second endpoint for the retry still due and the delivery that fails: an event to the first may arrive again
    # (at least once), and must not take the answers meant for these
    failing = webhook_endpoints.create(second_webhook_inbox.url, ["webhook.test"])
    webhook_inbox.fail_next(1, status=503)
    developer_portal.send_test_event(endpoint.id)
    first = webhook_inbox.wait_for(lambda d: d.answered == 503)
    retried = webhook_inbox.wait_for(lambda d: d.answered == 200 and d.webhook_id == first.webhook_id)
    second_webhook_inbox.fail_next(1, status=503, retry_after=RETRY_AFTER)
    developer_portal.send_test_event(failing.id)
    waiting = second_webhook_inbox.wait_for(lambda d: d.answered == 503)
    page = open_page(developer)

    with flow.step("Open delivery logs tab."):
        page.goto("/app/webhooks")
        revealed(WebhooksPage(page).action(endpoint.url, "Delivery logs")).click()
        expect(page).to_have_url(at_path(f"/app/webhooks/{endpoint.id}/deliveries"))
        expect(heading(page, "Delivery logs")).to_be_visible()

    delivery = page.locator(f'[data-testid="delivery-row"][data-event-id="{retried.webhook_id}"]')
    with flow.step("Validate status, response codes, and retry visibility."):
        reload_until_state(page, delivery, "delivered", webhook_inbox.timeout)
        expect(delivery).to_have_count(1)
        expect(delivery.get_by_test_id("delivery-state")).to_have_text("delivered", ignore_case=True)
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

        page.goto(f"/app/webhooks/{failing.id}/deliveries")
        retrying = page.locator(f'[data-testid="delivery-row"][data-event-id="{waiting.webhook_id}"]')
        reload_until_state(page, retrying, "retrying", webhook_inbox.timeout)
        expect(retrying.get_by_test_id("delivery-state")).to_have_text("retrying", ignore_case=True)
        expect(retrying.get_by_test_id("attempt-count")).to_have_text("1")
        due = shown_time(retrying.get_by_test_id("next-retry"))
        assert due is not None, f"a delivery being retried shows no next-retry time: {shown_text(retrying)!r}"
        earliest, latest = waiting.received_at + RETRY_AFTER, waiting.received_at + RETRY_AFTER * 1.1
        assert earliest - CLOCK_SLACK <= due <= latest + CLOCK_SLACK, (
            f"next-retry is {due - waiting.received_at:+.0f} s from the failed attempt; the receiver asked for "
            f"Retry-After {RETRY_AFTER} s"
        )

        # 410 Gone ends a delivery at once: pressed as a person would, the test event must be logged failed.
        second_webhook_inbox.answer_gone()
        revealed(button(page, "Send test event")).click()
        gone = second_webhook_inbox.wait_for(lambda d: d.answered == 410)
        failed = page.locator(f'[data-testid="delivery-row"][data-event-id="{gone.webhook_id}"]')
        reload_until_state(page, failed, "failed", webhook_inbox.timeout)
        expect(failed.get_by_test_id("delivery-state")).to_have_text("failed", ignore_case=True)
        gone_id = failed.get_attribute("data-delivery-id")
        expect(page.locator(f'[data-testid="attempt-row"][data-delivery-id="{gone_id}"]')).to_have_attribute(
            "data-status", "410")
