"""reference_portal.areas.dashboard: who is signed in, the quick links, the onboarding checklist, empty areas."""

from __future__ import annotations

import re

import pytest

from reference_portal.areas.dashboard import QUICK_LINKS, empty_area
from reference_portal.core.routing import Access, Rule
from reference_portal.routes import ROUTES

QUICK_LINKS_EXPECTED = [
    ("Applications", "/app/apps"),
    ("API keys", "/app/keys"),
    ("API products", "/app/products"),
    ("Sandbox", "/app/sandbox"),
    ("Docs", "/app/docs"),
    ("Webhooks", "/app/webhooks"),
    ("Usage", "/app/usage"),
    ("FAQ", "/app/faq"),
    ("Security", "/app/security/2fa"),
    ("Go-live", "/app/go-live"),
]
CHECKLIST_ITEM = re.compile(
    r'data-testid="checklist-item" data-state="(done|todo)">\s*<span class="state">[^<]*</span>\s*'
    r'<a href="([^"]+)">([^<]+)</a>'
)


def section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def dashboard(client, auth) -> str:
    auth.sign_in(client, "dev@example.com", "developer-demo-pass")
    response = client.get("/app")
    assert response.status_code == 200
    return response.text


def checklist(html: str) -> list[tuple[str, str, str]]:
    found = CHECKLIST_ITEM.findall(section(html, "onboarding-checklist"))
    return [(label, href, state) for state, href, label in found]


def test_dashboard_names_the_developer_and_the_organisation(dashboard: str, portal):
    name = portal.db.scalar("SELECT name FROM users WHERE email = 'dev@example.com'")
    assert f'<span data-testid="developer-name">{name}</span>' in dashboard
    assert '<span data-testid="organisation-name">Acme Payments</span>' in dashboard


def test_dashboard_has_a_quick_link_to_every_area(dashboard: str):
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', section(dashboard, "quick-links"))
    assert [(name, href) for href, name in links] == QUICK_LINKS_EXPECTED
    assert [(link.name, link.href) for link in QUICK_LINKS] == QUICK_LINKS_EXPECTED


GO_LIVE_CHECKS = [
    ("Production application with final callback URLs", "/app/apps/new"),
    ("Secret rotated within 90 days, not the one first issued", "/app/apps/new"),
    ("Products subscribed and approved", "/app/apps/new"),
    ("Sandbox test calls made and successful", "/app/products"),
    ("Webhook endpoint passed a signature check", "/app/webhooks"),
    ("An alert rule in place", "/app/usage/alerts"),
    ("Every organisation admin with 2FA on", "/app/security/2fa"),
]


def test_a_new_organisation_has_every_go_live_check_still_to_do(dashboard: str):
    assert checklist(dashboard) == [(label, href, "todo") for label, href in GO_LIVE_CHECKS]
    assert "0 of 7 checks pass" in section(dashboard, "onboarding-checklist")


def test_the_checklist_is_the_go_live_computation(client, auth, portal, clock):
    """One computation: what the dashboard lists is what /app/go-live.json says, check for check."""
    org = portal.db.scalar("SELECT id FROM organisations WHERE name = 'Acme Payments'")
    with portal.db.transaction() as conn:
        conn.execute(
            "INSERT INTO webhook_endpoints (organisation_id, url, created_at) VALUES (?, 'https://hooks.example/x', ?)",
            (org, clock.now),
        )
        conn.execute("UPDATE users SET organisation_role = 'member' WHERE organisation_id = ?", (org,))
    auth.sign_in(client, "dev@example.com", "developer-demo-pass")
    listed = {label: state for label, _, state in checklist(client.get("/app").text)}
    computed = client.get("/app/go-live.json").json()["checks"]
    assert listed == {check["title"]: "done" if check["passed"] else "todo" for check in computed}
    assert listed["Every organisation admin with 2FA on"] == "todo"  # an organisation without an admin is not ready


def test_the_navigation_marks_the_current_page(dashboard: str):
    assert '<a href="/app" aria-current="page">Dashboard</a>' in dashboard
    assert '<a href="/app/keys">API keys</a>' in dashboard


def test_an_empty_area_shows_its_heading_intro_and_empty_state(make_portal, make_client, auth):
    page = empty_area("Widgets", "No widgets yet.", "Widgets do things.")
    client = make_client(make_portal(routes=[*ROUTES, Rule("GET", "/app/widgets", page, Access.DEVELOPER)]))
    auth.sign_in(client, "dev@example.com", "developer-demo-pass")
    html = client.get("/app/widgets").text
    assert "<h1>Widgets</h1>" in html
    assert '<p class="lead">Widgets do things.</p>' in html
    assert '<p class="empty-state" data-testid="empty-state">No widgets yet.</p>' in html
    assert page.__name__ == "empty_area_widgets"


def test_the_main_navigation_reaches_every_developer_area_that_has_a_page(client, auth):
    auth.sign_in(client, "dev@example.com", "developer-demo-pass")
    navigation = client.get("/app").text.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    linked = set(re.findall(r'<a href="([^"]+)"', navigation))
    area_pages = {rule.pattern for rule in ROUTES if rule.method == "GET" and rule.access is Access.DEVELOPER
                  and rule.pattern.count("/") == 2}  # /app/<area>: an area's own page, not one of its sub-pages
    # the testing guide is reached from Docs, the CSV export from Usage, account settings from Security (2FA), the
    # go-live checks as JSON from Go-live
    assert area_pages - linked == {"/app/how-to-test", "/app/usage.csv", "/account/security", "/app/go-live.json"}
    for href in linked - {"/"}:
        assert client.get(href).status_code == 200, href
