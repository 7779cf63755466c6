"""Two-factor authentication end to end: the security page, set-up in account settings, recovery codes, turning it
off and regenerating codes, one code racing in two requests, and the TOTP secret encrypted at rest."""

from __future__ import annotations

import base64
import re
import threading
from pathlib import Path

import pyotp
import pytest

from reference_portal.core.totp import STEP_SECONDS

SETUP = ("dev-setup@example.com", "developer-demo-pass")
TWO_FACTOR = ("dev-2fa@example.com", "developer-demo-pass")
DEMO_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code_for(secret: str, now: float, steps: int = 0) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).generate_otp(int(now // STEP_SECONDS) + steps)


def wrong_code(secret: str, now: float) -> str:
    near = {code_for(secret, now, offset) for offset in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)


def events(portal, email: str) -> list[str]:
    return [row["kind"] for row in portal.db.query(
        "SELECT kind FROM security_events WHERE user_id = (SELECT id FROM users WHERE email = ?) ORDER BY id", (email,)
    )]


def state_of(portal, email: str) -> dict[str, object]:
    row = portal.db.one("SELECT totp_enabled, totp_secret_encrypted, totp_last_step FROM users WHERE email = ?", (email,))
    codes = portal.db.scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE used_at IS NULL AND user_id = (SELECT id FROM users WHERE email = ?)",
        (email,),
    )
    return {**dict(row), "codes": codes}


@pytest.fixture
def setup_client(auth):
    return auth.signed_in(*SETUP)


@pytest.fixture
def set_up(setup_client, read_page, clock):
    """Turn 2FA on for dev-setup@example.com through account settings: (secret, recovery codes)."""
    page = read_page(setup_client.get("/account/security").text)
    secret = page.text_of("totp-secret")
    answer = setup_client.post(
        "/account/security/2fa/enable",
        data={**page.form("/account/security/2fa/enable"), "code": code_for(secret, clock.now)},
    )
    assert answer.status_code == 200, answer.text
    codes = [element["text"] for element in read_page(answer.text).all("recovery-code")]
    return secret, codes


# --- The security page -----------------------------------------------------------------------------------------


def test_the_page_says_off_and_how_to_set_it_up(setup_client, read_page):
    page = read_page(setup_client.get("/app/security/2fa").text)
    assert page.one("two-factor-state")["data-state"] == "off"
    assert page.all("two-factor-since") == [] and page.all("recovery-codes-left") == []
    assert "Google Authenticator" in page.text_of("authenticator-apps")
    assert "recovery codes" in page.text_of("lost-phone")
    assert 'href="/account/security"' in page.html


def test_the_page_says_on_since_when_and_codes_left(auth, read_page, clock):
    client = auth.signed_in(*TWO_FACTOR, code=code_for(DEMO_SECRET, clock.now))
    page = read_page(client.get("/app/security/2fa").text)
    assert page.one("two-factor-state")["data-state"] == "on"
    assert page.text_of("two-factor-since").endswith("UTC")
    assert page.one("recovery-codes-left")["data-count"] == "0"  # the demo account was seeded without codes


def test_the_page_renders_without_the_sessions_section(setup_client):
    # 12b's sessions template is included "ignore missing": the page stands on its own
    assert setup_client.get("/app/security/2fa").status_code == 200


# --- Set-up ----------------------------------------------------------------------------------------------------


def test_set_up_shows_a_qr_code_and_the_same_secret_as_text_never_cached(setup_client, read_page):
    answer = setup_client.get("/account/security")
    assert answer.headers["cache-control"] == "no-store"
    page = read_page(answer.text)
    secret = page.text_of("totp-secret")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret) and len(base64.b32decode(secret)) * 8 == 160
    assert re.search(r'data-testid="totp-qr"[^>]*><svg[^>]*class="qr-code"', answer.text)
    assert read_page(setup_client.get("/account/security").text).text_of("totp-secret") == secret  # a reload keeps it


