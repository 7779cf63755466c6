"""DPF-02 Forbidden access handling: /forbidden, and every developer route refused to a non-developer.

Faults of a broken portal this flow must catch:
- a non-developer opens a developer route (any answer but 403, or the developer page itself);
- access denied answers HTTP 200 instead of 403;
- the access-denied page does not say so (no level-1 heading "Access denied").
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.controls import revealed
from playbooks.harness.pages import AccessDeniedPage, Dashboard, at_path

FLOW_ID = "DPF-02"
DEVELOPER_ROUTES = ("/app", "/app/apps", "/app/keys", "/app/products", "/app/sandbox", "/app/docs")


@pytest.mark.dpf(FLOW_ID)
def test_forbidden_access_handling(flow, open_page, non_developer):
    page = open_page(non_developer)
    denied = AccessDeniedPage(page)

    with flow.step("Open forbidden route directly."):
        response = page.goto("/forbidden")

    with flow.step("Confirm access-denied message."):
        assert response is not None and response.status == 403, f"/forbidden answered HTTP {response and response.status}, not 403"
        expect(denied.heading).to_be_visible()

    with flow.expected_result("non-developer users cannot access portal."):
        for route in DEVELOPER_ROUTES:
            response = page.goto(route)
            assert response is not None and response.status == 403, (
                f"{non_developer.email} opened {route} and got HTTP {response and response.status}, not 403"
            )
            expect(page).to_have_url(at_path("/forbidden"))
            expect(denied.heading).to_be_visible()
            expect(Dashboard(page).heading).to_have_count(0)
        expect(revealed(denied.sign_out)).to_be_visible()
