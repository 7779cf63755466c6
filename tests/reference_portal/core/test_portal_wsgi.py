"""reference_portal.app as a WSGI application: PEP 3333 conformance, security headers, error pages, no tracebacks."""

from __future__ import annotations

import logging
import sqlite3
from urllib.parse import urlencode

import pytest
from jinja2 import ChoiceLoader, DictLoader

from reference_portal import Config, Portal, create_app
from reference_portal.areas import public
from reference_portal.core.http import Forbidden
from reference_portal.core.routing import Rule

SECRET_DETAIL = "the-secret-detail-4711"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", "200 OK"),
        ("HEAD", "/", "200 OK"),
        ("GET", "/login", "200 OK"),
        ("HEAD", "/login", "200 OK"),
        ("GET", "/healthz", "200 OK"),
        ("GET", "/static/portal.css", "200 OK"),
        ("GET", "/forbidden", "403 Forbidden"),
        ("GET", "/app", "303 See Other"),
        ("GET", "/no-such-page", "404 Not Found"),
        ("HEAD", "/no-such-page", "404 Not Found"),
        ("PUT", "/login", "405 Method Not Allowed"),
        ("POST", "/login", "403 Forbidden"),
    ],
)
def test_every_kind_of_answer_passes_the_wsgi_validator(
    portal: Portal, call_wsgi, method: str, path: str, status: str
):
    got_status, _, body = call_wsgi(portal, method, path, validate=True)
    assert got_status == status
    if method == "HEAD":
        assert body == b""


def test_a_signed_in_post_passes_the_wsgi_validator(portal: Portal, call_wsgi, read_page):
    status, headers, page = call_wsgi(portal, "GET", "/login", validate=True)
    cookie = next(value for name, value in headers if name == "Set-Cookie").split(";")[0]
    token = read_page(page.decode()).csrf_token
    body = urlencode({"csrf_token": token, "email": "dev@example.com", "password": "developer-demo-pass"}).encode()
    status, headers, _ = call_wsgi(
        portal, "POST", "/login", body, validate=True, CONTENT_TYPE="application/x-www-form-urlencoded",
        HTTP_COOKIE=cookie,
    )
    assert status == "303 See Other"
    assert ("Location", "/app") in headers
    signed_in = next(value for name, value in headers if name == "Set-Cookie").split(";")[0]
    assert call_wsgi(portal, "GET", "/app", validate=True, HTTP_COOKIE=signed_in)[0] == "200 OK"


def test_head_answers_the_get_headers_without_a_body(client):
    get, head = client.get("/"), client.head("/")
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"] == str(len(get.content))


# Security headers


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/login"),
        ("GET", "/healthz"),
        ("GET", "/static/portal.css"),
        ("GET", "/forbidden"),
        ("GET", "/app"),  # 303 to sign in
        ("GET", "/no-such-page"),
        ("DELETE", "/"),
        ("POST", "/logout"),  # 403, no CSRF token
        ("HEAD", "/"),
    ],
)
def test_security_headers_are_on_every_response(client, method: str, path: str):
    headers = client.request(method, path).headers
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


def test_security_headers_are_on_error_pages_made_by_the_app(portal, call_wsgi):
    answer = call_wsgi(portal, "GET", "/\u00ff")  # 400 for a non-UTF-8 address
    assert "frame-ancestors 'none'" in answer.header("content-security-policy")
    assert answer.header("x-content-type-options") == "nosniff"


@pytest.mark.parametrize("path", ["/app", "/app/keys", "/app/docs", "/login", "/"])
def test_pages_with_a_session_are_not_stored_by_caches(client, auth, path: str):
    auth.sign_in(client, "dev@example.com", "developer-demo-pass")
    response = client.get(path)
    assert response.status_code in (200, 303)
    assert response.headers["cache-control"] == "no-store"


def test_the_forbidden_page_of_a_signed_in_viewer_is_not_stored(client, auth):
    auth.sign_in(client, "viewer@example.com", "viewer-demo-pass")
    assert client.get("/forbidden").headers["cache-control"] == "no-store"


def test_the_sign_in_form_is_not_stored_by_caches(client):
    assert client.get("/login").headers["cache-control"] == "no-store"


def test_static_files_keep_their_own_caching(client, auth):
    auth.sign_in(client, "dev@example.com", "developer-demo-pass")
    assert client.get("/static/portal.css").headers["cache-control"] == "public, max-age=300"


def test_strict_transport_security_only_over_https(make_client):
    assert "strict-transport-security" not in make_client().get("/").headers
    https = make_client(base_url="https://portal.test")
    assert https.get("/").headers["strict-transport-security"] == "max-age=31536000"


# Errors never show internals


def failing_endpoint(request):
    raise RuntimeError(SECRET_DETAIL)


def locked_endpoint(request):
    raise sqlite3.OperationalError("database is locked")


