"""The portal's areas, listed once: the main navigation and the dashboard's quick links are both made from it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QuickLink:
    name: str
    href: str
    summary: str


AREAS = (
    QuickLink("Applications", "/app/apps", "Register an application and get its client credentials."),
    QuickLink("API keys", "/app/keys", "See, rotate and revoke your credentials."),
    QuickLink("API products", "/app/products", "Find the APIs you can subscribe to."),
    QuickLink("Sandbox", "/app/sandbox", "Try the APIs against test data."),
    QuickLink("Docs", "/app/docs", "Read the endpoint reference and examples."),
    QuickLink("Webhooks", "/app/webhooks", "Have events delivered, signed, to your endpoints."),
    QuickLink("Usage", "/app/usage", "See your API calls, their errors and their request IDs."),
    QuickLink("FAQ", "/app/faq", "Find answers to errors by code: authentication, rate limits, webhooks."),
    QuickLink("Security", "/app/security/2fa", "Protect your account with two-factor authentication."),
    QuickLink("Go-live", "/app/go-live", "The seven checks your integration must pass before it goes live."),
)
MAIN_NAVIGATION = (QuickLink("Dashboard", "/app", "Your starting point."), *AREAS)
