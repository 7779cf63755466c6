"""Changing the password in account settings: the rules, what a change does to the account's sessions, sign-in with
the old and the new password, the security log, and bad input changing nothing. Every test changes the password of
an account it adds to a portal of its own; no demo persona's password is touched."""

from __future__ import annotations

import pyotp
import pytest

from reference_portal.core.totp import STEP_SECONDS

ACTION = "/account/security/password"
EMAIL = "owner@globex.test"
OLD = "old-password-of-globex"
NEW = "a-new-password-of-globex"


def code_for(secret: str, now: float, steps: int = 0) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).generate_otp(int(now // STEP_SECONDS) + steps)


def wrong_code(secret: str, now: float) -> str:
    near = {code_for(secret, now, steps) for steps in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


def user_state(portal) -> dict[str, object]:
    """What a refused change must leave as it was: the hash, the sessions, the 2FA step in use."""
    row = portal.db.one("SELECT id, password_hash, totp_last_step FROM users WHERE email = ?", (EMAIL,))
    sessions = portal.db.query(
        "SELECT id_hash FROM sessions WHERE user_id = ? OR pending_user_id = ? ORDER BY id_hash", (row["id"], row["id"])
    )
    return {**dict(row), "sessions": [session["id_hash"] for session in sessions]}


def events(portal) -> list[tuple[str, str]]:
    return [(row["kind"], row["detail"]) for row in portal.db.query(
        "SELECT kind, detail FROM security_events WHERE user_id = (SELECT id FROM users WHERE email = ?) ORDER BY id",
        (EMAIL,),
    )]


@pytest.fixture
def owner(add_developer, auth):
    """A client signed in as an account of its own (Globex's admin), 2FA off."""
    add_developer(EMAIL, OLD)
    return auth.signed_in(EMAIL, OLD)


@pytest.fixture
def change(post_form):
    """change(client, **fields): the password form of account settings posted as a browser does."""

    def post(client, **fields: str):
        return post_form(client, "/account/security", ACTION, fields)

    return post


@pytest.fixture
def two_factor_owner(owner, read_page, clock):
    """`owner` with 2FA turned on through account settings, one step later (the set-up used its step):
    (client, secret)."""
    page = read_page(owner.get("/account/security").text)
    secret = page.text_of("totp-secret")
    answer = owner.post("/account/security/2fa/enable",
                        data={**page.form("/account/security/2fa/enable"), "code": code_for(secret, clock.now)})
    assert answer.status_code == 200, answer.text
    clock.advance(STEP_SECONDS)
    return owner, secret


def test_account_settings_has_the_form_asking_a_code_only_while_2fa_is_on(owner, two_factor_owner, read_page):
    page = read_page(owner.get("/account/security").text)
    assert page.form(ACTION)
    for name in ("current_password", "new_password", "confirm_password", "code"):
        assert f'name="{name}"' in page.html.split(f'action="{ACTION}"', 1)[1]


def test_without_2fa_no_code_is_asked(owner, read_page):
    form_html = owner.get("/account/security").text.split(f'action="{ACTION}"', 1)[1].split("</form>", 1)[0]
    assert 'name="current_password"' in form_html and 'name="code"' not in form_html


def test_a_change_keeps_this_session_under_a_new_id_and_signs_out_every_other(
    owner, change, auth, make_client, portal, read_page
):
    other = auth.signed_in(EMAIL, OLD)
    old_cookie = owner.cookies["dpf_session"]
    answer = change(owner, current_password=OLD, new_password=NEW, confirm_password=NEW)
    assert (answer.status_code, answer.headers["location"]) == (303, "/account/security?password_changed=1#password")
    assert owner.cookies["dpf_session"] != old_cookie
    page = read_page(owner.get("/account/security?password_changed=1").text)
    assert "Your password was changed" in page.text_of("password-changed")
    assert owner.get("/app").status_code == 200  # still signed in
    assert other.get("/app").status_code == 303  # signed out at its next request
    replay = make_client()
    replay.cookies.set("dpf_session", old_cookie)
    assert replay.get("/app").status_code == 303  # the old id is worth nothing
    assert len(user_state(portal)["sessions"]) == 1
    assert events(portal)[-1] == ("password_changed", "1 other session signed out")
    newest = read_page(owner.get("/app/security/activity").text).all("security-event")[0]
    assert newest["data-kind"] == "password_changed" and "Password changed" in newest["text"]


def test_the_old_password_is_refused_at_sign_in_and_the_new_one_accepted(owner, change, auth, make_client, portal):
    assert change(owner, current_password=OLD, new_password=NEW, confirm_password=NEW).status_code == 303
    assert auth.sign_in(make_client(), EMAIL, OLD).status_code == 401
    assert auth.signed_in(EMAIL, NEW).get("/app").status_code == 200
    stored = user_state(portal)["password_hash"]
    assert stored.startswith("$argon2id$") and NEW not in stored


def test_the_notice_shows_only_after_a_change(owner, read_page):
    assert read_page(owner.get("/account/security").text).all("password-changed") == []


@pytest.mark.parametrize(
    ("fields", "status", "field", "message"),
    [
        ({"current_password": ""}, 422, "current_password", "Enter your current password"),
        ({"new_password": "", "confirm_password": ""}, 422, "new_password", "at least 12 characters"),
        ({"new_password": "eleven-char", "confirm_password": "eleven-char"}, 422, "new_password", "at least 12"),
        ({"new_password": "x" * 1025, "confirm_password": "x" * 1025}, 422, "new_password", "at most 1024"),
        ({"confirm_password": NEW + "!"}, 422, "confirm_password", "not the same"),
        ({"confirm_password": ""}, 422, "confirm_password", "not the same"),
        ({"new_password": OLD, "confirm_password": OLD}, 422, "new_password", "different from the current one"),
        ({"current_password": "not-the-password"}, 401, "current_password", "not your current password"),
        ({"current_password": "y" * 5000}, 401, "current_password", "not your current password"),
    ],
    ids=["no current", "no new", "too short", "too long", "different confirmation", "no confirmation",
         "the current one again", "wrong current", "overlong current"],
)
def test_bad_input_is_refused_with_a_field_message_and_changes_nothing(
    owner, change, auth, read_page, portal, fields, status, field, message
):
    other = auth.signed_in(EMAIL, OLD)
    before = user_state(portal)
    answer = change(owner, **{"current_password": OLD, "new_password": NEW, "confirm_password": NEW, **fields})
    assert answer.status_code == status
    assert message in read_page(answer.text).text_of(f"field-error-{field}")
    assert NEW not in answer.text and OLD not in answer.text  # no password is written back into the form
    assert user_state(portal) == before
    assert other.get("/app").status_code == 200 and owner.get("/app").status_code == 200
    assert "password_changed" not in [kind for kind, _ in events(portal)]
    if status == 401:
        assert events(portal)[-1] == ("password_change_failed", "wrong current password")


def test_wrong_current_passwords_are_throttled_like_sign_in(owner, change, portal, read_page):
    for _ in range(portal.config.login_account_free_failures):
        wrong = change(owner, current_password="guess-guess-guess", new_password=NEW, confirm_password=NEW)
        assert wrong.status_code == 401
    before = user_state(portal)
    answer = change(owner, current_password=OLD, new_password=NEW, confirm_password=NEW)
    assert answer.status_code == 429 and int(answer.headers["retry-after"]) >= 1
    assert "Too many attempts" in read_page(answer.text).text_of("field-error-current_password")
    assert user_state(portal) == before


# --- With 2FA on ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["missing", "wrong", "used"])
def test_with_2fa_on_a_missing_wrong_or_used_code_changes_nothing(
    two_factor_owner, change, portal, read_page, clock, bad
):
    client, secret = two_factor_owner
    code = {"missing": "", "wrong": wrong_code(secret, clock.now),
            "used": code_for(secret, clock.now, -1)}[bad]  # the step the set-up used
    before = user_state(portal)
    answer = change(client, current_password=OLD, new_password=NEW, confirm_password=NEW, code=code)
    assert answer.status_code == (422 if bad == "missing" else 401)
    message = read_page(answer.text).text_of("field-error-code")
    assert message.startswith(("Enter the 6-digit", "That code is not valid"))
    assert user_state(portal) == before


def test_with_2fa_on_a_current_code_changes_it_and_ends_pending_sign_ins(
    two_factor_owner, change, auth, make_client, portal, clock, read_page
):
    client, secret = two_factor_owner
    pending = make_client()
    assert auth.sign_in(pending, EMAIL, OLD).headers["location"] == "/login/2fa"
    second_step = read_page(pending.get("/login/2fa").text).form("/login/2fa")
    code = code_for(secret, clock.now)
    answer = change(client, current_password=OLD, new_password=NEW, confirm_password=NEW, code=code)
    assert answer.status_code == 303 and client.get("/app").status_code == 200
    assert len(user_state(portal)["sessions"]) == 1  # the pending sign-in's row is gone
    clock.advance(STEP_SECONDS)
    finished = pending.post("/login/2fa", data={**second_step, "code": code_for(secret, clock.now)})
    assert finished.status_code != 303 or finished.headers["location"].startswith("/login")
    assert pending.get("/app").status_code == 303
    assert events(portal)[-1] == ("password_changed", "1 other session signed out")
