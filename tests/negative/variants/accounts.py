"""Benign variants of the sign-in, 2FA, sessions and account pages (DPF-01 to DPF-04, DPF-28 to DPF-30, DPF-33)."""

from __future__ import annotations

from . import Variant

VARIANTS = [
    Variant("totp-secret-in-groups", "the set-up secret in lower-case groups of four, as many authenticator set-ups show it",
            ("DPF-29", "DPF-33", "DPF-34"),
            templates=(("account/security.html", 'data-testid="totp-secret">{{ secret }}<',
                        'data-testid="totp-secret">{{ secret | lower | batch(4) | map("join") | join(" ") }}<'),)),
    Variant("sessions-other-order", "sessions and devices listed oldest last", ("DPF-30", "DPF-33"),
            templates=(("security/sessions_section.html", "{% for s in account_sessions %}",
                        "{% for s in account_sessions|reverse %}"),)),
]
