"""reference_portal.areas.go_live: each of the seven checks computed from real state and failing for its own reason,
the signature check against receivers that verify, accept everything or refuse everything, the JSON twin, and bad
input. (Beside the webhook tests for their receiver and a portal in development, which may call loopback.)"""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest
import standardwebhooks

from reference_portal import Portal

GO_LIVE = ("golive@example.com", "developer-demo-pass")
DAY = 86400.0


@pytest.fixture
def golive(make_ui: Any, portal: Portal) -> Any:
    """The admin of Go-Live Ltd, an organisation of its own, signed in to the test's portal."""
    return make_ui(portal, *GO_LIVE)


def org(portal: Portal) -> int:
    return int(portal.db.scalar("SELECT id FROM organisations WHERE name = 'Go-Live Ltd'"))


def checks(ui: Any) -> dict[str, dict[str, Any]]:
    answer = ui.get("/app/go-live.json")
    assert answer.status_code == 200, answer.text
    return {check["id"]: check for check in answer.json()["checks"]}


def add_application(portal: Portal, now: float, *, environment: str = "production",
                    callbacks: str = "https://partner.example/cb", generation: int = 1, rotated_at: float | None = None,
                    state: str = "active", name: str | None = None) -> int:
    with portal.db.transaction() as conn:
        app_id = conn.execute(
            "INSERT INTO applications (organisation_id, name, environment, callback_urls, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (org(portal), name or f"app-{secrets.token_hex(3)}", environment, callbacks, now, now),
        ).lastrowid
        conn.execute(
            "INSERT INTO credentials (application_id, client_id, secret_hash, secret_last4, generation, state,"
            " created_at, rotated_at) VALUES (?, ?, 'x', 'abcd', ?, ?, ?, ?)",
            (app_id, "ci_" + secrets.token_hex(11), generation, state, now, rotated_at),
        )
    return int(app_id)


def subscribe(portal: Portal, app_id: int, slug: str, state: str = "approved") -> None:
    with portal.db.transaction() as conn:
        conn.execute(
            "INSERT INTO subscriptions (application_id, product_id, state, created_at)"
            " SELECT ?, id, ?, 0 FROM products WHERE slug = ?", (app_id, state, slug),
        )


def called(portal: Portal, app_id: int, method: str, route: str, status: int, at: float) -> None:
    with portal.db.transaction() as conn:
        conn.execute(
            "INSERT INTO api_calls (application_id, method, route, status, latency_ms, request_id, client_address,"
            " called_at) VALUES (?, ?, ?, ?, 5, ?, '127.0.0.1', ?)",
            (app_id, method, route, status, "req_" + secrets.token_hex(6), at),
        )


# -- the checks, one by one -----------------------------------------------------------------------------------------


def test_a_new_organisation_passes_none_and_each_check_says_what_to_do(golive):
    data = golive.get("/app/go-live.json").json()
    assert data["summary"] == "0 of 7 checks pass" and data["total"] == 7 and data["ready"] is False
    assert [c["id"] for c in data["checks"]] == ["production_app", "secret_rotated", "products_approved",
                                                 "sandbox_calls", "webhook_signature", "alert_rule", "admins_2fa"]
    assert all(not c["passed"] and c["detail"] and c["href"].startswith("/app/") for c in data["checks"])
    page = golive.get("/app/go-live").text
    assert "0 of 7 checks pass" in page and page.count('data-testid="go-live-check"') == 7


@pytest.mark.parametrize(
    ("callbacks", "why"),
    [
        ("https://partner.example/cb", None),
        ("https://partner.example/cb\nhttps://www.partner.example/return", None),
        ("https://localhost/cb", "points at localhost"),
        ("https://app.localhost/cb", "points at localhost"),
        ("https://127.0.0.1/cb", "local or private address"),
        ("https://10.1.2.3/cb", "local or private address"),
        ("http://partner.example/cb", "does not use https"),
        ("https://partner.example/cb\nhttp://localhost:3000/cb", "does not use https"),
    ],
)
def test_the_production_application_needs_final_https_callbacks(golive, portal, clock, callbacks, why):
    app_id = add_application(portal, clock.now, callbacks=callbacks)
    check = checks(golive)["production_app"]
    assert check["passed"] is (why is None), check
    if why:
        assert why in check["detail"] and check["href"] == f"/app/apps/{app_id}"


