"""DPF-22 Rotate webhook secret: a new secret shown once, and deliveries verify with it.

Faults of a broken portal this flow must catch:
- a new secret shown that deliveries are not signed with (verified with the standardwebhooks package);
- the old signature dropped at once instead of the promised overlap: a delivery right after the rotation must
  verify with BOTH the old and the new secret (two signatures in `webhook-signature`);
- a rotated secret not in the contract's format, or the same secret again;
- the page that shows the new secret may be cached, or the secret shows again once the dialog is gone (going back,
  the endpoint's delivery log, the list).
It must not rely on where the dialog's Done link leads (the contract does not say).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.contract import contract
from playbooks.harness.controls import revealed
from playbooks.harness.one_time_secrets import assert_shown_once, secret_page
from playbooks.harness.pages import SecretDialog, WebhooksPage

FLOW_ID = "DPF-22"
SIGNING_SECRET = contract().secrets["webhook_secret"]
OVERLAP_SECONDS = contract().promises["webhook_signature_overlap_seconds"]


@pytest.mark.dpf(FLOW_ID)
def test_rotate_webhook_secret(flow, open_page, developer, developer_portal, webhook_endpoints, webhook_inbox, vault,
                               secret_on_screen):
    endpoint = webhook_endpoints.create(webhook_inbox.url, ["webhook.test"])
    old_secret = vault.get(endpoint.secret_name)
    developer_portal.send_test_event(endpoint.id)
    before = webhook_inbox.wait_for(lambda d: d.event.get("type") == "webhook.test")
    before.verify(old_secret)  # set-up: the endpoint's first secret works before the rotation
    page = open_page(developer)
    webhooks = WebhooksPage(page)
    dialog = SecretDialog(page)
    page.goto("/app/webhooks")

    with secret_on_screen(page):
        with flow.step("Trigger secret rotation."):
            with secret_page(page) as shown:
                revealed(webhooks.action(endpoint.url, "Rotate secret")).click()
            expect(dialog.root).to_be_visible()

        with flow.step("Capture new secret value."):
            dialog.keep(vault, endpoint.secret_name)
            flow.capture("Rotated signing secret (masked)")
            revealed(dialog.done).click()

    with flow.expected_result("new signing secret issued."):
        new_secret = vault.get(endpoint.secret_name)
        assert SIGNING_SECRET.fullmatch(new_secret), "the rotated secret is not whsec_ + base64 of 32 bytes"
        assert new_secret != old_secret, "rotation did not issue a new secret"
        assert_shown_once(page, shown.value, new_secret, [f"/app/webhooks/{endpoint.id}/deliveries", "/app/webhooks"])
        developer_portal.send_test_event(endpoint.id)
        delivery = webhook_inbox.wait_for(lambda d: d.event.get("type") == "webhook.test" and d.webhook_id != before.webhook_id)
        assert delivery.verify(new_secret)["type"] == "webhook.test", "deliveries do not verify with the new secret"
        # The promised overlap (webhook_signature_overlap_seconds, 24 h): right after the rotation the old secret
        # still verifies, so receivers can switch over without losing events.
        try:
            delivery.verify(old_secret)
        except Exception as refused:  # noqa: BLE001 - standardwebhooks raises its own error type
            raise AssertionError(
                f"a delivery right after the rotation does not verify with the old secret ({refused}); the contract "
                f"promises both signatures for {OVERLAP_SECONDS} s"
            ) from None
        signatures = delivery.headers.get("webhook-signature", "").split()
        assert len(signatures) >= 2, f"a delivery right after the rotation carries {len(signatures)} signature(s), not two"
