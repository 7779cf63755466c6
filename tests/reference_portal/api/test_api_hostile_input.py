"""Bad input a hostile or broken client sends: each gets its documented 4xx with a JSON body and a request ID,
never a 500, and changes nothing."""

from __future__ import annotations

import socket
from typing import Callable

import httpx
import pytest

from reference_portal import Portal
from reference_portal.serve import serve_in_background


def raw_request(portal: Portal, request: bytes) -> tuple[int, bytes]:
    """Send bytes no well-behaved client library would send; the status and the whole answer."""
    running = serve_in_background(portal)
    try:
        host, port = running.server.server_address[:2]
        with socket.create_connection((host, port), timeout=10) as conn:
            conn.sendall(request)
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
    finally:
        running.server.shutdown()
        running.server.server_close()
    status = int(answer.split(b" ", 2)[1])
    return status, answer


@pytest.mark.parametrize("path", ["/app/apps/9223372036854775808", "/app/apps/" + "9" * 5000,
                                  "/app/keys/99999999999999999999/revoke", "/app/webhooks/18446744073709551616/deliveries"])
def test_an_id_beyond_64_bits_is_no_page(api: httpx.Client, developer: httpx.Client, path: str):
    assert api.get(path).status_code == 404  # signed out: matched before the access check, so 404, not a 500
    assert developer.get(path).status_code == 404


def test_non_ascii_basic_credentials_are_an_invalid_client(portal: Portal, count_rows: Callable[..., int]):
    body = b"grant_type=client_credentials"
    status, answer = raw_request(
        portal,
        b"POST /oauth/token HTTP/1.1\r\nHost: portal.test\r\nConnection: close\r\n"
        b"Authorization: Basic \xc3\xa9t\xc3\xa9\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body,
    )
    assert status == 401
    assert b'"error": "invalid_client"' in answer
    assert b"X-Request-Id: req_" in answer
    assert count_rows("access_tokens") == 0


def test_a_lone_surrogate_in_json_is_invalid_request(sandbox_app, access_token, call_api, count_rows):
    token = access_token(sandbox_app)
    answer = call_api(
        "POST", "/api/v1/payments", token,
        content=b'{"amount": 1000, "currency": "EUR", "description": "\\ud800"}',
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert answer.headers["X-Request-Id"].startswith("req_")
    assert count_rows("payments") == 0


def test_an_unknown_api_path_answers_json_with_a_request_id(api: httpx.Client):
    answer = api.get("/api/v1/nothing-here")
    assert answer.status_code == 404
    assert set(answer.json()) == {"error", "error_description"}
    assert answer.headers["X-Request-Id"].startswith("req_")
