"""Benign variants every page meets (layout, a slow server: every flow), and of the screens several flows share:
landing, sign-in, the account menu, the dashboard, access denied, headings and dialogs."""

from __future__ import annotations

import functools
import time
from typing import Any, Callable

from playbooks.harness import catalog

from . import EVERY_ROUTE, Variant

SLOW_SECONDS = 0.05
EVERY_FLOW = tuple(flow.id for flow in catalog.flows())


def slowly(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    def slow(request: Any, **values: Any) -> Any:
        time.sleep(SLOW_SECONDS)  # the variant under test is a slow server, not a wait in the harness
        return endpoint(request, **values)

    return functools.update_wrapper(slow, endpoint)  # keeps what the OpenAPI document is made from


VARIANTS = [
    Variant("slow-server", f"every answer {SLOW_SECONDS * 1000:.0f} ms later", EVERY_FLOW,
            routes={EVERY_ROUTE: slowly}),
    Variant("other-layout", "another page layout, with a notice above every page's content", EVERY_FLOW,
            templates=(("base.html", "{% block main %}{% endblock %}",
                        '<div class="layout"><section class="content"><p class="notice">Maintenance on Sunday.</p>'
                        "{% block main %}{% endblock %}</section></div>"),)),
    Variant("other-welcome", "the dashboard greets in other words", ("DPF-03", "DPF-04"),
            templates=(("dashboard/index.html", "Welcome, ", "Hello again, "),)),
    Variant("sign-out-in-closed-user-menu",
            "Sign out sits in a closed account menu (<details>, the email as its summary) on every page; the "
            "access-denied page's own button says Switch account", ("DPF-01", "DPF-02"),
            templates=(("base.html", '<span data-testid="account-email">{{ user.email }}</span>',
                        '<details class="user-menu"><summary>'
                        '<span data-testid="account-email">{{ user.email }}</span></summary>'),
                       ("base.html", '<button type="submit">Sign out</button>\n      </form>',
                        '<button type="submit">Sign out</button>\n      </form></details>'),
                       ("pages/forbidden.html", "Sign out and use another account", "Switch account"))),
    Variant("headings-in-title-case",
            "level-1 headings in title case: Sign In, Access Denied, API Keys, Create Application",
            ("DPF-01", "DPF-02", "DPF-03", "DPF-04", "DPF-05", "DPF-06", "DPF-09"),
            templates=(("auth/login.html", "<h1>Sign in</h1>", "<h1>Sign In</h1>"),
                       ("pages/forbidden.html", "<h1>Access denied</h1>", "<h1>Access Denied</h1>"),
                       ("keys/list.html", "<h1>API keys</h1>", "<h1>API Keys</h1>"),
                       ("apps/new.html", "<h1>Create application</h1>", "<h1>Create Application</h1>"))),
    Variant("quick-link-cards", "each quick link is a whole card: its name and its description are one link",
            ("DPF-04",),
            templates=(("dashboard/index.html",
                        '<li><a href="{{ link.href }}">{{ link.name }}</a><p>{{ link.summary }}</p></li>',
                        '<li><a class="card" href="{{ link.href }}"><strong>{{ link.name }}</strong>'
                        "<p>{{ link.summary }}</p></a></li>"),)),
    Variant("get-started-button", "Get started is a button of a form that GETs /login", ("DPF-03",),
            templates=(("pages/landing.html", '<p><a class="button primary" href="/login">Get Started</a></p>',
                        '<form method="get" action="/login">'
                        '<button type="submit" class="primary">Get started</button></form>'),)),
    Variant("sign-in-form-in-other-words",
            "the sign-in fields are labelled Email address and Password (case-sensitive)", ("DPF-01", "DPF-03"),
            templates=(("auth/login.html", '<label for="email">Email</label>',
                        '<label for="email">Email address</label>'),
                       ("auth/login.html", '<label for="password">Password</label>',
                        '<label for="password">Password <small>(case-sensitive)</small></label>'))),
    Variant("cookie-notice-dialog", "every page carries a non-modal cookie notice, itself a dialog",
            ("DPF-06", "DPF-10", "DPF-11", "DPF-17", "DPF-20", "DPF-22", "DPF-31", "DPF-32", "DPF-33", "DPF-34"),
            templates=(("base.html", '<main id="main">',
                        '<div role="dialog" aria-label="Cookies" class="cookie-notice"><p>We use one cookie: your '
                        'session.</p></div>\n  <main id="main">'),)),
    Variant("access-denied-in-other-words", "the access-denied page explains itself in other words", ("DPF-02",),
            templates=(("pages/forbidden.html", "This portal is for registered developers.",
                        "Only developer accounts can open the developer portal."),)),
]