@pytest.mark.parametrize(
    "bad", ["wrong", "expired", "malformed", "empty", "letters", "too long"],
)
def test_a_bad_confirming_code_is_refused_and_changes_nothing(setup_client, read_page, portal, clock, bad):
    page = read_page(setup_client.get("/account/security").text)
    secret = page.text_of("totp-secret")
    code = {"wrong": wrong_code(secret, clock.now), "expired": code_for(secret, clock.now, -2), "malformed": "12 34",
            "empty": "", "letters": "abcdef", "too long": "1" * 5000}[bad]
    before = state_of(portal, SETUP[0])
    answer = setup_client.post("/account/security/2fa/enable", data={**page.form("/account/security/2fa/enable"), "code": code})
    assert answer.status_code == 422
    assert read_page(answer.text).text_of("field-error-code").startswith(("That code does not match", "Enter the 6-digit"))
    assert state_of(portal, SETUP[0]) == before and before["totp_enabled"] == 0 and before["codes"] == 0
    assert "two_factor_change_failed" in events(portal, SETUP[0])


def test_confirming_turns_it_on_and_shows_ten_codes_once(set_up, setup_client, read_page, portal):
    secret, codes = set_up
    assert len(codes) == 10 == len(set(codes))
    assert all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}", code) for code in codes)
    page = read_page(setup_client.get("/app/security/2fa").text)
    assert page.one("two-factor-state")["data-state"] == "on"
    assert page.one("recovery-codes-left")["data-count"] == "10"
    settings = setup_client.get("/account/security").text
    assert secret not in settings and not any(code in settings for code in codes)  # shown once
    stored = " ".join(row["code_hash"] for row in portal.db.query("SELECT code_hash FROM recovery_codes"))
    assert not any(code.replace("-", "") in stored or code in stored for code in codes)
    assert "two_factor_enabled" in events(portal, SETUP[0])


def test_the_codes_page_is_never_cached_and_offers_download_and_copy(auth, read_page, clock):
    client = auth.signed_in(*SETUP)
    page = read_page(client.get("/account/security").text)
    answer = client.post("/account/security/2fa/enable", data={
        **page.form("/account/security/2fa/enable"), "code": code_for(page.text_of("totp-secret"), clock.now)})
    assert answer.headers["cache-control"] == "no-store"
    assert 'download="recovery-codes.txt"' in answer.text and "Copy recovery codes" in answer.text
    assert 'href="/app/security/2fa"' in answer.text


def test_the_confirming_code_cannot_sign_in_again(set_up, make_client, auth, clock):
    secret, _ = set_up
    client = make_client()
    auth.sign_in(client, *SETUP)
    replay = auth.second_factor(client, code_for(secret, clock.now))
    assert replay.status_code == 401
    clock.advance(STEP_SECONDS)
    assert auth.second_factor(client, code_for(secret, clock.now)).status_code == 303


# --- Recovery codes at sign-in ---------------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once(set_up, make_client, auth, portal, read_page):
    _, codes = set_up
    first = make_client()
    auth.sign_in(first, *SETUP)
    assert auth.second_factor(first, codes[0].upper().replace("-", " ")).status_code == 303  # typed loosely
    assert first.get("/app").status_code == 200
    again = make_client()
    auth.sign_in(again, *SETUP)
    reused = auth.second_factor(again, codes[0])
    assert reused.status_code == 401 and "That code is not valid" in reused.text
    assert again.get("/app").status_code == 303
    page = read_page(first.get("/app/security/2fa").text)
    assert page.one("recovery-codes-left")["data-count"] == "9"
    assert "recovery_code_used" in events(portal, SETUP[0]) and "second_factor_failed" in events(portal, SETUP[0])


def test_a_malformed_code_gets_a_clear_message(set_up, make_client, auth):
    client = make_client()
    auth.sign_in(client, *SETUP)
    answer = auth.second_factor(client, "not a code!")
    assert answer.status_code == 401 and "Enter the 6-digit code" in answer.text


