"""Public IDs (core/ids.py): integer or opaque, every page, address, form and JSON field uses the one form, and an
ID the portal did not render is a 400 or 404 wherever it arrives, never a 500."""

from __future__ import annotations

import re
from typing import Callable

import httpx
import pytest

from fixtures.html_forms import elements_by_testid
from reference_portal import Portal
from reference_portal.core.errors import NotFound
from reference_portal.core.ids import ID_TEXT, PublicIds
from reference_portal.core.routing import Router, Rule

OPAQUE = re.compile(r"app_[0-9a-f]+")
# Text no portal renders as an ID: a superscript digit, numbers too long for SQLite, a wrong tag, another kind's.
NEVER_RENDERED = ["²", "9" * 5000, "9" * 30, "app_1deadbeef", "key_1deadbeef", "-1", "1.0", "0x1", "app_", "%00"]


# --- the codec ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["integer", "opaque"])
def test_every_id_rendered_reads_back_as_its_row_and_stays_path_safe(style):
    ids = PublicIds(style, b"k" * 32)
    for kind in ("app", "key", "sbx", "sub", "wh", "dlv", "rule"):
        for number in (1, 17, 2**40, 2**63 - 1):
            shown = ids.encode(kind, number)
            assert ID_TEXT.fullmatch(shown) and ids.decode(kind, shown) == number


def test_opaque_ids_name_their_kind_and_cannot_be_guessed_or_moved_between_kinds_or_portals():
    ids, other = PublicIds("opaque", b"a" * 32), PublicIds("opaque", b"b" * 32)
    shown = ids.encode("app", 7)
    assert shown.startswith("app_") and shown != "7"
    assert ids.decode("key", shown) is None and ids.decode("key", "key_" + shown[4:]) is None
    assert other.decode("app", shown) is None
    assert ids.decode("app", shown[:-1] + ("0" if shown[-1] != "0" else "1")) is None  # a wrong tag
    assert ids.decode("app", "7") is None and PublicIds("integer").decode("app", shown) is None


@pytest.mark.parametrize("style", ["integer", "opaque"])
@pytest.mark.parametrize("text", [*NEVER_RENDERED, "", " 7", "007x", "A" * 129, None, 7])
def test_reading_never_raises(style, text):
    assert PublicIds(style, b"k" * 32).decode("app", text) is None


def test_an_unknown_style_or_kind_is_refused_when_made():
    with pytest.raises(ValueError, match="integer or opaque"):
        PublicIds("uuid")
    with pytest.raises(ValueError, match="no public IDs"):
        PublicIds().encode("user", 1)
    with pytest.raises(ValueError, match="no converter"):
        Rule("GET", "/x/<user:user_id>", lambda request: None)


def test_a_route_matches_only_the_ids_its_portal_renders():
    opaque = PublicIds("opaque", b"k" * 32)
    rules = [Rule("GET", "/items/<app:item_id>", lambda request, item_id: item_id)]
    assert Router(rules).match("GET", "/items/12")[1] == {"item_id": 12}
    assert Router(rules, opaque).match("GET", "/items/" + opaque.encode("app", 12))[1] == {"item_id": 12}
    for path in ("/items/12", "/items/" + "9" * 5000, "/items/" + opaque.encode("wh", 12)):
        with pytest.raises(NotFound):
            Router(rules, opaque).match("GET", path)


# --- the portal ---------------------------------------------------------------------------------------------------


@pytest.fixture(params=["integer", "opaque"])
def styled_portal(request: pytest.FixtureRequest, make_portal: Callable[..., Portal]) -> Portal:
    return make_portal(public_ids=request.param)


@pytest.fixture
def signed_in(styled_portal: Portal, auth) -> httpx.Client:  # type: ignore[no-untyped-def]
    return auth.signed_in(portal=styled_portal)


def create_application(client: httpx.Client, post_form, name: str, environment: str = "sandbox") -> str:  # type: ignore[no-untyped-def]
    answer = post_form(client, "/app/apps/new", "/app/apps",
                       {"name": name, "callback_url": "https://partner.example/cb", "environment": environment})
    assert answer.status_code == 200, answer.text
    rows = [r for r in elements_by_testid(client.get("/app/apps").text, "application-row") if r["data-application-name"] == name]
    return rows[0]["data-application-id"]


