"""DPF-29 Open account settings handoff (/app/security/2fa -> account settings): set up an authenticator from the
2FA page's link, come back to it on, and prove it by signing in again.

Runs as the `setup_developer` persona (2FA off, no other flow uses it). The set-up is scan-free: the flow reads the
secret the page shows as text, keeps it and the recovery codes in the vault, and makes codes with pyotp. Afterwards,
passed or failed, it turns 2FA off again (password and a fresh code) so the persona is as it was.

Faults of a broken portal this flow must catch:
- a set-up that accepts a wrong code;
- a QR code that is not the secret shown as text (another secret, account, issuer, algorithm, digits or period);
- a secret shown that is not the one the portal checks codes against (the right code is refused);
- the 2FA page still saying "off" (or the codes left not 10) after the set-up;
- a sign-in that asks for no code afterwards, or refuses the authenticator's code;
- a second step that takes a wrong code, or the code it has just taken again;
- a recovery code that does not sign in, or signs in twice, or the count of codes left that does not go down;
- a download or copy of the recovery codes that is not the codes shown.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from playbooks.harness.controls import label, revealed
from playbooks.harness.pages import LoginPage, at_path
from playbooks.harness.qr_codes import decoded_qr_codes, key_uri
from playbooks.harness.two_factor import (
    REFUSED,
    SECOND_FACTOR_PATH,
    AccountSecurityPage,
    Authenticator,
    RecoveryCodesPage,
    TwoFactorPage,
    a_wrong_code,
    asks_for_code,
    new_client,
    password_step,
    prove_second_factor_enforced,
    second_step,
    sign_out,
    turn_off,
)

FLOW_ID = "DPF-29"
RECOVERY_CODES = 10
CLEAN_UP_TRIES = 2


def copied_by(page, button, within_seconds: float = 5) -> str:
    """What clicking a Copy button put on the clipboard; writing to it is asynchronous, so wait (bounded) for it."""
    page.evaluate("navigator.clipboard.writeText('')")
    button.click()
    page.wait_for_function("async () => (await navigator.clipboard.readText()) !== ''", timeout=within_seconds * 1000)
    return page.evaluate("navigator.clipboard.readText()")


def in_order(codes: list[str], text: str) -> bool:
    """Whether the text holds every code, one after another in the given order."""
    at = 0
    for code in codes:
        at = text.find(code, at)
        if at < 0:
            return False
        at += len(code)
    return True


@pytest.mark.dpf(FLOW_ID)
def test_open_account_settings_handoff(flow, open_page, setup_developer, signed_in, target, vault, secret_on_screen):
    persona = setup_developer
    session = signed_in.client_for(persona)  # the session the browser shares; it turns 2FA off again at the end
    assert not asks_for_code(target.base_url, persona), f"{persona.key} must start with 2FA off"
    page = open_page(persona, permissions=("clipboard-read", "clipboard-write"))
    two_factor, settings, codes_page = TwoFactorPage(page), AccountSecurityPage(page), RecoveryCodesPage(page)
    authenticator: Authenticator | None = None
    codes: list[str] = []
    try:
        with flow.step("Click account settings link."):
            page.goto("/app/security/2fa")
            expect(two_factor.state).to_have_attribute("data-state", "off")
            revealed(two_factor.account_settings).click()
            expect(page).to_have_url(at_path("/account/security"))
            expect(settings.heading).to_be_visible()

        with secret_on_screen(page), flow.step("Complete authenticator setup."):
            expect(settings.qr_svg).to_be_visible()
            vault.put(f"{persona.key}.totp_secret", settings.secret_text())
            authenticator = Authenticator(vault.get(f"{persona.key}.totp_secret"))
            # the QR code, read as a phone reads it, sets up the same authenticator as the text (never printed)
            scanned = [uri for uri in map(key_uri, decoded_qr_codes(settings.qr_svg)) if uri is not None]
            assert len(scanned) == 1, f"the set-up QR code decodes to {len(scanned)} otpauth:// URIs, not one"
            uri = scanned[0]
            assert uri.kind == "totp", f"the QR code sets up {uri.kind!r}, not a time-based code"
            assert uri.secret == authenticator.secret, "the QR code carries another secret than the one shown as text"
            assert uri.account.lower() == persona.email.lower(), f"the QR code is for {uri.account!r}, not the account"
            assert uri.issuer or uri.label_issuer, "the QR code names no issuer"
            assert not (uri.issuer and uri.label_issuer) or uri.issuer == uri.label_issuer, (
                f"the QR code's issuer is {uri.issuer!r} in its parameter but {uri.label_issuer!r} in its label"
            )
            assert (uri.algorithm, uri.digits, uri.period) == ("SHA1", 6, 30), (
                f"the QR code sets up {uri.algorithm}, {uri.digits} digits, {uri.period} s, not the contract's codes"
            )
            settings.confirm(a_wrong_code(authenticator.secret), persona.password)
            expect(settings.code_error).to_be_visible()  # a wrong code is refused: the set-up is still there
            settings.confirm(authenticator.code(), persona.password)
            expect(codes_page.codes).to_have_count(RECOVERY_CODES)
            codes = codes_page.texts()
            for number, code in enumerate(codes, start=1):
                vault.put(f"{persona.key}.recovery_code_{number}", code)
            with page.expect_download() as download:
                revealed(codes_page.download).click()
            downloaded = Path(download.value.path()).read_text(encoding="utf-8")
            copied = copied_by(page, revealed(codes_page.copy))
            page.evaluate("navigator.clipboard.writeText('')")  # leave nothing behind on the clipboard
            flow.capture("Recovery codes, shown once (masked)")

        with flow.step("Return and verify updated state."):
            revealed(codes_page.back).click()
            expect(page).to_have_url(at_path("/app/security/2fa"))
            expect(two_factor.state).to_have_attribute("data-state", "on")
            expect(two_factor.codes_left).to_have_attribute("data-count", str(RECOVERY_CODES))
            assert two_factor.shown_codes_left() == RECOVERY_CODES, "the codes left shown are not its data-count"

        with flow.expected_result("2FA setup handoff works."):
            stored = [vault.get(f"{persona.key}.recovery_code_{n}") for n in range(1, RECOVERY_CODES + 1)]
            assert len(set(stored)) == RECOVERY_CODES, "the recovery codes are not 10 different codes"
            # each code shown, in the order shown; a heading, numbering or other layout around them is the portal's
            assert in_order(stored, downloaded), "Download recovery codes does not give the codes shown"
            assert in_order(stored, copied), "Copy recovery codes does not copy the codes shown"

            # Signing in again, in a browser that has never signed in: the password now leads to a code.
            fresh = open_page()
            fresh.goto("/login")
            LoginPage(fresh).sign_in(persona.email, persona.password)
            expect(fresh).to_have_url(at_path(SECOND_FACTOR_PATH))
            code_field = label(fresh, "Authentication code")
            signed_in_with = authenticator.code()
            code_field.fill(signed_in_with)
            code_field.press("Enter")
            expect(fresh).to_have_url(at_path("/app"))
            expect(fresh.get_by_test_id("account-email")).to_have_text(persona.email, ignore_case=True)
            # and the second step is enforced: a wrong code refused, the code just taken refused again
            prove_second_factor_enforced(target.base_url, persona, authenticator, accepted=signed_in_with)

            # A recovery code signs in once, and never again.
            with new_client(target.base_url) as first:
                assert password_step(first, persona) == SECOND_FACTOR_PATH
                accepted = second_step(first, stored[0])
                assert accepted.status_code in (302, 303) and not accepted.headers.get("location", "").startswith("/login"), (
                    f"a recovery code was refused at the second step: HTTP {accepted.status_code}"
                )
                assert first.get("/app").status_code == 200, "a recovery code did not sign in"
                sign_out(first)
            with new_client(target.base_url) as again:
                assert password_step(again, persona) == SECOND_FACTOR_PATH
                reused = second_step(again, stored[0])
                assert reused.status_code == REFUSED, f"a used recovery code was accepted again: HTTP {reused.status_code}"
                assert again.get("/app").status_code != 200, "a used recovery code signed in again"
            page.goto("/app/security/2fa")  # one code used: one fewer left
            expect(two_factor.codes_left).to_have_attribute("data-count", str(RECOVERY_CODES - 1))
            assert two_factor.shown_codes_left() == RECOVERY_CODES - 1, "the codes left shown are not its data-count"
    finally:
        if authenticator is not None and asks_for_code(target.base_url, persona):
            # A recovery code the flow never used needs no fresh time step; then the authenticator's codes, since a
            # failed flow may have left this time step's code used.
            spare = codes[-1:]
            for _ in range(CLEAN_UP_TRIES):
                answer = turn_off(session, persona.password, spare.pop() if spare else authenticator.code())
                if answer.status_code in (302, 303):
                    break
            assert not asks_for_code(target.base_url, persona), (
                f"{persona.key} still has 2FA on after the flow: turning it off answered HTTP {answer.status_code}"
            )
