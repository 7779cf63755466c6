"""What a hostile client sends in its headers, and the work it can make the portal do."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from reference_portal.core import security

DEVELOPER = ("dev@example.com", "developer-demo-pass")


@pytest.mark.parametrize("host", ["evil.example'; rm -rf ~; '", "a b", "portal.test/path", "portal.test:80:80", "<x>"])
def test_a_malformed_host_header_is_a_400(make_client, host: str):
    answer = make_client().get("/openapi.json", headers={"Host": host})
    assert answer.status_code == 400
    assert host not in answer.text


@pytest.mark.parametrize("host", ["portal.example.com", "portal.example.com:8443", "127.0.0.1:8000", "[::1]:8000"])
def test_a_well_formed_host_is_the_address_in_the_docs(make_client, host: str):
    assert make_client().get("/openapi.json", headers={"Host": host}).json()["servers"] == [{"url": f"http://{host}"}]


def test_a_configured_public_url_wins_over_the_host_header(make_portal, make_client, auth):
    portal = make_portal(public_url="https://developers.example.com")
    client = make_client(portal)
    assert client.get("/openapi.json", headers={"Host": "other.example"}).json()["servers"] == [
        {"url": "https://developers.example.com"}
    ]
    auth.sign_in(client, *DEVELOPER)
    assert 'data-testid="base-url">https://developers.example.com<' in client.get("/app/how-to-test").text


def test_password_hashing_slots_follow_memory_and_cpus():
    gib = 1 << 30
    assert security.hashing_slots(24 * gib, 2) == 4  # CPUs bound it
    assert security.hashing_slots(1 * gib, 64) == 2  # 1/8 of 1 GiB holds two 64 MiB hashes
    assert security.hashing_slots(100 << 20, 8) == 1  # never fewer than one


def test_concurrent_failed_sign_ins_run_at_most_the_allowed_hashes_at_once(make_portal, make_client, auth,
                                                                          monkeypatch):
    # the real cost: at the test cost a hash ends before the next one starts, and nothing would overlap
    portal = make_portal(login_account_free_failures=100, login_address_free_failures=100,
                         password_hashing="recommended")
    slots = 2
    monkeypatch.setattr(security, "hashing", threading.BoundedSemaphore(slots))
    running, most = 0, 0
    lock = threading.Lock()
    portal.passwords.decoy()  # made before counting starts: unknown emails are checked against it
    real = portal.passwords._hasher

    class CountingHasher:
        def verify(self, *args: object) -> bool:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            try:
                return real.verify(*args)
            finally:
                with lock:
                    running -= 1

    monkeypatch.setattr(portal.passwords, "_hasher", CountingHasher())

    def fail_once(number: int) -> int:
        return auth.sign_in(make_client(portal), f"user{number}@example.com", "wrong").status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(fail_once, range(16)))
    assert statuses == [401] * 16
    assert most == slots
