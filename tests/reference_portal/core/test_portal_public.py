"""reference_portal.areas.public: landing, access denied, operator console, health and static files."""

from __future__ import annotations

import pytest

from reference_portal.core.routing import Access
from reference_portal.routes import ROUTES


def test_landing_page_has_a_get_started_link_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<a class="button primary" href="/login">Get Started</a>' in response.text


def test_landing_page_for_a_signed_in_developer_links_the_brand_to_the_dashboard(client, auth):
    auth.sign_in(client, "dev@example.com", "developer-demo-pass")
    assert 'class="brand" href="/app"' in client.get("/").text


def test_forbidden_page_is_403_access_denied_with_a_sign_in_link_when_signed_out(client):
    response = client.get("/forbidden")
    assert response.status_code == 403
    assert "<h1>Access denied</h1>" in response.text
    assert 'href="/login"' in response.text
    assert 'action="/logout"' not in response.text


def test_operator_console_names_the_operator(client, auth, portal):
    auth.sign_in(client, "admin@example.com", "admin-demo-pass")
    name = portal.db.scalar("SELECT name FROM users WHERE email = 'admin@example.com'")
    assert f"Signed in as the portal operator {name}" in client.get("/admin").text


def test_healthz_is_ok_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


DEVELOPER_PAGES = [
    rule.pattern
    for rule in ROUTES
    if rule.method == "GET" and rule.access is Access.DEVELOPER and "<" not in rule.pattern
]


@pytest.mark.parametrize("path", DEVELOPER_PAGES)
def test_every_developer_page_answers_a_developer(client, auth, path: str):
    auth.sign_in(client, "dev@example.com", "developer-demo-pass")
    response = client.get(path)
    assert response.status_code == 200
    if response.headers["content-type"].startswith("text/html"):
        assert "<h1>" in response.text


# Static files


@pytest.mark.parametrize(("name", "content_type"), [("portal.css", "text/css; charset=utf-8")])
def test_static_file_is_served_with_its_type(client, name: str, content_type: str):
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["x-content-type-options"] == "nosniff"
    assert len(response.content) > 0


@pytest.mark.parametrize(
    "name", ["nope.css", "portal.CSS", ".portal.css", "portal.css.bak", "portal", "app.py", "__init__.py"]
)
def test_unknown_or_disallowed_static_names_are_404(client, name: str):
    assert client.get(f"/static/{name}").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/static/../app.py", "/static/../../pyproject.toml", "/static/..%2fapp.py", "/static/../templates/base.html",
     "/static/..", "/static/", "/static"],
)
def test_paths_that_leave_the_static_folder_are_404(portal, call_wsgi, path: str):
    answer = call_wsgi(portal, "GET", path)
    assert answer.code == 404
    assert b"import" not in answer.body
