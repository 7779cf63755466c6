"""Calls to partners' servers have one deadline for the whole call. A receiver that answers one byte a second (each
read well within any per-read timeout) is cut off at the deadline and the attempt recorded as timed out, for a
webhook delivery and for the go-live signature check; the signature check, run in a page's worker, is one at a time
per organisation within a share of the workers, so the portal keeps answering everyone else meanwhile."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import Callable

import httpx
import pytest

from reference_portal.areas import go_live, webhooks
from reference_portal.serve import serve_in_background

DEADLINE = 1.0
DRIP_FOR_SECONDS = 20  # long past every deadline here; a receiver nobody cut off ends then


@dataclass(frozen=True)
class DrippingReceiver:
    """A local socket server that reads each request, then sends an HTTP answer one byte every second;
    `connected` is released as each request has been read."""

    url: str
    connected: threading.Semaphore
    close: Callable[[], None]


@pytest.fixture
def dripping(tcp_server) -> DrippingReceiver:
    connected = threading.Semaphore(0)

    def drip(connection: socket.socket, closing: threading.Event) -> None:
        connection.settimeout(5)
        request = b""
        while b"\r\n\r\n" not in request and (chunk := connection.recv(4096)):
            request += chunk
        connected.release()
        answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        for byte in answer[:DRIP_FOR_SECONDS]:
            try:
                connection.sendall(bytes([byte]))
            except OSError:
                return  # the portal hung up: it gave up, as it should
            if closing.wait(1):
                return

    server = tcp_server(drip)
    return DrippingReceiver(f"http://127.0.0.1:{server.port}/hook", connected, server.close)


def test_a_webhook_send_to_a_dripping_receiver_ends_at_its_deadline_as_timed_out(
        portal, ui, wh, dripping, monkeypatch):
    monkeypatch.setattr(webhooks, "SEND_DEADLINE_SECONDS", DEADLINE, raising=False)
    endpoint_id, _ = ui.add_endpoint(dripping.url)
    wh.publish(portal)

    started = time.monotonic()
    assert portal.deliveries.deliver_due() == 1
    took = time.monotonic() - started

    [delivery] = wh.deliveries(portal, endpoint_id)
    [attempt] = wh.attempts(portal, delivery["id"])
    assert attempt["error"] == "timed out" and attempt["status_code"] is None
    assert took < DEADLINE + 2, f"the send took {took:.1f} s"


def test_a_connect_timeout_moves_on_to_the_next_address(monkeypatch):
    tried = []

    def connect(url, address, *args):
        tried.append(address)
        if address == "192.0.2.1":
            raise httpx.ConnectTimeout("no answer to the connection")
        return webhooks.Outcome(204)

    monkeypatch.setattr(webhooks, "_post_to", connect)
    assert webhooks.post("https://hooks.example/in", ["192.0.2.1", "198.51.100.1"], b"{}", {}).status == 204
    assert tried == ["192.0.2.1", "198.51.100.1"]


def test_a_signature_check_against_a_dripping_receiver_ends_by_its_deadline_and_the_portal_stays_fast(
        make_portal, auth, dripping, monkeypatch, read_page):
    monkeypatch.setattr(go_live, "CHECK_SEND_SECONDS", DEADLINE, raising=False)
    portal = make_portal(http_workers=2)
    running = serve_in_background(portal)
    clients: list[httpx.Client] = []
    try:
        developer = httpx.Client(base_url=running.url, timeout=60)
        clients.append(developer)
        assert auth.sign_in(developer).status_code == 303
        token = read_page(developer.get("/app/webhooks").text).form("/app/webhooks")["csrf_token"]
        created = developer.post("/app/webhooks", data={"csrf_token": token, "url": dripping.url,
                                                        "event_types": "payment.succeeded"})
        assert created.status_code == 200
        endpoint_id = portal.db.scalar("SELECT MAX(id) FROM webhook_endpoints")
        results: list[tuple[int, float]] = []

        def run_check() -> None:
            client = httpx.Client(base_url=running.url, timeout=60, cookies=developer.cookies)
            clients.append(client)
            started = time.monotonic()
            answer = client.post("/app/go-live/signature-check",
                                 data={"csrf_token": token, "endpoint_id": str(endpoint_id)})
            results.append((answer.status_code, time.monotonic() - started))

        first = threading.Thread(target=run_check, daemon=True)
        first.start()
        assert dripping.connected.acquire(timeout=10)  # the first check is sending
        second = threading.Thread(target=run_check, daemon=True)
        second.start()
        second.join(3)  # refused at once: a check of this organisation is under way

        anyone = httpx.Client(base_url=running.url, timeout=60)
        clients.append(anyone)
        health = []
        for _ in range(3):
            started = time.monotonic()
            assert anyone.get("/healthz").status_code == 200
            health.append(time.monotonic() - started)
        first.join(30)
        second.join(30)
    finally:
        for client in clients:
            client.close()
        dripping.close()
        running.stop()

    assert max(health) < 0.1, f"/healthz took {max(health):.3f} s"
    assert sorted(status for status, _ in results) == [303, 429]
    took = max(seconds for status, seconds in results if status == 303)
    assert took < 2 * DEADLINE + 2, f"the check took {took:.1f} s"
    row = portal.db.one("SELECT valid_error, invalid_error FROM go_live_signature_checks")
    assert (row["valid_error"], row["invalid_error"]) == ("timed out", "timed out")
