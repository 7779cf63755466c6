"""DPF-12 Key revoke/deactivate behavior: a deactivated key stops working until reactivated; a revoked key,
and every token issued to it, never works again.

Faults of a broken portal this flow must catch:
- a deactivated key still gets tokens, or a token issued before deactivation still works;
- a reactivated key stays refused;
- a revoked key still gets tokens, or a token issued before revocation still works;
- revocation is not final: a direct POST to the contract's reactivate route (with the page's own CSRF token)
  brings the key back, or a direct POST to its rotate route issues a secret that works;
- the keys page misstates the state (shows revoked while the key works, or forgets the revocation on reload), or
  shows a person another state than its data holds.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fixtures import html_forms
from playbooks.harness.api_calls import list_payments, request_token
from playbooks.harness.contract import contract
from playbooks.harness.controls import button, revealed
from playbooks.harness.pages import KeysPage

FLOW_ID = "DPF-12"


@pytest.mark.dpf(FLOW_ID)
def test_key_revoke_deactivate_behavior(flow, open_page, developer, applications, vault, api):
    app = applications.create(scopes=("payments",))  # so that its token reaches the Payments API
    secret = vault.get(app.secret_name)
    issued = request_token(api, app.client_id, secret)
    assert issued.status_code == 200, "the new app's credentials do not work"
    token = issued.json()["access_token"]
    assert list_payments(api, token).status_code == 200, "a fresh token is refused by the Payments API"
    page = open_page(developer)
    keys = KeysPage(page)

    with flow.step("Revoke/deactivate test key if feature is enabled."):
        page.goto("/app/keys")
        expect(keys.row(app.client_id), f"the keys page lists no credential of client {app.client_id}").to_have_count(1)
        credential_id = keys.row(app.client_id).get_attribute("data-credential-id")
        assert contract().is_id(credential_id), f"the key row has data-credential-id {credential_id!r}"
        revealed(keys.action(app.client_id, "Deactivate")).click()
        keys.expect_state(app.client_id, "deactivated")
        assert request_token(api, app.client_id, secret).status_code == 401, "a deactivated key still gets tokens"
        assert list_payments(api, token).status_code == 401, "a deactivated key's token still works"
        revealed(keys.action(app.client_id, "Reactivate")).click()
        keys.expect_state(app.client_id, "active")
        reissued = request_token(api, app.client_id, secret)
        assert reissued.status_code == 200, "a reactivated key is still refused"
        assert list_payments(api, token).status_code == 200, "a reactivated key's earlier token is still refused"
        later_token = reissued.json()["access_token"]
        revealed(keys.action(app.client_id, "Revoke")).click()
        confirm = revealed(button(page, "Revoke permanently"))
        expect(confirm).to_be_visible()
        # the session's CSRF token, from the confirmation form, for the direct POSTs below
        csrf_token = page.locator("form", has=confirm).locator('input[name="csrf_token"]').get_attribute("value") or ""
        with page.expect_response(lambda r: r.request.method == "POST" and "/revoke" in r.url):
            confirm.click()
        page.goto("/app/keys")
        keys.expect_state(app.client_id, "revoked")

    with flow.step("Confirm API calls with revoked key fail."):
        token_answer = request_token(api, app.client_id, secret)
        api_answer = list_payments(api, token)
        later_answer = list_payments(api, later_token)

    with flow.expected_result("revoked keys cannot be used."):
        assert token_answer.status_code == 401, f"a revoked key got HTTP {token_answer.status_code} at /oauth/token"
        assert token_answer.json().get("error") == "invalid_client"
        assert api_answer.status_code == 401, f"a token of a revoked key got HTTP {api_answer.status_code}"
        assert "invalid_token" in api_answer.headers.get("www-authenticate", "")
        assert later_answer.status_code == 401, f"a token issued after reactivation outlived the revocation: HTTP {later_answer.status_code}"
        expect(keys.action(app.client_id, "Reactivate")).to_have_count(0)
        expect(keys.action(app.client_id, "Rotate secret")).to_have_count(0)

        # Revocation is final by every route, not only by the buttons the page hides: post the contract's
        # reactivate and rotate routes directly, as a script in the same session would.
        reactivated = page.request.post(
            f"/app/keys/{credential_id}/reactivate", form={"csrf_token": csrf_token}, max_redirects=0
        )
        assert reactivated.status < 500, f"a direct reactivate of a revoked key broke the portal: HTTP {reactivated.status}"
        again = request_token(api, app.client_id, secret)
        assert again.status_code == 401, (
            f"after a direct POST to reactivate (HTTP {reactivated.status}) the revoked key gets HTTP {again.status_code}"
        )
        assert list_payments(api, token).status_code == 401, "after a direct reactivate the revoked key's token works"
        rotated = page.request.post(f"/app/keys/{credential_id}/rotate", form={"csrf_token": csrf_token}, max_redirects=0)
        assert rotated.status < 500, f"a direct rotate of a revoked key broke the portal: HTTP {rotated.status}"
        shown = html_forms.elements_by_testid(rotated.text(), "one-time-secret") if rotated.ok else []
        if shown:  # a portal may answer with a page; if it shows a new secret, that secret must not work
            vault.put(f"{app.client_id}.after_revocation", shown[0]["text"])
            answer = request_token(api, app.client_id, vault.get(f"{app.client_id}.after_revocation"))
            assert answer.status_code == 401, f"a secret rotated onto a revoked key works: HTTP {answer.status_code}"
        assert request_token(api, app.client_id, secret).status_code == 401, "a direct rotate brought the revoked key back"
        page.goto("/app/keys")
        keys.expect_state(app.client_id, "revoked")
        expect(keys.action(app.client_id, "Reactivate")).to_have_count(0)
