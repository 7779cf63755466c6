"""DPF-20 Create webhook endpoint: the signing secret is shown once, and deliveries verify with it.

Faults of a broken portal this flow must catch:
- deliveries signed with another secret than the one shown (verified with the standardwebhooks package);
- a secret not in the contract's format (`whsec_` + base64 of 32 bytes);
- the page that shows the secret may be cached (Cache-Control without no-store), or the secret shows again once
  the dialog is gone: going back, on the endpoint's delivery log, on a fresh load of the list;
- an endpoint stored inactive, under another URL, or with other event types than the ones chosen;
- no delivery at all to the new endpoint.
It must not rely on where the dialog's Done link leads (the contract does not say).
"""

from __future__ import annotations


import pytest
from playwright.sync_api import expect

from playbooks.harness.contract import contract
from playbooks.harness.controls import revealed, shown_text
from playbooks.harness.events import event_types_named
from playbooks.harness.one_time_secrets import assert_shown_once, secret_page
from playbooks.harness.pages import SecretDialog, WebhooksPage

FLOW_ID = "DPF-20"
SIGNING_SECRET = contract().secrets["webhook_secret"]
CHOSEN = {"webhook.test", "payment.succeeded"}


@pytest.mark.dpf(FLOW_ID)
def test_create_webhook_endpoint(flow, open_page, developer, developer_portal, webhook_endpoints, webhook_inbox, vault,
                                 secret_on_screen):
    webhook_endpoints.will_remove(webhook_inbox.url)
    page = open_page(developer)
    webhooks = WebhooksPage(page)
    dialog = SecretDialog(page)
    page.goto("/app/webhooks")

    with secret_on_screen(page):
        with flow.step("Create endpoint with event type and callback URL."):
            webhooks.url.fill(webhook_inbox.url)
            for event_type in sorted(CHOSEN):
                webhooks.event_type(event_type).check()
            with secret_page(page) as shown:
                revealed(webhooks.add).click()
            expect(dialog.root).to_be_visible()

        with flow.step("Capture one-time signing secret dialog."):
            secret_name = f"webhook-{webhook_inbox.path.rsplit('/', 1)[-1]}.signing_secret"
            dialog.keep(vault, secret_name)
            flow.capture("Signing secret dialog (secret masked)")
            revealed(dialog.done).click()

    with flow.expected_result("endpoint created with secret material."):
        secret = vault.get(secret_name)
        assert SIGNING_SECRET.fullmatch(secret), "the signing secret is not whsec_ + base64 of 32 bytes"
        listed = [r for r in developer_portal.webhooks() if r.get("data-webhook-url") == webhook_inbox.url]
        assert len(listed) == 1, f"the new endpoint is listed {len(listed)} times"
        webhook_id = listed[0].get("data-webhook-id", "")
        assert contract().is_id(webhook_id), f"the endpoint's row has data-webhook-id {webhook_id!r}"
        assert_shown_once(page, shown.value, secret, [f"/app/webhooks/{webhook_id}/deliveries", "/app/webhooks"])
        row = webhooks.row(webhook_inbox.url)
        expect(row).to_have_count(1)
        webhooks.expect_state(webhook_inbox.url, "active")
        events = shown_text(row.get_by_test_id("webhook-events"))
        shown = event_types_named(events)
        assert shown == CHOSEN, f"the endpoint shows events {sorted(shown)}; the flow chose {sorted(CHOSEN)}"
        expect(row).to_have_attribute("data-webhook-id", webhook_id)
        developer_portal.send_test_event(webhook_id)
        delivery = webhook_inbox.wait_for(lambda d: d.event.get("type") == "webhook.test")
        assert delivery.verify(secret)["type"] == "webhook.test", "the delivery does not verify with the secret shown"
