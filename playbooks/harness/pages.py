"""Page objects for screens several flows share: locators from the contract, verbs as methods, no assertions."""

from __future__ import annotations

import re
import time
from typing import Callable

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from fixtures.vault import SecretVault
from playbooks.harness.controls import (button, button_or_link, heading, label, link, named, revealed, says_state,
                                        shown_text)


def at_path(path: str) -> re.Pattern[str]:
    """Matches a page URL whose path is exactly `path`, whatever the host, query or fragment."""
    return re.compile(rf"^[a-z]+://[^/]+{re.escape(path)}/?(?:[?#].*)?$")


def settled_html(page: Page, within_seconds: float = 10) -> str:
    """The page's HTML once it has stopped navigating (after going back, the browser may still be loading or
    showing its own error page; Playwright refuses to read a page mid-navigation)."""
    deadline = time.monotonic() + within_seconds
    while True:
        page.wait_for_load_state()
        try:
            return page.content()
        except PlaywrightError as error:
            if "navigating" not in str(error) or time.monotonic() > deadline:
                raise


class LoginPage:
    def __init__(self, page: Page):
        self.page = page
        self.heading = heading(page, "Sign in", level=None)
        self.email = label(page, "Email")
        self.password = label(page, "Password")
        self.submit = button(page, "Sign in")

    def sign_in(self, email: str, password: str) -> None:
        self.email.fill(email)
        self.password.fill(password)
        revealed(self.submit).click()


class AccessDeniedPage:
    def __init__(self, page: Page):
        self.page = page
        self.heading: Locator = heading(page, "Access denied")
        self.sign_out = button(page, "Sign out")


class Dashboard:
    def __init__(self, page: Page):
        self.page = page
        self.heading = heading(page, "Dashboard")
        self.quick_links = page.get_by_test_id("quick-links")
        self.checklist_items = page.get_by_test_id("onboarding-checklist").get_by_test_id("checklist-item")

    def quick_link(self, name: str) -> Locator:
        return link(self.quick_links, name)


class ApplicationsPage:
    def __init__(self, page: Page):
        self.page = page
        self.heading = heading(page, "Applications")
        self.create = link(page, "Create application")
        self.rows = page.get_by_test_id("application-row")

    def row(self, name: str) -> Locator:
        return self.page.locator(f'[data-testid="application-row"][data-application-name="{name}"]')

    def link(self, name: str) -> Locator:
        """The row's link named after the application, to its page (reach it with revealed())."""
        return self.row(name).get_by_role("link", name=name, exact=True, include_hidden=True)


class ApplicationForm:
    """The create form at /app/apps/new and the edit form on an application's page."""

    def __init__(self, page: Page):
        self.page = page
        self.name = label(page, "Application name")
        self.callback_urls = label(page, "Callback URLs")
        self.description = label(page, "Description")
        self.create = button(page, "Create")
        self.save = button(page, "Save changes")
        self.saved = page.get_by_test_id("saved")

    def environment(self, name: str) -> Locator:
        return self.page.get_by_role("radio", name=named(name, kinds=("labels",)))

    def error_for(self, field: str) -> Locator:
        return self.page.get_by_test_id(f"field-error-{field}")

    def register(self, vault: SecretVault, name: str, callback_urls: list[str], environment: str) -> str:
        """Register an application from the applications page, keep the secret the dialog shows once as
        `<client id>.first_client_secret`, and close the dialog; the new client ID. Call it inside
        secret_on_screen(page)."""
        dialog = SecretDialog(self.page)
        self.page.goto("/app/apps")
        revealed(ApplicationsPage(self.page).create).click()
        self.name.fill(name)
        self.callback_urls.fill("\n".join(callback_urls))
        self.environment(environment).check()
        revealed(self.create).click()
        expect(dialog.root).to_be_visible()
        client_id = shown_text(dialog.client_id)
        dialog.keep(vault, f"{client_id}.first_client_secret")
        revealed(dialog.done).click()
        return client_id


class SecretDialog:
    """The one-time dialog that shows a client ID and secret after create or rotate."""

    def __init__(self, page: Page):
        self.page = page
        self.root = page.get_by_role("dialog").filter(has=page.get_by_test_id("one-time-secret"))
        self.client_id = self.root.get_by_test_id("client-id")
        self.secret = self.root.get_by_test_id("one-time-secret")
        self.copy_client_id = button(self.root, "Copy client ID")
        self.copy_secret = button(self.root, "Copy client secret")
        self.done = link(self.root, "Done")

    def keep(self, vault: SecretVault, name: str) -> None:
        """Put the secret shown once into the vault under `name`: the only place a flow reads it back from."""
        vault.put(name, shown_text(self.secret))


