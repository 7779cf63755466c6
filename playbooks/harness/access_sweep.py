"""Every developer route of the contract, asked for by a signed-in non-developer over HTTP: GETs, and the POSTs with
the CSRF token that person legitimately has and fields as a developer's form would send them. DPF-02 reads the
developer's data back afterwards to prove that nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from fixtures.html_forms import hidden_fields

from .contract import Route, contract

DEVELOPER_AREAS = ("/app", "/account")  # every route under these is the developers' ("GET /app/..." in the contract)
REFUSED_TO = ("/forbidden", "/login")  # where a refused request may be sent; or it answers 403 itself
PLACEHOLDER_ID = "0"


@dataclass(frozen=True)
class Targets:
    """The developer's own objects the requests aim at, so that a request let through would change them."""

    application_id: str
    credential_id: str
    sandbox_id: str
    product_slug: str
    name: str  # what a created object would be called
    url: str  # what a created webhook endpoint would receive at
    other_grace_seconds: int  # a rotation policy other than the organisation's
    password: str  # the non-developer's own, where a form asks for one


def developer_routes() -> list[Route]:
    return [route for route in contract().routes.values() if route.path.startswith(DEVELOPER_AREAS)]


def concrete_path(route: Route, targets: Targets) -> str:
    path = route.path
    if path.startswith("/app/apps/"):
        path = path.replace("<id>", targets.application_id)
    elif path.startswith("/app/keys/"):
        path = path.replace("<id>", targets.credential_id)
    elif path.startswith("/app/sandbox/"):
        path = path.replace("<id>", targets.sandbox_id)
    path = path.replace("<slug>", targets.product_slug)
    for part in ("<id>", "<delivery_id>"):
        path = path.replace(part, PLACEHOLDER_ID)
    return path


def form_of(route: Route, targets: Targets, csrf_token: str) -> dict[str, str]:
    """The route's contract fields, filled as a developer would fill them to change something."""
    values = {
        "name": targets.name, "callback_url": "https://partner.example/oauth/callback", "environment": "sandbox",
        "description": targets.name, "url": targets.url, "event_types": "webhook.test",
        "rotation_grace_seconds": str(targets.other_grace_seconds), "confirm": "revoke",
        "application_id": targets.application_id, "application": targets.application_id, "endpoint_id": PLACEHOLDER_ID,
        "kind": "error_rate", "threshold": "50", "window_minutes": "5", "code": "000000",
        "password": targets.password,  # the person's own; a field left empty here (a new password) changes nothing
    }
    fields = contract().fields.get(route.name, ["csrf_token"])
    return {field: csrf_token if field == "csrf_token" else values.get(field, "") for field in fields}


def refused(answer: httpx.Response, *, of_no_object: bool) -> bool:
    """403, or sent to the access-denied or sign-in page; for a path naming no object of the developer's (a
    placeholder ID), 404 too: a portal may refuse an ID it never issued before asking who is asking."""
    if answer.status_code == 403 or (of_no_object and answer.status_code == 404):
        return True
    return answer.status_code in (302, 303) and urlsplit(answer.headers.get("location", "")).path in REFUSED_TO


def csrf_token_of(client: httpx.Client) -> str:
    """The CSRF token a signed-in person has on the access-denied page: its Sign out form's ("" without one)."""
    page = client.get(contract().route("forbidden").path).text
    return hidden_fields(page, contract().route("logout").path).get("csrf_token", "")


def sweep(client: httpx.Client, targets: Targets, csrf_token: str) -> list[str]:
    """Each developer route the client was not refused, as "METHOD /path: HTTP status"."""
    let_through = []
    for route in developer_routes():
        path = concrete_path(route, targets)
        if route.method == "GET":
            answer = client.get(path)
        else:
            answer = client.post(path, data=form_of(route, targets, csrf_token))
        if not refused(answer, of_no_object=PLACEHOLDER_ID in path.split("/")):
            let_through.append(f"{route.method} {path}: HTTP {answer.status_code}")
    return let_through