def test_the_session_id_changes_after_a_recovery_code(set_up, make_client, auth):
    _, codes = set_up
    client = make_client()
    auth.sign_in(client, *SETUP)
    pending = client.cookies["dpf_session"]
    auth.second_factor(client, codes[1])
    assert client.cookies["dpf_session"] != pending


# --- Turning it off, regenerating codes ------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["/account/security/2fa/disable", "/account/security/recovery-codes"])
@pytest.mark.parametrize("missing", ["password", "code", "both", "wrong password", "wrong code", "used code"])
def test_changes_need_the_password_and_a_current_code(set_up, setup_client, read_page, portal, clock, action, missing):
    secret, _ = set_up
    clock.advance(STEP_SECONDS)
    fields = {"password": SETUP[1], "code": code_for(secret, clock.now)}
    if missing in ("password", "both"):
        fields["password"] = ""
    if missing in ("code", "both"):
        fields["code"] = ""
    if missing == "wrong password":
        fields["password"] = "not-the-password"
    if missing == "wrong code":
        fields["code"] = wrong_code(secret, clock.now)
    if missing == "used code":
        fields["code"] = code_for(secret, clock.now - STEP_SECONDS)  # the step the set-up used up
    before = state_of(portal, SETUP[0])
    page = read_page(setup_client.get("/account/security").text)
    answer = setup_client.post(action, data={**page.form(action), **fields})
    assert answer.status_code == 401
    assert "Nothing was changed" in answer.text
    assert state_of(portal, SETUP[0]) == before
    assert events(portal, SETUP[0])[-1] == "two_factor_change_failed"


@pytest.mark.parametrize("action", ["/account/security/2fa/disable", "/account/security/recovery-codes"])
def test_wrong_codes_are_throttled_as_wrong_passwords_are(set_up, setup_client, read_page, portal, clock, action):
    secret, _ = set_up
    clock.advance(STEP_SECONDS)
    before = state_of(portal, SETUP[0])
    free = portal.config.login_account_free_failures
    for _ in range(free):
        page = read_page(setup_client.get("/account/security").text)
        fields = {"password": SETUP[1], "code": wrong_code(secret, clock.now)}
        assert setup_client.post(action, data={**page.form(action), **fields}).status_code == 401
    page = read_page(setup_client.get("/account/security").text)
    answer = setup_client.post(action, data={**page.form(action), "password": SETUP[1], "code": code_for(secret, clock.now)})
    assert answer.status_code == 429 and int(answer.headers["retry-after"]) > 0
    assert state_of(portal, SETUP[0]) == before


def test_turning_it_off_signs_out_the_other_sessions(set_up, setup_client, make_client, auth, read_page, portal, clock):
    secret, codes = set_up
    other = make_client()
    auth.sign_in(other, *SETUP)
    assert auth.second_factor(other, codes[0]).status_code == 303
    clock.advance(STEP_SECONDS)
    page = read_page(setup_client.get("/account/security").text)
    answer = setup_client.post("/account/security/2fa/disable", data={
        **page.form("/account/security/2fa/disable"), "password": SETUP[1], "code": code_for(secret, clock.now)})
    assert (answer.status_code, answer.headers["location"]) == (303, "/app/security/2fa")
    assert read_page(setup_client.get("/app/security/2fa").text).one("two-factor-state")["data-state"] == "off"
    assert other.get("/app").status_code == 303  # signed out
    assert state_of(portal, SETUP[0]) == {"totp_enabled": 0, "totp_secret_encrypted": None,
                                          "totp_last_step": state_of(portal, SETUP[0])["totp_last_step"], "codes": 0}
    assert auth.sign_in(make_client(), *SETUP).headers["location"] == "/app"  # no code asked any more
    assert "two_factor_disabled" in events(portal, SETUP[0])