def test_a_sandbox_application_is_not_a_production_one(golive, portal, clock):
    add_application(portal, clock.now, environment="sandbox")
    check = checks(golive)["production_app"]
    assert not check["passed"] and "No production application" in check["detail"]
    assert check["href"] == "/app/apps/new"


def test_the_secret_must_be_rotated_within_90_days_and_not_be_the_first(golive, portal, clock):
    app_id = add_application(portal, clock.now, generation=1)
    check = checks(golive)["secret_rotated"]
    assert not check["passed"] and "first issued" in check["detail"] and check["href"] == "/app/keys"
    with portal.db.transaction() as conn:
        conn.execute("UPDATE credentials SET generation = 2, rotated_at = ? WHERE application_id = ?",
                     (clock.now - 89 * DAY, app_id))
    assert checks(golive)["secret_rotated"]["passed"]
    clock.advance(2 * DAY)
    golive.sign_in()  # the session has been idle for days
    check = checks(golive)["secret_rotated"]
    assert not check["passed"] and "91 days ago" in check["detail"]
    with portal.db.transaction() as conn:
        conn.execute("UPDATE credentials SET rotated_at = ?, state = 'revoked' WHERE application_id = ?",
                     (clock.now, app_id))
    check = checks(golive)["secret_rotated"]
    assert not check["passed"] and "revoked" in check["detail"]


def test_the_secret_itself_is_never_shown(golive, portal, clock):
    add_application(portal, clock.now, generation=2, rotated_at=clock.now)
    assert "abcd" not in golive.get("/app/go-live").text  # not even its last four characters


def test_every_product_must_be_subscribed_and_approved(golive, portal, clock):
    app_id = add_application(portal, clock.now)
    check = checks(golive)["products_approved"]
    assert not check["passed"] and "subscribed to no product" in check["detail"] and check["href"] == "/app/products"
    subscribe(portal, app_id, "payments")
    subscribe(portal, app_id, "fx", "pending")
    check = checks(golive)["products_approved"]
    assert not check["passed"] and "FX (pending)" in check["detail"]
    with portal.db.transaction() as conn:
        conn.execute("UPDATE subscriptions SET state = 'approved' WHERE application_id = ?", (app_id,))
    check = checks(golive)["products_approved"]
    assert check["passed"] and "FX" in check["detail"] and "Payments" in check["detail"]


def test_each_subscribed_product_needs_a_successful_sandbox_call_in_the_last_30_days(golive, portal, clock):
    production = add_application(portal, clock.now)
    subscribe(portal, production, "payments")
    subscribe(portal, production, "accounts")
    sandbox = add_application(portal, clock.now, environment="sandbox")
    called(portal, sandbox, "POST", "/api/v1/payments", 201, clock.now - DAY)
    called(portal, sandbox, "GET", "/api/v1/accounts/balances", 401, clock.now - DAY)  # refused: no test passed
    called(portal, production, "GET", "/api/v1/accounts/balances", 200, clock.now)  # not a sandbox call
    called(portal, sandbox, "GET", "/api/v1/accounts/balances", 200, clock.now - 31 * DAY)  # too long ago
    check = checks(golive)["sandbox_calls"]
    assert not check["passed"] and "Accounts" in check["detail"] and "Payments" not in check["detail"]
    assert check["href"] == "/app/how-to-test"
    called(portal, sandbox, "GET", "/api/v1/accounts/balances", 200, clock.now - 29 * DAY)
    check = checks(golive)["sandbox_calls"]
    assert check["passed"] and "Payments (1)" in check["detail"] and "Accounts (1)" in check["detail"]


def test_an_alert_rule_must_be_in_place(golive, portal, clock):
    check = checks(golive)["alert_rule"]
    assert not check["passed"] and check["href"] == "/app/usage/alerts"
    with portal.db.transaction() as conn:
        conn.execute("INSERT INTO usage_alert_rules (organisation_id, name, kind, threshold, window_minutes,"
                     " created_at) VALUES (?, 'Errors', 'error_rate', 5, 15, ?)", (org(portal), clock.now))
    check = checks(golive)["alert_rule"]
    assert check["passed"] and "Errors (error rate above 5% within 15 minutes)" in check["detail"]