def broken_sql_endpoint(request):
    request.app.db.query(f"SELECT * FROM {SECRET_DETAIL.replace('-', '_')}")


def forbidden_endpoint(request):
    raise Forbidden("Not for you.")


def not_a_response_endpoint(request):
    return SECRET_DETAIL


@pytest.fixture
def failing_portal(make_portal):
    return make_portal(
        routes=[
            Rule("GET", "/boom", failing_endpoint),
            Rule("POST", "/boom", failing_endpoint, csrf=False),
            Rule("GET", "/locked", locked_endpoint),
            Rule("GET", "/broken-sql", broken_sql_endpoint),
            Rule("GET", "/refuse", forbidden_endpoint),
            Rule("GET", "/not-a-response", not_a_response_endpoint),
            Rule("GET", "/api/boom", failing_endpoint),
        ]
    )


@pytest.fixture
def failing_client(failing_portal, make_client):
    return make_client(failing_portal)


@pytest.mark.parametrize(("method", "path"), [("GET", "/boom"), ("POST", "/boom"), ("GET", "/broken-sql"),
                                               ("GET", "/not-a-response")])
def test_an_unexpected_error_is_a_500_page_without_internals(failing_client, caplog, method: str, path: str):
    with caplog.at_level(logging.ERROR, logger="reference_portal"):
        response = failing_client.request(method, path)
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "Traceback" not in response.text
    assert SECRET_DETAIL not in response.text
    assert SECRET_DETAIL.replace("-", "_") not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    logged = [record for record in caplog.records if record.exc_info and path in record.getMessage()]
    assert logged, "the error was not logged with its traceback"


def test_an_unexpected_error_under_the_api_is_a_json_500_without_internals(failing_client):
    response = failing_client.get("/api/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == "something_went_wrong"
    assert SECRET_DETAIL not in response.text


def test_a_broken_error_template_still_gives_a_plain_500(failing_portal, failing_client, caplog):
    app = failing_portal
    app.templates.loader = ChoiceLoader([DictLoader({"errors/error.html": "{{ no_such_variable }}"}),
                                         app.templates.loader])
    app.templates.cache.clear()
    with caplog.at_level(logging.ERROR, logger="reference_portal"):
        response = failing_client.get("/boom")
    assert response.status_code == 500
    assert response.text == "Something went wrong\n"
    assert any("could not render" in record.getMessage() for record in caplog.records)


def test_database_is_locked_is_a_503_with_retry_after(failing_client, caplog):
    with caplog.at_level(logging.WARNING, logger="reference_portal"):
        response = failing_client.get("/locked")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert "Traceback" not in response.text
    assert any("busy" in record.getMessage() for record in caplog.records)


def test_a_real_write_lock_held_elsewhere_is_a_503(portal, client, auth):
    portal.db.connection().execute("PRAGMA busy_timeout = 0")  # do not wait the usual 10 s for the lock
    holder = sqlite3.connect(portal.config.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = auth.sign_in(client, "dev@example.com", "developer-demo-pass")  # starts a session: a write
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    assert "retry-after" in response.headers
    again = auth.sign_in(client, "dev@example.com", "developer-demo-pass")
    assert again.status_code == 303  # fine once the lock is gone


def test_an_http_error_raised_by_a_handler_is_its_own_page(failing_client):
    response = failing_client.get("/refuse")
    assert response.status_code == 403
    assert "Not for you." in response.text


def test_405_names_the_allowed_methods(client):
    response = client.delete("/login")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"


def test_404_is_an_html_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Page not found</h1>" in response.text


def test_404_under_the_api_is_json(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"error": "page_not_found", "error_description": "There is no page at this address."}


def test_healthz_reports_the_version_and_the_schema_version(client, portal):
    response = client.get("/healthz")
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok", "version": public.PORTAL_VERSION,
                               "schema_version": portal.db.scalar("PRAGMA user_version")}
    assert public.PORTAL_VERSION[0].isdigit()


def test_create_app_takes_a_dict_of_config_fields(tmp_path, clock):
    app = create_app({"database": str(tmp_path / "dict.sqlite3"), "clock": clock, "demo_seed": False})
    try:
        assert isinstance(app.config, Config)
        assert app.db.scalar("SELECT COUNT(*) FROM users") == 0
    finally:
        app.db.close()


def test_the_encryption_key_is_kept_beside_the_database_and_reused(tmp_path, clock):
    database = str(tmp_path / "keyed.sqlite3")
    first = Portal(Config(database=database, clock=clock))
    second = Portal(Config(database=database, clock=clock))
    try:
        key_file = tmp_path / "keyed.sqlite3.key"
        assert key_file.stat().st_mode & 0o777 == 0o600
        assert first.secret_key == second.secret_key == bytes.fromhex(key_file.read_text())
    finally:
        first.db.close()
        second.db.close()


