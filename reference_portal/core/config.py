"""Portal settings: one frozen value made once, from arguments or the environment."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Callable

DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass(frozen=True)
class DemoPasswords:
    developer: str = "developer-demo-pass"
    viewer: str = "viewer-demo-pass"
    admin: str = "admin-demo-pass"
    totp_secret: str = DEMO_TOTP_SECRET

    @classmethod
    def from_env(cls) -> DemoPasswords:
        return cls(
            developer=os.environ.get("DPF_DEMO_DEVELOPER_PASSWORD", cls.developer),
            viewer=os.environ.get("DPF_DEMO_VIEWER_PASSWORD", cls.viewer),
            admin=os.environ.get("DPF_DEMO_ADMIN_PASSWORD", cls.admin),
            totp_secret=os.environ.get("DPF_DEMO_TOTP_SECRET", cls.totp_secret),
        )


@dataclass(frozen=True)
class Config:
    database: str
    # Encrypts secrets the portal must read again (TOTP seeds); None keeps a generated key beside the database.
    secret_key: bytes | None = field(default=None, repr=False)
    development: bool = True
    demo_seed: bool = True
    # 30 days of sample API traffic for the demo organisation (reference_portal/demo_traffic.py), so its usage page
    # has something to show; off by default, so a test's organisation starts with no applications and no calls.
    demo_traffic: bool = False
    demo_passwords: DemoPasswords = field(default_factory=DemoPasswords, repr=False)
    session_idle_seconds: int = 30 * 60
    session_absolute_seconds: int = 12 * 60 * 60
    # Sensitive actions (revealing or rotating a secret, revoking or deactivating, deleting, 2FA changes) need the
    # password proven this recently.
    recent_sign_in_seconds: int = 15 * 60
    max_body_bytes: int = 1024 * 1024
    # How many reverse proxies stand in front and append to X-Forwarded-For; 0 trusts no forwarded header.
    trusted_proxies: int = 0
    # The address clients use, e.g. https://portal.example.com; None takes it from the (validated) Host header.
    public_url: str | None = None
    http_workers: int = 32
    login_account_free_failures: int = 5
    login_address_free_failures: int = 20
    login_max_delay_seconds: int = 15 * 60
    # Multiplies the webhook retry schedule and the 5-day disable rule; tests make it small.
    webhook_retry_scale: float = 1.0
    # The argon2 cost of stored passwords (core/security.py HASHING_COSTS): "test" only for portals that live for one test.
    password_hashing: str = "recommended"
    # How row IDs are shown in pages, addresses and forms (core/ids.py): "integer", or "opaque" like app_2a91c0d3e4f.
    public_ids: str = "integer"
    clock: Callable[[], float] = field(default=time.time, repr=False)

    @classmethod
    def from_env(cls, **overrides: object) -> Config:
        env = os.environ
        values: dict[str, object] = {
            "database": env.get("DPF_PORTAL_DB", "portal.sqlite3"),
            "development": env.get("DPF_PORTAL_DEVELOPMENT", "1") != "0",
            "demo_seed": env.get("DPF_PORTAL_DEMO_SEED", "1") != "0",
            "demo_traffic": env.get("DPF_PORTAL_DEMO_TRAFFIC", "1") != "0",
            "trusted_proxies": int(env.get("DPF_PORTAL_TRUST_PROXY", "0") or 0),
            "public_url": (env.get("DPF_PORTAL_PUBLIC_URL") or "").rstrip("/") or None,
            "http_workers": int(env.get("DPF_PORTAL_HTTP_WORKERS", "32")),
            "demo_passwords": DemoPasswords.from_env(),
            "webhook_retry_scale": float(env.get("DPF_PORTAL_WEBHOOK_RETRY_SCALE", "1")),
            "recent_sign_in_seconds": int(env.get("DPF_PORTAL_RECENT_SIGN_IN_SECONDS", str(15 * 60))),
            "password_hashing": env.get("DPF_PORTAL_PASSWORD_HASHING", "recommended"),
            "public_ids": env.get("DPF_PORTAL_PUBLIC_IDS", "opaque"),
        }
        if env.get("DPF_PORTAL_SECRET_KEY"):
            values["secret_key"] = bytes.fromhex(env["DPF_PORTAL_SECRET_KEY"])
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
