"""The scaffold every test of the reference portal stands on; core/, api/ and webhooks/ add only their own helpers.

A clock the test moves; portals, each on a database of its own; in-process clients that fail the test on any answer
showing a traceback; signing in and out as a browser does; reading pages (through fixtures.html_forms, the reader
the harness uses too); raw WSGI calls. Test modules cannot import from a conftest (pytest runs with
--import-mode=importlib), so what tests call directly comes as fixtures.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Callable, Iterator, NamedTuple
from urllib.parse import urlsplit
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import WSGIWarning, validator

import httpx
import pytest

from fixtures.html_forms import elements_by_testid, hidden_fields, sections_by_testid
from reference_portal import Config, Portal
from reference_portal.core.routing import Rule

BASE_URL = "http://portal.test"
# A whole minute and a whole 30 s TOTP step: rate-limit windows start with the test, codes stay valid while it runs.
START_TIME = 1_800_000_000.0
DEVELOPER = ("dev@example.com", "developer-demo-pass")  # a demo account: admin of "Acme Payments"


# --- Time and portals ------------------------------------------------------------------------------------------


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
def portal_config() -> dict[str, object]:
    """Config fields every portal of a test starts from (make_portal's own arguments win). None here: a folder whose
    tests all need some (webhooks/) overrides this fixture in its conftest."""
    return {}


@pytest.fixture
def make_portal(
    tmp_path: Path, clock: FakeClock, portal_config: dict[str, object]
) -> Iterator[Callable[..., Portal]]:
    """make_portal(routes=None, **config_fields): a portal on `clock` and on a database of its own in tmp_path.

    Afterwards each portal made has its webhook worker stopped and its database closed."""
    made: list[Portal] = []

    def make(routes: list[Rule] | None = None, **config_fields: object) -> Portal:
        fields = {
            "database": str(tmp_path / f"portal-{len(made)}.sqlite3"),
            "clock": clock,
            "password_hashing": "test",  # the test cost: tests/reference_portal/core/test_portal_security.py has the real one
            **portal_config,
        }
        made.append(Portal(Config(**{**fields, **config_fields}), routes=routes))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for portal in made:
        portal.deliveries.stop(5)
        portal.db.close()


@pytest.fixture
def portal(make_portal: Callable[..., Portal]) -> Portal:
    """The portal of the test, with the demo data: what make_client, auth and add_developer use unless given another."""
    return make_portal()


@pytest.fixture
def add_developer(request: pytest.FixtureRequest, clock: FakeClock) -> Callable[..., int]:
    """add_developer(email, password, organisation="Globex", portal=None): a new organisation whose admin is a
    developer with that email and password; the organisation's id."""

    def add(email: str, password: str, organisation: str = "Globex", portal: Portal | None = None) -> int:
        target = portal if portal is not None else request.getfixturevalue("portal")
        with target.db.transaction() as conn:
            organisation_id = conn.execute("INSERT INTO organisations (name) VALUES (?)", (organisation,)).lastrowid
            conn.execute(
                "INSERT INTO users (email, name, password_hash, role, organisation_id, organisation_role, created_at)"
                " VALUES (?, ?, ?, 'developer', ?, 'admin', ?)",
                (email, f"{organisation} Developer", target.passwords.hash(password), organisation_id, clock()),
            )
        return int(organisation_id)

    return add


# --- Clients ---------------------------------------------------------------------------------------------------


def _no_traceback(response: httpx.Response) -> None:
    response.read()
    assert "Traceback" not in response.text, f"{response.request.method} {response.request.url} showed a traceback"


@pytest.fixture
def make_client(request: pytest.FixtureRequest) -> Iterator[Callable[..., httpx.Client]]:
    """make_client(portal=None, base_url=BASE_URL, remote_addr="127.0.0.1"): a new cookie-less httpx client that
    calls the portal (the `portal` fixture's unless given) in-process, from that client address; any answer showing
    a traceback fails the test. Closed afterwards."""
    clients: list[httpx.Client] = []

    def make(portal: Portal | None = None, base_url: str = BASE_URL, remote_addr: str = "127.0.0.1") -> httpx.Client:
        app = portal if portal is not None else request.getfixturevalue("portal")
        clients.append(
            httpx.Client(
                transport=httpx.WSGITransport(app=app, remote_addr=remote_addr),
                base_url=base_url,
                event_hooks={"response": [_no_traceback]},
            )
        )
        return clients[-1]

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., httpx.Client]) -> httpx.Client:
    return make_client()


