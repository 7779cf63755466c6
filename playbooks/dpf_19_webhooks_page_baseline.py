"""DPF-19 Webhooks page baseline: every endpoint with its URL, events, state and last delivery.

Faults of a broken portal this flow must catch:
- an endpoint the flow created missing from the list;
- a state that is not the endpoint's: the flow makes one endpoint inactive and one active, and each must say so
  (a constant `active`, or a state outside active/inactive/disabled, fails);
- a URL cell that is not the endpoint's URL, or event types other than the ones it was created with;
- a last-delivery cell that does not follow deliveries: after a delivery the flow saw arrive, the active endpoint's
  cell must report it delivered, and differ from the endpoint that never had one;
- no `disabled` state: an endpoint whose receiver answered 410 Gone (which the contract says disables it) must be
  shown disabled, with the reason;
- a state cell whose words are not its data-state (a person reads the words).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fixtures.html_forms import hidden_fields
from fixtures.portal import PortalAccount, PortalContractError
from playbooks.harness.controls import says_state, shown_text
from playbooks.harness.events import event_types_named
from playbooks.harness.pages import WebhooksPage
from playbooks.harness.polling import reload_until

FLOW_ID = "DPF-19"
STATES = ("active", "inactive", "disabled")
DELIVERED = re.compile(r"delivered|succeeded|\b2\d\d\b", re.IGNORECASE)


def toggle(portal: PortalAccount, webhook_id: str) -> None:
    """Set-up: switch an endpoint active <-> inactive through the contract's form (POST /app/webhooks/<id>/toggle)."""
    action = f"/app/webhooks/{webhook_id}/toggle"
    fields = hidden_fields(portal.client.get("/app/webhooks").text, action)
    if "csrf_token" not in fields:
        raise PortalContractError(f"/app/webhooks has no form posting to {action}")
    answer = portal.client.post(action, data=fields)
    if answer.status_code not in (302, 303):
        raise PortalContractError(f"POST {action} answered HTTP {answer.status_code}")


@pytest.mark.dpf(FLOW_ID)
def test_webhooks_page_baseline(flow, open_page, developer, developer_portal, webhook_endpoints, webhook_inbox,
                                second_webhook_inbox, third_webhook_inbox):
    known = webhook_endpoints.create(webhook_inbox.url, ["payment.succeeded", "webhook.test"])
    quiet = webhook_endpoints.create(second_webhook_inbox.url, ["credential.rotated"])
    gone = webhook_endpoints.create(third_webhook_inbox.url, ["webhook.test"])
    toggle(developer_portal, quiet.id)
    third_webhook_inbox.answer_gone()
    developer_portal.send_test_event(known.id)
    developer_portal.send_test_event(gone.id)
    webhook_inbox.wait_for(lambda d: d.event.get("type") == "webhook.test")
    third_webhook_inbox.wait_for(lambda d: d.answered == 410)
    page = open_page(developer)
    webhooks = WebhooksPage(page)

    with flow.step("Open webhooks page."):
        response = page.goto("/app/webhooks")
        assert response is not None and response.status == 200, f"/app/webhooks answered HTTP {response and response.status}"
        expect(webhooks.heading).to_be_visible()

    with flow.step("Validate endpoint list and statuses."):
        expect(webhooks.rows.first).to_be_visible()
        for row in webhooks.rows.all():
            listed = row.get_attribute("data-webhook-url")
            state = row.get_by_test_id("webhook-state").get_attribute("data-state")
            assert state in STATES, f"an endpoint has state {state!r}, not one of {STATES}"
            assert says_state(row.get_by_test_id("webhook-state"), state), (
                f"{listed} is {state!r} in data-state and shows {shown_text(row.get_by_test_id('webhook-state'))!r}")
            assert shown_text(row.get_by_test_id("webhook-url")) == listed, f"the row of {listed} shows another URL"
            expect(row.get_by_test_id("last-delivery")).not_to_be_empty()

    with flow.expected_result("webhook inventory loads."):
        for endpoint, state, events in ((known, "active", {"payment.succeeded", "webhook.test"}),
                                        (quiet, "inactive", {"credential.rotated"})):
            row = webhooks.row(endpoint.url)
            expect(row).to_have_count(1)
            assert shown_text(row.get_by_test_id("webhook-url")) == endpoint.url, f"{endpoint.url} shows another URL"
            expect(webhooks.state(endpoint.url)).to_have_attribute("data-state", state)
            shown = event_types_named(shown_text(row.get_by_test_id("webhook-events")))
            assert shown == events, f"{endpoint.url} shows events {sorted(shown)}; it was created with {sorted(events)}"
        delivered = webhooks.row(known.url).get_by_test_id("last-delivery")
        # The receiver saw the deliveries arrive; the portal records each as it gets the answer: a bounded poll.
        def recorded(timeout: float | None) -> None:
            expect(webhooks.state(gone.url), "an endpoint answered 410 Gone is not disabled").to_have_attribute(
                "data-state", "disabled", timeout=timeout)
            expect(delivered, "the last delivery, which arrived, is not reported delivered").to_have_text(
                DELIVERED, timeout=timeout)

        reload_until(page, recorded, within=webhook_inbox.timeout)
        assert says_state(webhooks.state(gone.url), "disabled"), "the disabled endpoint's state reads otherwise"
        expect(webhooks.row(gone.url).get_by_test_id("disabled-reason")).not_to_be_empty()
        never = shown_text(webhooks.row(quiet.url).get_by_test_id("last-delivery"))
        expect(delivered).not_to_have_text(never)
