"""One allowance of wrong second-factor codes per account, whichever form they come through: the second step of
signing in, re-authentication, turning 2FA off, new recovery codes and the password change, from new sessions and
new addresses, with the right password each time (a stolen session and password guessing the code)."""

from __future__ import annotations

import pyotp

from reference_portal.core.second_factor import replace_recovery_codes
from reference_portal.core.totp import STEP_SECONDS

ACCOUNT = ("dev-2fa@example.com", "developer-demo-pass")
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ALLOWANCE = 5  # Config.login_account_free_failures: the wrong codes before /login/2fa makes anyone wait
NEW_PASSWORD = "a-brand-new-password-1"


def code_for(now: float, steps: int = 0) -> str:
    return pyotp.TOTP(SECRET, interval=STEP_SECONDS).generate_otp(int(now // STEP_SECONDS) + steps)


def wrong_code(now: float) -> str:
    near = {code_for(now, offset) for offset in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)


def account_state(portal) -> tuple:
    row = portal.db.one("SELECT id, password_hash, totp_enabled FROM users WHERE email = ?", (ACCOUNT[0],))
    codes = portal.db.query("SELECT code_hash, used_at FROM recovery_codes WHERE user_id = ? ORDER BY id", (row["id"],))
    return row["password_hash"], row["totp_enabled"], [tuple(code) for code in codes]


def code_forms(auth, make_client, post_form, clock):
    """Every form that checks a code, each in a session of its own from an address of its own: name -> post(code)."""
    def signed_in(number: int):
        clock.advance(STEP_SECONDS)  # each sign-in uses a step of its own
        client = make_client(remote_addr=f"203.0.113.{number}")
        answer = auth.sign_in(client, *ACCOUNT, code=code_for(clock.now))
        assert answer.status_code == 303 and answer.headers["location"] == "/app", answer.text
        return client

    reauth, disable, regenerate, password = (signed_in(n) for n in range(1, 5))
    pending = make_client(remote_addr="198.51.100.7")
    assert auth.sign_in(pending, *ACCOUNT).headers["location"] == "/login/2fa"
    password_fields = {"current_password": ACCOUNT[1], "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    return {
        "/reauth": lambda code: post_form(reauth, "/reauth", "/reauth", {"password": ACCOUNT[1], "code": code}),
        "/account/security/2fa/disable": lambda code: post_form(
            disable, "/account/security", "/account/security/2fa/disable", {"password": ACCOUNT[1], "code": code}),
        "/account/security/recovery-codes": lambda code: post_form(
            regenerate, "/account/security", "/account/security/recovery-codes", {"password": ACCOUNT[1], "code": code}),
        "/account/security/password": lambda code: post_form(
            password, "/account/security", "/account/security/password", {**password_fields, "code": code}),
        "/login/2fa": lambda code: auth.second_factor(pending, code),
    }


def test_wrong_codes_share_one_allowance_across_every_form_session_and_address(
    portal, auth, make_client, post_form, clock
):
    forms = code_forms(auth, make_client, post_form, clock)
    before = account_state(portal)
    assert len(forms) == ALLOWANCE
    for name, post in forms.items():  # one wrong code at each form: the allowance of the whole account
        answer = post(wrong_code(clock.now))
        assert answer.status_code == 401, f"{name}: HTTP {answer.status_code}"
    refused = {}
    for name, post in forms.items():  # now the right code, unused, is not even looked at, at any form
        answer = post(code_for(clock.now, 1))
        refused[name] = (answer.status_code, answer.headers.get("retry-after"))
    assert all(status == 429 and wait and int(wait) >= 1 for status, wait in refused.values()), refused
    assert account_state(portal) == before  # 2FA still on, the password and the recovery codes as they were
    kinds = [row["detail"] for row in portal.db.query(
        "SELECT detail FROM security_events WHERE kind = 'second_factor_failed' ORDER BY id")]
    assert len(kinds) == ALLOWANCE and len(set(kinds)) == ALLOWANCE  # each form's wrong code is in the security log


def test_a_correct_password_sign_in_does_not_clear_the_code_allowance(portal, auth, make_client, post_form, clock):
    forms = code_forms(auth, make_client, post_form, clock)
    for _ in range(ALLOWANCE):
        assert forms["/reauth"](wrong_code(clock.now)).status_code == 401
    fresh = make_client(remote_addr="192.0.2.99")
    assert auth.sign_in(fresh, *ACCOUNT).headers["location"] == "/login/2fa"  # the right password: no reset
    answer = auth.second_factor(fresh, code_for(clock.now, 1))
    assert answer.status_code == 429 and int(answer.headers["retry-after"]) >= 1


def test_reauth_takes_an_authenticator_code_and_not_a_recovery_code(portal, auth, make_client, post_form, clock):
    user_id = portal.db.scalar("SELECT id FROM users WHERE email = ?", (ACCOUNT[0],))
    with portal.db.transaction() as conn:
        recovery = replace_recovery_codes(conn, portal.secret_key, user_id, clock.now)
    reauth = code_forms(auth, make_client, post_form, clock)["/reauth"]
    assert reauth(recovery[0]).status_code == 401
    assert portal.db.scalar("SELECT COUNT(*) FROM recovery_codes WHERE used_at IS NOT NULL") == 0  # not used up
    assert reauth(code_for(clock.now, 1)).status_code == 303
