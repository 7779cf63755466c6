"""Fixtures for the webhook delivery engine: a portal on a fake clock, a scriptable local receiver, sign-in helpers."""

from __future__ import annotations

import re
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

from reference_portal import create_app
from reference_portal.app import Portal
from reference_portal.areas import webhooks
from reference_portal.core.security import hash_password

BASE_URL = "http://portal.test"
START_TIME = 1_800_000_000.0
SECRET_KEY = bytes(range(32))
DEVELOPER = ("dev@example.com", "developer-demo-pass")
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')
ONE_TIME_SECRET = re.compile(r'data-testid="one-time-secret">([^<]+)<')
WEBHOOK_ROW = re.compile(r'data-testid="webhook-row" data-webhook-id="(\d+)" data-webhook-url="([^"]*)"')


class FakeClock:
    def __init__(self, now: float = START_TIME):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


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


# -- the portal ---------------------------------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "portal.sqlite3")


@pytest.fixture
def make_app(db_path: str, clock: FakeClock) -> Iterator[Callable[..., Portal]]:
    made: list[Portal] = []

    def make(**overrides: object) -> Portal:
        config: dict[str, object] = {"database": db_path, "clock": clock, "webhook_retry_scale": 1.0,
                                     "development": True, "secret_key": SECRET_KEY}
        config.update(overrides)
        made.append(create_app(config))
        return made[-1]

    yield make
    for app in made:
        app.deliveries.stop(5)
        app.db.close()


@pytest.fixture
def app(make_app: Callable[..., Portal]) -> Portal:
    return make_app()


def csrf_token_in(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "the page has no csrf_token input"
    return found.group(1)


class Browser:
    """A signed-in httpx client with the current CSRF token at hand."""

    def __init__(self, app: Portal, email: str, password: str):
        self.app, self.email, self.password = app, email, password
        self.client = httpx.Client(transport=httpx.WSGITransport(app=app), base_url=BASE_URL)
        self.sign_in()

    def sign_in(self) -> None:
        """Sign in (again: sessions expire when a test moves the clock by hours)."""
        self.client.cookies.clear()
        email, password = self.email, self.password
        form = self.client.get("/login")
        assert form.status_code == 200
        answer = self.client.post("/login", data={"csrf_token": csrf_token_in(form.text), "email": email,
                                                  "password": password})
        assert answer.status_code in (302, 303), answer.text
        self.csrf = csrf_token_in(self.client.get("/app/webhooks").text)

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
        ids = [int(i) for i, u in WEBHOOK_ROW.findall(self.get("/app/webhooks").text) if u == url]
        assert ids, f"no row for {url}"
        return max(ids), secret

    def close(self) -> None:
        self.client.close()


def one_time_secret(html: str) -> str:
    found = ONE_TIME_SECRET.search(html)
    assert found, "no one-time secret on the page"
    return found.group(1).strip()


def webhook_rows(html: str) -> list[tuple[int, str]]:
    return [(int(i), u) for i, u in WEBHOOK_ROW.findall(html)]


@pytest.fixture
def browser(app: Portal) -> Iterator[Browser]:
    b = Browser(app, *DEVELOPER)
    yield b
    b.close()


@pytest.fixture
def make_browser() -> Iterator[Callable[..., Browser]]:
    made: list[Browser] = []

    def make(app: Portal, email: str = DEVELOPER[0], password: str = DEVELOPER[1]) -> Browser:
        made.append(Browser(app, email, password))
        return made[-1]

    yield make
    for b in made:
        b.close()


def organisation_id(app: Portal, name: str = "Acme Payments") -> int:
    return int(app.db.scalar("SELECT id FROM organisations WHERE name = ?", (name,)))


def add_organisation_developer(app: Portal, org_name: str, email: str, password: str) -> int:
    with app.db.transaction() as conn:
        org_id = conn.execute("INSERT INTO organisations (name) VALUES (?)", (org_name,)).lastrowid
        conn.execute(
            "INSERT INTO users (email, name, password_hash, role, organisation_id, organisation_role, created_at)"
            " VALUES (?, ?, ?, 'developer', ?, 'admin', ?)",
            (email, "Other Dev", hash_password(password), org_id, app.config.clock()),
        )
    return int(org_id)


def publish(app: Portal, event_type: str = "payment.succeeded", data: dict[str, Any] | None = None,
            org: int | None = None) -> str | None:
    with app.db.transaction() as conn:
        return webhooks.publish(conn, org if org is not None else organisation_id(app), event_type,
                                data if data is not None else {"n": 1}, app.config.clock())


def deliveries(app: Portal, endpoint_id: int | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM webhook_deliveries" + (" WHERE endpoint_id = ?" if endpoint_id is not None else "")
    return [dict(r) for r in app.db.query(sql + " ORDER BY id", (endpoint_id,) if endpoint_id is not None else ())]


def attempts(app: Portal, delivery_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in app.db.query(
        "SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY id", (delivery_id,))]


def endpoint(app: Portal, endpoint_id: int) -> dict[str, Any]:
    return dict(app.db.one("SELECT * FROM webhook_endpoints WHERE id = ?", (endpoint_id,)))


def verify(secret: str, received: Received, now: float) -> Any:
    """standardwebhooks verification, with its timestamp tolerance judged against the test's clock."""

    class Clocked(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return datetime.fromtimestamp(now, tz or timezone.utc)

    with mock.patch.object(standardwebhooks_module, "datetime", Clocked):
        return standardwebhooks.Webhook(secret).verify(received.body, received.headers)


@pytest.fixture
def run_until_idle(app: Portal, clock: FakeClock) -> Callable[..., int]:
    """Deliver due work and jump the clock to the next due delivery until nothing is pending; returns rounds."""

    def run(target: Portal | None = None, max_rounds: int = 200) -> int:
        portal = target or app
        for rounds in range(max_rounds):
            portal.deliveries.deliver_due()
            due = portal.db.scalar("SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'")
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