# --- Reading pages ---------------------------------------------------------------------------------------------


class Page:
    """A page as the tests read it: elements by data-testid, each as its attributes plus its whitespace-folded
    text under "text" (fixtures.html_forms.elements_by_testid), and forms by the action they post to."""

    def __init__(self, html: str):
        self.html = html

    def all(self, testid: str) -> list[dict[str, str]]:
        return elements_by_testid(self.html, testid)

    def one(self, testid: str) -> dict[str, str]:
        found = self.all(testid)
        assert len(found) == 1, f"expected one data-testid={testid!r}, found {len(found)}"
        return found[0]

    def text_of(self, testid: str) -> str:
        return self.one(testid)["text"]

    def sections(self, testid: str) -> list[Page]:
        """Each element with that data-testid as a page of its own, to read what it holds (a table row, say)."""
        return [Page(section) for section in sections_by_testid(self.html, testid)]

    def within(self, testid: str, **attributes: str) -> Page:
        """The one element with that data-testid and those attributes (data_client_id=... for data-client-id),
        as a page of its own."""
        wanted = {name.replace("_", "-"): value for name, value in attributes.items()}
        found = [
            Page(section)
            for element, section in zip(self.all(testid), sections_by_testid(self.html, testid))
            if wanted.items() <= element.items()
        ]
        assert len(found) == 1, f"expected one data-testid={testid!r} with {wanted}, found {len(found)}"
        return found[0]

    def form(self, action: str) -> dict[str, str]:
        """The hidden fields (csrf_token and any others) of the first form posting to `action`."""
        fields = hidden_fields(self.html, action)
        assert "csrf_token" in fields, f"the page has no form posting to {action}"
        return fields

    @property
    def csrf_token(self) -> str:
        """The session's CSRF token, as the page's sign-out, sign-in or second-step form carries it."""
        for action in ("/logout", "/login", "/login/2fa"):
            token = hidden_fields(self.html, action).get("csrf_token")
            if token:
                return token
        raise AssertionError("the page has no sign-out, sign-in or second-step form")


@pytest.fixture
def read_page() -> type[Page]:
    """read_page(html): the Page, to read by data-testid and by form."""
    return Page


@pytest.fixture
def post_form() -> Callable[..., httpx.Response]:
    """post_form(client, page_path, action, fields=None): GET page_path, then POST the form on it that posts to
    action, as a browser does: with the form's hidden fields (csrf_token, confirmations), `fields` added over them."""

    def post(client: httpx.Client, page_path: str, action: str, fields: dict[str, str] | None = None) -> httpx.Response:
        page = client.get(page_path)
        assert page.status_code == 200, f"GET {page_path}: HTTP {page.status_code}"
        return client.post(action, data={**Page(page.text).form(action), **(fields or {})})

    return post


# --- Signing in and out ----------------------------------------------------------------------------------------


