"""For the tests of the webhook delivery engine: portals set up for webhooks, a scriptable local receiver, a
signed-in developer with the endpoints form at hand, and the `wh` helpers. The portal, clients, sign-in and page
reading come from the conftest one folder up.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator
from unittest import mock

import httpx
import pytest
import standardwebhooks
import standardwebhooks.webhooks as standardwebhooks_module

from fixtures.html_forms import elements_by_testid
from reference_portal.app import Portal
from reference_portal.areas import webhooks

SECRET_KEY = bytes(range(32))


# -- the receiver -------------------------------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


Answer = "int | tuple[int, dict[str, str]]"


@dataclass
class Receiver:
    """A local HTTP server that records each request and answers as scripted.

    `script` is a list of answers used in order (the last repeats), or a callable(Received) -> answer;
    an answer is a status code or (status, headers). `before_answer`, if set, is called with each request
    before the answer goes out, outside the lock (so it may block one request without blocking others)."""

    server: ThreadingHTTPServer
    requests: list[Received] = field(default_factory=list)
    script: Any = 200
    lock: threading.Lock = field(default_factory=threading.Lock)
    before_answer: Callable[[Received], None] | None = None

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str = "/hook") -> str:
        return self.base + path

    def answer_for(self, received: Received) -> tuple[int, dict[str, str]]:
        script = self.script
        if callable(script):
            answer = script(received)
        elif isinstance(script, list):
            answer = script.pop(0) if len(script) > 1 else script[0]
        else:
            answer = script
        return answer if isinstance(answer, tuple) else (answer, {})

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            rec = holder["r"]
            received = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            with rec.lock:
                rec.requests.append(received)
                status, headers = rec.answer_for(received)
            if rec.before_answer is not None:
                rec.before_answer(received)
            payload = b"ok" if status < 300 else b"nope"
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_POST = _handle
        do_GET = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    holder["r"] = Receiver(server)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield holder["r"]
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def servers() -> Iterator[list[Any]]:
    """A list for the test's own servers (anything with close()): each is closed after the test."""
    started: list[Any] = []
    yield started
    for server in started:
        server.close()


class TcpServer:
    """A loopback TCP server that hands each connection it accepts to `behaviour`, on a thread of its own."""

    def __init__(self, behaviour: Callable[[socket.socket, threading.Event], None]):
        self.closing = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.behaviour = behaviour
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.listener.getsockname()[1]

    def _serve(self) -> None:
        while not self.closing.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            self.behaviour(connection, self.closing)

    def close(self) -> None:
        self.closing.set()
        self.thread.join(5)
        self.listener.close()


@pytest.fixture
def tcp_server(servers: list[Any]) -> Callable[[Callable[[socket.socket, threading.Event], None]], TcpServer]:
    """tcp_server(behaviour): a loopback TCP server that hands each connection to behaviour(connection, closing);
    closed after the test."""

    def start(behaviour: Callable[[socket.socket, threading.Event], None]) -> TcpServer:
        servers.append(TcpServer(behaviour))
        return servers[-1]

    return start


# -- the portal ---------------------------------------------------------------------------------------------------


@pytest.fixture
def portal_config(tmp_path: Path) -> dict[str, object]:
    """Every portal a webhook test makes: retries on the real schedule, loopback receivers allowed (development), a
    fixed key, and one database for them all, which a second portal finds as a restarted process would."""
    return {"database": str(tmp_path / "portal.sqlite3"), "webhook_retry_scale": 1.0, "development": True,
            "secret_key": SECRET_KEY}


