"""The portal served over real sockets, as a shared nightly target: it keeps its descriptors and memory flat,
a slow or silent client holds up no one else, and concurrent clients get no errors and an exact usage log."""

from __future__ import annotations

import http.client
import os
import select
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator

import httpx
import pytest

from reference_portal import Portal
from reference_portal import serve as serving
from reference_portal.serve import RunningPortal, serve_in_background

# Sizes that show a leak of one descriptor in a few thousand requests and a race between concurrent writers to the
# usage log; benchmarks/portal_load.py runs the long versions (20,000 requests, 16 clients for 30 s) on two servers.
WARM_UP_REQUESTS = 500
REQUESTS = 4_000
CLIENTS = 16
LOAD_SECONDS = 4


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def resident_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


@pytest.fixture
def served(portal: Portal) -> Iterator[RunningPortal]:
    running = serve_in_background(portal)
    yield running
    running.server.shutdown()
    running.server.server_close()
    portal.deliveries.stop()


def address_of(running: RunningPortal) -> tuple[str, int]:
    host, port = running.server.server_address[:2]
    return host, port


def get_healthz(address: tuple[str, int], count: int) -> list[int]:
    statuses = []
    for _ in range(count):
        conn = http.client.HTTPConnection(*address, timeout=10)
        conn.request("GET", "/healthz")
        statuses.append(conn.getresponse().status)
        conn.close()
    return statuses


def hammer(address: tuple[str, int], total: int, threads: int = 4) -> list[int]:
    with ThreadPoolExecutor(threads) as pool:
        shares = pool.map(lambda n: get_healthz(address, n), [total // threads] * threads)
    return [status for share in shares for status in share]


def test_descriptors_and_memory_stay_flat_over_thousands_of_requests(served: RunningPortal):
    address = address_of(served)
    assert set(hammer(address, WARM_UP_REQUESTS)) == {200}
    descriptors, memory = open_descriptors(), resident_kib()
    assert set(hammer(address, REQUESTS)) == {200}
    assert open_descriptors() - descriptors <= 8, "descriptors grew: a connection or socket leaks"
    assert resident_kib() - memory < 20 * 1024, "memory grew by 20 MiB or more"
    assert served.app.db.open_connections() <= served.app.config.http_workers + 2


def test_a_silent_client_mid_body_holds_up_no_one(served: RunningPortal, sandbox_app, basic_auth):
    address = address_of(served)
    with socket.create_connection(address) as silent:
        silent.sendall(b"POST /oauth/token HTTP/1.1\r\nHost: portal.test\r\nContent-Type: application/x-www-form-"
                       b"urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=client")  # then nothing more
        with httpx.Client(base_url=f"http://{address[0]}:{address[1]}", timeout=5) as other:
            started = time.monotonic()
            sign_in_page = other.get("/login")
            token = other.post("/oauth/token", data={"grant_type": "client_credentials"},
                               headers={"Authorization": basic_auth(sandbox_app.client_id, sandbox_app.secret)})
            waited = time.monotonic() - started
    assert (sign_in_page.status_code, token.status_code) == (200, 200)
    assert waited < 2, f"another client waited {waited:.1f} s behind a silent one"


def test_a_client_dripping_its_request_is_cut_off_at_the_deadline(served: RunningPortal, monkeypatch):
    monkeypatch.setattr(serving, "READ_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(serving, "REQUEST_DEADLINE_SECONDS", 1.5)
    with socket.create_connection(address_of(served)) as dripping:
        dripping.sendall(b"GET /healthz HTTP/1.1\r\nHost: portal.test\r\n")
        started = time.monotonic()
        while time.monotonic() - started < 5:  # a header byte every 0.1 s: never silent, never finished
            try:
                dripping.sendall(b"X-Slow: a\r\n")
            except OSError:
                break
            if select.select([dripping], [], [], 0.1)[0]:  # the server answered or hung up
                break
        cut_off_after = time.monotonic() - started
    assert cut_off_after < 3, "a client dripping its headers held its worker past the deadline"


def test_16_concurrent_clients_get_no_errors_and_an_exact_usage_log(
    served: RunningPortal, portal: Portal, developer, create_app_via_form: Callable[..., object], access_token
):
    apps = [create_app_via_form(developer, f"Load client {n}") for n in range(CLIENTS)]
    portal.db.connection().execute("UPDATE applications SET rate_limit_per_minute = 1000000")
    tokens = [access_token(app) for app in apps]
    base_url = "http://{}:{}".format(*address_of(served))
    deadline = time.monotonic() + LOAD_SECONDS
    latencies: list[float] = []
    lock = threading.Lock()

    def client(token: str) -> tuple[int, list[int]]:
        statuses = []
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
            while time.monotonic() < deadline:
                started = time.monotonic()
                statuses.append(http.get("/api/v1/accounts/balances").status_code)
                with lock:
                    latencies.append(time.monotonic() - started)
        return len(statuses), statuses

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(client, tokens))
    for app, (calls, statuses) in zip(apps, results):
        assert set(statuses) == {200}
        logged = portal.db.scalar(
            "SELECT COUNT(*) FROM api_calls WHERE application_id = ? AND route = '/api/v1/accounts/balances'",
            (app.application_id,),
        )
        assert logged == calls, f"{app.name}: {calls} calls made, {logged} logged"
    assert sum(calls for calls, _ in results) > CLIENTS * 10
