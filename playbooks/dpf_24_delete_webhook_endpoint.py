"""DPF-24 Delete webhook endpoint: gone from the list, and nothing is sent to it afterwards.

Faults of a broken portal this flow must catch:
- deletion that does nothing, or only hides the endpoint from the list while it still gets deliveries;
- a delivery to the deleted endpoint that comes late: the flow raises the forbidden event first, then a witness
  event that must reach a second, still-active endpoint, and only once the witness arrived concludes that nothing
  came to the deleted one;
- a deleted endpoint brought back to life by its own routes: a direct POST (with the page's CSRF token) to send it a
  test event or to toggle it must be refused, and nothing may arrive;
- an endpoint that comes back on a fresh load of the page, or deletion that takes the other endpoint with it;
- retries that outlive the endpoint: it is deleted while a delivery to it is being retried (its receiver answers
  503 with Retry-After), and nothing may arrive until well after the retry the delivery log said was due.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import access_token, paid
from playbooks.harness.events import about_payment, event_type
from playbooks.harness.controls import revealed
from playbooks.harness.pages import WebhooksPage
from playbooks.harness.polling import reload_until
from playbooks.harness.shown_times import shown_time

FLOW_ID = "DPF-24"
RETRY_AFTER = 3  # seconds, what the doomed endpoint's receiver asks for with each 503
MARGIN = 1.5  # seconds past the retry that was due, for the portal's clock and its worker's pace


@pytest.mark.dpf(FLOW_ID)
def test_delete_webhook_endpoint(flow, open_page, developer, developer_portal, applications, webhook_endpoints,
                                 webhook_inbox, second_webhook_inbox, vault, api):
    doomed = webhook_endpoints.create(webhook_inbox.url, ["payment.succeeded", "webhook.test"])
    witness = webhook_endpoints.create(second_webhook_inbox.url, ["payment.succeeded"])
    app = applications.create(scopes=("payments",))
    token = access_token(api, app.client_id, vault.get(app.secret_name))
    webhook_inbox.fail_next(1000, status=503, retry_after=RETRY_AFTER)
    developer_portal.send_test_event(doomed.id)
    failed_once = webhook_inbox.wait_for(lambda d: d.answered == 503)
    page = open_page(developer)
    webhooks = WebhooksPage(page)
    page.goto(f"/app/webhooks/{doomed.id}/deliveries")
    retrying = page.locator(f'[data-testid="delivery-row"][data-event-id="{failed_once.webhook_id}"]')
    # the portal records the answer as it reads it: a bounded poll, reloading the log
    reload_until(page, lambda timeout: expect(retrying).to_have_attribute("data-state", "retrying", timeout=timeout),
                 within=webhook_inbox.timeout)
    due = shown_time(retrying.get_by_test_id("next-retry"))
    assert due is not None, "the delivery being retried shows no next-retry time"
    page.goto("/app/webhooks")

    with flow.step("Delete endpoint."):
        revealed(webhooks.action(doomed.url, "Delete")).click()
        page.get_by_role("button", name="Delete permanently").click()
        expect(webhooks.heading).to_be_visible()
        deleted_at = time.time()
        # had the deletion left its retries going, one would arrive by then
        last_failure = max(d.received_at for d in webhook_inbox.received())
        quiet_until = max(due, last_failure + RETRY_AFTER) + MARGIN

    with flow.step("Confirm endpoint removal and no active deliveries."):
        expect(webhooks.row(doomed.url)).to_have_count(0)
        forbidden = paid(api, token, 3333)
        second_webhook_inbox.wait_for(about_payment(forbidden))
        response = page.goto("/app/webhooks")
        assert response is not None and response.status == 200
        expect(webhooks.row(doomed.url)).to_have_count(0)
        expect(webhooks.row(witness.url)).to_have_count(1)
        csrf_token = page.locator('input[name="csrf_token"]').first.get_attribute("value") or ""
        for action in (f"/app/webhooks/{doomed.id}/test", f"/app/webhooks/{doomed.id}/toggle"):
            answer = page.request.post(action, form={"csrf_token": csrf_token}, max_redirects=0)
            assert answer.status >= 400, f"POST {action} for the deleted endpoint answered HTTP {answer.status}"

    with flow.expected_result("endpoint decommission workflow works."):
        witnessed = paid(api, token, 3334)
        second_webhook_inbox.wait_for(about_payment(witnessed))
        # The witness event was raised after the forbidden one (and after the attempts to revive the endpoint) and
        # has arrived: the portal had time to send everything else, and the deleted endpoint must have got nothing.
        sent = [(event_type(d), d.webhook_id) for d in webhook_inbox.received() if d.received_at > deleted_at]
        assert not sent, f"a deleted endpoint still received deliveries: {sent}"
        page.reload()
        expect(webhooks.row(doomed.url)).to_have_count(0)
        webhook_inbox.stays_quiet(since=deleted_at, until=quiet_until)