def test_every_organisation_admin_needs_2fa(golive, portal, clock):
    with portal.db.transaction() as conn:
        conn.execute("INSERT INTO users (email, name, password_hash, role, organisation_id, organisation_role,"
                     " totp_enabled, created_at) VALUES ('second@golive.example', 'Second', 'x', 'developer', ?,"
                     " 'admin', 1, ?)", (org(portal), clock.now))
        conn.execute("INSERT INTO users (email, name, password_hash, role, organisation_id, organisation_role,"
                     " created_at) VALUES ('member@golive.example', 'Member', 'x', 'developer', ?, 'member', ?)",
                     (org(portal), clock.now))
    check = checks(golive)["admins_2fa"]
    assert not check["passed"] and "golive@example.com" in check["detail"]
    assert "second@golive.example" not in check["detail"] and "member@" not in check["detail"]
    with portal.db.transaction() as conn:
        conn.execute("UPDATE users SET totp_enabled = 1 WHERE email = 'golive@example.com'")
    assert "golive-2@example.com" in checks(golive)["admins_2fa"]["detail"]  # the seed's second admin, still off
    with portal.db.transaction() as conn:
        conn.execute("UPDATE users SET totp_enabled = 1 WHERE email = 'golive-2@example.com'")
    assert checks(golive)["admins_2fa"]["passed"]  # a member without 2FA does not count


def test_another_organisations_state_counts_for_nothing(golive, developer, portal, clock):
    with portal.db.transaction() as conn:
        acme = conn.execute("SELECT id FROM organisations WHERE name = 'Acme Payments'").fetchone()[0]
        conn.execute("INSERT INTO usage_alert_rules (organisation_id, name, kind, threshold, window_minutes,"
                     " created_at) VALUES (?, 'Acme errors', 'error_rate', 5, 15, ?)", (acme, clock.now))
    assert not checks(golive)["alert_rule"]["passed"]
    assert developer.get("/app/go-live.json").json()["checks"][5]["passed"]


# -- the signature check --------------------------------------------------------------------------------------------


def verifying(wh: Any, secret: str, clock: Any) -> Any:
    """A receiver's script that does what a partner's must: 204 for a valid signature, 401 otherwise."""

    def answer(received: Any) -> int:
        try:
            wh.verify(secret, received, clock.now)
        except standardwebhooks.WebhookVerificationError:
            return 401
        return 204

    return answer


def run_check(ui: Any, endpoint_id: int) -> Any:
    return ui.post("/app/go-live/signature-check", {"endpoint_id": str(endpoint_id)})


def test_a_receiver_that_verifies_passes_and_both_results_are_shown_with_their_time(golive, receiver, wh, clock):
    endpoint_id, secret = golive.add_endpoint(receiver.url("/partner"))
    receiver.script = verifying(wh, secret, clock)
    answer = run_check(golive, endpoint_id)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/app/go-live")
    got = receiver.at("/partner")
    assert len(got) == 2 and got[0].headers["webhook-id"] != got[1].headers["webhook-id"]
    assert wh.verify(secret, got[0], clock.now)["type"] == "webhook.test"
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        wh.verify(secret, got[1], clock.now)
    check = checks(golive)["webhook_signature"]
    assert check["passed"] and "HTTP 204" in check["detail"] and "HTTP 401" in check["detail"]
    page = golive.get("/app/go-live").text
    row = re.search(r'<tr data-testid="signature-check"[^>]*>', page)
    assert row and 'data-valid-status="204"' in row.group(0) and 'data-invalid-status="401"' in row.group(0)
    assert page.count('data-testid="valid-sent-at" datetime="2027-01-15T08:00:00Z"') == 1
    result = golive.get("/app/go-live.json").json()["signature_checks"][0]
    assert result["correctly_signed"] == {"status": 204, "error": None, "at": "2027-01-15T08:00:00Z"}
    assert result["wrongly_signed"]["status"] == 401 and result["passed"] is True


def test_a_receiver_that_accepts_everything_fails_the_check(golive, receiver, clock):
    endpoint_id, _ = golive.add_endpoint(receiver.url("/lenient"))
    receiver.script = 200
    run_check(golive, endpoint_id)
    check = checks(golive)["webhook_signature"]
    assert not check["passed"]
    assert "wrongly signed event got HTTP 200" in check["detail"] and "4xx" in check["detail"]


