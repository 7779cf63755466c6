"""The fairness of webhook delivery, measured: how long one endpoint's delivery waits while the worker is busy
with another organisation's endpoints that hang, or with a backlog for another endpoint.

measure_fairness_delay() runs a throwaway portal (its own database, the real background worker) against local
receivers and returns seconds. The tests use it; a benchmark script can too, from the checkout's root:

    import sys; sys.path.insert(0, "tests/reference_portal/webhooks")
    from fairness import measure_fairness_delay
    measure_fairness_delay(slow_endpoints=1, slow_queued=3)   # behind a hanging endpoint
    measure_fairness_delay(backlog=600)                        # behind 600 deliveries for another endpoint
"""

from __future__ import annotations

import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from reference_portal import create_app
from reference_portal.app import Portal
from reference_portal.areas import webhooks

HELD_AT_MOST_SECONDS = 120  # a hanging endpoint answers by then even if nobody releases it


class _Receivers:
    """One local server for every endpoint: /slow/... hold each request until released, /backlog answers after
    `latency` seconds, /other notes when its delivery arrives."""

    def __init__(self, latency: float):
        self.latency = latency
        self.release = threading.Event()
        self.changed = threading.Condition()
        self.slow_holding = 0
        self.backlog_answered = 0
        self.other_arrived_at: float | None = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout)

    def _note(self, change: Callable[[], None]) -> None:
        with self.changed:
            change()
            self.changed.notify_all()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receivers = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - the base class's name
                arrived = time.monotonic()
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/slow"):
                    receivers._note(lambda: setattr(receivers, "slow_holding", receivers.slow_holding + 1))
                    receivers.release.wait(HELD_AT_MOST_SECONDS)
                elif self.path == "/backlog":
                    time.sleep(receivers.latency)  # the endpoint's own response time
                    receivers._note(lambda: setattr(receivers, "backlog_answered", receivers.backlog_answered + 1))
                elif self.path == "/other":
                    receivers._note(lambda: setattr(receivers, "other_arrived_at", arrived))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


def _add_endpoint(app: Portal, organisation_id: int, url: str) -> int:
    with app.db.transaction() as conn:
        return int(conn.execute(
            "INSERT INTO webhook_endpoints (organisation_id, url, description, event_types, state, secret_encrypted,"
            " created_at) VALUES (?, ?, '', 'payment.succeeded', 'active', ?, ?)",
            (organisation_id, url, webhooks.encrypt_secret(app.secret_key, webhooks.new_secret()), app.config.clock()),
        ).lastrowid)


def _add_organisation(app: Portal, name: str) -> int:
    with app.db.transaction() as conn:
        return int(conn.execute("INSERT INTO organisations (name) VALUES (?)", (name,)).lastrowid)


def _queue(app: Portal, organisation_id: int, endpoint_id: int, count: int) -> None:
    with app.db.transaction() as conn:
        for n in range(count):
            webhooks.publish(conn, organisation_id, "payment.succeeded", {"n": n}, app.config.clock(),
                             endpoint_ids=[endpoint_id])


def measure_fairness_delay(*, slow_endpoints: int = 0, slow_queued: int = 3, backlog: int = 0,
                           backlog_latency: float = 0.02, same_organisation: bool = False,
                           timeout: float = 30.0) -> float:
    """Seconds from publishing one event for the "other" endpoint to its arrival there, while the background
    worker is busy with `slow_endpoints` endpoints of a busy organisation that never answer (each with
    `slow_queued` deliveries queued) and with `backlog` deliveries queued for one endpoint of that organisation
    answering in `backlog_latency` seconds. The other endpoint belongs to another organisation, or with
    `same_organisation` to the busy one. Raises TimeoutError if the delivery has not arrived within `timeout`."""
    receivers = _Receivers(backlog_latency)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"database": str(Path(folder) / "fairness.sqlite3"), "development": True,
                          "demo_seed": False, "secret_key": bytes(32)})
        try:
            busy = _add_organisation(app, "Busy Org")
            other_org = busy if same_organisation else _add_organisation(app, "Other Org")
            for n in range(slow_endpoints):
                _queue(app, busy, _add_endpoint(app, busy, receivers.url(f"/slow/{n}")), slow_queued)
            if backlog:
                _queue(app, busy, _add_endpoint(app, busy, receivers.url("/backlog")), backlog)
            other = _add_endpoint(app, other_org, receivers.url("/other"))

            app.deliveries.start()
            holding_all_it_may = min(slow_endpoints, webhooks.MAX_IN_FLIGHT_PER_ORGANISATION)
            busy_now = receivers.wait_for(
                lambda: receivers.slow_holding >= holding_all_it_may and (receivers.backlog_answered or not backlog),
                timeout)
            if not busy_now:
                raise TimeoutError("the worker never got busy with the slow endpoints and the backlog")
            _queue(app, other_org, other, 1)
            app.deliveries.notify()  # as the portal does whenever it publishes
            published = time.monotonic()
            if backlog and receivers.backlog_answered >= backlog:
                raise AssertionError("the backlog was sent before the other event was published: nothing to measure")
            if not receivers.wait_for(lambda: receivers.other_arrived_at is not None, timeout):
                raise TimeoutError(f"the other endpoint's delivery did not arrive within {timeout} s")
            assert receivers.other_arrived_at is not None
            return receivers.other_arrived_at - published
        finally:
            app.deliveries.stop(5)
            receivers.release.set()
            app.deliveries.wait_for_sends(10)  # the held sends get recorded before their database goes
            receivers.close()
            app.db.close()