def test_regenerating_replaces_every_code(set_up, setup_client, make_client, auth, read_page, portal, clock):
    secret, old_codes = set_up
    clock.advance(STEP_SECONDS)
    page = read_page(setup_client.get("/account/security").text)
    answer = setup_client.post("/account/security/recovery-codes", data={
        **page.form("/account/security/recovery-codes"), "password": SETUP[1], "code": code_for(secret, clock.now)})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    new_codes = [e["text"] for e in read_page(answer.text).all("recovery-code")]
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    client = make_client()
    auth.sign_in(client, *SETUP)
    assert auth.second_factor(client, old_codes[2]).status_code == 401
    assert auth.second_factor(client, new_codes[0]).status_code == 303
    assert "recovery_codes_regenerated" in events(portal, SETUP[0])


def test_a_recovery_code_can_stand_in_for_the_phone_when_turning_it_off(set_up, setup_client, read_page, portal):
    _, codes = set_up
    page = read_page(setup_client.get("/account/security").text)
    answer = setup_client.post("/account/security/2fa/disable", data={
        **page.form("/account/security/2fa/disable"), "password": SETUP[1], "code": codes[3]})
    assert answer.status_code == 303
    assert state_of(portal, SETUP[0])["totp_enabled"] == 0


# --- One code, two requests at once ----------------------------------------------------------------------------


def race(make_client, auth, email: str, password: str, code: str) -> list[int]:
    """Two pending sign-ins post the same code at the same moment; the statuses they got."""
    clients = [make_client(), make_client()]
    forms = []
    for client in clients:
        auth.sign_in(client, email, password)
        forms.append(auth.csrf_token(client, "/login/2fa"))
    start = threading.Barrier(2)
    statuses: list[int] = []

    def post(client, token):  # type: ignore[no-untyped-def]
        start.wait()
        statuses.append(client.post("/login/2fa", data={"csrf_token": token, "code": code}).status_code)

    threads = [threading.Thread(target=post, args=pair) for pair in zip(clients, forms)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(statuses)


def test_two_requests_with_one_totp_code_exactly_one_wins(make_client, auth, clock):
    for _ in range(5):
        clock.advance(STEP_SECONDS)
        assert race(make_client, auth, *TWO_FACTOR, code_for(DEMO_SECRET, clock.now)) == [303, 401]


def test_two_requests_with_one_recovery_code_exactly_one_wins(set_up, make_client, auth):
    _, codes = set_up
    for code in codes[:5]:
        assert race(make_client, auth, *SETUP, code) == [303, 401]


# --- At rest ---------------------------------------------------------------------------------------------------


def test_the_database_files_do_not_hold_the_totp_secret_or_the_recovery_codes(set_up, portal):
    secret, codes = set_up
    files = [Path(portal.config.database + suffix) for suffix in ("", "-wal")]
    raw = b"".join(path.read_bytes() for path in files if path.exists())
    assert raw, "no database file to read"
    for text in (secret, secret.lower(), DEMO_SECRET, *codes, *(code.replace("-", "") for code in codes)):
        assert text.encode() not in raw
    assert base64.b32decode(secret) not in raw and base64.b32decode(DEMO_SECRET) not in raw


# --- A sign-in older than the recent-sign-in window ------------------------------------------------------------


def test_an_old_sign_in_confirms_the_password_on_the_set_up_form(setup_client, read_page, portal, clock):
    clock.advance(portal.config.recent_sign_in_seconds + 60)
    page = read_page(setup_client.get("/account/security").text)
    assert 'name="password"' in page.html
    secret = page.text_of("totp-secret")
    form = page.form("/account/security/2fa/enable")
    refused = setup_client.post("/account/security/2fa/enable", data={**form, "code": code_for(secret, clock.now)})
    assert refused.status_code == 401 and state_of(portal, SETUP[0])["totp_enabled"] == 0
    accepted = setup_client.post("/account/security/2fa/enable", data={
        **form, "password": SETUP[1], "code": code_for(secret, clock.now)})
    assert accepted.status_code == 200 and state_of(portal, SETUP[0])["totp_enabled"] == 1