class WebhooksUI:
    """A signed-in client on one portal, with the session's CSRF token at hand, and the endpoints form."""

    def __init__(self, auth: Any, portal: Portal, account: tuple[str, ...]):
        self.auth, self.portal, self.account = auth, portal, account
        self.sign_in()

    def sign_in(self) -> None:
        """Sign in, in a new client (again: sessions expire when a test moves the clock by hours)."""
        self.client: httpx.Client = self.auth.signed_in(*self.account, portal=self.portal)
        self.csrf = self.auth.csrf_token(self.client, "/app/webhooks")

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)

    def post(self, path: str, data: dict[str, Any] | None = None) -> httpx.Response:
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})})

    def create_endpoint(self, url: str, event_types: list[str] | tuple[str, ...] = ("payment.succeeded",),
                        description: str = "") -> httpx.Response:
        return self.post("/app/webhooks", {"url": url, "event_types": list(event_types), "description": description})

    def add_endpoint(self, url: str, event_types: list[str] | tuple[str, ...] = ("payment.succeeded",)) -> tuple[int, str]:
        """Create an endpoint through the form; its id and the one-time secret."""
        answer = self.create_endpoint(url, event_types)
        assert answer.status_code == 200, answer.text
        secret = one_time_secret(answer.text)
        ids = [i for i, u in webhook_rows(self.get("/app/webhooks").text) if u == url]
        assert ids, f"no row for {url}"
        return max(ids), secret


def one_time_secret(html: str) -> str:
    found = elements_by_testid(html, "one-time-secret")
    assert found, "no one-time secret on the page"
    return found[0]["text"]


def webhook_rows(html: str) -> list[tuple[int, str]]:
    """(id, URL) of each row of the endpoints page."""
    return [(int(row["data-webhook-id"]), row["data-webhook-url"]) for row in elements_by_testid(html, "webhook-row")]


@pytest.fixture
def make_ui(auth: Any) -> Callable[..., WebhooksUI]:
    """make_ui(portal, email="dev@example.com", password=...): a WebhooksUI signed in to that portal as that
    account (the demo developer unless given another)."""

    def make(portal: Portal, *account: str) -> WebhooksUI:
        return WebhooksUI(auth, portal, account)

    return make


@pytest.fixture
def ui(make_ui: Callable[..., WebhooksUI], portal: Portal) -> WebhooksUI:
    """dev@example.com on the test's portal."""
    return make_ui(portal)


def organisation_id(portal: Portal, name: str = "Acme Payments") -> int:
    return int(portal.db.scalar("SELECT id FROM organisations WHERE name = ?", (name,)))


def publish(portal: Portal, event_type: str = "payment.succeeded", data: dict[str, Any] | None = None,
            org: int | None = None) -> str | None:
    with portal.db.transaction() as conn:
        return webhooks.publish(conn, org if org is not None else organisation_id(portal), event_type,
                                data if data is not None else {"n": 1}, portal.config.clock())


def deliveries(portal: Portal, endpoint_id: int | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM webhook_deliveries" + (" WHERE endpoint_id = ?" if endpoint_id is not None else "")
    return [dict(r) for r in portal.db.query(sql + " ORDER BY id", (endpoint_id,) if endpoint_id is not None else ())]


def attempts(portal: Portal, delivery_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in portal.db.query(
        "SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY id", (delivery_id,))]


def endpoint(portal: Portal, endpoint_id: int) -> dict[str, Any]:
    return dict(portal.db.one("SELECT * FROM webhook_endpoints WHERE id = ?", (endpoint_id,)))


def verify(secret: str, received: Received, now: float) -> Any:
    """standardwebhooks verification, with its timestamp tolerance judged against the test's clock."""

    class Clocked(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return datetime.fromtimestamp(now, tz or timezone.utc)

    with mock.patch.object(standardwebhooks_module, "datetime", Clocked):
        return standardwebhooks.Webhook(secret).verify(received.body, received.headers)


@pytest.fixture
def run_until_idle(portal: Portal, clock: Any) -> Callable[..., int]:
    """Deliver due work and jump the clock to the next due delivery until nothing is pending; returns rounds."""

    def run(target: Portal | None = None, max_rounds: int = 200) -> int:
        target = target or portal
        for rounds in range(max_rounds):
            target.deliveries.deliver_due()
            due = target.db.scalar("SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'")
            if due is None:
                return rounds
            clock.now = max(clock.now, due)
        raise AssertionError("deliveries still pending after max_rounds")

    return run


@pytest.fixture
def wh():
    """This module's helpers (test modules cannot import conftest under --import-mode=importlib)."""
    import sys

    return sys.modules[__name__]


@pytest.fixture(scope="session")
def fairness():
    """fairness.py beside this file: measure_fairness_delay(), shared with benchmark scripts."""
    import importlib.util

    path = Path(__file__).with_name("fairness.py")
    spec = importlib.util.spec_from_file_location("reference_portal_webhooks_fairness", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
