"""DPF-30 Trusted device/session handling: the 2FA page lists every session of the account, and removing one signs
that browser out at its next request while this one stays in.

The flow signs the developer in a second time, from a second browser context that announces itself as Firefox on
Windows, and removes only that session: the persona's own session (the first context) is never touched, and
sessions other flows or workers hold are left alone.

Faults of a broken portal this flow must catch:
- a session missing from the list (the second browser's session not shown);
- the session viewing the page not marked as "this session", or another one marked so;
- the browser and operating system not read from the User-Agent;
- removing only hides the row: the removed browser still gets in at its next page load;
- removing ends the wrong session (the one viewing the page, or every session of the account).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from playbooks.harness.controls import revealed
from playbooks.harness.pages import LoginPage, SessionsSection, at_path

FLOW_ID = "DPF-30"
SECOND_DEVICE = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def current_session_id(sessions: SessionsSection) -> str:
    expect(sessions.current_rows).to_have_count(1)
    session_id = sessions.current_rows.get_attribute("data-session-id")
    assert session_id, "the current session's row has no data-session-id"
    return session_id


@pytest.mark.dpf(FLOW_ID)
def test_trusted_device_session_handling(flow, open_page, developer, secret_registry):
    # Set-up: the developer signs in a second time, from another browser, through the contract's sign-in form.
    second = open_page(user_agent=SECOND_DEVICE)
    second.goto("/login")
    LoginPage(second).sign_in(developer.email, developer.password)
    expect(second).not_to_have_url(at_path("/login"))
    for cookie in second.context.cookies():
        secret_registry.add(cookie["value"])
    second.goto("/app/security/2fa")
    second_id = current_session_id(SessionsSection(second))
    first = open_page(developer)  # the persona's own session; opened last, so the step screenshots show it
    sessions = SessionsSection(first)
    removed = False
    try:
        with flow.step("Review active sessions/devices."):
            response = first.goto("/app/security/2fa")
            assert response is not None and response.status == 200, "the 2FA page does not load"
            first_id = current_session_id(sessions)
            assert first_id != second_id, "both browsers are shown the same session as their own"
            other = sessions.row(second_id)
            expect(other).to_have_count(1)
            expect(other).not_to_have_attribute("data-current", re.compile(r"^true$", re.IGNORECASE))
            expect(other.get_by_test_id("current-session")).to_have_count(0)
            expect(other.get_by_test_id("session-browser")).to_contain_text("Firefox", ignore_case=True)
            expect(other.get_by_test_id("session-os")).to_contain_text("Windows", ignore_case=True)
            expect(sessions.row(first_id).get_by_test_id("current-session")).to_have_count(1)

        with flow.step("Remove stale session."):
            with first.expect_response(lambda r: r.request.method == "POST"):
                revealed(sessions.remove(second_id)).click()
            removed = True
            first.goto("/app/security/2fa")  # wherever the portal sent the browser after removing it
            expect(sessions.row(second_id)).to_have_count(0)

        with flow.expected_result("session control is functional."):
            answer = second.goto("/app/security/2fa")
            assert answer is not None
            expect(second).to_have_url(at_path("/login"))  # signed out at its next page load
            answer = first.goto("/app/security/2fa")
            assert answer is not None and answer.status == 200, "the session that removed the other was signed out"
            expect(first).to_have_url(at_path("/app/security/2fa"))
            assert current_session_id(sessions) == first_id, "the page no longer shows this session as current"
            expect(sessions.row(second_id)).to_have_count(0)
    finally:
        if not removed:  # the flow failed before removing it: sign the second browser out
            sign_out = second.get_by_role("button", name="Sign out", exact=True)
            if second.url and sign_out.count():
                sign_out.first.click()
