"""reference_portal.core.throttle: sign-in slows down per account and per client address, never beyond 15 minutes."""

from __future__ import annotations

import pytest

from reference_portal.core.throttle import LoginThrottle

DEVELOPER = ("dev@example.com", "developer-demo-pass")
FIFTEEN_MINUTES = 15 * 60


def fail(client, auth, times: int, email: str = DEVELOPER[0]) -> None:
    for attempt in range(times):
        response = auth.sign_in(client, email, f"wrong-{attempt}")
        assert response.status_code == 401, f"attempt {attempt + 1} was {response.status_code}"


@pytest.mark.parametrize("free_failures", [5, 2])
def test_after_the_free_failures_even_the_right_password_gets_429(make_portal, make_client, auth, free_failures):
    client = make_client(make_portal(login_account_free_failures=free_failures))
    fail(client, auth, free_failures)
    response = auth.sign_in(client, *DEVELOPER)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert "Too many sign-in attempts" in response.text
    assert client.get("/app").status_code == 303


def test_the_default_is_five_free_failures(client, auth, portal):
    assert portal.config.login_account_free_failures == 5
    fail(client, auth, 5)
    assert auth.sign_in(client, *DEVELOPER).status_code == 429


def test_one_failure_fewer_than_the_limit_still_lets_the_right_password_in(client, auth):
    fail(client, auth, 4)
    assert auth.sign_in(client, *DEVELOPER).headers["location"] == "/app"


def test_the_right_password_works_once_retry_after_has_passed(client, auth, clock):
    fail(client, auth, 5)
    blocked = auth.sign_in(client, *DEVELOPER)
    assert blocked.status_code == 429
    clock.advance(int(blocked.headers["retry-after"]))
    assert auth.sign_in(client, *DEVELOPER).headers["location"] == "/app"


def test_each_failure_past_the_limit_doubles_the_wait(client, auth, clock):
    fail(client, auth, 5)
    assert auth.sign_in(client, *DEVELOPER).headers["retry-after"] == "1"
    clock.advance(1)
    fail(client, auth, 1)
    assert auth.sign_in(client, *DEVELOPER).headers["retry-after"] == "2"
    clock.advance(1)
    assert auth.sign_in(client, *DEVELOPER).status_code == 429
    clock.advance(1)
    assert auth.sign_in(client, *DEVELOPER).status_code == 303


def test_a_blocked_attempt_does_not_check_the_password_or_count(client, auth, portal):
    fail(client, auth, 5)
    failures = portal.db.scalar("SELECT failures FROM login_throttle WHERE key = 'account:dev@example.com'")
    assert auth.sign_in(client, DEVELOPER[0], "still-wrong").status_code == 429
    assert portal.db.scalar("SELECT failures FROM login_throttle WHERE key = 'account:dev@example.com'") == failures


def test_the_delay_doubles_and_never_exceeds_15_minutes(portal):
    throttle = LoginThrottle(portal.db, portal.config)
    keys = throttle.keys("dev@example.com", "192.0.2.1")
    waits = []
    for _ in range(40):
        throttle.record_failure(keys)
        waits.append(throttle.retry_after(keys))
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:10] == [1, 2, 4, 8, 16, 32]
    assert max(waits) == FIFTEEN_MINUTES
    assert waits[-1] == FIFTEEN_MINUTES


def test_retry_after_is_never_more_than_15_minutes_over_http(client, auth, portal, clock):
    throttle = LoginThrottle(portal.db, portal.config)
    for _ in range(30):
        throttle.record_failure(throttle.keys(DEVELOPER[0], "127.0.0.1"))
    response = auth.sign_in(client, *DEVELOPER)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) == FIFTEEN_MINUTES
    clock.advance(FIFTEEN_MINUTES)
    assert auth.sign_in(client, *DEVELOPER).status_code == 303


def test_the_maximum_delay_comes_from_the_config(make_portal):
    portal = make_portal(login_max_delay_seconds=60)
    throttle = LoginThrottle(portal.db, portal.config)
    keys = throttle.keys("dev@example.com", "192.0.2.1")
    for _ in range(20):
        throttle.record_failure(keys)
    assert throttle.retry_after(keys) == 60


def test_the_account_key_ignores_case_and_spaces(client, auth):
    for attempt, email in enumerate(["DEV@example.com", " dev@EXAMPLE.com", "Dev@Example.Com", "dev@example.com ",
                                     "dev@example.com"]):
        assert auth.sign_in(client, email, f"wrong-{attempt}").status_code == 401
    assert auth.sign_in(client, *DEVELOPER).status_code == 429


def test_a_success_clears_the_account_failures(client, auth):
    fail(client, auth, 4)
    auth.sign_in(client, *DEVELOPER)
    auth.sign_out(client)
    fail(client, auth, 4)
    assert auth.sign_in(client, *DEVELOPER).status_code == 303


