"""DPF-33 Security hardening chain (/app/keys -> /app/webhooks -> /app/security/2fa): an API secret and a webhook
signing secret rotated, and 2FA on, each proven by its effect.

Runs as the `developer_2fa` persona: 2FA on, and admin of an organisation no other flow shares, because the flow
SETS that organisation's rotation policy to "immediately" (0 s) so that "the old secret is refused" is a promise it
can hold the portal to; the policy is put back when the flow ends. Its application and endpoint are made over HTTP
and removed afterwards, passed or failed.

Faults of a broken portal this flow must catch:
- the rotated API secret does not work, or the old one still does under the "immediately" policy;
- a rotated signing secret that deliveries are not signed with (verified with the standardwebhooks package);
- the 2FA page saying "off" for the persona, or a sign-in that asks for no code (or refuses the right one, or takes
  a wrong one or one it has taken before).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import request_token
from playbooks.harness.controls import revealed, shown_text
from playbooks.harness.pages import KeysPage, SecretDialog, WebhooksPage
from playbooks.harness.two_factor import TwoFactorPage, authenticator_for, prove_second_factor_enforced

FLOW_ID = "DPF-33"
CODE_TRIES = 2  # another worker (process) signing the same persona in may have used this time step's code


@pytest.mark.dpf(FLOW_ID)
def test_security_hardening_chain(flow, open_page, developer_2fa, data_of, webhook_inbox, vault, api, target,
                                  secret_on_screen):
    mine = data_of(developer_2fa)
    portal = mine.account
    app = mine.applications.create()
    first_secret = vault.get(app.secret_name)
    assert request_token(api, app.client_id, first_secret).status_code == 200, "the new app's secret does not work"
    endpoint = mine.webhook_endpoints.create(webhook_inbox.url, ["webhook.test"])
    first_signing_secret = vault.get(endpoint.secret_name)
    page = open_page(developer_2fa)
    keys, webhooks, dialog, two_factor = KeysPage(page), WebhooksPage(page), SecretDialog(page), TwoFactorPage(page)
    original_policy = portal.rotation_policy()
    try:
        portal.set_rotation_policy(0)  # a rotated-away secret stops working at once

        with secret_on_screen(page):
            with flow.step("Rotate API secret."):
                page.goto("/app/keys")
                revealed(keys.action(app.client_id, "Rotate secret")).click()
                expect(dialog.root).to_be_visible()
                assert shown_text(dialog.client_id) == app.client_id, "the secret dialog shows another client ID"
                dialog.keep(vault, app.secret_name)
                flow.capture("Rotated client secret (masked)")
                dialog.done.click()

            with flow.step("Rotate webhook secret."):
                page.goto("/app/webhooks")
                revealed(webhooks.action(endpoint.url, "Rotate secret")).click()
                expect(dialog.root).to_be_visible()
                dialog.keep(vault, endpoint.secret_name)
                flow.capture("Rotated signing secret (masked)")
                dialog.done.click()

        with flow.step("Verify 2FA enabled."):
            page.goto("/app/security/2fa")
            expect(two_factor.heading).to_be_visible()
            expect(two_factor.state).to_have_attribute("data-state", "on")
            flow.capture("2FA page")

        with flow.expected_result("developer account and app credentials are hardened."):
            new_secret = vault.get(app.secret_name)
            assert new_secret != first_secret, "rotation showed the old client secret again"
            assert request_token(api, app.client_id, new_secret).status_code == 200, "the rotated client secret is refused"
            old = request_token(api, app.client_id, first_secret)
            assert old.status_code == 401, f"under the 'immediately' policy the old client secret still works: HTTP {old.status_code}"
            assert old.json().get("error") == "invalid_client"

            new_signing_secret = vault.get(endpoint.secret_name)
            assert new_signing_secret != first_signing_secret, "rotation did not issue a new signing secret"
            portal.send_test_event(endpoint.id)
            delivery = webhook_inbox.wait_for(lambda d: d.event.get("type") == "webhook.test")
            assert delivery.verify(new_signing_secret)["type"] == "webhook.test", "deliveries do not verify with the new secret"

            assert developer_2fa.totp_secret, f"{developer_2fa.key} has no TOTP secret to sign in with"
            authenticator = authenticator_for(developer_2fa.totp_secret, portal=target.base_url)
            prove_second_factor_enforced(target.base_url, developer_2fa, authenticator, tries=CODE_TRIES)
    finally:
        portal.set_rotation_policy(original_policy)
