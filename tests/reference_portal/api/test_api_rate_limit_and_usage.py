"""Per-application rate limits per minute, and the usage log row every API call leaves."""

from __future__ import annotations

import pytest

from reference_portal import Portal


@pytest.fixture
def set_rate_limit(portal: Portal):
    def set_limit(created, per_minute: int) -> None:
        with portal.db.transaction() as conn:
            conn.execute(
                "UPDATE applications SET rate_limit_per_minute = ? WHERE id = ?", (per_minute, created.application_id)
            )

    return set_limit


@pytest.fixture
def usage_rows(portal: Portal):
    """usage_rows(): the api_calls table as dicts, oldest first."""
    return lambda: [dict(row) for row in portal.db.query("SELECT * FROM api_calls ORDER BY id")]


# --- Rate limiting ---------------------------------------------------------------------------------------------


def test_calls_over_the_limit_are_429_until_the_next_minute(sandbox_app, set_rate_limit, access_token, call_api, clock):
    set_rate_limit(sandbox_app, 3)
    token = access_token(sandbox_app)
    clock.advance(15)

    for _ in range(3):
        assert call_api("GET", "/api/v1/payments", token).status_code == 200
    limited = call_api("GET", "/api/v1/payments", token)

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "45"  # the seconds left in this minute
    assert limited.headers["Content-Type"] == "application/json"
    assert limited.json()["error"] == "rate_limited"
    assert limited.json()["error_description"]

    clock.advance(44)
    assert call_api("GET", "/api/v1/payments", token).status_code == 429
    clock.advance(1)
    assert call_api("GET", "/api/v1/payments", token).status_code == 200


def test_limit_counts_every_endpoint_of_the_application(sandbox_app, set_rate_limit, access_token, call_api):
    set_rate_limit(sandbox_app, 3)
    token = access_token(sandbox_app)
    assert call_api("POST", "/api/v1/payments", token, json={"amount": 100, "currency": "GBP"}).status_code == 201
    assert call_api("GET", "/api/v1/accounts/balances", token).status_code == 200
    assert call_api("GET", "/api/v1/payments", token).status_code == 200
    assert call_api("GET", "/api/v1/accounts/balances", token).status_code == 429


def test_limited_call_has_no_effect(sandbox_app, set_rate_limit, access_token, call_api, count_rows):
    set_rate_limit(sandbox_app, 1)
    token = access_token(sandbox_app)
    assert call_api("POST", "/api/v1/payments", token, json={"amount": 100, "currency": "GBP"}).status_code == 201
    assert call_api("POST", "/api/v1/payments", token, json={"amount": 200, "currency": "GBP"}).status_code == 429
    assert count_rows("payments") == 1


def test_limit_is_per_application(developer, sandbox_app, create_app_via_form, set_rate_limit, access_token, call_api):
    other = create_app_via_form(developer, "Reporting Job")
    set_rate_limit(sandbox_app, 1)
    limited_token, other_token = access_token(sandbox_app), access_token(other)

    assert call_api("GET", "/api/v1/payments", limited_token).status_code == 200
    assert call_api("GET", "/api/v1/payments", limited_token).status_code == 429
    assert call_api("GET", "/api/v1/payments", other_token).status_code == 200
    assert call_api("GET", "/api/v1/payments", other_token).status_code == 200


def test_token_requests_are_not_rate_limited(sandbox_app, set_rate_limit, request_token):
    set_rate_limit(sandbox_app, 1)
    for _ in range(3):
        assert request_token(sandbox_app.client_id, sandbox_app.secret).status_code == 200


# --- The usage log ---------------------------------------------------------------------------------------------


