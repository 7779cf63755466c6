"""DPF-05 Applications list: /app/apps lists the organisation's applications with their metadata.

Every value checked is compared with what the flow itself created (name, client ID, environment, callback URL)
or with another page of the contract (each listed client ID is a credential on the keys page); no check accepts
"any text".

Faults of a broken portal this flow must catch:
- an application the flow created is missing from the list;
- a row shows a client ID that is empty, malformed, or not the application's (not on the keys page);
- a row shows the wrong environment (a production application listed as sandbox) or the wrong status;
- the callback URLs are not the ones the application was created with;
- the row's link does not open that application's page, or is not named after the application;
- `created` that shows no time, or `last-used` that does not follow use: the flow calls the API with the
  application's credential and the list must then show a time, and something else than before;
- another organisation's application in the list (the integrator persona's organisation makes one).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import access_token, list_payments
from playbooks.harness.controls import revealed, shown_text
from playbooks.harness.pages import ApplicationsPage, KeysPage, at_path

FLOW_ID = "DPF-05"
CLIENT_ID = re.compile(r"^ci_[A-Za-z0-9_-]{22}$")
ENVIRONMENT = re.compile(r"^\s*(sandbox|production)\s*$", re.IGNORECASE)
SANDBOX_CALLBACK = "https://partner.example/oauth/callback"
PRODUCTION_CALLBACK = "https://live.partner.example/oauth/callback"
DIGIT = re.compile(r"\d")
MACHINE_TIME = 'time[datetime]:not([datetime=""])'


def shows_a_time(cell) -> bool:
    """Whether a `created`/`last-used` cell shows a point in time: digits in its text, or a <time datetime> that it
    is or holds."""
    return bool(DIGIT.search(shown_text(cell))) or cell.evaluate(
        f"e => e.matches('{MACHINE_TIME}') || !!e.querySelector('{MACHINE_TIME}')")


@pytest.mark.dpf(FLOW_ID)
def test_applications_list(flow, open_page, developer, applications, integrator, data_of, vault, api):
    known = applications.create(scopes=("payments",))  # entries whose metadata this flow knows
    live = applications.create(environment="production", callback_urls=[PRODUCTION_CALLBACK], scopes=())
    foreign = data_of(integrator).applications.create(scopes=())
    page = open_page(developer)
    listing = ApplicationsPage(page)

    with flow.step("Open applications page."):
        response = page.goto("/app/apps")
        assert response is not None and response.status == 200, f"/app/apps answered HTTP {response and response.status}"
        expect(listing.heading).to_be_visible()

    with flow.step("Validate existing app entries and metadata."):
        expect(listing.rows.first).to_be_visible()
        listed: dict[str, str] = {}
        for row in listing.rows.all():
            name = row.get_attribute("data-application-name") or ""
            client_id = shown_text(row.get_by_test_id("client-id"))
            assert CLIENT_ID.match(client_id), f"application {name!r} shows client ID {client_id!r}"
            expect(row.get_by_test_id("environment")).to_have_text(ENVIRONMENT)
            assert shows_a_time(row.get_by_test_id("created")), f"application {name!r}'s created shows no time"
            listed[name] = client_id

    with flow.expected_result("app inventory loads."):
        for made, environment, callback in ((known, "sandbox", SANDBOX_CALLBACK), (live, "production", PRODUCTION_CALLBACK)):
            row = listing.row(made.name)
            expect(row).to_have_count(1)
            assert shown_text(row.get_by_test_id("client-id")) == made.client_id, f"{made.name} shows another client ID"
            expect(row.get_by_test_id("environment")).to_have_text(environment, ignore_case=True)
            expect(row.get_by_test_id("status")).to_have_text("active", ignore_case=True)
            expect(row.get_by_test_id("callback-urls")).to_have_text(callback)
            expect(listing.link(made.name)).to_have_count(1)
        expect(listing.row(foreign.name)).to_have_count(0)
        assert foreign.client_id not in page.content(), "the list shows another organisation's application"

        unused = shown_text(listing.row(known.name).get_by_test_id("last-used"))
        token = access_token(api, known.client_id, vault.get(known.secret_name))
        assert list_payments(api, token).status_code == 200, "the application's credential was refused by the API"
        page.reload()
        last_used = listing.row(known.name).get_by_test_id("last-used")
        assert shows_a_time(last_used), "last-used shows no time after the application called the API"
        assert shown_text(last_used) != unused, f"last-used still shows {unused!r} after the application called the API"
        revealed(listing.link(known.name)).click()
        expect(page).to_have_url(at_path(f"/app/apps/{known.id}"))
        expect(page.get_by_role("heading", level=1, name=known.name, exact=True)).to_be_visible()
        # every client ID the list shows is a credential the keys page knows
        page.goto("/app/keys")
        keys = KeysPage(page)
        expect(keys.heading).to_be_visible()
        on_keys_page = {row.get_attribute("data-client-id") for row in keys.rows.all()}
        strangers = {name: cid for name, cid in listed.items() if cid not in on_keys_page}
        assert not strangers, f"the applications list shows client IDs the keys page does not know: {strangers}"
