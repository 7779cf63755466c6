"""Another admin's second factor, turned on and off over HTTP with the contract's forms, as that admin: for DPF-34,
whose `admins_2fa` check must ask it of every admin of the organisation, not only of the one signed in."""

from __future__ import annotations

import httpx

from fixtures.html_forms import elements_by_testid, hidden_fields

from .contract import contract
from .two_factor import Authenticator, authenticator_for, post_with_fresh_code, turn_off

SETTINGS = contract().route("account_security").path
ENABLE = contract().route("two_factor_enable").path


def turn_on(client: httpx.Client, password: str, *, portal: str, tries: int = 2) -> Authenticator:
    """Set up 2FA from the account settings' secret and confirm it with a code; the authenticator that now signs the
    account in. `tries`: codes to spend when another process used a time step."""
    settings = client.get(SETTINGS)
    shown = elements_by_testid(settings.text, "totp-secret")
    assert len(shown) == 1, f"{SETTINGS} shows {len(shown)} set-up secrets, not one"
    authenticator = authenticator_for("".join(shown[0]["text"].split()).upper(), portal=portal)
    form = hidden_fields(settings.text, ENABLE)
    if 'name="password"' in settings.text:  # asked when the sign-in is not recent
        form["password"] = password
    answer = post_with_fresh_code(authenticator, lambda code: client.post(ENABLE, data={**form, "code": code}), tries,
                                  taken=lambda answer: answer.status_code < 400)
    assert answer.status_code < 400, f"turning 2FA on answered HTTP {answer.status_code}"
    assert elements_by_testid(answer.text, "recovery-code") or answer.status_code in (302, 303), (
        "turning 2FA on showed no recovery codes"
    )
    return authenticator


def turn_back_off(client: httpx.Client, password: str, authenticator: Authenticator) -> None:
    answer = turn_off(client, password, authenticator.code())
    assert answer.status_code in (302, 303), f"turning 2FA off answered HTTP {answer.status_code}"
