"""Sessions and devices on the 2FA page: every active session with browser, OS, address and times; removing one
signs that browser out at its next request; another account's session is not found and stays; "sign out all other
sessions"; the security log records sign-ins, failures and removals, and shows an account only its own."""

from __future__ import annotations

import pyotp
import pytest

from reference_portal.core.config import DEMO_TOTP_SECRET
from reference_portal.core.user_agents import describe_device

SESSIONS_PAGE = "/app/security/2fa"
LOG_PAGE = "/app/security/activity"
CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/17.1 Mobile/15E148 Safari/604.1"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1"
    " Safari/605.1.15"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
GLOBEX = ("owner@globex.example", "globex-owner-pass")


@pytest.fixture
def signed_in_from(make_client, auth):
    """signed_in_from(user_agent, remote_addr="127.0.0.1", account=DEVELOPER): a client signed in from that browser."""

    def sign_in(user_agent: str, remote_addr: str = "127.0.0.1", account: tuple[str, str] | None = None):
        client = make_client(remote_addr=remote_addr)
        client.headers["User-Agent"] = user_agent
        answer = auth.sign_in(client, *(account or ()))
        assert answer.status_code == 303 and not answer.headers["location"].startswith("/login"), answer.text
        return client

    return sign_in


def session_rows(read_page, client):
    page = client.get(SESSIONS_PAGE)
    assert page.status_code == 200, page.text
    return read_page(page.text).all("session-row")


def signed_in(client) -> bool:
    answer = client.get("/app")
    if answer.status_code == 303:
        assert answer.headers["location"].startswith("/login")
        return False
    assert answer.status_code == 200
    return True


def log_kinds(read_page, client) -> list[str]:
    return [event["data-kind"] for event in read_page(client.get(LOG_PAGE).text).all("security-event")]


@pytest.mark.parametrize(
    ("user_agent", "expected_browser", "expected_os"),
    [
        (CHROME_LINUX, "Chrome 131", "Linux"),
        (SAFARI_IPHONE, "Mobile Safari 17", "iOS 17.1"),
        (FIREFOX_WINDOWS, "Firefox 133", "Windows 10"),
        (SAFARI_MAC, "Safari 18", "Mac OS X 10.15"),
        ("python-httpx/0.28.1", "Unknown", "Unknown"),
        ("", "Unknown", "Unknown"),
    ],
)
def test_the_user_agent_is_read_as_browser_and_operating_system(user_agent, expected_browser, expected_os):
    device = describe_device(user_agent)
    assert (device.browser, device.os) == (expected_browser, expected_os)
    assert str(device) == f"{expected_browser} on {expected_os}"


def test_every_active_session_is_listed_with_browser_os_address_and_times(signed_in_from, read_page, clock):
    laptop = signed_in_from(CHROME_LINUX, remote_addr="198.51.100.7")
    clock.advance(120)
    phone = signed_in_from(SAFARI_IPHONE, remote_addr="203.0.113.9")
    rows = read_page(laptop.get(SESSIONS_PAGE).text).sections("session-row")
    assert len(rows) == 2
    this, other = rows
    assert this.one("session-row")["data-current"] == "true" and this.all("current-session")
    assert other.one("session-row")["data-current"] == "false" and not other.all("current-session")
    assert (this.text_of("session-browser").replace("This session", "").strip(), this.text_of("session-os")) == (
        "Chrome 131", "Linux")
    assert (other.text_of("session-browser"), other.text_of("session-os")) == ("Mobile Safari 17", "iOS 17.1")
    assert (this.text_of("session-address"), other.text_of("session-address")) == ("198.51.100.7", "203.0.113.9")
    assert int(other.one("session-signed-in")["data-timestamp"]) - int(this.one("session-signed-in")["data-timestamp"]) == 120
    # The phone's own page calls its own session "this session".
    assert [row["data-current"] for row in session_rows(read_page, phone)] == ["true", "false"]


