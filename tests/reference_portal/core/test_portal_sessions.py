"""reference_portal.core.sessions: cookie attributes, hashed storage, new id at sign-in, idle and absolute limits."""

from __future__ import annotations

import hashlib

import pytest

from reference_portal.core.sessions import COOKIE

MINUTE = 60
HOUR = 60 * MINUTE
DEVELOPER = ("dev@example.com", "developer-demo-pass")


def cookie_attributes(set_cookie: str) -> tuple[str, set[str]]:
    pair, *attributes = [part.strip() for part in set_cookie.split(";")]
    return pair, set(attributes)


def session_set_cookie(response) -> str:
    headers = [value for value in response.headers.get_list("set-cookie") if value.startswith(f"{COOKIE}=")]
    assert len(headers) == 1, headers
    return headers[0]


def test_cookie_is_httponly_lax_for_the_whole_site_and_not_secure_over_http(client):
    _, attributes = cookie_attributes(session_set_cookie(client.get("/login")))
    assert {"HttpOnly", "SameSite=Lax", "Path=/"} <= attributes
    assert "Secure" not in attributes
    assert not any(a.lower().startswith(("domain=", "expires=", "max-age=")) for a in attributes)


def test_cookie_is_secure_over_https(make_client):
    client = make_client(base_url="https://portal.test")
    _, attributes = cookie_attributes(session_set_cookie(client.get("/login")))
    assert {"HttpOnly", "SameSite=Lax", "Path=/", "Secure"} <= attributes


def test_signed_in_cookie_has_the_same_attributes(make_client, auth):
    client = make_client(base_url="https://portal.test")
    response = auth.sign_in(client, *DEVELOPER)
    assert response.status_code == 303
    _, attributes = cookie_attributes(session_set_cookie(response))
    assert {"HttpOnly", "SameSite=Lax", "Path=/", "Secure"} <= attributes


def test_database_keeps_only_the_hash_of_the_session_id(client, auth, portal):
    auth.sign_in(client, *DEVELOPER)
    raw_id = client.cookies[COOKIE]
    assert len(raw_id) >= 43  # 256 bits, URL-safe base64
    rows = portal.db.query("SELECT * FROM sessions")
    assert [row["id_hash"] for row in rows] == [hashlib.sha256(raw_id.encode()).hexdigest()]
    dump = "\n".join(portal.db.connection().iterdump())
    assert raw_id not in dump


def test_signing_in_issues_a_new_session_id_and_ends_the_anonymous_one(client, auth, make_client, portal):
    client.get("/login")
    anonymous_id = client.cookies[COOKIE]
    auth.sign_in(client, *DEVELOPER)
    signed_in_id = client.cookies[COOKIE]
    assert signed_in_id != anonymous_id
    assert portal.db.scalar("SELECT COUNT(*) FROM sessions") == 1

    planted = make_client()
    planted.cookies.set(COOKIE, anonymous_id)  # what a fixation attacker kept
    assert planted.get("/app").status_code == 303


def test_a_signed_in_session_stays_valid_within_the_idle_limit(client, auth, clock):
    auth.sign_in(client, *DEVELOPER)
    clock.advance(29 * MINUTE)
    assert client.get("/app").status_code == 200


def test_idle_session_expires_after_30_minutes(client, auth, clock, portal):
    auth.sign_in(client, *DEVELOPER)
    clock.advance(31 * MINUTE)
    response = client.get("/app")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/app"
    assert portal.db.scalar("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL") == 0


def test_activity_keeps_a_session_alive_past_the_idle_limit(client, auth, clock):
    auth.sign_in(client, *DEVELOPER)
    for _ in range(4):  # 80 minutes in all, never 30 idle
        clock.advance(20 * MINUTE)
        assert client.get("/app").status_code == 200


def test_absolute_limit_signs_out_after_12_hours_however_active(client, auth, clock, portal):
    auth.sign_in(client, *DEVELOPER)
    signed_in_at = clock.now
    while clock.now + 20 * MINUTE <= signed_in_at + 12 * HOUR:
        clock.advance(20 * MINUTE)
        assert client.get("/app").status_code == 200, f"signed out after {(clock.now - signed_in_at) / HOUR:.2f} h"
    clock.advance(20 * MINUTE)
    response = client.get("/app")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_limits_come_from_the_config(make_portal, make_client, auth, clock):
    client = make_client(make_portal(session_idle_seconds=5 * MINUTE))
    auth.sign_in(client, *DEVELOPER)
    clock.advance(6 * MINUTE)
    assert client.get("/app").status_code == 303


def test_sign_out_deletes_the_session_and_the_old_cookie_no_longer_works(client, auth, make_client, portal):
    auth.sign_in(client, *DEVELOPER)
    old_id = client.cookies[COOKIE]
    response = auth.sign_out(client)
    assert (response.status_code, response.headers["location"]) == (303, "/")
    pair, attributes = cookie_attributes(session_set_cookie(response))
    assert pair == f"{COOKIE}=" and "Max-Age=0" in attributes
    assert portal.db.scalar("SELECT COUNT(*) FROM sessions") == 0

    replay = make_client()
    replay.cookies.set(COOKIE, old_id)
    assert replay.get("/app").status_code == 303


@pytest.mark.parametrize("value", ["not-a-session", "x" * 101, ""])
def test_unknown_or_oversized_session_cookie_is_treated_as_signed_out(client, value: str):
    client.cookies.set(COOKIE, value)
    response = client.get("/app")
    assert (response.status_code, response.headers["location"]) == (303, "/login?next=/app")


def test_no_session_is_made_for_pages_that_do_not_need_one(client, portal):
    for path in ("/", "/healthz", "/static/portal.css", "/forbidden"):
        assert "set-cookie" not in client.get(path).headers
    assert portal.db.scalar("SELECT COUNT(*) FROM sessions") == 0


def test_expired_sessions_are_purged_when_a_new_one_starts(make_client, auth, clock, portal):
    auth.sign_in(make_client(), *DEVELOPER)
    clock.advance(31 * MINUTE)
    auth.sign_in(make_client(), *DEVELOPER)
    assert portal.db.scalar("SELECT COUNT(*) FROM sessions") == 1


def test_anonymous_visits_store_nothing_and_their_form_still_signs_in(make_client, auth, portal):
    for _ in range(50):
        assert make_client().get("/login").status_code == 200
    assert portal.db.scalar("SELECT COUNT(*) FROM sessions") == 0
    assert auth.sign_in(make_client(), *DEVELOPER).status_code == 303


def test_an_anonymous_csrf_token_belongs_to_its_own_cookie(make_client, auth):
    first, second = make_client(), make_client()
    token_of_first = auth.csrf_token(first, "/login")
    second.get("/login")
    answer = second.post("/login", data={"email": DEVELOPER[0], "password": DEVELOPER[1], "csrf_token": token_of_first})
    assert answer.status_code == 403