def test_every_call_is_logged_with_route_status_and_request_id(
    sandbox_app, request_token, call_api, api, usage_rows, clock
):
    calls = [request_token(sandbox_app.client_id, sandbox_app.secret)]
    token = calls[0].json()["access_token"]
    calls.append(request_token(sandbox_app.client_id, "cs_test_wrong"))
    calls.append(call_api("POST", "/api/v1/payments", token, json={"amount": 1250, "currency": "GBP"}))
    payment_id = calls[-1].json()["id"]
    calls.append(call_api("GET", f"/api/v1/payments/{payment_id}", token))
    calls.append(call_api("GET", "/api/v1/payments/pay_nosuchpayment", token))
    calls.append(call_api("GET", "/api/v1/fx/quotes?from=GBP&to=EUR", token))

    rows = usage_rows()

    expected = [
        ("POST", "/oauth/token", 200),
        ("POST", "/oauth/token", 401),
        ("POST", "/api/v1/payments", 201),
        ("GET", "/api/v1/payments/<payment_id>", 200),
        ("GET", "/api/v1/payments/<payment_id>", 404),
        ("GET", "/api/v1/fx/quotes", 403),
    ]
    assert [(r["method"], r["route"], r["status"]) for r in rows] == expected
    assert [r["request_id"] for r in rows] == [answer.headers["X-Request-Id"] for answer in calls]
    assert len({r["request_id"] for r in rows}) == len(rows)
    # A wrong secret for a known client is still attributed to its application.
    assert {r["application_id"] for r in rows} == {sandbox_app.application_id}
    assert {r["credential_id"] for r in rows[2:]} == {sandbox_app.credential_id}
    assert all(r["called_at"] == clock() for r in rows)
    assert all(r["latency_ms"] >= 0 for r in rows)


def test_calls_without_a_known_client_are_logged_unattributed(api, usage_rows):
    unknown_client = api.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": "ci_nobody", "client_secret": "cs_x"}
    )
    bad_token = api.get("/api/v1/accounts/balances", headers={"Authorization": "Bearer at_nothing"})

    rows = usage_rows()
    assert [(r["route"], r["status"], r["application_id"]) for r in rows] == [
        ("/oauth/token", 401, None),
        ("/api/v1/accounts/balances", 401, None),
    ]
    assert [r["request_id"] for r in rows] == [answer.headers["X-Request-Id"] for answer in (unknown_client, bad_token)]


def test_rate_limited_calls_are_logged_as_429(sandbox_app, set_rate_limit, access_token, call_api, usage_rows):
    set_rate_limit(sandbox_app, 1)
    token = access_token(sandbox_app)
    call_api("GET", "/api/v1/payments", token)
    limited = call_api("GET", "/api/v1/payments", token)

    last = usage_rows()[-1]
    assert (last["status"], last["request_id"], last["application_id"]) == (
        429,
        limited.headers["X-Request-Id"],
        sandbox_app.application_id,
    )


def test_successful_call_marks_the_application_used(sandbox_app, access_token, call_api, portal: Portal, clock):
    def last_used():
        return portal.db.scalar("SELECT last_used_at FROM applications WHERE id = ?", (sandbox_app.application_id,))

    assert last_used() is None
    token = access_token(sandbox_app)
    clock.advance(120)
    call_api("GET", "/api/v1/payments", token)
    assert last_used() == clock()


def test_payment_and_its_usage_row_are_committed_together(
    sandbox_app, access_token, call_api, count_rows, portal: Portal
):
    token = access_token(sandbox_app)
    created = call_api("POST", "/api/v1/payments", token, json={"amount": 1250, "currency": "GBP"})
    assert created.status_code == 201
    assert count_rows("payments", "id = ?", (created.json()["id"],)) == 1
    assert count_rows("api_calls", "request_id = ?", (created.headers["X-Request-Id"],)) == 1

    # If the usage row cannot be written, the payment must not be kept either.
    with portal.db.transaction() as conn:
        conn.execute(
            "CREATE TRIGGER usage_log_down BEFORE INSERT ON api_calls BEGIN SELECT RAISE(ABORT, 'usage log down'); END"
        )
    failed = call_api("POST", "/api/v1/payments", token, json={"amount": 999, "currency": "GBP"})

    assert failed.status_code == 500
    assert failed.headers["Content-Type"] == "application/json"
    assert count_rows("payments") == 1
    assert count_rows("payments", "amount = 999") == 0