def test_a_removed_session_is_signed_out_at_its_next_request(signed_in_from, read_page, post_form, clock):
    laptop, phone = signed_in_from(CHROME_LINUX), signed_in_from(SAFARI_IPHONE)
    other = next(row for row in session_rows(read_page, laptop) if row["data-current"] == "false")
    action = f"/app/security/sessions/{other['data-session-id']}/revoke"
    answer = post_form(laptop, SESSIONS_PAGE, action)
    assert answer.status_code == 303 and answer.headers["location"].startswith(SESSIONS_PAGE)
    assert not signed_in(phone)
    assert signed_in(laptop)
    assert [row["data-current"] for row in session_rows(read_page, laptop)] == ["true"]
    assert "session_revoked" in log_kinds(read_page, laptop)
    # The signed-out phone cannot get back in with the old cookie, even after a while.
    clock.advance(5)
    assert not signed_in(phone)


def test_removing_another_accounts_session_is_not_found_and_changes_nothing(
    signed_in_from, read_page, auth, add_developer, portal
):
    add_developer(*GLOBEX)
    globex = signed_in_from(FIREFOX_WINDOWS, account=GLOBEX)
    developer = signed_in_from(CHROME_LINUX)
    globex_session = session_rows(read_page, globex)[0]["data-session-id"]
    before = portal.db.scalar("SELECT COUNT(*) FROM sessions")

    answer = developer.post(f"/app/security/sessions/{globex_session}/revoke", data={"csrf_token": auth.csrf_token(developer)})

    assert answer.status_code == 404
    assert "Traceback" not in answer.text and "no such session" in answer.text
    assert portal.db.scalar("SELECT COUNT(*) FROM sessions") == before
    assert signed_in(globex) and signed_in(developer)
    assert [row["data-session-id"] for row in session_rows(read_page, globex)] == [globex_session]
    assert log_kinds(read_page, developer)[0] == "session_revoke_refused"
    assert "session_revoke_refused" not in log_kinds(read_page, globex)


@pytest.mark.parametrize("session_id", ["nope", "x" * 500, "%00", "%27%20OR%201%3D1%20--"])
def test_a_made_up_session_id_is_not_found(signed_in_from, auth, session_id, portal):
    developer = signed_in_from(CHROME_LINUX)
    before = portal.db.scalar("SELECT COUNT(*) FROM sessions")
    answer = developer.post(f"/app/security/sessions/{session_id}/revoke", data={"csrf_token": auth.csrf_token(developer)})
    assert answer.status_code == 404
    assert portal.db.scalar("SELECT COUNT(*) FROM sessions") == before
    assert signed_in(developer)


def test_removing_a_session_needs_the_csrf_token(signed_in_from, read_page):
    laptop, phone = signed_in_from(CHROME_LINUX), signed_in_from(SAFARI_IPHONE)
    other = next(row for row in session_rows(read_page, laptop) if row["data-current"] == "false")
    answer = laptop.post(f"/app/security/sessions/{other['data-session-id']}/revoke", data={})
    assert answer.status_code == 403
    assert signed_in(phone)


def test_sign_out_all_other_sessions_keeps_only_this_one(signed_in_from, read_page, post_form, add_developer):
    add_developer(*GLOBEX)
    globex = signed_in_from(FIREFOX_WINDOWS, account=GLOBEX)
    laptop, phone, tablet = signed_in_from(CHROME_LINUX), signed_in_from(SAFARI_IPHONE), signed_in_from(FIREFOX_WINDOWS)
    assert len(session_rows(read_page, laptop)) == 3

    answer = post_form(laptop, SESSIONS_PAGE, "/app/security/sessions/revoke-others")

    assert answer.status_code == 303
    assert not signed_in(phone) and not signed_in(tablet)
    assert signed_in(laptop) and signed_in(globex)
    page = read_page(laptop.get(answer.headers["location"]).text)
    assert [row["data-current"] for row in page.all("session-row")] == ["true"]
    assert "Signed out 2 other sessions." in page.text_of("sessions-notice")
    assert log_kinds(read_page, laptop)[0] == "other_sessions_revoked"


