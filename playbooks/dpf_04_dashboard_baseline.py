"""DPF-04 Dashboard baseline: every quick link is there, points at its route and opens its page.

Faults of a broken portal this flow must catch:
- a quick link is missing;
- a quick link points to another route than the contract's;
- a linked page is broken (not its level-1 heading, an error answer).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from playbooks.harness.controls import heading, revealed
from playbooks.harness.pages import Dashboard, at_path

FLOW_ID = "DPF-04"
# Link name on the dashboard -> the route it opens, whose page has the same name as its heading.
QUICK_LINKS = {
    "Applications": "/app/apps",
    "API keys": "/app/keys",
    "API products": "/app/products",
    "Sandbox": "/app/sandbox",
    "Docs": "/app/docs",
}


@pytest.mark.dpf(FLOW_ID)
def test_dashboard_baseline(flow, open_page, developer):
    page = open_page(developer)
    dashboard = Dashboard(page)

    with flow.step("Open dashboard."):
        response = page.goto("/app")
        assert response is not None and response.status == 200, f"/app answered HTTP {response and response.status}"
        expect(page).to_have_url(at_path("/app"))
        expect(dashboard.heading).to_be_visible()

    with flow.step("Validate quick links to applications, keys, products, sandbox, and docs."):
        for name, route in QUICK_LINKS.items():
            link = revealed(dashboard.quick_link(name))
            expect(link).to_be_visible()
            href = link.evaluate("element => element.href")
            assert urlsplit(href).path == route, f"the {name!r} quick link points to {href}, not {route}"

    with flow.expected_result("developer onboarding path is visible."):
        for name, route in QUICK_LINKS.items():
            page.goto("/app")
            revealed(dashboard.quick_link(name)).click()
            expect(page).to_have_url(at_path(route))
            expect(heading(page, name)).to_be_visible()
        page.goto("/app")
        expect(dashboard.checklist_items.first).to_be_visible()
