"""Sandbox credentials: shown once, stored hashed, reach sandbox data only, refused at once after deletion."""

import re

import pytest

from reference_portal.core.security import token_hash


@pytest.fixture
def developer(make_client, sign_in):
    client = make_client()
    sign_in(client, "dev@example.com", "developer-demo-pass")
    return client


def create(client, csrf_token, name="Checkout tests"):
    answer = client.post("/app/sandbox", data={"csrf_token": csrf_token(client.get("/app/sandbox").text), "name": name})
    return answer


def test_create_shows_the_key_once_and_stores_only_its_hash(developer, portal, csrf_token):
    answer = create(developer, csrf_token)
    assert answer.status_code == 200 and "no-store" in answer.headers["cache-control"]
    key = re.search(r'data-testid="one-time-secret">(sk_test_[A-Za-z0-9_-]{43})<', answer.text).group(1)
    merchant = re.search(r'data-testid="sandbox-merchant-id">(mer_test_\w+)<', answer.text).group(1)
    row = portal.db.one("SELECT * FROM sandbox_accounts WHERE merchant_id = ?", (merchant,))
    assert row["key_hash"] == token_hash(key) and row["key_last4"] == key[-4:]
    assert key not in developer.get("/app/sandbox").text
    account = developer.get("/api/v1/sandbox/account", headers={"Authorization": f"Bearer {key}"})
    assert account.status_code == 200 and account.json()["merchant_id"] == merchant
    assert portal.db.one("SELECT last_used_at FROM sandbox_accounts WHERE merchant_id = ?", (merchant,))[0] is not None


def test_a_sandbox_key_reaches_no_product_api(developer, csrf_token):
    key = re.search(r'data-testid="one-time-secret">([^<]+)<', create(developer, csrf_token).text).group(1)
    assert developer.get("/api/v1/payments", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_delete_removes_it_and_the_key_stops_at_once(developer, portal, csrf_token):
    answer = create(developer, csrf_token, name="To delete")
    key = re.search(r'data-testid="one-time-secret">([^<]+)<', answer.text).group(1)
    account_id = portal.db.scalar("SELECT id FROM sandbox_accounts WHERE name = 'To delete'")
    page = developer.get(f"/app/sandbox/{account_id}/delete").text
    assert developer.post(f"/app/sandbox/{account_id}/delete", data={"csrf_token": csrf_token(page)}).status_code == 303
    assert "To delete" not in developer.get("/app/sandbox").text
    assert developer.get("/api/v1/sandbox/account", headers={"Authorization": f"Bearer {key}"}).status_code == 401


@pytest.mark.parametrize("name", ["", "ab", "x" * 61, "tab\there"])
def test_bad_names_create_nothing(name, developer, portal, csrf_token):
    before = portal.db.scalar("SELECT COUNT(*) FROM sandbox_accounts")
    answer = create(developer, csrf_token, name=name)
    assert answer.status_code == 422 and 'data-testid="field-error-name"' in answer.text
    assert portal.db.scalar("SELECT COUNT(*) FROM sandbox_accounts") == before


def test_another_organisations_credential_cannot_be_deleted(developer, make_client, sign_in, portal, csrf_token):
    from reference_portal.core.security import hash_password

    with portal.db.transaction() as conn:
        org = conn.execute("INSERT INTO organisations (name) VALUES ('Globex')").lastrowid
        conn.execute("INSERT INTO users (email, name, password_hash, role, organisation_id, organisation_role, created_at)"
                     " VALUES ('g@globex.test', 'G', ?, 'developer', ?, 'admin', 0)", (hash_password("globex-pass-1"), org))
    acme_id = portal.db.scalar("SELECT id FROM sandbox_accounts ORDER BY id LIMIT 1")
    globex = make_client()
    sign_in(globex, "g@globex.test", "globex-pass-1")
    assert globex.get(f"/app/sandbox/{acme_id}/delete").status_code == 404
    token = csrf_token(globex.get("/app/sandbox").text)
    assert globex.post(f"/app/sandbox/{acme_id}/delete", data={"csrf_token": token}).status_code == 404
    assert portal.db.scalar("SELECT COUNT(*) FROM sandbox_accounts WHERE id = ?", (acme_id,)) == 1
    assert "mer_test_" not in globex.get("/app/sandbox").text
