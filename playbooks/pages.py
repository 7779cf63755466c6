"""Page objects for screens several flows share: locators from the contract, verbs as methods, no assertions."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page


def at_path(path: str) -> re.Pattern[str]:
    """Matches a page URL whose path is exactly `path`, whatever the host, query or fragment."""
    return re.compile(rf"^[a-z]+://[^/]+{re.escape(path)}/?(?:[?#].*)?$")


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