def test_the_opaque_portal_shows_opaque_ids_and_follows_them(make_portal, auth, post_form):  # type: ignore[no-untyped-def]
    portal = make_portal(public_ids="opaque")
    client = auth.signed_in(portal=portal)
    shown = create_application(client, post_form, "Opaque shop")
    assert OPAQUE.fullmatch(shown), shown
    assert client.get(f"/app/apps/{shown}").status_code == 200
    number = portal.ids.decode("app", shown)
    assert client.get(f"/app/apps/{number}").status_code == 404, "the row number is not an address of this portal"
    keys = client.get("/app/keys").text
    assert all(row["data-credential-id"].startswith("key_") for row in elements_by_testid(keys, "key-row"))
    products = client.get("/app/products").text
    assert {r["data-application-id"] for r in elements_by_testid(products, "subscription-row")} >= {shown}
    newer = create_application(client, post_form, "Opaque shop two")
    guide = client.get("/app/how-to-test", params={"application": shown}).text
    assert f'value="{shown}" selected' in guide and f'value="{newer}"' in guide


def test_go_live_json_names_the_application_as_the_page_does(make_portal, auth, post_form):  # type: ignore[no-untyped-def]
    portal = make_portal(public_ids="opaque")
    client = auth.signed_in(portal=portal)
    shown = create_application(client, post_form, "Live shop", environment="production")
    page = client.get("/app/go-live", params={"application": shown})
    assert page.status_code == 200
    assert elements_by_testid(page.text, "go-live-application")[0]["data-application-id"] == shown
    data = client.get("/app/go-live.json", params={"application": shown}).json()
    assert data["application"]["id"] == shown
    assert any(check["href"] == f"/app/apps/{shown}" for check in data["checks"])


@pytest.mark.parametrize("text", NEVER_RENDERED)
def test_an_id_never_rendered_is_refused_in_every_query_and_form_never_with_a_500(text, signed_in, styled_portal, auth):  # type: ignore[no-untyped-def]
    csrf = auth.csrf_token(signed_in, "/app/products")
    slug = styled_portal.db.scalar("SELECT slug FROM products ORDER BY id LIMIT 1")
    answers = {
        "usage": signed_in.get("/app/usage", params={"application": text}).status_code,
        "go-live": signed_in.get("/app/go-live", params={"application": text}).status_code,
        "go-live.json": signed_in.get("/app/go-live.json", params={"application": text}).status_code,
        "subscribe": signed_in.post(f"/app/products/{slug}/subscribe",
                                    data={"application_id": text, "csrf_token": csrf}).status_code,
        "signature check": signed_in.post("/app/go-live/signature-check",
                                          data={"endpoint_id": text, "csrf_token": csrf}).status_code,
        "alert rule": signed_in.post("/app/usage/alerts", data={
            "name": "r", "kind": "error_rate", "threshold": "5", "window_minutes": "5", "application": text,
            "csrf_token": csrf}).status_code,
    }
    assert answers == {"usage": 400, "go-live": 400, "go-live.json": 400, "subscribe": 400, "signature check": 400,
                       "alert rule": 422}
    assert signed_in.get("/app/how-to-test", params={"application": text}).status_code == 200  # the newest instead
    assert signed_in.get("/app/security/2fa", params={"others_removed": text}).status_code == 200


@pytest.mark.parametrize("path", ["/app/apps/{}", "/app/apps/{}/delete", "/app/sandbox/{}/delete",
                                  "/app/webhooks/{}/deliveries", "/app/webhooks/{}/delete", "/app/keys/{}/revoke"])
@pytest.mark.parametrize("text", [t for t in NEVER_RENDERED if t != "%00"])
def test_an_id_never_rendered_in_an_address_is_no_page(path, text, signed_in):  # type: ignore[no-untyped-def]
    answer = signed_in.get(path.format(text))
    # A non-ASCII path may already be refused as an address (400) before any route is tried.
    assert answer.status_code == 404 or (answer.status_code == 400 and not text.isascii()), answer.status_code
