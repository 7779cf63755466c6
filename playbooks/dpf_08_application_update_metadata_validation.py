"""DPF-08 Application update/metadata validation: edits persist, invalid ones are refused and change nothing.

Faults of a broken portal this flow must catch:
- an edit is acknowledged but not kept (callback URL or description not there after reload);
- an invalid callback URL (`javascript:`) is accepted, or refused without the field error;
- a refused edit changes the stored value anyway;
- the list does not show the new callback URL.
"""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from playbooks.harness.controls import revealed
from playbooks.harness.pages import ApplicationForm, ApplicationsPage, at_path

FLOW_ID = "DPF-08"


@pytest.mark.dpf(FLOW_ID)
def test_application_update_metadata_validation(flow, open_page, developer, applications):
    app = applications.create()
    page = open_page(developer)
    form = ApplicationForm(page)
    new_callback = f"https://{secrets.token_hex(4)}.partner.example/oauth/callback"
    new_description = f"Updated by {FLOW_ID} {secrets.token_hex(4)}"

    with flow.step("Open app details/edit controls."):
        page.goto("/app/apps")
        revealed(ApplicationsPage(page).link(app.name)).click()
        expect(page).to_have_url(at_path(f"/app/apps/{app.id}"))
        expect(form.callback_urls).to_be_editable()

    with flow.step("Validate callback URL and metadata updates."):
        form.callback_urls.fill("javascript:alert(1)")
        revealed(form.save).click()
        expect(form.error_for("callback_url")).to_be_visible()
        page.goto(f"/app/apps/{app.id}")
        expect(form.callback_urls).to_have_value("https://partner.example/oauth/callback")
        form.callback_urls.fill(new_callback)
        form.description.fill(new_description)
        revealed(form.save).click()
        expect(form.saved).to_be_visible()

    with flow.expected_result("app metadata persists."):
        page.goto(f"/app/apps/{app.id}")
        expect(form.callback_urls).to_have_value(new_callback)
        expect(form.description).to_have_value(new_description)
        page.goto("/app/apps")
        expect(ApplicationsPage(page).row(app.name).get_by_test_id("callback-urls")).to_have_text(new_callback)
