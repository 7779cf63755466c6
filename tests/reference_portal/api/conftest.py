"""Fixtures for the portal's public API and the pages that manage applications and keys.

Everything runs in-process: httpx talks to the WSGI app through WSGITransport, time is a FakeClock the test moves.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest

from reference_portal import Portal, create_app
from reference_portal.core.security import hash_password

BASE_URL = "http://portal.test"
START_TIME = 1_800_000_000.0  # a whole minute, so rate-limit windows start with the test
DEVELOPER = ("dev@example.com", "developer-demo-pass")  # admin of "Acme Payments"
MEMBER = ("dev-setup@example.com", "developer-demo-pass")  # member of "Acme Payments"
VIEWER = ("viewer@example.com", "viewer-demo-pass")  # not a developer
GLOBEX_DEVELOPER = ("dev@globex.example", "globex-developer-pass")
CALLBACK = "https://partner.example/oauth/callback"


class FakeClock:
    """The portal's clock, moved by the test instead of by waiting."""

    def __init__(self, now: float = START_TIME):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- Reading pages ---------------------------------------------------------------------------------------------

_VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    inputs: list[dict[str, str]] = field(default_factory=list)  # for forms: every <input> inside
    descendants: list[Element] = field(default_factory=list, repr=False)

    @property
    def hidden_fields(self) -> dict[str, str]:
        return {i["name"]: i.get("value", "") for i in self.inputs if i.get("type") == "hidden" and "name" in i}

    def find(self, testid: str) -> Element:
        """The one element inside this one with that data-testid."""
        found = [e for e in self.descendants if e.attrs.get("data-testid") == testid]
        assert len(found) == 1, f"expected one data-testid={testid!r} inside <{self.tag}>, found {len(found)}"
        return found[0]


class Page(HTMLParser):
    """The elements of an HTML page that tests look for: those with a data-testid, and forms."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self._form: Element | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        if tag == "input" and self._form is not None:
            self._form.inputs.append(element.attrs)
        if tag == "form":
            self._form = element
        self.elements.append(element)
        for ancestor in self._open:
            ancestor.descendants.append(element)
        if tag not in _VOID_TAGS:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        for depth in range(len(self._open) - 1, -1, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def by_testid(self, testid: str) -> list[Element]:
        return [e for e in self.elements if e.attrs.get("data-testid") == testid]

    def text_of(self, testid: str) -> str:
        found = self.by_testid(testid)
        assert len(found) == 1, f"expected one data-testid={testid!r}, found {len(found)}"
        return found[0].text.strip()

    def form(self, action: str) -> Element:
        forms = [e for e in self.elements if e.tag == "form" and e.attrs.get("action") == action]
        assert forms, f"the page has no form posting to {action}"
        return forms[0]


@pytest.fixture
def read_page() -> type[Page]:
    """read_page(html): the page's data-testid elements and forms (test modules cannot import from conftest)."""
    return Page


@dataclass(frozen=True)
class CreatedApp:
    application_id: int
    credential_id: int
    client_id: str
    secret: str
    name: str


# --- The portal and its clients --------------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def portal(tmp_path: Path, clock: FakeClock) -> Iterator[Portal]:
    app = create_app({"database": str(tmp_path / "portal.sqlite3"), "clock": clock})
    yield app
    app.db.close()


def _no_traceback(response: httpx.Response) -> None:
    response.read()
    assert "Traceback" not in response.text, f"{response.request.method} {response.request.url} showed a traceback"


