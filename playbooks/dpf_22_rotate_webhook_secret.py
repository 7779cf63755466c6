"""DPF-22 Rotate webhook secret: a new secret shown once, and deliveries verify with it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.pages import SecretDialog, WebhooksPage

FLOW_ID = "DPF-22"


@pytest.mark.dpf(FLOW_ID)
def test_rotate_webhook_secret(flow, open_page, developer, developer_portal, webhook_endpoints, webhook_inbox, vault,
                               secret_on_screen):
    endpoint = webhook_endpoints.create(webhook_inbox.url, ["webhook.test"])
    old_secret = vault.get(endpoint.secret_name)
    page = open_page(developer)
    webhooks = WebhooksPage(page)
    dialog = SecretDialog(page)
    page.goto("/app/webhooks")

    with secret_on_screen(page):
        with flow.step("Trigger secret rotation."):
            webhooks.action(endpoint.url, "Rotate secret").click()
            expect(dialog.root).to_be_visible()

        with flow.step("Capture new secret value."):
            dialog.keep(vault, endpoint.secret_name)
            flow.capture("Rotated signing secret (masked)")
            dialog.done.click()
            expect(webhooks.heading).to_be_visible()

    with flow.expected_result("new signing secret issued."):
        new_secret = vault.get(endpoint.secret_name)
        assert new_secret.startswith("whsec_") and new_secret != old_secret, "rotation did not issue a new secret"
        developer_portal.send_test_event(endpoint.id)
        delivery = webhook_inbox.wait_for(lambda d: d.event.get("type") == "webhook.test")
        assert delivery.verify(new_secret)["type"] == "webhook.test", "deliveries do not verify with the new secret"
