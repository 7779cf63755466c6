"""Sandbox credentials: shown once, stored hashed, reach sandbox data only, refused at once after deletion."""

import re

import pytest

from reference_portal.core.security import token_hash


def create(client, auth, name="Checkout tests"):
    answer = client.post("/app/sandbox", data={"csrf_token": auth.csrf_token(client, "/app/sandbox"), "name": name})
    return answer


def test_create_shows_the_key_once_and_stores_only_its_hash(developer, portal, auth):
    answer = create(developer, auth)
    assert answer.status_code == 200 and "no-store" in answer.headers["cache-control"]
    key = re.search(r'data-testid="one-time-secret">(sk_test_[A-Za-z0-9_-]{43})<', answer.text).group(1)
    merchant = re.search(r'data-testid="sandbox-merchant-id">(mer_test_\w+)<', answer.text).group(1)
    row = portal.db.one("SELECT * FROM sandbox_accounts WHERE merchant_id = ?", (merchant,))
    assert row["key_hash"] == token_hash(key) and row["key_last4"] == key[-4:]
    assert key not in developer.get("/app/sandbox").text
    account = developer.get("/api/v1/sandbox/account", headers={"Authorization": f"Bearer {key}"})
    assert account.status_code == 200 and account.json()["merchant_id"] == merchant
    assert portal.db.one("SELECT last_used_at FROM sandbox_accounts WHERE merchant_id = ?", (merchant,))[0] is not None


def test_a_sandbox_key_reaches_no_product_api(developer, auth):
    key = re.search(r'data-testid="one-time-secret">([^<]+)<', create(developer, auth).text).group(1)
    assert developer.get("/api/v1/payments", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_delete_removes_it_and_the_key_stops_at_once(developer, portal, auth, read_page):
    answer = create(developer, auth, name="To delete")
    key = re.search(r'data-testid="one-time-secret">([^<]+)<', answer.text).group(1)
    account_id = portal.db.scalar("SELECT id FROM sandbox_accounts WHERE name = 'To delete'")
    page = developer.get(f"/app/sandbox/{account_id}/delete").text
    token = read_page(page).csrf_token
    assert developer.post(f"/app/sandbox/{account_id}/delete", data={"csrf_token": token}).status_code == 303
    assert "To delete" not in developer.get("/app/sandbox").text
    assert developer.get("/api/v1/sandbox/account", headers={"Authorization": f"Bearer {key}"}).status_code == 401


@pytest.mark.parametrize("name", ["", "ab", "x" * 61, "tab\there"])
def test_bad_names_create_nothing(name, developer, portal, auth):
    before = portal.db.scalar("SELECT COUNT(*) FROM sandbox_accounts")
    answer = create(developer, auth, name=name)
    assert answer.status_code == 422 and 'data-testid="field-error-name"' in answer.text
    assert portal.db.scalar("SELECT COUNT(*) FROM sandbox_accounts") == before


def test_another_organisations_credential_cannot_be_deleted(developer, auth, add_developer, portal):
    add_developer("g@globex.test", "globex-pass-1")
    acme_id = portal.db.scalar("SELECT id FROM sandbox_accounts ORDER BY id LIMIT 1")
    globex = auth.signed_in("g@globex.test", "globex-pass-1")
    assert globex.get(f"/app/sandbox/{acme_id}/delete").status_code == 404
    token = auth.csrf_token(globex, "/app/sandbox")
    assert globex.post(f"/app/sandbox/{acme_id}/delete", data={"csrf_token": token}).status_code == 404
    assert portal.db.scalar("SELECT COUNT(*) FROM sandbox_accounts WHERE id = ?", (acme_id,)) == 1
    assert "mer_test_" not in globex.get("/app/sandbox").text
