"""DPF-01 Developer login: /login -> /app. The one flow that drives the sign-in form itself.

Faults of a broken portal this flow must catch:
- signing in lands somewhere other than the dashboard;
- the session is not kept (no session cookie, or the dashboard does not load again on reload);
- the workspace is not the signed-in account's (`account-email` shows another email).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from playbooks.harness.pages import Dashboard, LoginPage, at_path

FLOW_ID = "DPF-01"


@pytest.mark.dpf(FLOW_ID)
def test_developer_login(flow, open_page, developer):
    page = open_page()  # signed out
    login = LoginPage(page)

    with flow.step("Open login route."):
        response = page.goto("/login")
        assert response is not None and response.ok, f"GET /login answered HTTP {response and response.status}"
        expect(login.heading).to_be_visible()

    with flow.step("Authenticate with developer account."):
        login.sign_in(developer.email, developer.password)

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
