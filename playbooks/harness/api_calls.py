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
