"""DPF-02 Forbidden access handling: /forbidden, and every developer route refused to a non-developer.

The browser opens representative developer pages as the non-developer; over HTTP, with that person's session, the
flow then asks for every developer route of the contract (under /app and /account): each GET, and each POST with the
CSRF token the person legitimately has and the fields a developer's form sends, aimed at an application, its
credential and a sandbox credential the flow made as the developer (other objects' routes get a placeholder ID,
which may also answer 404). Each must answer 403 or send to the access-denied or sign-in page, and the developer's
data, read back as the developer, must be as it was.

Faults of a broken portal this flow must catch:
- a non-developer opens a developer route, or a developer form changes something for them (any answer but 403 or a
  redirect to /forbidden or /login, or the developer's data changed afterwards);
- access denied answers HTTP 200 instead of 403;
- the access-denied page does not say so (no level-1 heading "Access denied").
"""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from fixtures.html_forms import elements_by_testid
from playbooks.harness.access_sweep import Targets, csrf_token_of, sweep
from playbooks.harness.api_calls import request_token
from playbooks.harness.contract import contract
from playbooks.harness.controls import revealed
from playbooks.harness.pages import AccessDeniedPage, Dashboard, at_path

FLOW_ID = "DPF-02"
BROWSED_ROUTES = ("/app", "/app/security/2fa")  # the rest over HTTP


def key_row(html: str, client_id: str) -> dict[str, str] | None:
    return next((row for row in elements_by_testid(html, "key-row") if row.get("data-client-id") == client_id), None)


@pytest.mark.dpf(FLOW_ID)
def test_forbidden_access_handling(flow, open_page, non_developer, signed_in, developer_portal, applications,
                                   sandbox_credentials, vault, api):
    page = open_page(non_developer)
    denied = AccessDeniedPage(page)
    # the developer's own objects the non-developer's requests aim at, and how they are before
    app = applications.create()
    credential_id = developer_portal.credential_id(app.client_id)
    sandbox = sandbox_credentials.create()
    policy = developer_portal.rotation_policy()
    products = developer_portal.products()
    states = {slug: product["states"].get(app.id, "") for slug, product in products.items()}  # type: ignore[union-attr]
    slug = next((s for s, state in states.items() if not state), next(iter(states), "x"))
    targets = Targets(
        application_id=app.id, credential_id=credential_id, sandbox_id=sandbox.id, product_slug=slug,
        name=f"dpf-02-sweep-{secrets.token_hex(4)}", url=f"https://sweep-{secrets.token_hex(4)}.example/hook",
        other_grace_seconds=next(g for g in contract().promises["rotation_grace_seconds"] if g != policy),
        password=non_developer.password,
    )

    with flow.step("Open forbidden route directly."):
        response = page.goto("/forbidden")

    with flow.step("Confirm access-denied message."):
        assert response is not None and response.status == 403, f"/forbidden answered HTTP {response and response.status}, not 403"
        expect(denied.heading).to_be_visible()

    with flow.expected_result("non-developer users cannot access portal."):
        for route in BROWSED_ROUTES:
            response = page.goto(route)
            assert response is not None and response.status == 403, (
                f"{non_developer.email} opened {route} and got HTTP {response and response.status}, not 403"
            )
            expect(page).to_have_url(at_path("/forbidden"))
            expect(denied.heading).to_be_visible()
            expect(Dashboard(page).heading).to_have_count(0)
        expect(revealed(denied.sign_out)).to_be_visible()

        client = signed_in.client_for(non_developer)
        csrf_token = csrf_token_of(client)
        assert csrf_token, "the access-denied page gives a signed-in non-developer no form with a csrf_token"
        let_through = sweep(client, targets, csrf_token)
        assert not let_through, f"{non_developer.email} was not refused: {'; '.join(let_through)}"

        # nothing changed, as the developer sees it
        listed = {r.get("data-application-id"): r.get("data-application-name") for r in developer_portal.applications()}
        assert listed.get(app.id) == app.name, "the developer's application was renamed or deleted"
        assert targets.name not in listed.values(), "a non-developer created an application"
        row = key_row(developer_portal.client.get("/app/keys").text, app.client_id)
        assert row is not None, "the developer's credential is gone"
        assert row.get("data-credential-id") == credential_id
        token = request_token(api, app.client_id, vault.get(app.secret_name))
        assert token.status_code == 200, f"the developer's secret stopped working: HTTP {token.status_code}"
        assert developer_portal.rotation_policy() == policy, "a non-developer changed the rotation policy"
        after = developer_portal.products()
        assert {s: p["states"].get(app.id, "") for s, p in after.items()} == states, (  # type: ignore[union-attr]
            "a non-developer changed the application's subscriptions"
        )
        sandboxes = {r.get("data-sandbox-id"): r.get("data-sandbox-name")
                     for r in developer_portal.sandbox_credentials()}
        assert sandboxes.get(sandbox.id) == sandbox.name, "a non-developer deleted the developer's sandbox credential"
        assert targets.name not in sandboxes.values(), "a non-developer created a sandbox credential"
        assert all(r.get("data-webhook-url") != targets.url for r in developer_portal.webhooks()), (
            "a non-developer added a webhook endpoint"
        )
        assert targets.name not in developer_portal.client.get("/app/usage/alerts").text, (
            "a non-developer added an alert rule"
        )