def test_a_signed_out_or_expired_session_is_not_listed(signed_in_from, read_page, auth, clock, portal):
    laptop, phone = signed_in_from(CHROME_LINUX), signed_in_from(SAFARI_IPHONE)
    auth.sign_out(phone)
    assert len(session_rows(read_page, laptop)) == 1
    stale = signed_in_from(FIREFOX_WINDOWS)
    assert len(session_rows(read_page, laptop)) == 2
    # The laptop stays active; the Firefox session goes idle for longer than the idle limit.
    for _ in range(4):
        clock.advance(portal.config.session_idle_seconds / 4 + 1)
        assert signed_in(laptop)
    assert [row["data-current"] for row in session_rows(read_page, laptop)] == ["true"]
    assert not signed_in(stale)


def test_the_security_log_records_sign_ins_and_failures_with_address_and_device(
    make_client, signed_in_from, read_page, auth, add_developer
):
    add_developer(*GLOBEX)
    attacker = make_client(remote_addr="192.0.2.66")
    attacker.headers["User-Agent"] = FIREFOX_WINDOWS
    assert auth.sign_in(attacker, password="wrong password").status_code == 401
    assert auth.sign_in(attacker, email="nobody@example.com", password="wrong").status_code == 401
    laptop = signed_in_from(CHROME_LINUX, remote_addr="198.51.100.7")

    events = read_page(laptop.get(LOG_PAGE).text).sections("security-event")
    kinds = [event.one("security-event")["data-kind"] for event in events]
    assert kinds == ["sign_in", "sign_in_failed"]
    signed, failed = events
    assert signed.text_of("security-event-address") == "198.51.100.7"
    assert signed.text_of("security-event-device") == "Chrome 131 on Linux"
    assert failed.text_of("security-event-address") == "192.0.2.66"
    assert failed.text_of("security-event-device") == "Firefox 133 on Windows 10"
    # Another account sees none of it, and the developer none of the other account's.
    globex = signed_in_from(FIREFOX_WINDOWS, account=GLOBEX)
    assert log_kinds(read_page, globex) == ["sign_in"]
    assert log_kinds(read_page, laptop) == ["sign_in", "sign_in_failed"]


def test_the_security_log_uses_the_address_behind_a_trusted_proxy(make_portal, make_client, auth, read_page):
    portal = make_portal(trusted_proxies=1)
    client = make_client(portal, remote_addr="10.0.0.2")
    client.headers["X-Forwarded-For"] = "203.0.113.50"
    assert auth.sign_in(client).status_code == 303
    event = read_page(client.get(LOG_PAGE).text).sections("security-event")[0]
    assert event.text_of("security-event-address") == "203.0.113.50"
    assert read_page(client.get(SESSIONS_PAGE).text).text_of("session-address") == "203.0.113.50"


def test_the_security_log_needs_a_signed_in_developer(client):
    answer = client.get(LOG_PAGE)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_removing_this_session_signs_this_browser_out(signed_in_from, read_page):
    laptop, phone = signed_in_from(CHROME_LINUX), signed_in_from(SAFARI_IPHONE)
    this = next(row for row in session_rows(read_page, laptop) if row["data-current"] == "true")
    answer = laptop.post(f"/app/security/sessions/{this['data-session-id']}/revoke",
                         data=read_page(laptop.get(SESSIONS_PAGE).text).form("/logout"))
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert not signed_in(laptop)
    assert signed_in(phone)


def test_signing_out_the_others_ends_a_sign_in_waiting_for_its_second_factor(make_client, auth, portal):
    account = ("dev-2fa@example.com", "developer-demo-pass")
    signed = auth.signed_in(*account, code=pyotp.TOTP(DEMO_TOTP_SECRET).at(portal.config.clock()))
    waiting = make_client()
    assert auth.sign_in(waiting, *account).headers["location"].startswith("/login/2fa")
    assert waiting.get("/login/2fa").status_code == 200

    # The page offers the button only with other signed-in sessions listed; the route works regardless.
    answer = signed.post("/app/security/sessions/revoke-others", data={"csrf_token": auth.csrf_token(signed)})
    assert answer.status_code == 303

    answer = waiting.get("/login/2fa")
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert signed_in(signed)
