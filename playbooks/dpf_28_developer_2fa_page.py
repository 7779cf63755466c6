"""DPF-28 Developer 2FA page (/app/security/2fa): the state shown is the account's real state, with set-up guidance
and a way to account settings.

The state a page shows is proven against the sign-in itself: for the persona with 2FA on, and for the developer
persona, the flow signs in with the password alone (over HTTP, in a fresh client) and sees whether the portal asks
for a code; for the persona with 2FA on it proves the code enforced too (a wrong one and a replayed one refused, the
authenticator's accepted). The flow changes no one's 2FA.

Faults of a broken portal this flow must catch:
- the page says "on" for an account whose sign-in asks for no code, or "off" for one whose sign-in does;
- a second step that takes any six digits, or a code it has taken before;
- no "since when" or no count of recovery codes left while 2FA is on;
- no guidance on authenticator apps, or on what to do when the phone is lost;
- no link to account settings, or one that leads elsewhere.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from playbooks.harness.controls import revealed
from playbooks.harness.pages import at_path
from playbooks.harness.two_factor import (AccountSecurityPage, TwoFactorPage, asks_for_code, authenticator_for,
                                          prove_second_factor_enforced)

FLOW_ID = "DPF-28"


@pytest.mark.dpf(FLOW_ID)
def test_developer_2fa_page(flow, open_page, developer_2fa, developer, target):
    page = open_page(developer_2fa)
    two_factor = TwoFactorPage(page)

    with flow.step("Open 2FA page."):
        response = page.goto("/app/security/2fa")
        assert response is not None and response.status == 200, f"GET /app/security/2fa: HTTP {response and response.status}"
        expect(two_factor.heading).to_be_visible()

    with flow.step("Validate state and setup guidance."):
        expect(two_factor.state).to_have_attribute("data-state", "on")
        expect(two_factor.since).to_be_visible()
        expect(two_factor.codes_left).to_have_attribute("data-count", re.compile(r"^\d+$"))
        codes_left = two_factor.codes_left.get_attribute("data-count")
        assert str(two_factor.shown_codes_left()) == codes_left, f"the page shows other than {codes_left} codes left"
        expect(two_factor.guidance).to_be_visible()
        expect(two_factor.apps).to_be_visible()
        expect(two_factor.apps).to_have_text(re.compile(r"\w"))  # names apps, as a list or in a sentence
        expect(two_factor.lost_phone).to_be_visible()
        expect(two_factor.lost_phone).to_have_text(re.compile(r"\w"))  # in the portal's own words
        flow.capture("2FA page of the persona with 2FA on")

    with flow.expected_result("2FA controls are visible."):
        assert developer_2fa.totp_secret, f"{developer_2fa.key} has no TOTP secret to sign in with"
        # the page says on: the sign-in asks for a code, refuses a wrong or replayed one, takes the right one
        prove_second_factor_enforced(
            target.base_url, developer_2fa, authenticator_for(developer_2fa.totp_secret, portal=target.base_url)
        )
        # The other state, on another account: what its page says must be what its sign-in does.
        other = open_page(developer)
        other_page = TwoFactorPage(other)
        other.goto("/app/security/2fa")
        expect(other_page.state).to_have_attribute("data-state", re.compile(r"^(on|off)$"))
        shown_on = other_page.state.get_attribute("data-state") == "on"
        asked = asks_for_code(target.base_url, developer)
        assert shown_on == asked, (
            f"the page says 2FA is {'on' if shown_on else 'off'} for {developer.key}, but its sign-in "
            f"{'asks' if asked else 'does not ask'} for a code"
        )
        revealed(two_factor.account_settings).click()
        expect(page).to_have_url(at_path("/account/security"))
        expect(AccountSecurityPage(page).heading).to_be_visible()
