"""DPF-06 Create application: the form creates an app and shows its credentials exactly once.

Where Done leads after the secret dialog is not part of the contract, so the flow does not check it.

Faults of a broken portal this flow must catch:
- the secret shown is not the one that works at /oauth/token;
- the secret does not have the sandbox format (`cs_test_` + 43 characters);
- the page that shows the secret may be cached, or going back, the lists or the application's page show the
  secret again;
- the new application is not in the list with the client ID the dialog showed.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import request_token
from playbooks.harness.controls import heading, revealed, shown_text
from playbooks.harness.one_time_secrets import assert_shown_once, secret_page
from playbooks.harness.pages import ApplicationForm, ApplicationsPage, SecretDialog

FLOW_ID = "DPF-06"
SANDBOX_SECRET = re.compile(r"^cs_test_[A-Za-z0-9_-]{43}$")
CALLBACK = "https://partner.example/oauth/callback"


@pytest.mark.dpf(FLOW_ID)
def test_create_application(flow, open_page, developer, applications, vault, api, secret_on_screen):
    name = applications.unique_name()
    applications.will_remove(name)
    page = open_page(developer)
    form = ApplicationForm(page)
    dialog = SecretDialog(page)

    with flow.step("Click create app."):
        page.goto("/app/apps")
        revealed(ApplicationsPage(page).create).click()
        expect(heading(page, "Create application")).to_be_visible()

    with flow.step("Enter app name and callback URL."):
        form.name.fill(name)
        form.callback_urls.fill(CALLBACK)
        form.environment("Sandbox").check()

    with flow.step("Submit and capture one-time secret dialog."):
        with secret_on_screen(page):
            with secret_page(page) as created:
                revealed(form.create).click()
            expect(dialog.root).to_be_visible()
            client_id = shown_text(dialog.client_id)
            dialog.keep(vault, f"{client_id}.client_secret")
            flow.capture("One-time secret dialog (secret masked)")
            revealed(dialog.done).click()

    with flow.expected_result("app is created and credentials are shown once."):
        secret = vault.get(f"{client_id}.client_secret")
        assert SANDBOX_SECRET.match(secret), "the client secret does not have the sandbox format cs_test_<256 bits>"
        # tokens need an approved product: subscribe through the contract's route, never relying on the portal
        # subscribing new applications by itself
        application_id = applications.account.application_id(name)
        applications.subscribe(application_id)
        token = request_token(api, client_id, secret)
        assert token.status_code == 200, f"the new credentials were refused at /oauth/token: HTTP {token.status_code}"
        assert token.json()["token_type"].lower() == "bearer"
        assert_shown_once(page, created.value, secret, [f"/app/apps/{application_id}", "/app/keys", "/app/apps"])
        listed = ApplicationsPage(page).row(name)
        expect(listed).to_have_count(1)
        assert shown_text(listed.get_by_test_id("client-id")) == client_id, "the list shows another client ID"
