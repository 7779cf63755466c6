"""Where the API's validation and its OpenAPI document disagreed, one case at a time.

The fuzz test (test_api_fuzz.py) finds disagreements by search; these pin the ones found or fixed so far, in words.
"""

from __future__ import annotations

import pytest

from reference_portal import Portal


@pytest.fixture
def token(portal: Portal, sandbox_app, access_token, clock) -> str:
    """A token of the sandbox application, approved for FX as well as payments and accounts."""
    with portal.db.transaction() as conn:
        conn.execute(
            "INSERT INTO subscriptions (application_id, product_id, state, created_at, decided_at)"
            " SELECT ?, id, 'approved', ?, ? FROM products WHERE scope = 'fx'",
            (sandbox_app.application_id, clock(), clock()),
        )
    return access_token(sandbox_app)


def assert_invalid_request(answer) -> None:
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_request"


# --- Payments: the body is exactly the NewPayment schema ------------------------------------------------------


def test_a_payment_with_a_field_the_schema_does_not_have_is_refused(token, call_api, count_rows):
    # A misspelt "descripton" used to be dropped without a word; additionalProperties is false.
    answer = call_api("POST", "/api/v1/payments", token, json={"amount": 100, "currency": "GBP", "descripton": "x"})

    assert_invalid_request(answer)
    assert "descripton" in answer.json()["error_description"]
    assert count_rows("payments") == 0


def test_a_whole_amount_written_with_a_decimal_point_is_an_integer(token, call_api):
    # JSON Schema's "integer" is any number without a fraction, 1250.0 included; the API now agrees.
    answer = call_api(
        "POST", "/api/v1/payments", token, content=b'{"amount": 1250.0, "currency": "EUR"}',
        headers={"Content-Type": "application/json"},
    )

    assert answer.status_code == 201, answer.text
    assert '"amount": 1250,' in answer.text  # stored and answered as a whole number, not 1250.0


def test_a_description_of_the_documented_length_is_accepted(token, call_api):
    body = {"amount": 100, "currency": "GBP", "description": "é" * 200}  # 200 characters, 400 bytes
    answer = call_api("POST", "/api/v1/payments", token, json=body)
    assert answer.status_code == 201, answer.text


# --- Query parameters: integers are ASCII digits, as the document serialises them ------------------------------


@pytest.mark.parametrize("limit", ["1_0", "+5", " 5", "5 ", "\u0665", "１０", "", "0x10", "1e1", "9" * 5000])
def test_limit_is_refused_unless_written_in_ascii_digits(token, call_api, limit):
    # int() reads the first six; none of them is how an OpenAPI client writes an integer.
    assert_invalid_request(call_api("GET", "/api/v1/payments", token, params={"limit": limit}))


def test_limit_may_have_leading_zeros(token, call_api):
    answer = call_api("GET", "/api/v1/payments", token, params={"limit": "007"})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"from": "u\u017fd", "to": "EUR"}, id="long-s-upper-cases-to-USD"),
        pytest.param({"from": "GBP", "to": "EUR", "amount": "1_000"}, id="underscore-in-amount"),
        pytest.param({"from": "GBP", "to": "EUR", "amount": "\u0661\u0660\u0660"}, id="arabic-indic-amount"),
    ],
)
def test_fx_refuses_what_only_python_reads_as_valid(token, call_api, params):
    assert_invalid_request(call_api("GET", "/api/v1/fx/quotes", token, params=params))


def test_fx_currencies_are_read_in_any_ascii_letter_case(token, call_api):
    answer = call_api("GET", "/api/v1/fx/quotes", token, params={"from": "gBp", "to": "usd"})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["from"], answer.json()["to"]) == ("GBP", "USD")