class KeysPage:
    def __init__(self, page: Page):
        self.page = page
        self.heading = heading(page, "API keys")
        self.rows = page.get_by_test_id("key-row")
        self.policy = page.get_by_test_id("rotation-policy")

    def row(self, client_id: str) -> Locator:
        return self.page.locator(f'[data-testid="key-row"][data-client-id="{client_id}"]')

    def state(self, client_id: str) -> Locator:
        return self.row(client_id).get_by_test_id("key-state")

    def expect_state(self, client_id: str, state: str) -> None:
        expect_state(self.state(client_id), state, "the keys page", "a key")

    def action(self, client_id: str, name: str) -> Locator:
        """A row's action: Rotate secret, Deactivate, Reactivate or Revoke (reach it with revealed())."""
        return button_or_link(self.row(client_id), name)


class SandboxPage:
    def __init__(self, page: Page):
        self.page = page
        self.heading = heading(page, "Sandbox")
        self.rows = page.get_by_test_id("sandbox-row")
        self.name = label(page, "Name")
        self.create = button(page, "Create sandbox credential")

    def row(self, name: str) -> Locator:
        return self.page.locator(f'[data-testid="sandbox-row"][data-sandbox-name="{name}"]')

    def delete(self, name: str) -> Locator:
        """A row's Delete (reach it with revealed())."""
        return button_or_link(self.row(name), "Delete")


class ProductsPage:
    """The catalog, and each application's subscription to a product."""

    def __init__(self, page: Page):
        self.page = page

    def subscription(self, product: str, application_name: str) -> Locator:
        return (self.page.locator(f'[data-testid="product"][data-product="{product}"]')
                .get_by_test_id("subscription-row").filter(has_text=application_name))

    def subscribe(self, product: str, application_name: str, approve: Callable[[], None]) -> Locator:
        """Subscribe the application through the card's Subscribe, unless the portal subscribed it by itself, and
        have a pending subscription (a manual product) approved by `approve` (the operator); the subscription's state
        (data-state approved, pending or rejected)."""
        self.page.goto("/app/products")
        subscribe = button(self.subscription(product, application_name), "Subscribe")
        if subscribe.count():
            revealed(subscribe).click()
            self.page.goto("/app/products")
        state = self.subscription(product, application_name).get_by_test_id("subscription-state")
        if state.get_attribute("data-state") == "pending":
            approve()
            self.page.goto("/app/products")
        return state


def expect_state(cell: Locator, state: str, where: str, whose: str) -> None:
    """The cell's data-state is `state`, and a person reads the same word there (in any letter case)."""
    expect(cell).to_have_attribute("data-state", state)
    assert says_state(cell, state), f"{where} shows {shown_text(cell)!r} for {whose} whose data-state is {state!r}"


class WebhooksPage:
    def __init__(self, page: Page):
        self.page = page
        self.heading = heading(page, "Webhooks")
        self.rows = page.get_by_test_id("webhook-row")
        self.url = label(page, "Endpoint URL")
        self.add = button(page, "Add endpoint")

    def event_type(self, name: str) -> Locator:
        return self.page.get_by_role("checkbox", name=name, exact=True)

    def row(self, url: str) -> Locator:
        return self.page.locator(f'[data-testid="webhook-row"][data-webhook-url="{url}"]')

    def state(self, url: str) -> Locator:
        return self.row(url).get_by_test_id("webhook-state")

    def expect_state(self, url: str, state: str) -> None:
        expect_state(self.state(url), state, "the webhooks page", "an endpoint")

    def action(self, url: str, name: str) -> Locator:
        """A row's action: Deactivate, Activate, Rotate secret, Send test event, Delivery logs or Delete (reach it
        with revealed())."""
        return button_or_link(self.row(url), name)


class SessionsSection:
    """Sessions and devices on the 2FA page: one row per active session of the account."""

    def __init__(self, page: Page):
        self.page = page
        self.root = page.get_by_test_id("sessions")
        # data-current is true (in any letter case) on the viewing session's row only; other rows may say
        # anything else, or leave the attribute out
        self.current_rows = self.root.locator('[data-testid="session-row"][data-current="true" i]')
        self.rows = self.root.get_by_test_id("session-row")
        self.sign_out_others = button(page, "Sign out all other sessions")  # reach it with revealed()

    def row(self, session_id: str) -> Locator:
        return self.root.locator(f'[data-testid="session-row"][data-session-id="{session_id}"]')

    def remove(self, session_id: str) -> Locator:
        """The row's Remove button (reach it with revealed())."""
        return button(self.row(session_id), "Remove")

