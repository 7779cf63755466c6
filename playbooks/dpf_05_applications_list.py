"""DPF-05 Applications list: /app/apps lists the organisation's applications with their metadata."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from playbooks.harness.pages import ApplicationsPage, at_path

FLOW_ID = "DPF-05"
CLIENT_ID = re.compile(r"^ci_[A-Za-z0-9_-]{16,}$")


@pytest.mark.dpf(FLOW_ID)
def test_applications_list(flow, open_page, developer, applications):
    known = applications.create()  # an entry whose metadata this flow knows
    page = open_page(developer)
    listing = ApplicationsPage(page)

    with flow.step("Open applications page."):
        response = page.goto("/app/apps")
        assert response is not None and response.status == 200, f"/app/apps answered HTTP {response and response.status}"
        expect(listing.heading).to_be_visible()

    with flow.step("Validate existing app entries and metadata."):
        expect(listing.rows.first).to_be_visible()
        for row in listing.rows.all():
            client_id = row.get_by_test_id("client-id").inner_text().strip()
            assert CLIENT_ID.match(client_id), f"an application row shows client ID {client_id!r}"
            expect(row.get_by_test_id("environment")).to_have_text(re.compile(r"^\s*(sandbox|production)\s*$"))
            expect(row.get_by_test_id("status")).not_to_be_empty()
            expect(row.get_by_test_id("created")).not_to_be_empty()

    with flow.expected_result("app inventory loads."):
        row = listing.row(known.name)
        expect(row).to_have_count(1)
        expect(row.get_by_test_id("client-id")).to_have_text(known.client_id)
        expect(row.get_by_test_id("environment")).to_have_text("sandbox")
        expect(row.get_by_test_id("status")).to_have_text("active")
        expect(row.get_by_test_id("callback-urls")).to_contain_text("https://partner.example/oauth/callback")
        row.get_by_role("link", name=known.name, exact=True).click()
        expect(page).to_have_url(at_path(f"/app/apps/{known.id}"))
        expect(page.get_by_role("heading", level=1, name=known.name, exact=True)).to_be_visible()
