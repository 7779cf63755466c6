"""reference_portal.seed: the demo data is the same on every fresh database and is inserted only once."""

from __future__ import annotations

from reference_portal import Config, Portal
from reference_portal.core.accounts import find_credentials, get_user
from reference_portal.core.config import DemoPasswords
from reference_portal.core.security import decrypt, verify_password
from reference_portal.seed import DEMO_ACCOUNTS, ORGANISATION, seed_demo

EXPECTED_ACCOUNTS = {
    # email: (role, organisation, organisation role, 2FA, password)
    "dev@example.com": ("developer", "Acme Payments", "admin", False, "developer-demo-pass"),
    "dev-2fa@example.com": ("developer", "Hardened Systems Ltd", "admin", True, "developer-demo-pass"),
    "dev-setup@example.com": ("developer", "Acme Payments", "member", False, "developer-demo-pass"),
    "dev-sessions@example.com": ("developer", "Acme Payments", "member", False, "developer-demo-pass"),
    "viewer@example.com": ("viewer", None, None, False, "viewer-demo-pass"),
    "admin@example.com": ("operator", None, None, False, "admin-demo-pass"),
    "integrator@example.com": ("developer", "First Integration Ltd", "admin", False, "developer-demo-pass"),
    "golive@example.com": ("developer", "Go-Live Ltd", "admin", False, "developer-demo-pass"),
    "golive-2@example.com": ("developer", "Go-Live Ltd", "admin", False, "developer-demo-pass"),
}


def people(portal) -> list[tuple[str, str]]:
    return [(row["email"], row["name"]) for row in portal.db.query("SELECT email, name FROM users ORDER BY id")]


def test_the_demo_accounts_have_their_roles_organisation_and_passwords(portal):
    assert ORGANISATION == "Acme Payments"
    assert {account.email for account in DEMO_ACCOUNTS} == set(EXPECTED_ACCOUNTS)
    for email, (role, organisation, organisation_role, totp, password) in EXPECTED_ACCOUNTS.items():
        found = find_credentials(portal.db, email)
        assert found is not None, email
        user = get_user(portal.db, found[0])
        assert user is not None
        assert (user.role, user.organisation_name, user.organisation_role, user.totp_enabled) == (
            role, organisation, organisation_role, totp
        ), email
        assert verify_password(found[1], password), email


def test_two_fresh_databases_get_the_same_people(make_portal):
    first, second = people(make_portal()), people(make_portal())
    assert first == second
    assert len({name for _, name in first}) == len(first)  # distinct, made-up names
    assert all(name.strip() and name != email for email, name in first)


def test_seeding_again_changes_nothing(portal):
    before = [dict(row) for row in portal.db.query("SELECT * FROM users ORDER BY id")]
    seed_demo(portal.db, portal.config, portal.secret_key)
    assert [dict(row) for row in portal.db.query("SELECT * FROM users ORDER BY id")] == before
    assert portal.db.scalar("SELECT COUNT(*) FROM organisations") == 4


def test_restarting_on_the_same_database_does_not_seed_twice(tmp_path, clock):
    config = Config(database=str(tmp_path / "restart.sqlite3"), clock=clock)
    for _ in range(2):
        portal = Portal(config)
        portal.db.close()
    portal = Portal(config)
    try:
        assert portal.db.scalar("SELECT COUNT(*) FROM users") == len(DEMO_ACCOUNTS)
    finally:
        portal.db.close()


def test_no_seed_when_turned_off(make_portal):
    assert make_portal(demo_seed=False).db.scalar("SELECT COUNT(*) FROM users") == 0


def test_passwords_and_totp_seed_come_from_the_config(make_portal):
    passwords = DemoPasswords(developer="other-dev-pass", viewer="v", admin="a", totp_secret="KRSXG5CTMVRXEZLU")
    portal = make_portal(demo_passwords=passwords)
    found = find_credentials(portal.db, "dev@example.com")
    assert found and verify_password(found[1], "other-dev-pass")
    assert not verify_password(found[1], "developer-demo-pass")
    stored = portal.db.scalar("SELECT totp_secret_encrypted FROM users WHERE email = 'dev-2fa@example.com'")
    assert decrypt(portal.secret_key, stored, purpose="totp") == "KRSXG5CTMVRXEZLU"


def test_only_the_2fa_account_has_a_totp_seed(portal):
    rows = portal.db.query("SELECT email FROM users WHERE totp_secret_encrypted IS NOT NULL")
    assert [row["email"] for row in rows] == ["dev-2fa@example.com"]
