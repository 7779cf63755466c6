"""Page objects for screens several flows share: locators from the contract, verbs as methods, no assertions."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from fixtures.vault import SecretVault


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
        self.heading = page.get_by_role("heading", name="Sign in", exact=True)
        self.email = page.get_by_label("Email", exact=True)
        self.password = page.get_by_label("Password", exact=True)
        self.submit = page.get_by_role("button", name="Sign in", exact=True)

    def sign_in(self, email: str, password: str) -> None:
        self.email.fill(email)
        self.password.fill(password)
        self.submit.click()


class AccessDeniedPage:
    def __init__(self, page: Page):
        self.page = page
        self.heading: Locator = page.get_by_role("heading", level=1, name="Access denied", exact=True)
        self.sign_out = page.get_by_role("button", name="Sign out", exact=True)


class Dashboard:
    def __init__(self, page: Page):
        self.page = page
        self.heading = page.get_by_role("heading", level=1, name="Dashboard", exact=True)
        self.quick_links = page.get_by_test_id("quick-links")
        self.checklist_items = page.get_by_test_id("onboarding-checklist").get_by_test_id("checklist-item")

    def quick_link(self, name: str) -> Locator:
        return self.quick_links.get_by_role("link", name=name, exact=True)


class ApplicationsPage:
    def __init__(self, page: Page):
        self.page = page
        self.heading = page.get_by_role("heading", level=1, name="Applications", exact=True)
        self.create = page.get_by_role("link", name="Create application", exact=True)
        self.rows = page.get_by_test_id("application-row")

    def row(self, name: str) -> Locator:
        return self.rows.filter(has=self.page.get_by_role("link", name=name, exact=True))


class ApplicationForm:
    """The create form at /app/apps/new and the edit form on an application's page."""

    def __init__(self, page: Page):
        self.page = page
        self.name = page.get_by_label("Application name")
        self.callback_urls = page.get_by_label("Callback URLs")
        self.description = page.get_by_label("Description")
        self.create = page.get_by_role("button", name="Create", exact=True)
        self.save = page.get_by_role("button", name="Save changes", exact=True)
        self.saved = page.get_by_test_id("saved")

    def environment(self, name: str) -> Locator:
        return self.page.get_by_role("radio", name=name, exact=True)

    def error_for(self, field: str) -> Locator:
        return self.page.get_by_test_id(f"field-error-{field}")

    def register(self, vault: SecretVault, name: str, callback_urls: list[str], environment: str) -> str:
        """Register an application from the applications page, keep the secret the dialog shows once as
        `<client id>.first_client_secret`, and close the dialog; the new client ID. Call it inside
        secret_on_screen(page)."""
        dialog = SecretDialog(self.page)
        self.page.goto("/app/apps")
        ApplicationsPage(self.page).create.click()
        self.name.fill(name)
        self.callback_urls.fill("\n".join(callback_urls))
        self.environment(environment).check()
        self.create.click()
        expect(dialog.root).to_be_visible()
        client_id = dialog.client_id.inner_text().strip()
        dialog.keep(vault, f"{client_id}.first_client_secret")
        dialog.done.click()
        return client_id


class SecretDialog:
    """The one-time dialog that shows a client ID and secret after create or rotate."""

    def __init__(self, page: Page):
        self.page = page
        self.root = page.get_by_role("dialog")
        self.client_id = self.root.get_by_test_id("client-id")
        self.secret = self.root.get_by_test_id("one-time-secret")
        self.copy_client_id = self.root.get_by_role("button", name="Copy client ID")
        self.copy_secret = self.root.get_by_role("button", name="Copy client secret")
        self.done = self.root.get_by_role("link", name="Done")

    def keep(self, vault: SecretVault, name: str) -> None:
        """Put the secret shown once into the vault under `name`: the only place a flow reads it back from."""
        vault.put(name, self.secret.inner_text().strip())


class KeysPage:
    def __init__(self, page: Page):
        self.page = page
        self.heading = page.get_by_role("heading", level=1, name="API keys", exact=True)
        self.rows = page.get_by_test_id("key-row")
        self.policy = page.get_by_test_id("rotation-policy")

    def row(self, client_id: str) -> Locator:
        return self.page.locator(f'[data-testid="key-row"][data-client-id="{client_id}"]')

    def state(self, client_id: str) -> Locator:
        return self.row(client_id).get_by_test_id("key-state")

    def action(self, client_id: str, name: str) -> Locator:
        """A row's action: Rotate secret, Deactivate, Reactivate or Revoke."""
        row = self.row(client_id)
        return row.get_by_role("button", name=name).or_(row.get_by_role("link", name=name))


class SandboxPage:
    def __init__(self, page: Page):
        self.page = page
        self.heading = page.get_by_role("heading", level=1, name="Sandbox", exact=True)
        self.rows = page.get_by_test_id("sandbox-row")
        self.name = page.get_by_label("Name", exact=True)
        self.create = page.get_by_role("button", name="Create sandbox credential")

    def row(self, name: str) -> Locator:
        return self.page.locator(f'[data-testid="sandbox-row"][data-sandbox-name="{name}"]')



class WebhooksPage:
    def __init__(self, page: Page):
        self.page = page
        self.heading = page.get_by_role("heading", level=1, name="Webhooks", exact=True)
        self.rows = page.get_by_test_id("webhook-row")
        self.url = page.get_by_label("Endpoint URL")
        self.add = page.get_by_role("button", name="Add endpoint")

    def event_type(self, name: str) -> Locator:
        return self.page.get_by_role("checkbox", name=name, exact=True)

    def row(self, url: str) -> Locator:
        return self.page.locator(f'[data-testid="webhook-row"][data-webhook-url="{url}"]')

    def state(self, url: str) -> Locator:
        return self.row(url).get_by_test_id("webhook-state")

    def action(self, url: str, name: str) -> Locator:
        """A row's action: Deactivate, Activate, Rotate secret, Send test event, Delivery logs or Delete."""
        row = self.row(url)
        return row.get_by_role("button", name=name).or_(row.get_by_role("link", name=name))


class SessionsSection:
    """Sessions and devices on the 2FA page: one row per active session of the account."""

    def __init__(self, page: Page):
        self.page = page
        self.root = page.get_by_test_id("sessions")
        self.current_rows = self.root.locator('[data-testid="session-row"][data-current="true"]')

    def row(self, session_id: str) -> Locator:
        return self.root.locator(f'[data-testid="session-row"][data-session-id="{session_id}"]')

    def remove(self, session_id: str) -> Locator:
        return self.row(session_id).get_by_role("button", name="Remove")

