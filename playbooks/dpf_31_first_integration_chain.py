"""DPF-31 First integration chain (/app/apps -> /app/keys -> /app/products -> /app/how-to-test): a new application,
its secret rotated and kept in the vault, the product the testing guide's call needs subscribed, and the first
authenticated call made exactly as the guide says, proven by its effect.

The flow runs as the `integrator` persona, admin of an organisation no other flow shares, because it SETS that
organisation's rotation policy to "immediately" (0 s) so that "only the rotated secret works" is a promise it can
hold the portal to; the policy is put back when the flow ends.

Faults of a broken portal this flow must catch:
- the rotated secret the dialog shows does not work (or is never stored), so the guide's token command is refused;
- the first-issued secret keeps working after the rotation under the "immediately" policy;
- a subscription that is accepted but not granted, so the guide's API call lacks its scope;
- a guide whose commands do not work as written (another client ID, a wrong path);
- the first call missing from the application's usage, or logged with another status.
It must not rely on where the secret dialog's Done link leads, or on the portal subscribing new applications by
itself.
"""

from __future__ import annotations

import csv
import functools
import io
import re

import pytest
from playwright.sync_api import expect

from fixtures.html_forms import elements_by_testid
from playbooks.harness import guide
from playbooks.harness.api_calls import request_token
from playbooks.harness.contract import contract
from playbooks.harness.controls import revealed, shown_text
from playbooks.harness.pages import ApplicationForm, ApplicationsPage, KeysPage, ProductsPage, SecretDialog

FLOW_ID = "DPF-31"
CALLBACK = "https://partner.example/oauth/callback"


def logged_request_id(exported: str, method: str, path: str, status: int) -> str:
    """The request ID of the call METHOD path that answered `status`, from the usage CSV (its route may be the path
    or the route's template)."""
    for row in csv.DictReader(io.StringIO(exported)):
        route = re.sub(r"\\\{[^}]*\\\}|<[^>]+>", "[^/]+", re.escape(row.get("route") or ""))
        if row.get("method") == method and re.fullmatch(route, path) and row.get("status") == str(status):
            return row.get("request_id") or ""
    raise AssertionError(f"the usage CSV has no {method} {path} that answered {status}")


@pytest.mark.dpf(FLOW_ID)
def test_first_integration_chain(flow, open_page, integrator, data_of, vault, api, target, secret_on_screen):
    mine = data_of(integrator)
    portal = mine.account
    name = mine.applications.unique_name()
    mine.applications.will_remove(name)
    page = open_page(integrator)
    form, dialog, keys = ApplicationForm(page), SecretDialog(page), KeysPage(page)
    original_policy = portal.rotation_policy()
    try:
        portal.set_rotation_policy(0)  # a rotated-away secret stops working at once

        with secret_on_screen(page):
            with flow.step("Create app."):
                client_id = form.register(vault, name, [CALLBACK], "Sandbox")
                page.goto("/app/apps")
                row = ApplicationsPage(page).row(name)
                expect(row.get_by_test_id("client-id")).to_have_text(client_id)
                app_id = row.get_attribute("data-application-id") or ""
                assert contract().is_id(app_id), f"the application's row has data-application-id {app_id!r}"

            with flow.step("Rotate/store secret."):
                page.goto("/app/keys")
                revealed(keys.action(client_id, "Rotate secret")).click()
                expect(dialog.root).to_be_visible()
                assert shown_text(dialog.client_id) == client_id, "the secret dialog shows another client ID"
                dialog.keep(vault, f"{client_id}.client_secret")
                flow.capture("Rotated secret dialog (secret masked)")
                dialog.done.click()
                rotated = vault.get(f"{client_id}.client_secret")
                assert rotated != vault.get(f"{client_id}.first_client_secret"), "rotation showed the first secret again"
                page.goto("/app/keys")
                expect(keys.row(client_id)).to_contain_text(rotated[-4:])

        with flow.step("Choose product."):
            # The product is the one the guide's API call belongs to (the OpenAPI tag of that operation).
            guide_page = portal.client.get(f"/app/how-to-test?application={app_id}").text
            shown = [guide.GuideCommand(c["text"], int(c.get("data-expected-status") or 0))
                     for c in elements_by_testid(guide_page, "curl-command")]
            assert len(shown) >= 2, "the guide shows no API call after getting a token"
            method, path = guide.called(shown[-1], target.base_url)
            product = guide.product_of(api.get("/openapi.json").json(), method, path)
            assert product, f"no product in /openapi.json answers the guide's call {method} {path}"
            # a manual product waits as pending until the operator approves it
            approve = functools.partial(mine.applications.approve, str(app_id), product)
            state = ProductsPage(page).subscribe(product, name, approve)
            expect(state).to_have_attribute("data-state", "approved")

        with flow.step("Execute first authenticated test call."):
            page.goto(f"/app/how-to-test?application={app_id}")
            expect(page.get_by_test_id("guide-client-id")).to_have_text(client_id)
            commands = guide.commands_on(page)
            answers = guide.run_in_order(commands, vault, client_id=client_id,
                                         client_secret_name=f"{client_id}.client_secret", origin=target.base_url)

        with flow.expected_result("first API call is successful."):
            first_call = answers[-1]
            assert 200 <= first_call.status < 300, f"the guide's API call answered HTTP {first_call.status}"
            assert guide.called(first_call.command, target.base_url) == (method, path)
            # Only the rotated secret works: the guide's own token command with the first-issued secret is refused.
            refused = request_token(api, client_id, vault.get(f"{client_id}.first_client_secret"))
            assert refused.status_code == 401, f"the first-issued secret still gets a token: HTTP {refused.status_code}"
            assert refused.json().get("error") == "invalid_client"
            # The API call appears in the application's usage with its status, under the request ID the usage CSV
            # gives it (found there by method and route). The token request may be in the usage or not (a separate
            # authorisation server's requests are not), so nothing is counted.
            query = f"application={app_id}&status=2xx"
            exported = page.request.get(f"/app/usage.csv?{query}")
            assert exported.ok, f"/app/usage.csv answered HTTP {exported.status}"
            request_id = logged_request_id(exported.text(), method, path, first_call.status)
            page.goto(f"/app/usage?{query}")
            logged = page.locator(f'[data-testid="usage-row"][data-request-id="{request_id}"]')
            expect(logged, "the usage page does not show the guide's API call").to_have_count(1)
            expect(logged).to_have_attribute("data-status", str(first_call.status))
    finally:
        portal.set_rotation_policy(original_policy)
