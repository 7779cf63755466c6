"""DPF-21 Toggle webhook active/inactive: nothing is delivered while inactive; deliveries resume when reactivated.

Faults of a broken portal this flow must catch:
- an event raised while the endpoint is inactive delivered to it, at once or late: the flow raises it, then raises
  a witness event that must reach a second, still-active endpoint, and only once the witness arrived concludes
  that nothing came to the inactive one;
- events queued while inactive and delivered once the endpoint is active again (the contract: not queued); an
  event raised after reactivation must arrive, and the one raised while inactive still must not;
- a toggle that does not deactivate, or does not reactivate (state on the page, after a fresh load, and deliveries);
- a page that shows a person another state than its data holds.
"""

from __future__ import annotations

import pytest

from playbooks.harness.api_calls import access_token, paid
from playbooks.harness.events import about_payment
from playbooks.harness.controls import revealed
from playbooks.harness.pages import WebhooksPage

FLOW_ID = "DPF-21"


@pytest.mark.dpf(FLOW_ID)
def test_toggle_webhook_active_inactive(flow, open_page, developer, applications, webhook_endpoints, webhook_inbox,
                                         second_webhook_inbox, vault, api):
    endpoint = webhook_endpoints.create(webhook_inbox.url, ["payment.succeeded"])
    witness = webhook_endpoints.create(second_webhook_inbox.url, ["payment.succeeded"])
    app = applications.create(scopes=("payments",))
    token = access_token(api, app.client_id, vault.get(app.secret_name))
    page = open_page(developer)
    webhooks = WebhooksPage(page)
    page.goto("/app/webhooks")

    with flow.step("Deactivate endpoint."):
        revealed(webhooks.action(endpoint.url, "Deactivate")).click()
        webhooks.expect_state(endpoint.url, "inactive")
        page.goto("/app/webhooks")
        webhooks.expect_state(endpoint.url, "inactive")
        webhooks.expect_state(witness.url, "active")
        while_inactive = paid(api, token, 1111)
        witness_payment = paid(api, token, 1112)
        # Both events reach the active endpoint; the second one was raised after the forbidden one.
        second_webhook_inbox.wait_for(about_payment(while_inactive))
        second_webhook_inbox.wait_for(about_payment(witness_payment))
        assert not webhook_inbox.received(), "an inactive endpoint received a delivery"

    with flow.step("Reactivate endpoint."):
        revealed(webhooks.action(endpoint.url, "Activate")).click()
        webhooks.expect_state(endpoint.url, "active")
        after = paid(api, token, 2222)

    with flow.expected_result("toggle state updates correctly."):
        webhook_inbox.wait_for(about_payment(after))
        second_webhook_inbox.wait_for(about_payment(after))
        # Other events may arrive too (other flows' payments, a duplicate of `after`): only the flow's own two
        # payments raised while the endpoint was inactive must never come.
        raised_while_inactive = (about_payment(while_inactive), about_payment(witness_payment))
        late = [d.webhook_id for d in webhook_inbox.received() if any(m(d) for m in raised_while_inactive)]
        assert not late, f"events raised while the endpoint was inactive were delivered after all: {late}"
        page.goto("/app/webhooks")
        webhooks.expect_state(endpoint.url, "active")