@pytest.fixture
def make_client(portal: Portal) -> Iterator[Callable[[], httpx.Client]]:
    """make_client(): a fresh cookie-less client; every answer it gets is checked for a traceback."""
    clients: list[httpx.Client] = []

    def make() -> httpx.Client:
        client = httpx.Client(
            transport=httpx.WSGITransport(app=portal),
            base_url=BASE_URL,
            event_hooks={"response": [_no_traceback]},
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def api(make_client: Callable[[], httpx.Client]) -> httpx.Client:
    """The API caller: no session cookie, only client credentials and bearer tokens."""
    return make_client()


@pytest.fixture
def sign_in(make_client: Callable[[], httpx.Client]) -> Callable[..., httpx.Client]:
    """sign_in(email, password): a new client with a signed-in session."""

    def sign_in_(email: str, password: str) -> httpx.Client:
        client = make_client()
        form = Page(client.get("/login").text).form("/login")
        answer = client.post("/login", data={**form.hidden_fields, "email": email, "password": password})
        assert answer.status_code == 303, f"sign-in as {email} failed: HTTP {answer.status_code}"
        return client

    return sign_in_


@pytest.fixture
def developer(sign_in: Callable[..., httpx.Client]) -> httpx.Client:
    """dev@example.com, developer and admin of Acme Payments."""
    return sign_in(*DEVELOPER)


@pytest.fixture
def globex_developer(portal: Portal, sign_in: Callable[..., httpx.Client], clock: FakeClock) -> httpx.Client:
    """A developer of a second organisation, "Globex", signed in."""
    with portal.db.transaction() as conn:
        organisation_id = conn.execute("INSERT INTO organisations (name) VALUES ('Globex')").lastrowid
        conn.execute(
            "INSERT INTO users (email, name, password_hash, role, organisation_id, organisation_role, created_at)"
            " VALUES (?, 'Globex Developer', ?, 'developer', ?, 'admin', ?)",
            (GLOBEX_DEVELOPER[0], hash_password(GLOBEX_DEVELOPER[1]), organisation_id, clock()),
        )
    return sign_in(*GLOBEX_DEVELOPER)


# --- Driving the pages -----------------------------------------------------------------------------------------


@pytest.fixture
def post_form() -> Callable[..., httpx.Response]:
    """post_form(client, page_path, action, fields): POST the form of page_path that posts to action.

    The form's hidden fields (csrf_token, confirmations) are sent as the page has them; `fields` adds or overrides.
    """

    def post(client: httpx.Client, page_path: str, action: str, fields: dict[str, str] | None = None) -> httpx.Response:
        page = client.get(page_path)
        assert page.status_code == 200, f"GET {page_path}: HTTP {page.status_code}"
        form = Page(page.text).form(action)
        return client.post(action, data={**form.hidden_fields, **(fields or {})})

    return post


@pytest.fixture
def csrf_token_of() -> Callable[[httpx.Client], str]:
    """csrf_token_of(client): the client's session CSRF token, for posting to pages it has no form for."""

    def token(client: httpx.Client) -> str:
        page = client.get("/app/apps/new")
        assert page.status_code == 200, f"GET /app/apps/new: HTTP {page.status_code}"
        return Page(page.text).form("/app/apps").hidden_fields["csrf_token"]

    return token


@pytest.fixture
def create_app_via_form(post_form: Callable[..., httpx.Response]) -> Callable[..., CreatedApp]:
    """create_app_via_form(client, name, callback_urls=(CALLBACK,), environment="sandbox", description="")."""

    def create(
        client: httpx.Client,
        name: str,
        callback_urls: tuple[str, ...] | list[str] = (CALLBACK,),
        environment: str = "sandbox",
        description: str = "",
    ) -> CreatedApp:
        fields = {
            "name": name,
            "callback_url": "\n".join(callback_urls),
            "environment": environment,
            "description": description,
        }
        answer = post_form(client, "/app/apps/new", "/app/apps", fields)
        assert answer.status_code == 200, f"creating {name!r}: HTTP {answer.status_code}"
        secret_page = Page(answer.text)
        client_id, secret = secret_page.text_of("client-id"), secret_page.text_of("one-time-secret")

        rows = Page(client.get("/app/apps").text).by_testid("application-row")
        application_ids = [
            int(r.attrs["data-application-id"]) for r in rows if r.attrs["data-application-name"] == name
        ]
        assert len(application_ids) == 1, f"{name!r} is not listed once on /app/apps"
        keys = Page(client.get("/app/keys").text).by_testid("key-row")
        credential_ids = [int(k.attrs["data-credential-id"]) for k in keys if k.attrs["data-client-id"] == client_id]
        assert len(credential_ids) == 1, f"{client_id} is not listed once on /app/keys"
        return CreatedApp(application_ids[0], credential_ids[0], client_id, secret, name)

    return create


@pytest.fixture
def sandbox_app(developer: httpx.Client, create_app_via_form: Callable[..., CreatedApp]) -> CreatedApp:
    """A sandbox application of Acme Payments, approved for payments and accounts."""
    return create_app_via_form(developer, "Checkout Service")


# --- Calling the API -------------------------------------------------------------------------------------------


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@pytest.fixture
def basic_auth() -> Callable[[str, str], str]:
    """basic_auth(client_id, secret): an HTTP Basic Authorization header value."""
    return _basic


@pytest.fixture
def request_token(api: httpx.Client) -> Callable[..., httpx.Response]:
    """request_token(client_id, secret, **fields): POST /oauth/token, HTTP Basic, the client-credentials grant."""

    def request(client_id: str, secret: str, **fields: str) -> httpx.Response:
        data = {"grant_type": "client_credentials", **fields}
        return api.post("/oauth/token", data=data, headers={"Authorization": _basic(client_id, secret)})

    return request


@pytest.fixture
def access_token(request_token: Callable[..., httpx.Response]) -> Callable[..., str]:
    """access_token(created_app, secret=None, **fields): a token for the app, asserting the grant succeeded."""

    def token(created: CreatedApp, secret: str | None = None, **fields: str) -> str:
        answer = request_token(created.client_id, secret or created.secret, **fields)
        assert answer.status_code == 200, f"token request: HTTP {answer.status_code} {answer.text}"
        return answer.json()["access_token"]

    return token


@pytest.fixture
def call_api(api: httpx.Client) -> Callable[..., httpx.Response]:
    """call_api(method, path, token, **httpx_kwargs): an API call with the bearer token."""

    def call(method: str, path: str, token: str, **kwargs: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return api.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]

    return call


@pytest.fixture
def count_rows(portal: Portal) -> Callable[..., int]:
    """count_rows(table, where="1", params=()): how many rows of a table match."""

    def count(table: str, where: str = "1", params: tuple[object, ...] = ()) -> int:
        return portal.db.scalar(f"SELECT COUNT(*) FROM {table} WHERE {where}", params)

    return count
