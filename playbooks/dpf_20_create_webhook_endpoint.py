"""DPF-20 Create webhook endpoint: the signing secret is shown once, and deliveries verify with it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from playbooks.harness.pages import SecretDialog, WebhooksPage, at_path

FLOW_ID = "DPF-20"
SIGNING_SECRET = re.compile(r"^whsec_[A-Za-z0-9+/]{43}=$")


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
            webhooks.event_type("webhook.test").check()
            webhooks.event_type("payment.succeeded").check()
            webhooks.add.click()
            expect(dialog.root).to_be_visible()

        with flow.step("Capture one-time signing secret dialog."):
            secret_name = f"webhook-{webhook_inbox.path.rsplit('/', 1)[-1]}.signing_secret"
            dialog.keep(vault, secret_name)
            flow.capture("Signing secret dialog (secret masked)")
            dialog.done.click()
            expect(page).to_have_url(at_path("/app/webhooks"))

    with flow.expected_result("endpoint created with secret material."):
        secret = vault.get(secret_name)
        assert SIGNING_SECRET.match(secret), "the signing secret is not whsec_ + base64 of 32 bytes"
        assert secret not in page.content(), "the webhooks page shows the signing secret again"
        expect(webhooks.state(webhook_inbox.url)).to_have_attribute("data-state", "active")
        webhook_id = int(webhooks.row(webhook_inbox.url).get_attribute("data-webhook-id") or 0)
        developer_portal.send_test_event(webhook_id)
        delivery = webhook_inbox.wait_for(lambda d: d.event.get("type") == "webhook.test")
        assert delivery.verify(secret)["type"] == "webhook.test", "the delivery does not verify with the secret shown"
