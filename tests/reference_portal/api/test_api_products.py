"""The product APIs: Payments, Accounts and FX, and the JSON errors of everything under /api/."""

from __future__ import annotations

import re

import pytest

from reference_portal import Portal

PAYMENT_ID = re.compile(r"^pay_[0-9a-f]{24}$")
OPENING_BALANCE = 1_000_000


@pytest.fixture
def token(sandbox_app, access_token) -> str:
    return access_token(sandbox_app)


@pytest.fixture
def approve_fx(portal: Portal, clock):
    """approve_fx(created_app): what an operator's manual approval of the FX product would store."""

    def approve(created) -> None:
        with portal.db.transaction() as conn:
            conn.execute(
                "INSERT INTO subscriptions (application_id, product_id, state, created_at, decided_at)"
                " SELECT ?, id, 'approved', ?, ? FROM products WHERE scope = 'fx'",
                (created.application_id, clock(), clock()),
            )

    return approve


def assert_json_error(answer, status: int, error: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json()["error"] == error


# --- Payments --------------------------------------------------------------------------------------------------


def test_create_payment(token, call_api):
    body = {"amount": 1250, "currency": "GBP", "description": "Order 1"}
    answer = call_api("POST", "/api/v1/payments", token, json=body)

    assert answer.status_code == 201
    payment = answer.json()
    assert PAYMENT_ID.match(payment["id"])
    assert payment | {"id": None} == {
        "id": None,
        "amount": 1250,
        "currency": "GBP",
        "description": "Order 1",
        "status": "succeeded",
        "failure_reason": None,
        "created_at": "2027-01-15T08:00:00Z",  # the FakeClock's start
    }
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_magic_amount_is_declined(token, call_api):
    answer = call_api("POST", "/api/v1/payments", token, json={"amount": 4000, "currency": "EUR"})
    assert answer.status_code == 201
    assert (answer.json()["status"], answer.json()["failure_reason"]) == ("failed", "card_declined")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"currency": "GBP"}, id="no-amount"),
        pytest.param({"amount": 0, "currency": "GBP"}, id="zero"),
        pytest.param({"amount": -5, "currency": "GBP"}, id="negative"),
        pytest.param({"amount": 100_000_001, "currency": "GBP"}, id="too-large"),
        pytest.param({"amount": 12.5, "currency": "GBP"}, id="fraction"),
        pytest.param({"amount": "1250", "currency": "GBP"}, id="amount-as-text"),
        pytest.param({"amount": True, "currency": "GBP"}, id="amount-as-boolean"),
        pytest.param({"amount": 100, "currency": "JPY"}, id="unsupported-currency"),
        pytest.param({"amount": 100, "currency": "gbp"}, id="lower-case-currency"),
        pytest.param({"amount": 100, "currency": "GBP", "description": "x" * 201}, id="description-too-long"),
        pytest.param({"amount": 100, "currency": "GBP", "description": 7}, id="description-not-text"),
        pytest.param([{"amount": 100, "currency": "GBP"}], id="not-an-object"),
    ],
)
def test_invalid_payment_bodies_are_400_and_create_nothing(token, call_api, count_rows, body):
    answer = call_api("POST", "/api/v1/payments", token, json=body)
    assert_json_error(answer, 400, "invalid_request")
    assert answer.json()["error_description"]
    assert count_rows("payments") == 0


def test_list_shows_the_applications_payments_newest_first(token, call_api, clock):
    first = call_api("POST", "/api/v1/payments", token, json={"amount": 100, "currency": "GBP"}).json()
    clock.advance(10)
    second = call_api("POST", "/api/v1/payments", token, json={"amount": 4000, "currency": "USD"}).json()

    listed = call_api("GET", "/api/v1/payments", token)

    assert listed.status_code == 200
    assert listed.json() == {"data": [second, first], "has_more": False}


