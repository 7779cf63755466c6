"""Every route the portal serves, declared once."""

from __future__ import annotations

from . import auth, dashboard, pages
from .routing import Access, Rule

D = Access.DEVELOPER

ROUTES = [
    Rule("GET", "/", pages.landing),
    Rule("GET", "/healthz", pages.healthz),
    Rule("GET", "/static/<name>", pages.static),
    Rule("GET", "/forbidden", pages.forbidden),
    Rule("GET", "/login", auth.login_form),
    Rule("POST", "/login", auth.login),
    Rule("GET", "/login/2fa", auth.second_factor_form),
    Rule("POST", "/login/2fa", auth.second_factor),
    Rule("POST", "/logout", auth.logout),
    Rule("GET", "/app", dashboard.index, D),
    Rule(
        "GET",
        "/app/apps",
        dashboard.empty_area(
            "Applications", "No applications yet.", "Applications hold the client credentials your code uses."
        ),
        D,
    ),
    Rule("GET", "/app/keys", dashboard.empty_area("API keys", "No API keys yet.", "Credentials of your applications."), D),
    Rule(
        "GET",
        "/app/products",
        dashboard.empty_area("API products", "No API products are published yet.", "The APIs you can subscribe to."),
        D,
    ),
    Rule(
        "GET",
        "/app/sandbox",
        dashboard.empty_area("Sandbox", "No sandbox credentials yet.", "Test credentials and accounts."),
        D,
    ),
    Rule(
        "GET",
        "/app/docs",
        dashboard.empty_area("Docs", "No API documentation is published yet.", "Endpoint reference and examples."),
        D,
    ),
    Rule(
        "GET",
        "/app/webhooks",
        dashboard.empty_area("Webhooks", "No webhook endpoints yet.", "Get told when things happen."),
        D,
    ),
    Rule(
        "GET",
        "/app/security/2fa",
        dashboard.empty_area(
            "Two-factor authentication", "Two-factor set-up is not available yet.", "Protect your account."
        ),
        D,
    ),
    Rule("GET", "/admin", pages.operator_home, Access.OPERATOR),
]