class AuthActions:
    """Signing in and out through the forms, CSRF token included (after the AuthActions of Flask's tutorial)."""

    def __init__(self, make_client: Callable[..., httpx.Client]):
        self._make_client = make_client

    def sign_in(
        self,
        client: httpx.Client,
        email: str = DEVELOPER[0],
        password: str = DEVELOPER[1],
        next: str | None = None,
        code: str | None = None,
    ) -> httpx.Response:
        """GET /login (with `next`, if given) for the form, then POST it; the answer to the POST, whatever it is.

        With `code`, if that answer asks for the second step, the code is entered there and the answer is that
        step's (see second_factor)."""
        form = client.get("/login", params={"next": next} if next else None)
        assert form.status_code == 200, form.text
        data = {**Page(form.text).form("/login"), "email": email, "password": password}
        if next is not None:
            data["next"] = next
        answer = client.post("/login", data=data)
        if code is not None and urlsplit(answer.headers.get("location", "")).path == "/login/2fa":
            return self.second_factor(client, code, next=next)
        return answer

    def second_factor(self, client: httpx.Client, code: str, next: str | None = None) -> httpx.Response:
        """The second step of a sign-in under way: GET /login/2fa for the form, then POST the code; the answer."""
        form = client.get("/login/2fa")
        assert form.status_code == 200, form.text
        data = {**Page(form.text).form("/login/2fa"), "code": code}
        if next is not None:
            data["next"] = next
        return client.post("/login/2fa", data=data)

    def sign_out(self, client: httpx.Client) -> httpx.Response:
        """POST the sign-out form of /app (a signed-in page); the answer."""
        page = client.get("/app", follow_redirects=True)
        return client.post("/logout", data=Page(page.text).form("/logout"))

    def csrf_token(self, client: httpx.Client, path: str = "/app") -> str:
        """The client's session CSRF token, for posting where it has no form: read from the page at `path`,
        redirects followed (signed out, /app ends on the sign-in form)."""
        return Page(client.get(path, follow_redirects=True).text).csrf_token

    def signed_in(
        self,
        email: str = DEVELOPER[0],
        password: str = DEVELOPER[1],
        portal: Portal | None = None,
        code: str | None = None,
    ) -> httpx.Client:
        """A new client (of make_client) signed in as that account; the test fails if the portal refuses."""
        client = self._make_client(portal)
        answer = self.sign_in(client, email, password, code=code)
        location = urlsplit(answer.headers.get("location", "")).path
        assert answer.status_code == 303 and not location.startswith("/login"), (
            f"sign-in as {email} failed: HTTP {answer.status_code} to {location!r}"
        )
        return client


@pytest.fixture
def auth(make_client: Callable[..., httpx.Client]) -> AuthActions:
    """auth.sign_in(client, email=..., password=..., next=None, code=None), auth.second_factor(client, code),
    auth.sign_out(client), auth.csrf_token(client, path="/app"), auth.signed_in(email=..., password=..., portal=None):
    the developer dev@example.com unless told otherwise."""
    return AuthActions(make_client)


@pytest.fixture
def developer(auth: AuthActions) -> httpx.Client:
    """A client signed in as dev@example.com, developer and admin of Acme Payments."""
    return auth.signed_in(*DEVELOPER)


# --- Raw WSGI --------------------------------------------------------------------------------------------------


class WsgiAnswer(NamedTuple):
    status: str  # the status line, "404 Not Found"
    headers: list[tuple[str, str]]  # as the app gave them
    body: bytes

    @property
    def code(self) -> int:
        return int(self.status.split()[0])

    def header(self, name: str) -> str:
        """The first header of that name, whatever its case."""
        found = [value for key, value in self.headers if key.lower() == name.lower()]
        assert found, f"no {name} header"
        return found[0]


@pytest.fixture
def call_wsgi() -> Callable[..., WsgiAnswer]:
    """call_wsgi(app, method="GET", path="/", body=b"", validate=False, **environ): one request from a hand-made
    environ, for what an HTTP client will not send (a bad Content-Length, raw non-UTF-8 paths, dot segments); with
    `validate`, through wsgiref.validate.validator with its warnings made failures."""

    def call(
        app: Portal, method: str = "GET", path: str = "/", body: bytes = b"", validate: bool = False, **environ: str
    ) -> WsgiAnswer:
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
        seen: list = []
        written: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None):
            seen[:] = [status, headers]
            return written.append

        with warnings.catch_warnings():
            if validate:
                warnings.simplefilter("error", WSGIWarning)
            result = (validator(app) if validate else app)(env, start_response)
            try:
                out = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        return WsgiAnswer(seen[0], seen[1], b"".join(written) + out)

    return call
