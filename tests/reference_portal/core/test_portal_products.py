"""Subscriptions: automatic products approve at once, manual ones wait for the operator; scopes follow approvals."""

import re

import pytest

ACME_DEVELOPER = ("dev@example.com", "developer-demo-pass")
OPERATOR = ("admin@example.com", "admin-demo-pass")


def post_form(client, page, action, fields, csrf_token):
    return client.post(action, data={"csrf_token": csrf_token(client.get(page).text), **fields})


@pytest.fixture
def developer(make_client, sign_in):
    client = make_client()
    sign_in(client, *ACME_DEVELOPER)
    return client


@pytest.fixture
def operator(make_client, sign_in):
    client = make_client()
    sign_in(client, *OPERATOR)
    return client


def create_app(client, csrf_token, name="Catalog test app", environment="sandbox"):
    answer = post_form(client, "/app/apps/new", "/app/apps",
                       {"name": name, "callback_url": "https://partner.example/cb", "environment": environment},
                       csrf_token)
    assert answer.status_code == 200
    client_id = re.search(r'data-testid="client-id">([^<]+)<', answer.text).group(1)
    secret = re.search(r'data-testid="one-time-secret">([^<]+)<', answer.text).group(1)
    app_id = int(re.search(rf'data-application-id="(\d+)" data-application-name="{name}"', client.get("/app/apps").text).group(1))
    return app_id, client_id, secret


def token(client, client_id, secret, **fields):
    return client.post("/oauth/token", data={"grant_type": "client_credentials", **fields}, auth=(client_id, secret))


def subscription_states(portal, app_id):
    rows = portal.db.query(
        "SELECT p.slug, s.state FROM subscriptions s JOIN products p ON p.id = s.product_id WHERE s.application_id = ?",
        (app_id,),
    )
    return {row["slug"]: row["state"] for row in rows}


def test_the_catalog_shows_each_product_with_its_endpoint_count(developer):
    page = developer.get("/app/products").text
    counts = dict(re.findall(r'data-product="(\w+)".*?data-testid="endpoint-count">(\d+)<', page, flags=re.S))
    assert counts == {"accounts": "1", "fx": "1", "payments": "3"}


def test_a_manual_product_waits_for_the_operator_and_then_joins_the_tokens(developer, operator, portal, csrf_token):
    app_id, client_id, secret = create_app(developer, csrf_token)
    assert token(developer, client_id, secret, scope="fx").json()["error"] == "invalid_scope"
    answer = post_form(developer, "/app/products", "/app/products/fx/subscribe", {"application_id": str(app_id)}, csrf_token)
    assert answer.status_code == 303
    assert subscription_states(portal, app_id)["fx"] == "pending"
    assert token(developer, client_id, secret, scope="fx").status_code == 400

    approvals = operator.get("/admin/subscriptions").text
    subscription_id = re.search(r'data-subscription-id="(\d+)"', approvals).group(1)
    decided = operator.post(f"/admin/subscriptions/{subscription_id}/approve", data={"csrf_token": csrf_token(approvals)})
    assert decided.status_code == 303
    assert subscription_states(portal, app_id)["fx"] == "approved"
    granted = token(developer, client_id, secret)
    assert granted.json()["scope"] == "accounts fx payments"
    quote = developer.get("/api/v1/fx/quotes?from=GBP&to=EUR", headers={"Authorization": f"Bearer {granted.json()['access_token']}"})
    assert quote.status_code == 200


def test_a_rejected_subscription_grants_nothing(developer, operator, portal, csrf_token):
    app_id, client_id, secret = create_app(developer, csrf_token)
    post_form(developer, "/app/products", "/app/products/fx/subscribe", {"application_id": str(app_id)}, csrf_token)
    approvals = operator.get("/admin/subscriptions").text
    subscription_id = re.search(r'data-subscription-id="(\d+)"', approvals).group(1)
    operator.post(f"/admin/subscriptions/{subscription_id}/reject", data={"csrf_token": csrf_token(approvals)})
    assert subscription_states(portal, app_id)["fx"] == "rejected"
    assert "fx" not in token(developer, client_id, secret).json()["scope"]
    again = operator.post(f"/admin/subscriptions/{subscription_id}/approve", data={"csrf_token": csrf_token(approvals)})
    assert again.status_code == 409
    assert subscription_states(portal, app_id)["fx"] == "rejected"


def test_subscribing_twice_is_refused_and_changes_nothing(developer, portal, csrf_token):
    app_id, _, _ = create_app(developer, csrf_token)
    before = subscription_states(portal, app_id)
    answer = post_form(developer, "/app/products", "/app/products/payments/subscribe", {"application_id": str(app_id)}, csrf_token)
    assert answer.status_code == 409 and "already subscribed" in answer.text
    assert subscription_states(portal, app_id) == before


@pytest.mark.parametrize("application_id, product, status", [("999999", "payments", 404), ("nope", "payments", 400),
                                                              (None, "no-such-product", 404)])
def test_bad_subscriptions_are_refused(application_id, product, status, developer, portal, csrf_token):
    app_id, _, _ = create_app(developer, csrf_token)
    before = portal.db.scalar("SELECT COUNT(*) FROM subscriptions")
    fields = {"application_id": application_id or str(app_id)}
    answer = post_form(developer, "/app/products", f"/app/products/{product}/subscribe", fields, csrf_token)
    assert answer.status_code == status
    assert portal.db.scalar("SELECT COUNT(*) FROM subscriptions") == before


def test_another_organisations_app_cannot_be_subscribed(developer, make_client, sign_in, portal, csrf_token):
    from reference_portal.core.security import hash_password

    app_id, _, _ = create_app(developer, csrf_token)
    with portal.db.transaction() as conn:
        org = conn.execute("INSERT INTO organisations (name) VALUES ('Globex')").lastrowid
        conn.execute("INSERT INTO users (email, name, password_hash, role, organisation_id, organisation_role, created_at)"
                     " VALUES ('g@globex.test', 'G', ?, 'developer', ?, 'admin', 0)", (hash_password("globex-pass-1"), org))
    globex = make_client()
    sign_in(globex, "g@globex.test", "globex-pass-1")
    before = subscription_states(portal, app_id)
    answer = post_form(globex, "/app/products", "/app/products/fx/subscribe", {"application_id": str(app_id)}, csrf_token)
    assert answer.status_code == 404
    assert subscription_states(portal, app_id) == before


def test_only_the_operator_decides(developer, operator, portal, csrf_token):
    app_id, _, _ = create_app(developer, csrf_token)
    post_form(developer, "/app/products", "/app/products/fx/subscribe", {"application_id": str(app_id)}, csrf_token)
    subscription_id = portal.db.scalar("SELECT id FROM subscriptions WHERE state = 'pending'")
    answer = developer.post(f"/admin/subscriptions/{subscription_id}/approve",
                            data={"csrf_token": csrf_token(developer.get("/app").text)})
    assert answer.status_code == 303 and answer.headers["location"] == "/forbidden"
    assert subscription_states(portal, app_id)["fx"] == "pending"
