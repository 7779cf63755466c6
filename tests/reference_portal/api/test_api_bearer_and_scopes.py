"""Bearer authentication of the product APIs (RFC 6750) and the scopes each endpoint needs."""

from __future__ import annotations

import pytest

ENDPOINTS_BY_SCOPE = [
    ("GET", "/api/v1/payments", "payments"),
    ("POST", "/api/v1/payments", "payments"),
    ("GET", "/api/v1/payments/pay_000000000000000000000000", "payments"),
    ("GET", "/api/v1/accounts/balances", "accounts"),
    ("GET", "/api/v1/fx/quotes?from=GBP&to=EUR&amount=100", "fx"),
]


def assert_invalid_token(answer) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "invalid_token"
    challenge = answer.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="')
    assert 'error="invalid_token"' in challenge


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS_BY_SCOPE)
def test_no_token_is_401_with_a_bearer_challenge(api, method, path, scope):
    answer = api.request(method, path)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="')
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json()["error_description"]
    assert answer.headers["X-Request-Id"].startswith("req_")


@pytest.mark.parametrize(
    "authorization",
    ["Bearer at_not-a-real-token", "Bearer ", "Basic Y2lfeDpjc194", "at_no-scheme-at-all"],
    ids=["garbage-token", "empty-token", "basic-scheme", "no-scheme"],
)
def test_unusable_authorization_is_401(api, sandbox_app, authorization):
    answer = api.get("/api/v1/payments", headers={"Authorization": authorization})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="')


def test_garbage_token_is_invalid_token(api):
    assert_invalid_token(api.get("/api/v1/payments", headers={"Authorization": "Bearer at_garbage"}))


def test_token_works_until_it_expires_after_an_hour(sandbox_app, access_token, call_api, clock):
    token = access_token(sandbox_app)
    clock.advance(3599)
    assert call_api("GET", "/api/v1/payments", token).status_code == 200

    clock.advance(2)
    assert_invalid_token(call_api("GET", "/api/v1/payments", token))


def test_access_token_in_the_query_string_is_refused(sandbox_app, access_token, api):
    token = access_token(sandbox_app)
    answer = api.get("/api/v1/payments", params={"access_token": token})
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_access_token_in_the_query_string_is_refused_even_with_a_header(sandbox_app, access_token, call_api):
    token = access_token(sandbox_app)
    answer = call_api("GET", "/api/v1/payments", token, params={"access_token": token})
    assert answer.status_code == 400


def test_default_token_has_every_approved_scope(sandbox_app, access_token, call_api):
    token = access_token(sandbox_app)
    assert call_api("GET", "/api/v1/payments", token).status_code == 200
    assert call_api("GET", "/api/v1/accounts/balances", token).status_code == 200


@pytest.mark.parametrize(
    ("granted", "method", "path", "needed"),
    [
        ("payments", "GET", "/api/v1/accounts/balances", "accounts"),
        ("accounts", "GET", "/api/v1/payments", "payments"),
        ("accounts", "POST", "/api/v1/payments", "payments"),
        ("accounts payments", "GET", "/api/v1/fx/quotes?from=GBP&to=EUR", "fx"),
    ],
)
def test_missing_scope_is_403_insufficient_scope(sandbox_app, access_token, call_api, granted, method, path, needed):
    token = access_token(sandbox_app, scope=granted)
    answer = call_api(method, path, token, json={"amount": 100, "currency": "GBP"} if method == "POST" else None)
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"] == "insufficient_scope"
    challenge = answer.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert f'scope="{needed}"' in challenge


def test_insufficient_scope_creates_nothing(sandbox_app, access_token, call_api, count_rows):
    token = access_token(sandbox_app, scope="accounts")
    call_api("POST", "/api/v1/payments", token, json={"amount": 100, "currency": "GBP"})
    assert count_rows("payments") == 0
