"""DPF-03 Landing route behavior: / hands over to the sign-in form through Get Started.

Faults of a broken portal this flow must catch:
- the landing page has no Get Started;
- Get Started leads somewhere other than the sign-in form;
- the sign-in form it leads to cannot be used (a field not editable, the button disabled) or a page raises a
  script error.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.controls import button_or_link, revealed
from playbooks.harness.pages import LoginPage, at_path

FLOW_ID = "DPF-03"


@pytest.mark.dpf(FLOW_ID)
def test_landing_route_behavior(flow, open_page):
    page = open_page()  # signed out, as a first-time visitor
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    get_started = button_or_link(page, "Get Started")

    with flow.step("Open root route."):
        response = page.goto("/")
        assert response is not None and response.ok, f"GET / answered HTTP {response and response.status}"
        expect(revealed(get_started)).to_be_visible()

    with flow.step("Use Get Started to continue to login."):
        revealed(get_started).click()

    with flow.expected_result("landing and login handoff is smooth."):
        expect(page).to_have_url(at_path("/login"))
        login = LoginPage(page)
        expect(login.heading).to_be_visible()
        expect(login.email).to_be_editable()
        expect(login.password).to_be_editable()
        expect(login.submit).to_be_enabled()
        assert not page_errors, f"the pages raised script errors: {page_errors}"
