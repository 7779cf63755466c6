"""Calls to the portal's public API, as plain functions taking an httpx client."""

from __future__ import annotations

from typing import Any

import httpx


def request_token(api: httpx.Client, client_id: str, secret: str, **fields: str) -> httpx.Response:
    """The OAuth client-credentials grant, authenticating the client with HTTP Basic."""
    return api.post("/oauth/token", data={"grant_type": "client_credentials", **fields}, auth=(client_id, secret))


class TokenRefused(AssertionError):
    """The token endpoint did not grant a token where the flow's set-up needs one."""


def access_token(api: httpx.Client, client_id: str, secret: str) -> str:
    """A bearer token for a credential that must work: set-up for flows that call the API."""
    answer = request_token(api, client_id, secret)
    if answer.status_code != 200:
        raise TokenRefused(f"POST /oauth/token for {client_id} answered HTTP {answer.status_code}, not 200")
    return answer.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def list_payments(api: httpx.Client, token: str) -> httpx.Response:
    return api.get("/api/v1/payments", headers=bearer(token))


def create_payment(api: httpx.Client, token: str, amount: int, currency: str = "GBP") -> httpx.Response:
    return api.post("/api/v1/payments", json={"amount": amount, "currency": currency}, headers=bearer(token))


def paid(api: httpx.Client, token: str, amount: int) -> str:
    """A payment that must be made, as set-up for an event: its ID."""
    answer = create_payment(api, token, amount)
    assert answer.status_code == 201, f"a payment was refused: HTTP {answer.status_code}"
    return answer.json()["id"]


def operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) for every operation of an OpenAPI document."""
    return [
        (method.upper(), path, operation)
        for path, methods in openapi.get("paths", {}).items()
        for method, operation in methods.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def example_request(path: str, operation: dict[str, Any]) -> dict[str, Any]:
    """httpx request arguments that fill an operation's path and body with its documented examples."""
    query = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(parameter["example"]))
        elif parameter["in"] == "query" and parameter.get("required"):
            query[parameter["name"]] = str(parameter["example"])
    arguments: dict[str, Any] = {"url": path, "params": query}
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        arguments["json"] = content["application/json"].get("example", {})
    elif "application/x-www-form-urlencoded" in content:
        arguments["data"] = content["application/x-www-form-urlencoded"].get("example", {})
    return arguments


def sandbox_account(api: httpx.Client, sandbox_key: str) -> httpx.Response:
    return api.get("/api/v1/sandbox/account", headers=bearer(sandbox_key))


def _some_value(described: dict[str, Any]) -> Any:
    """A value for a parameter or body: its documented example when there is one, else one its schema allows."""
    if "example" in described:
        return described["example"]
    schema = described.get("schema", described)
    for key in ("example", "default", "const"):
        if key in schema:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), "string") if isinstance(kind, list) else kind
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "object":
        return {}
    if kind == "array":
        return []
    return "example"


def request_without_relying_on_examples(path: str, operation: dict[str, Any]) -> dict[str, Any]:
    """Like example_request, but for a document that may give no `example` values (the contract does not promise
    them): each path and required query parameter gets its example, or else a value its schema allows."""
    query = {}
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path":
            path = path.replace("{" + parameter["name"] + "}", str(_some_value(parameter)))
        elif parameter.get("in") == "query" and parameter.get("required"):
            query[parameter["name"]] = str(_some_value(parameter))
    arguments: dict[str, Any] = {"url": path, "params": query}
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        arguments["json"] = _body(content["application/json"])
    elif "application/x-www-form-urlencoded" in content:
        arguments["data"] = _body(content["application/x-www-form-urlencoded"])
    return arguments


def _body(media: dict[str, Any]) -> dict[str, Any]:
    """A request body: the documented example, else the schema's required properties with values it allows."""
    if "example" in media:
        return media["example"]
    schema = media.get("schema", {})
    required = set(schema.get("required", []))
    return {name: _some_value(prop) for name, prop in schema.get("properties", {}).items() if name in required}
