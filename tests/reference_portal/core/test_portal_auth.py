"""reference_portal.areas.auth: sign-in, where it lands, the generic failure, `next`, sign-out."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from reference_portal.areas.auth import GENERIC_FAILURE, safe_next

DEVELOPER = ("dev@example.com", "developer-demo-pass")
VIEWER = ("viewer@example.com", "viewer-demo-pass")
OPERATOR = ("admin@example.com", "admin-demo-pass")
FORM_ERROR = re.compile(r'data-testid="form-error">([^<]*)<')

UNSAFE_NEXT = [
    "//evil.example",
    "//evil.example/app",
    "https://evil.example",
    "http:/evil.example",
    "/\\evil.example",
    "/app\\..\\evil",
    "\\\\evil.example",
    "javascript:alert(1)",
    "evil.example",
    "/\t/evil.example",  # browsers drop tabs and newlines from URLs: this is //evil.example
    "/\n/evil.example",
    "/\r\nSet-Cookie: injected=1",  # would split the response headers
    "/\x00/evil.example",
    "/\u2028/evil.example",
    "/" + "a" * 600,
]
SAFE_NEXT = ["/app/keys", "/app/docs?section=auth", "/app/apps#top", "/"]


def form_error(html: str) -> str:
    found = FORM_ERROR.search(html)
    assert found, "no form error on the page"
    return found.group(1)


def test_developer_signs_in_to_the_dashboard(client, auth):
    response = auth.sign_in(client, *DEVELOPER)
    assert (response.status_code, response.headers["location"]) == (303, "/app")
    dashboard = client.get("/app")
    assert dashboard.status_code == 200
    assert 'data-testid="account-email">dev@example.com<' in dashboard.text


def test_email_is_matched_whatever_its_case_and_surrounding_spaces(client, auth):
    assert auth.sign_in(client, "  DEV@Example.com ", DEVELOPER[1]).headers["location"] == "/app"


@pytest.mark.parametrize(
    ("email", "password"),
    [
        pytest.param("nobody@example.com", "developer-demo-pass", id="unknown-email"),
        pytest.param("dev@example.com", "wrong-password", id="wrong-password"),
        pytest.param("dev@example.com", "DEVELOPER-DEMO-PASS", id="password-case"),
        pytest.param("dev@example.com", "developer-demo-pass ", id="password-trailing-space"),
        pytest.param("x" * 255 + "@example.com", "p", id="email-too-long"),
        pytest.param("dev@example.com", "p" * 1025, id="password-too-long"),
    ],
)
def test_failed_sign_in_is_401_with_the_one_generic_message(client, auth, email: str, password: str):
    response = auth.sign_in(client, email, password)
    assert response.status_code == 401
    assert form_error(response.text) == GENERIC_FAILURE == "Email or password is incorrect."
    assert client.get("/app").status_code == 303


def test_unknown_email_and_wrong_password_pages_differ_only_by_the_echoed_email(make_client, auth, read_page):
    def page(email: str, password: str) -> str:
        response = auth.sign_in(make_client(), email, password)
        assert response.status_code == 401
        return csrf_token_free(response.text).replace(email, "EMAIL")

    def csrf_token_free(html: str) -> str:
        return html.replace(read_page(html).csrf_token, "TOKEN")

    assert page("nobody@example.com", "developer-demo-pass") == page("dev@example.com", "wrong")


@pytest.mark.parametrize(("email", "password"), [("", "x"), ("dev@example.com", ""), ("   ", "x")])
def test_empty_field_is_422_asking_for_both(client, auth, email: str, password: str):
    response = auth.sign_in(client, email, password)
    assert response.status_code == 422
    assert form_error(response.text) == "Enter your email and password."


def test_the_failed_form_keeps_the_email_but_never_the_password(client, auth):
    response = auth.sign_in(client, "dev@example.com", "a-wrong-secret")
    assert 'value="dev@example.com"' in response.text
    assert "a-wrong-secret" not in response.text


def test_the_echoed_email_is_html_escaped(client, auth):
    response = auth.sign_in(client, '"><script>alert(1)</script>', "x")
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;" in response.text


# Where a sign-in lands


def test_viewer_ends_on_access_denied(client, auth):
    assert auth.sign_in(client, *VIEWER).headers["location"] == "/app"
    final = client.get("/app", follow_redirects=True)
    assert final.url.path == "/forbidden"
    assert final.status_code == 403
    assert "<h1>Access denied</h1>" in final.text
    assert "viewer@example.com does not have developer access" in final.text
    assert 'action="/logout"' in final.text  # a way to sign out and use another account


def test_operator_lands_on_the_operator_console(client, auth):
    response = auth.sign_in(client, *OPERATOR)
    assert response.headers["location"] == "/admin"
    console = client.get("/admin")
    assert console.status_code == 200
    assert "<h1>Operator console</h1>" in console.text


@pytest.mark.parametrize(("account", "path"), [(VIEWER, "/app/keys"), (VIEWER, "/admin"), (OPERATOR, "/app"),
                                               (DEVELOPER, "/admin")])
def test_signed_in_without_the_role_is_sent_to_forbidden(client, auth, account, path: str):
    auth.sign_in(client, *account)
    response = client.get(path)
    assert (response.status_code, response.headers["location"]) == (303, "/forbidden")


@pytest.mark.parametrize("path", ["/app", "/app/keys", "/app/docs", "/admin"])
def test_signed_out_visit_goes_to_sign_in_with_next(client, path: str):
    response = client.get(path)
    assert (response.status_code, response.headers["location"]) == (303, f"/login?next={path}")


def test_signed_out_post_to_a_protected_route_is_403(client):
    assert client.post("/app/apps", data={"name": "x"}).status_code == 403


def test_signed_out_visit_to_keys_comes_back_to_keys_after_sign_in(client, auth):
    location = client.get("/app/keys").headers["location"]
    form = client.get(location)
    assert 'name="next" value="/app/keys"' in form.text
    response = auth.sign_in(client, *DEVELOPER, next="/app/keys")
    assert response.headers["location"] == "/app/keys"
    assert client.get("/app/keys").status_code == 200


def test_the_query_string_survives_the_round_trip_through_sign_in(client, auth):
    location = client.get("/app/docs?section=auth&lang=en").headers["location"]
    assert location == "/login?next=/app/docs%3Fsection%3Dauth%26lang%3Den"
    assert 'value="/app/docs?section=auth&amp;lang=en"' in client.get(location).text
    assert auth.sign_in(client, *DEVELOPER, next="/app/docs?section=auth&lang=en").headers["location"] == (
        "/app/docs?section=auth&lang=en"
    )


@pytest.mark.parametrize("target", SAFE_NEXT)
def test_next_is_honoured_for_a_path_on_the_portal(client, auth, target: str):
    assert auth.sign_in(client, *DEVELOPER, next=target).headers["location"] == target


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_next_is_ignored_unless_it_is_a_plain_path_on_the_portal(client, auth, target: str):
    token = auth.csrf_token(client, "/login")
    body = urlencode({"csrf_token": token, "email": DEVELOPER[0], "password": DEVELOPER[1], "next": target})
    response = client.post("/login", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (response.status_code, response.headers["location"]) == (303, "/app")


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_unsafe_next_is_not_put_in_the_sign_in_form(client, target: str):
    assert 'name="next" value=""' in client.get("/login", params={"next": target}).text


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_signed_in_visit_to_the_sign_in_page_ignores_unsafe_next(client, auth, target: str):
    auth.sign_in(client, *DEVELOPER)
    response = client.get("/login", params={"next": target})
    assert (response.status_code, response.headers["location"]) == (303, "/app")


def test_signed_in_visit_to_the_sign_in_page_follows_a_safe_next(client, auth):
    auth.sign_in(client, *DEVELOPER)
    assert client.get("/login", params={"next": "/app/keys"}).headers["location"] == "/app/keys"


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_safe_next_refuses(target: str):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", SAFE_NEXT)
def test_safe_next_accepts(target: str):
    assert safe_next(target) == target


# Sign-out


def test_sign_out_ends_the_session_and_goes_home(client, auth):
    auth.sign_in(client, *DEVELOPER)
    response = auth.sign_out(client)
    assert (response.status_code, response.headers["location"]) == (303, "/")
    assert client.get("/app").status_code == 303
    assert "Sign in" in client.get("/").text


def test_signing_in_again_after_signing_out_works(client, auth):
    auth.sign_in(client, *DEVELOPER)
    auth.sign_out(client)
    assert auth.sign_in(client, *DEVELOPER).headers["location"] == "/app"
