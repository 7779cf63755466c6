"""Shared fixtures for the reference portal's own tests: a fresh portal per test, a clock the test moves, a client."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Callable, Iterator
from wsgiref.util import setup_testing_defaults

import httpx
import pytest

from reference_portal import Config, Portal
from reference_portal.core.routing import Rule

BASE_URL = "http://portal.test"
START_TIME = 1_800_000_000.0  # a multiple of the 30 s TOTP step, so codes stay valid while a test runs
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')


class FakeClock:
    """The portal's clock, moved by the test instead of by waiting."""

    def __init__(self, now: float = START_TIME):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_portal(tmp_path: Path, clock: FakeClock) -> Iterator[Callable[..., Portal]]:
    """make_portal(routes=None, **config_fields): a portal on its own database in tmp_path, using `clock`."""
    made: list[Portal] = []

    def make(routes: list[Rule] | None = None, **overrides: object) -> Portal:
        fields: dict[str, object] = {"database": str(tmp_path / f"portal-{len(made)}.sqlite3"), "clock": clock}
        fields.update(overrides)
        made.append(Portal(Config(**fields), routes=routes))
        return made[-1]

    yield make
    for portal in made:
        portal.db.close()


@pytest.fixture
def portal(make_portal: Callable[..., Portal]) -> Portal:
    return make_portal()


@pytest.fixture
def make_client(portal: Portal) -> Iterator[Callable[..., httpx.Client]]:
    """make_client(app=portal, base_url=BASE_URL): an httpx client talking to the app in-process, no sockets."""
    clients: list[httpx.Client] = []

    def make(app: Portal | None = None, base_url: str = BASE_URL) -> httpx.Client:
        clients.append(httpx.Client(transport=httpx.WSGITransport(app=app or portal), base_url=base_url))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., httpx.Client]) -> httpx.Client:
    return make_client()


def csrf_token_in(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "the page has no csrf_token input"
    return found.group(1)


@pytest.fixture
def csrf_token() -> Callable[[str], str]:
    """csrf_token(html): the value of the first csrf_token hidden input on a page."""
    return csrf_token_in


@pytest.fixture
def sign_in() -> Callable[..., httpx.Response]:
    """sign_in(client, email, password, next=None): the POST /login response, after a GET /login for the form."""

    def sign_in_(client: httpx.Client, email: str, password: str, next: str | None = None) -> httpx.Response:
        form = client.get("/login", params={"next": next} if next else None)
        assert form.status_code == 200, form.text
        data = {"csrf_token": csrf_token_in(form.text), "email": email, "password": password}
        if next is not None:
            data["next"] = next
        return client.post("/login", data=data)

    return sign_in_


@pytest.fixture
def call_wsgi() -> Callable[..., tuple[int, dict[str, str], bytes]]:
    """call_wsgi(app, method, path, body=b"", **environ): status, headers and body from a hand-made environ.

    For what an HTTP client will not send: a bad Content-Length, raw non-UTF-8 paths, dot segments.
    """

    def call(app: Portal, method: str = "GET", path: str = "/", body: bytes = b"", **environ: str):
        env: dict[str, object] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "wsgi.input": io.BytesIO(body),
        }
        if body:
            env["CONTENT_LENGTH"] = str(len(body))
        env.update(environ)
        setup_testing_defaults(env)
        seen: dict[str, object] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
            seen["status"], seen["headers"] = status, headers

        chunks = app(env, start_response)
        headers = {name.lower(): value for name, value in seen["headers"]}
        return int(str(seen["status"]).split()[0]), headers, b"".join(chunks)

    return call


@pytest.fixture
def session_rows(portal: Portal) -> Callable[[], list[dict[str, object]]]:
    """session_rows(): every row of the sessions table of `portal`, as dicts."""
    return lambda: [dict(row) for row in portal.db.query("SELECT * FROM sessions")]