def test_list_pages_with_limit(token, call_api):
    for amount in (100, 200, 300):
        call_api("POST", "/api/v1/payments", token, json={"amount": amount, "currency": "GBP"})
    page = call_api("GET", "/api/v1/payments", token, params={"limit": "2"}).json()
    assert len(page["data"]) == 2
    assert page["has_more"] is True


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_list_refuses_a_bad_limit(token, call_api, limit):
    assert_json_error(call_api("GET", "/api/v1/payments", token, params={"limit": limit}), 400, "invalid_request")


def test_get_payment_by_id(token, call_api):
    created = call_api("POST", "/api/v1/payments", token, json={"amount": 1250, "currency": "GBP"}).json()
    answer = call_api("GET", f"/api/v1/payments/{created['id']}", token)
    assert answer.status_code == 200
    assert answer.json() == created


def test_another_applications_payment_is_not_found(developer, sandbox_app, create_app_via_form, access_token, call_api):
    other = create_app_via_form(developer, "Other Shop")
    theirs = call_api("POST", "/api/v1/payments", access_token(other), json={"amount": 1250, "currency": "GBP"}).json()
    mine = access_token(sandbox_app)

    answer = call_api("GET", f"/api/v1/payments/{theirs['id']}", mine)

    assert_json_error(answer, 404, "not_found")
    assert theirs["id"] not in answer.text
    assert call_api("GET", "/api/v1/payments", mine).json()["data"] == []


def test_unknown_payment_is_not_found(token, call_api):
    assert_json_error(call_api("GET", "/api/v1/payments/pay_000000000000000000000000", token), 404, "not_found")


# --- Accounts --------------------------------------------------------------------------------------------------


def test_balances_start_at_the_opening_balance(token, call_api):
    answer = call_api("GET", "/api/v1/accounts/balances", token)
    assert answer.status_code == 200
    assert answer.json() == {
        "balances": [{"currency": c, "available": OPENING_BALANCE} for c in ("GBP", "EUR", "USD")]
    }


def test_balances_add_succeeded_payments_only(developer, token, call_api, create_app_via_form, access_token):
    for amount, currency in [(1250, "GBP"), (4000, "GBP"), (500, "EUR"), (750, "GBP")]:
        call_api("POST", "/api/v1/payments", token, json={"amount": amount, "currency": currency})
    other = create_app_via_form(developer, "Other Shop")
    call_api("POST", "/api/v1/payments", access_token(other), json={"amount": 9999, "currency": "USD"})

    balances = call_api("GET", "/api/v1/accounts/balances", token).json()["balances"]

    assert {b["currency"]: b["available"] for b in balances} == {
        "GBP": OPENING_BALANCE + 1250 + 750,
        "EUR": OPENING_BALANCE + 500,
        "USD": OPENING_BALANCE,
    }


# --- FX --------------------------------------------------------------------------------------------------------


def test_fx_quote_once_approved(sandbox_app, approve_fx, access_token, call_api):
    approve_fx(sandbox_app)
    token = access_token(sandbox_app)

    answer = call_api("GET", "/api/v1/fx/quotes", token, params={"from": "GBP", "to": "eur", "amount": "10000"})

    assert answer.status_code == 200
    assert answer.json() == {
        "from": "GBP",
        "to": "EUR",
        "amount": 10000,
        "rate": 1.166725,
        "converted_amount": 11667,
        "expires_at": "2027-01-15T08:00:30Z",
    }


def test_fx_quote_for_the_same_currency_is_one(sandbox_app, approve_fx, access_token, call_api):
    approve_fx(sandbox_app)
    answer = call_api("GET", "/api/v1/fx/quotes", access_token(sandbox_app), params={"from": "USD", "to": "USD"})
    assert (answer.json()["rate"], answer.json()["amount"], answer.json()["converted_amount"]) == (1.0, 100, 100)


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"from": "GBP", "to": "XYZ"}, id="unknown-target"),
        pytest.param({"from": "JPY", "to": "EUR"}, id="unknown-source"),
        pytest.param({"to": "EUR"}, id="no-source"),
        pytest.param({"from": "GBP", "to": "EUR", "amount": "0"}, id="zero-amount"),
        pytest.param({"from": "GBP", "to": "EUR", "amount": "1.5"}, id="fractional-amount"),
        pytest.param({"from": "GBP", "to": "EUR", "amount": "100000001"}, id="too-large"),
    ],
)
def test_fx_quote_refuses_bad_parameters(sandbox_app, approve_fx, access_token, call_api, params):
    approve_fx(sandbox_app)
    answer = call_api("GET", "/api/v1/fx/quotes", access_token(sandbox_app), params=params)
    assert_json_error(answer, 400, "invalid_request")


