"""DPF-01 Developer login: /login -> /app. The one flow that drives the sign-in form itself.

Faults of a broken portal this flow must catch:
- a wrong password signs in, or leaves a session that opens a developer page;
- its refusal tells whether the email has an account (another page for an unknown email), or is not a 401;
- the right password no longer works after one wrong try;
- signing in lands somewhere other than the dashboard;
- the session is not kept (no session cookie, or the dashboard does not load again on reload);
- the workspace is not the signed-in account's (`account-email` shows another email).
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from fixtures.http_clients import new_client
from playbooks.harness.pages import Dashboard, LoginPage, at_path

FLOW_ID = "DPF-01"
REFUSED = 401  # the contract's answer to a wrong password or an unknown email


def refused_sign_in(page: Page, email: str, password: str) -> tuple[int, str]:
    """Sign in with credentials the portal must refuse: the answer's status (of the page it ends on), and the page a
    person then reads with the email typed written as <email> (a portal may say it back)."""
    with page.expect_navigation() as answer:
        LoginPage(page).sign_in(email, password)
    status = answer.value.status if answer.value is not None else 0
    return status, page.locator("body").inner_text().replace(email, "<email>")


def opens_the_dashboard(page: Page, base_url: str) -> bool:
    """Whether the browser's cookies, brought by the harness's client (the browser's own User-Agent and client hints),
    open the dashboard."""
    with new_client(base_url, follow_redirects=False) as client:
        for cookie in page.context.cookies():
            client.cookies.set(cookie["name"], cookie["value"])
        return client.get("/app").status_code == 200


@pytest.mark.dpf(FLOW_ID)
def test_developer_login(flow, open_page, developer, target):
    page = open_page()  # signed out
    login = LoginPage(page)

    with flow.step("Open login route."):
        response = page.goto("/login")
        assert response is not None and response.ok, f"GET /login answered HTTP {response and response.status}"
        expect(login.heading).to_be_visible()

    with flow.step("Authenticate with developer account."):
        # first a wrong password, and an email with no account: both refused, in the same words
        status, wrong_password = refused_sign_in(page, developer.email, f"not-{secrets.token_urlsafe(12)}")
        assert status == REFUSED, f"a wrong password answered HTTP {status}, not {REFUSED}"
        expect(login.heading).to_be_visible()  # the form again
        domain = developer.email.rpartition("@")[2]
        status, unknown_email = refused_sign_in(page, f"nobody-{secrets.token_hex(6)}@{domain}", developer.password)
        assert status == REFUSED, f"an email with no account answered HTTP {status}, not {REFUSED}"
        expect(login.heading).to_be_visible()
        assert wrong_password == unknown_email, (
            "a wrong password and an unknown email are refused in different words, which tells whether the email "
            f"has an account: {wrong_password!r} against {unknown_email!r}"
        )
        assert not opens_the_dashboard(page, target.base_url), "after a wrong password, the browser's cookies open /app"
        login.sign_in(developer.email, developer.password)  # and the right password still works

    with flow.step("Confirm redirect to dashboard."):
        expect(page).to_have_url(at_path("/app"))

    with flow.expected_result("developer workspace opens successfully."):
        dashboard = Dashboard(page)
        expect(dashboard.heading).to_be_visible()
        # the element holds the email, maybe among other words ("Signed in as …"), never another address
        the_email = re.compile(rf"(?<![\w.+-]){re.escape(developer.email)}(?![\w.-])", re.IGNORECASE)
        expect(page.get_by_test_id("account-email")).to_have_text(the_email)
        reloaded = page.reload()
        assert reloaded is not None and reloaded.status == 200, "the dashboard does not load again on reload"
        expect(page).to_have_url(at_path("/app"))
        expect(dashboard.heading).to_be_visible()
