"""Subscriptions: automatic products approve at once, manual ones wait for the operator; scopes follow approvals."""

import re

import pytest

OPERATOR = ("admin@example.com", "admin-demo-pass")


def post_with_token(client, page, action, fields, auth):
    """POST to action with the session's CSRF token read on `page`, whether or not the page has a form for it."""
    return client.post(action, data={"csrf_token": auth.csrf_token(client, page), **fields})


@pytest.fixture
def operator(auth):
    return auth.signed_in(*OPERATOR)


def create_app(client, auth, read_page, name="Catalog test app", environment="sandbox"):
    fields = {"name": name, "callback_url": "https://partner.example/cb", "environment": environment}
    answer = post_with_token(client, "/app/apps/new", "/app/apps", fields, auth)
    assert answer.status_code == 200
    client_id = read_page(answer.text).text_of("client-id")
    secret = read_page(answer.text).text_of("one-time-secret")
    row = read_page(client.get("/app/apps").text).within("application-row", data_application_name=name)
    app_id = int(row.one("application-row")["data-application-id"])
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


def test_a_manual_product_waits_for_the_operator_and_then_joins_the_tokens(
    developer, operator, portal, auth, read_page
):
    app_id, client_id, secret = create_app(developer, auth, read_page)
    assert token(developer, client_id, secret, scope="fx").json()["error"] == "invalid_scope"
    answer = post_with_token(developer, "/app/products", "/app/products/fx/subscribe", {"application_id": str(app_id)}, auth)
    assert answer.status_code == 303
    assert subscription_states(portal, app_id)["fx"] == "pending"
    assert token(developer, client_id, secret, scope="fx").status_code == 400

    approvals = operator.get("/admin/subscriptions").text
    subscription_id = re.search(r'data-subscription-id="(\d+)"', approvals).group(1)
    approve = f"/admin/subscriptions/{subscription_id}/approve"
    decided = operator.post(approve, data={"csrf_token": read_page(approvals).csrf_token})
    assert decided.status_code == 303
    assert subscription_states(portal, app_id)["fx"] == "approved"
    granted = token(developer, client_id, secret)
    assert granted.json()["scope"] == "accounts fx payments"
    quote = developer.get("/api/v1/fx/quotes?from=GBP&to=EUR", headers={"Authorization": f"Bearer {granted.json()['access_token']}"})
    assert quote.status_code == 200


def test_each_pending_subscription_names_its_application_and_product(developer, operator, auth, read_page):
    app_id, _, _ = create_app(developer, auth, read_page)
    post_with_token(developer, "/app/products", "/app/products/fx/subscribe", {"application_id": str(app_id)}, auth)
    row = read_page(operator.get("/admin/subscriptions").text).one("approval-row")
    assert (row["data-application-id"], row["data-product"]) == (str(app_id), "fx")
    assert row["data-subscription-id"]


def test_a_rejected_subscription_grants_nothing(developer, operator, portal, auth, read_page):
    app_id, client_id, secret = create_app(developer, auth, read_page)
    post_with_token(developer, "/app/products", "/app/products/fx/subscribe", {"application_id": str(app_id)}, auth)
    approvals = operator.get("/admin/subscriptions").text
    subscription_id = re.search(r'data-subscription-id="(\d+)"', approvals).group(1)
    csrf = read_page(approvals).csrf_token
    operator.post(f"/admin/subscriptions/{subscription_id}/reject", data={"csrf_token": csrf})
    assert subscription_states(portal, app_id)["fx"] == "rejected"
    assert "fx" not in token(developer, client_id, secret).json()["scope"]
    again = operator.post(f"/admin/subscriptions/{subscription_id}/approve", data={"csrf_token": csrf})
    assert again.status_code == 409
    assert subscription_states(portal, app_id)["fx"] == "rejected"


def test_subscribing_twice_is_refused_and_changes_nothing(developer, portal, auth, read_page):
    app_id, _, _ = create_app(developer, auth, read_page)
    before = subscription_states(portal, app_id)
    fields = {"application_id": str(app_id)}
    answer = post_with_token(developer, "/app/products", "/app/products/payments/subscribe", fields, auth)
    assert answer.status_code == 409 and "already subscribed" in answer.text
    assert subscription_states(portal, app_id) == before


@pytest.mark.parametrize("application_id, product, status", [("999999", "payments", 404), ("nope", "payments", 400),
                                                              (None, "no-such-product", 404)])
def test_bad_subscriptions_are_refused(application_id, product, status, developer, portal, auth, read_page):
    app_id, _, _ = create_app(developer, auth, read_page)
    before = portal.db.scalar("SELECT COUNT(*) FROM subscriptions")
    fields = {"application_id": application_id or str(app_id)}
    answer = post_with_token(developer, "/app/products", f"/app/products/{product}/subscribe", fields, auth)
    assert answer.status_code == status
    assert portal.db.scalar("SELECT COUNT(*) FROM subscriptions") == before


def test_another_organisations_app_cannot_be_subscribed(developer, auth, add_developer, portal, read_page):
    app_id, _, _ = create_app(developer, auth, read_page)
    add_developer("g@globex.test", "globex-pass-1")
    globex = auth.signed_in("g@globex.test", "globex-pass-1")
    before = subscription_states(portal, app_id)
    answer = post_with_token(globex, "/app/products", "/app/products/fx/subscribe", {"application_id": str(app_id)}, auth)
    assert answer.status_code == 404
    assert subscription_states(portal, app_id) == before


def test_only_the_operator_decides(developer, operator, portal, auth, read_page):
    app_id, _, _ = create_app(developer, auth, read_page)
    post_with_token(developer, "/app/products", "/app/products/fx/subscribe", {"application_id": str(app_id)}, auth)
    subscription_id = portal.db.scalar("SELECT id FROM subscriptions WHERE state = 'pending'")
    answer = developer.post(f"/admin/subscriptions/{subscription_id}/approve",
                            data={"csrf_token": auth.csrf_token(developer, "/app")})
    assert answer.status_code == 303 and answer.headers["location"] == "/forbidden"
    assert subscription_states(portal, app_id)["fx"] == "pending"