# --- Errors under /api/ are JSON ------------------------------------------------------------------------------


def test_malformed_json_is_invalid_request(token, call_api, count_rows):
    answer = call_api(
        "POST", "/api/v1/payments", token, content=b'{"amount": 12', headers={"Content-Type": "application/json"}
    )
    assert_json_error(answer, 400, "invalid_request")
    assert count_rows("payments") == 0


def test_deeply_nested_json_is_invalid_request_not_a_server_error(token, call_api, count_rows):
    nested = b"[" * 100_000 + b"]" * 100_000  # well under 1 MiB, far deeper than Python's recursion limit
    answer = call_api("POST", "/api/v1/payments", token, content=nested, headers={"Content-Type": "application/json"})
    assert_json_error(answer, 400, "invalid_request")
    assert count_rows("api_calls", "request_id = ? AND status = 400", (answer.headers["X-Request-Id"],)) == 1


def test_body_not_declared_as_json_is_invalid_request(token, call_api):
    answer = call_api("POST", "/api/v1/payments", token, data={"amount": "100", "currency": "GBP"})
    assert_json_error(answer, 400, "invalid_request")


def test_body_over_one_mebibyte_is_413(token, call_api, count_rows):
    padding = "x" * (1024 * 1024)
    body = f'{{"amount": 100, "currency": "GBP", "description": "{padding}"}}'.encode()
    answer = call_api("POST", "/api/v1/payments", token, content=body, headers={"Content-Type": "application/json"})
    assert_json_error(answer, 413, "request_too_large")
    assert count_rows("payments") == 0


def test_token_request_over_one_mebibyte_is_413(sandbox_app, api, basic_auth):
    answer = api.post(
        "/oauth/token",
        content=b"grant_type=client_credentials&pad=" + b"x" * (1024 * 1024),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": basic_auth(sandbox_app.client_id, sandbox_app.secret),
        },
    )
    assert answer.status_code == 413
    assert answer.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v2/payments", "/api/v1/payments/pay_1/refunds"])
def test_unknown_api_address_is_404_json(token, call_api, path):
    answer = call_api("GET", path, token)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/json"
    assert "<html" not in answer.text.lower()
    assert answer.json()["error"]


def test_unsupported_method_on_an_api_address_is_405_json(token, call_api):
    answer = call_api("DELETE", "/api/v1/payments", token)
    assert answer.status_code == 405
    assert answer.headers["Content-Type"] == "application/json"
    assert set(answer.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_api_errors_never_show_a_traceback(token, call_api, api):
    # The client checks every answer for a traceback; these are the likeliest to produce one.
    answers = [
        call_api("POST", "/api/v1/payments", token, content=b"\xff\xfe", headers={"Content-Type": "application/json"}),
        call_api("POST", "/api/v1/payments", token, content=b"null", headers={"Content-Type": "application/json"}),
        call_api("GET", "/api/v1/payments", token, params={"limit": "9" * 50}),
        call_api("GET", "/api/v1/fx/quotes", token, params={"from": "\u00e9", "to": "EUR"}),
        api.post("/oauth/token", content=b"%%%", headers={"Content-Type": "application/x-www-form-urlencoded"}),
        api.post("/oauth/token", content=b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded",
                                                          "Content-Length": "-1"}),
    ]
    assert all(answer.status_code < 500 for answer in answers), [a.status_code for a in answers]
    assert all(answer.headers["Content-Type"] == "application/json" for answer in answers)
