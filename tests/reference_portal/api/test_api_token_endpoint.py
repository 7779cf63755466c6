"""POST /oauth/token: the client-credentials grant and its RFC 6749 section 5.2 errors."""

from __future__ import annotations

import re

import pytest

SECRET_FORMAT = re.compile(r"^cs_test_[A-Za-z0-9_-]{43}$")
CLIENT_ID_FORMAT = re.compile(r"^ci_[A-Za-z0-9_-]{22}$")


def assert_token_granted(answer, scope: str = "accounts payments") -> None:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == scope
    assert body["access_token"].startswith("at_")
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Content-Type"] == "application/json"


def assert_oauth_error(answer, status: int, error: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    body = answer.json()
    assert body["error"] == error
    assert body["error_description"]


def test_new_credentials_have_the_documented_formats(sandbox_app):
    assert CLIENT_ID_FORMAT.match(sandbox_app.client_id), sandbox_app.client_id
    assert SECRET_FORMAT.match(sandbox_app.secret)


def test_token_with_http_basic(sandbox_app, request_token):
    assert_token_granted(request_token(sandbox_app.client_id, sandbox_app.secret))


def test_token_with_form_fields(sandbox_app, api):
    fields = {"client_id": sandbox_app.client_id, "client_secret": sandbox_app.secret}
    answer = api.post("/oauth/token", data={"grant_type": "client_credentials", **fields})
    assert_token_granted(answer)


def test_each_grant_is_a_new_token(sandbox_app, request_token):
    first = request_token(sandbox_app.client_id, sandbox_app.secret).json()["access_token"]
    second = request_token(sandbox_app.client_id, sandbox_app.secret).json()["access_token"]
    assert first != second


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [
        pytest.param(None, "cs_test_" + "x" * 43, id="wrong-secret"),
        pytest.param("ci_unknownclient0000000", None, id="unknown-client"),
        pytest.param(None, "", id="empty-secret"),
    ],
)
def test_bad_client_credentials_are_invalid_client(sandbox_app, request_token, client_id, secret):
    answer = request_token(client_id or sandbox_app.client_id, sandbox_app.secret if secret is None else secret)
    assert_oauth_error(answer, 401, "invalid_client")
    assert answer.headers["WWW-Authenticate"].startswith("Basic realm=")


def test_missing_client_credentials_are_invalid_client(sandbox_app, api):
    answer = api.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert_oauth_error(answer, 401, "invalid_client")
    assert answer.headers["WWW-Authenticate"].startswith("Basic realm=")


def test_form_client_id_without_secret_is_invalid_client(sandbox_app, api):
    answer = api.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": sandbox_app.client_id})
    assert_oauth_error(answer, 401, "invalid_client")


def test_basic_and_form_secret_together_are_refused(sandbox_app, api, basic_auth):
    answer = api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_secret": sandbox_app.secret},
        headers={"Authorization": basic_auth(sandbox_app.client_id, sandbox_app.secret)},
    )
    assert_oauth_error(answer, 400, "invalid_request")


def test_password_grant_is_unsupported(sandbox_app, request_token):
    answer = request_token(sandbox_app.client_id, sandbox_app.secret, grant_type="password")
    assert_oauth_error(answer, 400, "unsupported_grant_type")


def test_missing_grant_type_is_an_invalid_request(sandbox_app, api, basic_auth):
    authorization = basic_auth(sandbox_app.client_id, sandbox_app.secret)
    answer = api.post("/oauth/token", data={"scope": "payments"}, headers={"Authorization": authorization})
    assert_oauth_error(answer, 400, "invalid_request")  # RFC 6749 section 5.2: a required parameter is missing


def test_scope_not_approved_is_invalid_scope(sandbox_app, request_token):
    # FX needs manual approval, so a new sandbox app is not approved for it.
    answer = request_token(sandbox_app.client_id, sandbox_app.secret, scope="fx")
    assert_oauth_error(answer, 400, "invalid_scope")
    assert "fx" in answer.json()["error_description"]


def test_scope_mixing_approved_and_unapproved_is_refused_whole(sandbox_app, request_token):
    answer = request_token(sandbox_app.client_id, sandbox_app.secret, scope="payments fx")
    assert_oauth_error(answer, 400, "invalid_scope")


def test_requested_scope_narrows_the_token(sandbox_app, request_token, call_api):
    answer = request_token(sandbox_app.client_id, sandbox_app.secret, scope="payments")
    assert_token_granted(answer, scope="payments")
    token = answer.json()["access_token"]

    assert call_api("GET", "/api/v1/payments", token).status_code == 200
    balances = call_api("GET", "/api/v1/accounts/balances", token)
    assert balances.status_code == 403
    assert balances.json()["error"] == "insufficient_scope"


@pytest.mark.parametrize("field", ["client_id", "client_secret", "grant_type"])
def test_credentials_in_the_query_string_are_refused(sandbox_app, api, basic_auth, field):
    values = {
        "client_id": sandbox_app.client_id,
        "client_secret": sandbox_app.secret,
        "grant_type": "client_credentials",
    }
    answer = api.post(
        "/oauth/token",
        params={field: values[field]},
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic_auth(sandbox_app.client_id, sandbox_app.secret)},
    )
    assert_oauth_error(answer, 400, "invalid_request")


def test_json_body_is_invalid_request(sandbox_app, api):
    fields = {"client_id": sandbox_app.client_id, "client_secret": sandbox_app.secret}
    answer = api.post("/oauth/token", json={"grant_type": "client_credentials", **fields})
    assert_oauth_error(answer, 400, "invalid_request")


def test_bearer_scheme_at_the_token_endpoint_is_invalid_client(sandbox_app, api):
    answer = api.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": "Bearer at_whatever"}
    )
    assert_oauth_error(answer, 401, "invalid_client")


def test_undecodable_basic_header_is_invalid_client(api):
    answer = api.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic !!not-base64!!"}
    )
    assert_oauth_error(answer, 401, "invalid_client")


def test_production_app_without_subscriptions_gets_invalid_scope(developer, create_app_via_form, request_token):
    production = create_app_via_form(developer, "Live Checkout", environment="production")
    assert production.secret.startswith("cs_live_")

    answer = request_token(production.client_id, production.secret)
    assert_oauth_error(answer, 400, "invalid_scope")


def test_only_post_is_accepted(api):
    answer = api.get("/oauth/token")
    assert answer.status_code == 405
    assert answer.headers["Content-Type"] == "application/json"
    assert "POST" in answer.headers["Allow"]
