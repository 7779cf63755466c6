"""DPF-32 Event-driven integration chain: a real API call raises an event, whose signed delivery arrives, is logged,
and the call itself shows in usage.

Faults of a broken portal this flow must catch:
- an API call that raises no event, or an event whose delivery never arrives;
- a delivery not signed with the secret the endpoint's dialog showed, or carrying other data than the call made
  (type, payment ID, amount);
- a delivery missing from the endpoint's delivery log, or not logged as delivered under its webhook-id;
- the call missing from the usage page under the X-Request-Id the API answered, or with another status;
- **Send test event** that sends nothing, or a test event not signed with the endpoint's secret or not logged as
  delivered.
It must not rely on where the secret dialog's Done link leads (the contract does not say), on more of the event than
the contract's event_data promises, on how many times the event arrives (at least once), or on the unfiltered request
log showing its call (a busy organisation's log is long): it asks the usage page for its application's calls.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import access_token, create_payment
from playbooks.harness.contract import contract
from playbooks.harness.events import about_payment, of_type
from playbooks.harness.controls import revealed, shown_text
from playbooks.harness.pages import SecretDialog, WebhooksPage
from playbooks.harness.polling import reload_until

FLOW_ID = "DPF-32"
DELIVERED = re.compile(r"^\s*delivered\s*$")
REQUEST_ID = contract().api["request_id_header"]


@pytest.mark.dpf(FLOW_ID)
def test_event_driven_integration_chain(flow, open_page, developer, applications, webhook_endpoints, webhook_inbox,
                                        vault, api, secret_on_screen):
    app = applications.create(scopes=("payments",))
    webhook_endpoints.will_remove(webhook_inbox.url)
    page = open_page(developer)
    webhooks = WebhooksPage(page)
    dialog = SecretDialog(page)

    with flow.step("Configure webhook endpoint."):
        page.goto("/app/webhooks")
        with secret_on_screen(page):
            webhooks.url.fill(webhook_inbox.url)
            webhooks.event_type("payment.succeeded").check()
            webhooks.event_type("webhook.test").check()
            webhooks.add.click()
            expect(dialog.root).to_be_visible()
            dialog.keep(vault, f"{app.client_id}.webhook_secret")
            dialog.done.click()
        page.goto("/app/webhooks")
        expect(webhooks.state(webhook_inbox.url)).to_have_attribute("data-state", "active")
        assert re.search(r"\bactive\b", shown_text(webhooks.state(webhook_inbox.url)), re.IGNORECASE), (
            "the endpoint's state reads otherwise than its data-state, active")

    with flow.step("Trigger test event."):
        token = access_token(api, app.client_id, vault.get(app.secret_name))
        answer = create_payment(api, token, 4242)
        assert answer.status_code == 201, f"the payment was refused: HTTP {answer.status_code}"
        payment, request_id = answer.json()["id"], answer.headers[REQUEST_ID]
        page.goto("/app/webhooks")
        revealed(webhooks.action(webhook_inbox.url, "Send test event")).click()

    with flow.step("Validate delivery and usage logs."):
        delivery = webhook_inbox.wait_for(about_payment(payment))
        event = delivery.verify(vault.get(f"{app.client_id}.webhook_secret"))
        tested = webhook_inbox.wait_for(of_type("webhook.test"))
        test_event = tested.verify(vault.get(f"{app.client_id}.webhook_secret"))
        page.goto("/app/webhooks")
        revealed(webhooks.action(webhook_inbox.url, "Delivery logs")).click()
        def delivered(arrived):
            logged = page.locator(f'[data-testid="delivery-row"][data-event-id="{arrived.webhook_id}"]')
            return logged.filter(has=page.get_by_test_id("delivery-state").filter(has_text=DELIVERED))

        # The receiver has the deliveries; the portal records each answer as it reads it: a bounded poll.
        def recorded(timeout: float | None) -> None:
            expect(delivered(delivery)).not_to_have_count(0, timeout=timeout)
            expect(delivered(tested), "the test event is not logged as delivered").not_to_have_count(0, timeout=timeout)

        reload_until(page, recorded, within=webhook_inbox.timeout)
        expect(delivered(delivery).first.get_by_test_id("event-type")).to_have_text("payment.succeeded")
        expect(delivered(tested).first.get_by_test_id("event-type")).to_have_text("webhook.test")
        # The application's own successful calls of the last hour: the contract's usage filters.
        page.goto(f"/app/usage?application={app.id}&window=1h&status=2xx")
        usage = page.locator(f'[data-testid="usage-row"][data-request-id="{request_id}"]')

    with flow.expected_result("webhook delivery is verifiable end-to-end."):
        assert event["type"] == "payment.succeeded", f"the delivery is a {event['type']} event"
        assert event["data"]["id"] == payment and event["data"]["amount"] == 4242, "the event is not the flow's payment"
        assert test_event["type"] == "webhook.test", f"Send test event delivered a {test_event['type']} event"
        expect(usage).to_have_count(1)
        expect(usage).to_have_attribute("data-status", "201")
