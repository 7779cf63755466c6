"""Calls to the portal's public API, as plain functions taking an httpx client."""

from __future__ import annotations

import httpx


def request_token(api: httpx.Client, client_id: str, secret: str, **fields: str) -> httpx.Response:
    """The OAuth client-credentials grant, authenticating the client with HTTP Basic."""
    return api.post("/oauth/token", data={"grant_type": "client_credentials", **fields}, auth=(client_id, secret))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def list_payments(api: httpx.Client, token: str) -> httpx.Response:
    return api.get("/api/v1/payments", headers=bearer(token))


def create_payment(api: httpx.Client, token: str, amount: int, currency: str = "GBP") -> httpx.Response:
    return api.post("/api/v1/payments", json={"amount": amount, "currency": currency}, headers=bearer(token))
