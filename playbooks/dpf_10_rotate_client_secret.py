"""DPF-10 Rotate client secret: a new secret shown once, the old one refused as the rotation policy says.

The flow SETS the organisation's rotation policy through the contract's form (`POST /app/keys/policy`, field
`rotation_grace_seconds`) before each rotation, and proves each policy by its effect; it never reads the policy
from the portal to decide what to expect. The organisation's policy is put back when the flow ends.

Shared organisation: the policy belongs to the organisation every flow signs in to. Within one harness run only
this flow changes it, and the other flows that rotate a client secret (DPF-11) only rely on the new secret, which
works under any policy, so changing it cannot break a flow running at the same time. Two harness runs of DPF-10 at
once against one deployment could race each other; that is not supported.

Faults of a broken portal this flow must catch:
- the secret shown after rotation does not work (or rotation shows the old secret again);
- the old secret keeps working after a rotation under the "immediately" (0 s) policy;
- the old secret stops working at once under a 1 hour policy (the grace period is not honoured);
- the policy form is accepted but the policy is not applied (rotations ignore it);
- the keys page does not say when the previous secret stops working during a grace period, or says another time
  than the policy gives (the rotation's time plus the grace period);
- the previous secret still works once the grace period is over: under the contract's shortest grace period
  (5 s), it must be refused once it ends, and not before;
- the page that shows the rotated secret may be cached, or the secret shows again (going back, the keys page, the
  application's page).
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import request_token
from playbooks.harness.contract import contract
from playbooks.harness.controls import revealed, shown_text
from playbooks.harness.one_time_secrets import assert_shown_once, secret_page
from playbooks.harness.pages import KeysPage, SecretDialog
from playbooks.harness.shown_times import shown_time

FLOW_ID = "DPF-10"
SHORTEST_GRACE = min(s for s in contract().promises["rotation_grace_seconds"] if s > 0)
CLOCK_SLACK = 3  # seconds between the portal's clock and this machine's, and the page's rounding
GRACE_END_WAIT = 5  # seconds past the shortest grace period's end within which the previous secret must be refused


@pytest.mark.dpf(FLOW_ID)
def test_rotate_client_secret(flow, open_page, developer, applications, vault, api, secret_on_screen):
    app = applications.create()
    portal = applications.account
    first_secret = vault.get(app.secret_name)
    assert request_token(api, app.client_id, first_secret).status_code == 200, "the new app's secret does not work"
    page = open_page(developer)
    keys = KeysPage(page)
    dialog = SecretDialog(page)
    original_policy = portal.rotation_policy()

    def rotate_in_browser(vault_name: str) -> tuple[float, float]:
        """Rotate, keeping the new secret; when the rotation was asked for, and when it had been done."""
        page.goto("/app/keys")
        asked = time.time()
        revealed(keys.action(app.client_id, "Rotate secret")).click()
        expect(dialog.root).to_be_visible()
        done = time.time()
        assert shown_text(dialog.client_id) == app.client_id, "the rotation dialog shows another client ID"
        dialog.keep(vault, vault_name)
        return asked, done

    try:
        portal.set_rotation_policy(0)  # old secrets stop working at once

        with secret_on_screen(page):
            with flow.step("Trigger Rotate Secret for app."):
                page.goto("/app/keys")
                with secret_page(page) as shown:
                    revealed(keys.action(app.client_id, "Rotate secret")).click()
                expect(dialog.root).to_be_visible()
                assert shown_text(dialog.client_id) == app.client_id, "the rotation dialog shows another client ID"

            with flow.step("Capture one-time rotated secret."):
                dialog.keep(vault, app.secret_name)
                flow.capture("Rotated secret dialog (secret masked)")
                revealed(dialog.done).click()

        with flow.expected_result("new secret is issued and old secret invalidated per policy."):
            second_secret = vault.get(app.secret_name)
            assert second_secret != first_secret, "rotation showed the old secret again"
            assert request_token(api, app.client_id, second_secret).status_code == 200, "the rotated secret is refused"
            old = request_token(api, app.client_id, first_secret)
            assert old.status_code == 401, f"under the 'immediately' policy the old secret still works: HTTP {old.status_code}"
            assert old.json().get("error") == "invalid_client"
            assert_shown_once(page, shown.value, second_secret, [f"/app/apps/{app.id}", "/app/keys"])
            expect(keys.row(app.client_id)).to_contain_text(second_secret[-4:])
            assert shown_text(keys.row(app.client_id).get_by_test_id("client-id")) == app.client_id, (
                "the key row of this client ID shows another")
            expect(keys.row(app.client_id).get_by_test_id("previous-secret-expiry")).to_have_count(0)

            # A one-hour policy: the previous secret keeps working during the grace period, and the page says until when.
            portal.set_rotation_policy(3600)
            with secret_on_screen(page):
                asked, done = rotate_in_browser(f"{app.client_id}.client_secret_3")
                flow.capture("Second rotation, under the 1 hour policy (secret masked)")
                revealed(dialog.done).click()
            third_secret = vault.get(f"{app.client_id}.client_secret_3")
            assert third_secret not in (first_secret, second_secret), "the second rotation showed an earlier secret"
            assert request_token(api, app.client_id, third_secret).status_code == 200, "the newest secret is refused"
            in_grace = request_token(api, app.client_id, second_secret)
            assert in_grace.status_code == 200, (
                f"under the 1 hour policy the previous secret stopped working at once: HTTP {in_grace.status_code}"
            )
            assert request_token(api, app.client_id, first_secret).status_code == 401, "a secret two rotations old works again"
            page.goto("/app/keys")
            expiry = keys.row(app.client_id).get_by_test_id("previous-secret-expiry")
            expect(expiry).to_be_visible()
            expect(keys.row(app.client_id)).to_contain_text(third_secret[-4:])
            assert_expiry_follows_policy(shown_time(expiry), asked, done, 3600)

            # The shortest grace period the contract offers: the previous secret works until it ends, then never.
            portal.set_rotation_policy(SHORTEST_GRACE)
            with secret_on_screen(page):
                asked, done = rotate_in_browser(f"{app.client_id}.client_secret_4")
                revealed(dialog.done).click()
            newest = request_token(api, app.client_id, vault.get(f"{app.client_id}.client_secret_4"))
            assert newest.status_code == 200, f"the newest secret is refused: HTTP {newest.status_code}"
            refused_at = first_refusal(lambda: request_token(api, app.client_id, third_secret).status_code,
                                       until=done + SHORTEST_GRACE + GRACE_END_WAIT, wait=page.wait_for_timeout)
            assert refused_at is not None, (
                f"the previous secret still works {GRACE_END_WAIT} s after its {SHORTEST_GRACE} s grace period ended")
            # both ends on the portal's clock, between this machine's two readings: no clock slack, only rounding
            assert refused_at >= asked + SHORTEST_GRACE - 1, (
                f"the previous secret stopped working {refused_at - asked:.1f} s after the rotation, before its "
                f"{SHORTEST_GRACE} s grace period ended")
    finally:
        portal.set_rotation_policy(original_policy)


def assert_expiry_follows_policy(expiry: float | None, asked: float, done: float, grace_seconds: int) -> None:
    """previous-secret-expiry is the rotation's time plus the policy's grace period."""
    assert expiry is not None, "previous-secret-expiry holds no <time datetime>"
    assert asked + grace_seconds - CLOCK_SLACK <= expiry <= done + grace_seconds + CLOCK_SLACK, (
        f"previous-secret-expiry is {expiry - asked:.0f} s after the rotation; the policy says {grace_seconds} s")


def first_refusal(status, *, until: float, wait) -> float | None:
    """When a call (status() -> HTTP status) was first refused with 401, polling until `until`; None if never."""
    while time.time() < until:
        if status() == 401:
            return time.time()
        wait(200)
    return None
