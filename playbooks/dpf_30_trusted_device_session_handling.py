"""DPF-30 Trusted device/session handling: the 2FA page lists every session of the account; Remove ends exactly the
session chosen, at its next request, and Sign out all other sessions ends every one but this.

Runs as the `session_developer` persona, whose sessions no other flow relies on (the flow signs all but one of them
out). The flow signs it in three times through the contract's sign-in form, from three browsers: this one, one that
announces itself as Firefox on Windows and one as Safari on macOS, each keeping its own User-Agent throughout (the
contract's session_bound_to). From this one it removes the Firefox session, then signs all others out.

Faults of a broken portal this flow must catch:
- a session missing from the list (another browser's session not shown);
- the session viewing the page not marked as "this session", or another one marked so;
- the browser and operating system not read from the User-Agent;
- removing only hides the row: the removed browser still gets in at its next page load;
- removing ends the wrong session, or more than the one chosen (this one, or every other session);
- Sign out all other sessions leaves another session signed in, or signs this one out.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from playbooks.harness.controls import button, revealed
from playbooks.harness.pages import LoginPage, SessionsSection, at_path

FLOW_ID = "DPF-30"
FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_ON_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.5 Safari/605.1.15")
SESSIONS_PAGE = "/app/security/2fa"


def signed_in_through_the_form(page: Page, persona, secret_registry) -> str:
    """Sign the page's browser in as the persona; the id of its session, from the sessions list."""
    page.goto("/login")
    LoginPage(page).sign_in(persona.email, persona.password)
    expect(page).not_to_have_url(at_path("/login"))
    for cookie in page.context.cookies():
        secret_registry.add(cookie["value"])
    page.goto(SESSIONS_PAGE)
    return current_session_id(SessionsSection(page))


def current_session_id(sessions: SessionsSection) -> str:
    expect(sessions.current_rows).to_have_count(1)
    session_id = sessions.current_rows.get_attribute("data-session-id")
    assert session_id, "the current session's row has no data-session-id"
    return session_id


def expect_signed_out(page: Page, who: str) -> None:
    page.goto(SESSIONS_PAGE)
    expect(page, f"{who} is still signed in").to_have_url(at_path("/login"))


def expect_signed_in_as(page: Page, session_id: str, who: str) -> None:
    answer = page.goto(SESSIONS_PAGE)
    assert answer is not None and answer.status == 200, f"{who} was signed out"
    expect(page, f"{who} was signed out").to_have_url(at_path(SESSIONS_PAGE))
    assert current_session_id(SessionsSection(page)) == session_id, f"{who} is no longer shown as its own session"


def sign_out_if_signed_in(page: Page) -> None:
    """Clean-up: the page's session, when the page it shows is still a signed-in one, signs out."""
    sign_out = button(page, "Sign out")
    if sign_out.count():
        revealed(sign_out.first).click()


@pytest.mark.dpf(FLOW_ID)
def test_trusted_device_session_handling(flow, open_page, session_developer, secret_registry):
    persona = session_developer
    firefox, safari = open_page(user_agent=FIREFOX_ON_WINDOWS), open_page(user_agent=SAFARI_ON_MAC)
    this = open_page()  # signed in through the form too; opened last, so the step screenshots show it
    sessions = SessionsSection(this)
    try:
        firefox_id = signed_in_through_the_form(firefox, persona, secret_registry)
        safari_id = signed_in_through_the_form(safari, persona, secret_registry)

        with flow.step("Review active sessions/devices."):
            this_id = signed_in_through_the_form(this, persona, secret_registry)
            assert len({this_id, firefox_id, safari_id}) == 3, "two browsers are shown the same session as their own"
            expect(sessions.row(this_id).get_by_test_id("current-session")).to_have_count(1)
            for session_id, browser, system in ((firefox_id, "Firefox", "Windows"), (safari_id, "Safari", "Mac")):
                other = sessions.row(session_id)
                expect(other).to_have_count(1)
                expect(other).not_to_have_attribute("data-current", re.compile(r"^true$", re.IGNORECASE))
                expect(other.get_by_test_id("current-session")).to_have_count(0)
                expect(other.get_by_test_id("session-browser")).to_contain_text(browser, ignore_case=True)
                expect(other.get_by_test_id("session-os")).to_contain_text(system, ignore_case=True)

        with flow.step("Remove stale session."):
            with this.expect_response(lambda r: r.request.method == "POST"):
                revealed(sessions.remove(firefox_id)).click()
            this.goto(SESSIONS_PAGE)  # wherever the portal sent the browser after removing it
            expect(sessions.row(firefox_id)).to_have_count(0)
            expect(sessions.row(safari_id)).to_have_count(1)
            # exactly the chosen session ended, at its next request: the other two still in
            expect_signed_out(firefox, "the removed Firefox session")
            expect_signed_in_as(safari, safari_id, "the Safari session, which was not removed,")
            expect_signed_in_as(this, this_id, "the session that removed another")

        with flow.expected_result("session control is functional."):
            with this.expect_response(lambda r: r.request.method == "POST"):
                revealed(sessions.sign_out_others).click()
            expect_signed_out(safari, "after Sign out all other sessions, the Safari session")
            expect_signed_in_as(this, this_id, "the session that signed the others out")
            expect(sessions.rows).to_have_count(1)  # no other session of the account is left
    finally:
        for page in (this, safari, firefox):
            sign_out_if_signed_in(page)
