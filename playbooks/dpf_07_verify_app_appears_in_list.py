"""DPF-07 Verify app appears in list: an application made elsewhere shows up, active, when the list is refreshed.

Faults of a broken portal this flow must catch:
- the new application is missing from the refreshed list;
- it shows another status than active;
- it shows another environment than the one it was created in;
- it shows another client ID than the one the portal gave when it was created.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.controls import shown_text
from playbooks.harness.pages import ApplicationsPage

FLOW_ID = "DPF-07"


@pytest.mark.dpf(FLOW_ID)
def test_verify_app_appears_in_list(flow, open_page, developer, applications):
    page = open_page(developer)
    listing = ApplicationsPage(page)
    page.goto("/app/apps")
    name = applications.unique_name()
    expect(listing.row(name)).to_have_count(0)
    created = applications.account.create_application(name, ["https://partner.example/oauth/callback"])
    applications.will_remove(name)

    with flow.step("Refresh app list after create."):
        response = page.reload()
        assert response is not None and response.status == 200

    with flow.step("Confirm new app row is present."):
        expect(listing.row(name)).to_have_count(1)

    with flow.expected_result("app appears with expected status."):
        row = listing.row(name)
        expect(row.get_by_test_id("status")).to_have_text("active", ignore_case=True)
        expect(row.get_by_test_id("environment")).to_have_text("sandbox", ignore_case=True)
        assert shown_text(row.get_by_test_id("client-id")) == created.client_id, "the row shows another client ID"
