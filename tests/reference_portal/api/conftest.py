"""For the tests of the portal's public API and of the pages that manage applications and keys: the API caller,
applications made through the form, tokens and calls. The portal, clients, sign-in and page reading come from the
conftest one folder up.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Callable

import httpx
import pytest

from reference_portal import Portal

GLOBEX_DEVELOPER = ("dev@globex.example", "globex-developer-pass")
CALLBACK = "https://partner.example/oauth/callback"


@dataclass(frozen=True)
class CreatedApp:
    application_id: int
    credential_id: int
    client_id: str
    secret: str
    name: str


@pytest.fixture
def api(make_client: Callable[..., httpx.Client]) -> httpx.Client:
    """The API caller: no session cookie, only client credentials and bearer tokens."""
    return make_client()


@pytest.fixture
def globex_developer(add_developer: Callable[..., int], auth) -> httpx.Client:
    """A developer of a second organisation, "Globex", signed in."""
    add_developer(*GLOBEX_DEVELOPER, organisation="Globex")
    return auth.signed_in(*GLOBEX_DEVELOPER)


# --- Making applications ---------------------------------------------------------------------------------------


@pytest.fixture
def create_app_via_form(post_form: Callable[..., httpx.Response], read_page) -> Callable[..., CreatedApp]:
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
        secret_page = read_page(answer.text)
        client_id, secret = secret_page.text_of("client-id"), secret_page.text_of("one-time-secret")

        rows = read_page(client.get("/app/apps").text).all("application-row")
        application_ids = [int(r["data-application-id"]) for r in rows if r["data-application-name"] == name]
        assert len(application_ids) == 1, f"{name!r} is not listed once on /app/apps"
        keys = read_page(client.get("/app/keys").text).all("key-row")
        credential_ids = [int(k["data-credential-id"]) for k in keys if k["data-client-id"] == client_id]
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


@pytest.fixture
def age_sign_in(portal: Portal, clock) -> Callable[[httpx.Client], None]:
    """age_sign_in(client): let the client's sign-in grow older than recent_sign_in_seconds while its session stays
    active (a request every third of the window, so no idle expiry)."""
    window = portal.config.recent_sign_in_seconds

    def age(client: httpx.Client) -> None:
        for _ in range(3):
            clock.advance(window / 3 + 1)
            assert client.get("/app").status_code == 200

    return age