def test_a_receiver_that_refuses_everything_fails_the_check(golive, receiver):
    endpoint_id, _ = golive.add_endpoint(receiver.url("/strict"))
    receiver.script = 401
    run_check(golive, endpoint_id)
    check = checks(golive)["webhook_signature"]
    assert not check["passed"] and "correctly signed event got HTTP 401" in check["detail"]


def test_the_latest_check_counts_and_an_endpoint_that_later_passes_passes(golive, receiver, wh, clock):
    endpoint_id, secret = golive.add_endpoint(receiver.url("/fixed"))
    receiver.script = 200
    run_check(golive, endpoint_id)
    receiver.script = verifying(wh, secret, clock)
    run_check(golive, endpoint_id)
    assert checks(golive)["webhook_signature"]["passed"]
    assert len(golive.get("/app/go-live.json").json()["signature_checks"]) == 1


def test_a_passed_check_counts_only_while_its_endpoint_is_active(golive, receiver, wh, clock):
    endpoint_id, secret = golive.add_endpoint(receiver.url("/paused"))
    receiver.script = verifying(wh, secret, clock)
    run_check(golive, endpoint_id)
    assert checks(golive)["webhook_signature"]["passed"]
    golive.post(f"/app/webhooks/{endpoint_id}/toggle")
    check = checks(golive)["webhook_signature"]
    assert not check["passed"] and "No active webhook endpoint" in check["detail"]


def test_the_check_keeps_to_the_delivery_rules_no_private_address(golive, receiver, portal):
    endpoint_id, _ = golive.add_endpoint(receiver.url("/moved"))
    portal.deliveries.resolver = lambda host, port: ["10.0.0.7"]  # the name now points inside the network
    run_check(golive, endpoint_id)
    assert receiver.at("/moved") == []
    result = golive.get("/app/go-live.json").json()["signature_checks"][0]
    assert result["correctly_signed"]["status"] is None and "not sent" in result["correctly_signed"]["error"]
    assert not checks(golive)["webhook_signature"]["passed"]


def test_an_inactive_endpoint_is_not_checked(golive, receiver):
    endpoint_id, _ = golive.add_endpoint(receiver.url("/asleep"))
    golive.post(f"/app/webhooks/{endpoint_id}/toggle")
    answer = run_check(golive, endpoint_id)
    assert answer.status_code == 400 and "Activate the endpoint first" in answer.text
    assert receiver.at("/asleep") == []


def test_bad_input_is_refused_and_changes_nothing(golive, ui, receiver, portal):
    acme_endpoint, _ = ui.add_endpoint(receiver.url("/acme"))
    assert run_check(golive, acme_endpoint).status_code == 404  # another organisation's endpoint
    assert golive.post("/app/go-live/signature-check", {"endpoint_id": "1; DROP"}).status_code == 400
    assert golive.post("/app/go-live/signature-check", {}).status_code == 400
    assert receiver.requests == []
    assert portal.db.scalar("SELECT COUNT(*) FROM go_live_signature_checks") == 0
    assert golive.get("/app/go-live?application=abc").status_code == 400
    assert golive.get("/app/go-live.json?application=99999").status_code == 404


# -- one computation, two views -------------------------------------------------------------------------------------


def test_the_page_and_the_json_twin_agree(golive, portal, clock):
    app_id = add_application(portal, clock.now, generation=2, rotated_at=clock.now, name="Storefront")
    subscribe(portal, app_id, "payments")
    page = golive.get(f"/app/go-live?application={app_id}").text
    data = golive.get(f"/app/go-live.json?application={app_id}").json()
    states = dict(re.findall(r'data-testid="go-live-check" data-check="([a-z_0-9]+)" data-state="(pass|fail)"', page))
    assert states == {c["id"]: "pass" if c["passed"] else "fail" for c in data["checks"]}
    assert data["summary"] == "3 of 7 checks pass" and "3 of 7 checks pass" in page
    assert data["application"] == {"id": str(app_id), "name": "Storefront"}
    assert golive.get("/app/go-live.json").headers["cache-control"] == "no-store"