def test_failures_older_than_the_window_are_forgotten(client, auth, clock):
    fail(client, auth, 4)
    clock.advance(FIFTEEN_MINUTES + 1)
    fail(client, auth, 1)
    assert auth.sign_in(client, *DEVELOPER).status_code == 303


def test_failures_on_one_account_do_not_slow_another(make_portal, make_client, auth):
    client = make_client(make_portal())
    fail(client, auth, 5, email="dev-setup@example.com")
    assert auth.sign_in(client, "dev-setup@example.com", "developer-demo-pass").status_code == 429
    assert auth.sign_in(client, "viewer@example.com", "viewer-demo-pass").status_code == 303


def test_the_address_limit_works_across_different_emails(make_portal, auth, make_client):
    portal = make_portal(login_address_free_failures=3, login_account_free_failures=100)
    guesser = make_client(portal, remote_addr="198.51.100.7")
    someone_else = make_client(portal, remote_addr="203.0.113.9")
    with guesser, someone_else:
        for number in range(3):
            assert auth.sign_in(guesser, f"user{number}@example.com", "guess").status_code == 401
        blocked = auth.sign_in(guesser, *DEVELOPER)
        assert blocked.status_code == 429
        assert "retry-after" in blocked.headers
        assert auth.sign_in(someone_else, *DEVELOPER).status_code == 303


def test_the_default_address_limit_is_twenty(make_portal, auth, make_client):
    portal = make_portal()
    assert portal.config.login_address_free_failures == 20
    with make_client(portal, remote_addr="198.51.100.8") as guesser:
        for number in range(20):
            assert auth.sign_in(guesser, f"user{number}@example.com", "guess").status_code == 401
        assert auth.sign_in(guesser, *DEVELOPER).status_code == 429


def test_the_forwarded_address_counts_only_behind_a_trusted_proxy(make_portal, auth, make_client):
    portal = make_portal(login_address_free_failures=1, login_account_free_failures=100)
    with make_client(portal, remote_addr="10.0.0.1") as client:
        spoofed = {"X-Forwarded-For": "192.0.2.50"}
        client.headers.update(spoofed)
        assert auth.sign_in(client, "a@example.com", "guess").status_code == 401
        assert portal.db.scalar("SELECT COUNT(*) FROM login_throttle WHERE key = 'address:10.0.0.1'") == 1
        assert portal.db.scalar("SELECT COUNT(*) FROM login_throttle WHERE key = 'address:192.0.2.50'") == 0


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "counted"),
    [
        (1, "192.0.2.50", "192.0.2.50"),
        (1, "203.0.113.66, 192.0.2.50", "192.0.2.50"),  # the left entry is what the client made up
        (2, "203.0.113.66, 192.0.2.50, 10.0.0.2", "192.0.2.50"),
        (2, "192.0.2.50", "192.0.2.50"),
    ],
)
def test_behind_n_proxies_the_nth_address_from_the_right_counts(
    make_portal, auth, proxies, forwarded_for, counted, make_client
):
    portal = make_portal(trusted_proxies=proxies, login_account_free_failures=100)
    with make_client(portal, remote_addr="10.0.0.1") as client:
        client.headers["X-Forwarded-For"] = forwarded_for
        assert auth.sign_in(client, "a@example.com", "guess").status_code == 401
    keys = [row["key"] for row in portal.db.query("SELECT key FROM login_throttle WHERE key LIKE 'address:%'")]
    assert keys == [f"address:{counted}"]


def test_a_spoofed_left_most_hop_does_not_escape_the_address_limit(make_portal, auth, make_client):
    portal = make_portal(trusted_proxies=1, login_address_free_failures=2, login_account_free_failures=100)
    with make_client(portal, remote_addr="10.0.0.1") as client:
        for number in range(2):
            client.headers["X-Forwarded-For"] = f"198.51.100.{number}, 192.0.2.50"
            assert auth.sign_in(client, f"user{number}@example.com", "guess").status_code == 401
        client.headers["X-Forwarded-For"] = "198.51.100.99, 192.0.2.50"
        assert auth.sign_in(client, *DEVELOPER).status_code == 429


def test_throttle_rows_that_no_longer_slow_anyone_are_pruned(make_portal, auth, clock, make_client):
    portal = make_portal()
    with make_client(portal, remote_addr="198.51.100.7") as guesser:
        for number in range(5):
            auth.sign_in(guesser, f"user{number}@example.com", "guess")
        clock.advance(16 * 60)
        auth.sign_in(guesser, "someone@example.com", "guess")
    keys = {row["key"] for row in portal.db.query("SELECT key FROM login_throttle")}
    assert keys == {"account:someone@example.com", "address:198.51.100.7"}
