"""The deterministic demo seed: the same organisation, people and accounts on every fresh database."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from faker import Faker

from .areas.sandbox_accounts import create_account
from .core.config import Config
from .core.db import Database
from .core.security import encrypt, hash_password
from .demo_traffic import seed_demo_traffic

FAKER_SEED = 20261128
ORGANISATION = "Acme Payments"
# Organisations of their own for the flows that change organisation-wide state (rotation policy, 2FA of every
# admin, alert rules): nothing another flow relies on can change under them.
INTEGRATION_ORGANISATION = "First Integration Ltd"
GO_LIVE_ORGANISATION = "Go-Live Ltd"
HARDENING_ORGANISATION = "Hardened Systems Ltd"  # DPF-33 sets its rotation policy; its admin has 2FA on


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    password_kind: str  # which of the configured demo passwords it uses
    organisation_role: str | None = None
    totp: bool = False
    organisation: str = ORGANISATION


DEMO_ACCOUNTS = (
    DemoAccount("dev@example.com", "developer", "developer", "admin"),
    DemoAccount("dev-2fa@example.com", "developer", "developer", "admin", totp=True, organisation=HARDENING_ORGANISATION),
    DemoAccount("dev-setup@example.com", "developer", "developer", "member"),
    DemoAccount("dev-sessions@example.com", "developer", "developer", "member"),
    DemoAccount("viewer@example.com", "viewer", "viewer"),
    DemoAccount("admin@example.com", "operator", "admin"),
    DemoAccount("integrator@example.com", "developer", "developer", "admin", organisation=INTEGRATION_ORGANISATION),
    DemoAccount("golive@example.com", "developer", "developer", "admin", organisation=GO_LIVE_ORGANISATION),
    # a second admin of Go-Live Ltd: DPF-34 proves `admins_2fa` asks it of every admin, not only the one signed in
    DemoAccount("golive-2@example.com", "developer", "developer", "admin", organisation=GO_LIVE_ORGANISATION),
)


@lru_cache(maxsize=16)
def _password_hash(password: str, cost: str) -> str:
    # argon2 is slow on purpose; one hash per password and cost per process keeps test databases cheap to make.
    return hash_password(password, cost)


def seed_demo(db: Database, config: Config, secret_key: bytes) -> None:
    """Insert the demo data unless it is already there."""
    if db.scalar("SELECT COUNT(*) FROM users"):
        return
    fake = Faker("en_GB")
    fake.seed_instance(FAKER_SEED)
    now = config.clock()
    passwords = config.demo_passwords
    with db.transaction() as conn:
        organisations = {
            name: conn.execute("INSERT INTO organisations (name) VALUES (?)", (name,)).lastrowid
            for name in dict.fromkeys(account.organisation for account in DEMO_ACCOUNTS)
        }
        org_id = organisations[ORGANISATION]
        for account in DEMO_ACCOUNTS:
            totp_secret = (
                encrypt(secret_key, passwords.totp_secret, purpose="totp") if account.totp else None
            )
            conn.execute(
                "INSERT INTO users (email, name, password_hash, role, organisation_id, organisation_role,"
                " totp_secret_encrypted, totp_enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    account.email,
                    fake.name(),
                    _password_hash(getattr(passwords, account.password_kind), config.password_hashing),
                    account.role,
                    organisations[account.organisation] if account.role == "developer" else None,
                    account.organisation_role,
                    totp_secret,
                    int(account.totp),
                    now,
                ),
            )
        for name in ("Checkout integration tests", "Refund scenarios"):
            create_account(conn, org_id, name, now)  # their keys were shown to nobody: listed, never usable
        if config.demo_traffic:
            seed_demo_traffic(conn, org_id, now)
