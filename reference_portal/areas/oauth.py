"""POST /oauth/token: the OAuth 2.0 client-credentials grant (RFC 6749 section 4.4), with opaque bearer tokens."""

from __future__ import annotations

import base64
import sqlite3
from urllib.parse import unquote

from ..core.http import Request, Response, json_response
from ..core.security import new_token, token_hash
from . import credentials
from .api import REALM, ApiError, CallRecord, run_call
from .apidoc import SCOPE_LIST, Doc, documented

TOKEN_LIFETIME_SECONDS = 3600


@documented(
    Doc(
        "Get an access token",
        "oauth",
        security="basic",
        description="The OAuth 2.0 client-credentials grant. Authenticate with HTTP Basic (client ID and secret) or, "
        "instead of it, the client_id and client_secret fields; scope defaults to every approved product, and a "
        "product the application is not approved for is refused (invalid_scope). Unknown fields are ignored.",
        form_body={"grant_type": "client_credentials", "scope": "payments accounts"},
        form_schema={
            "type": "object",
            "required": ["grant_type"],
            "properties": {"grant_type": {"type": "string", "enum": ["client_credentials"]}, "scope": SCOPE_LIST},
        },
        response={"access_token": "at_…", "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_SECONDS,
                  "scope": "accounts payments"},
        response_schema={
            "type": "object",
            "required": ["access_token", "token_type", "expires_in", "scope"],
            "properties": {
                "access_token": {"type": "string", "pattern": "^at_"},
                "token_type": {"type": "string", "enum": ["Bearer"]},
                "expires_in": {"type": "integer", "enum": [TOKEN_LIFETIME_SECONDS], "description": "Seconds."},
                "scope": SCOPE_LIST,
            },
            "additionalProperties": False,
        },
        errors=(400, 401, 413),
        error_examples={400: ("invalid_scope", "The application is not approved for: fx."),
                        401: ("invalid_client", "Client authentication failed.")},
    )
)
def token(request: Request) -> Response:
    return run_call(request, lambda conn, record: _issue_token(request, conn, record))


def _invalid_client(description: str = "Client authentication failed.") -> ApiError:
    return ApiError(401, "invalid_client", description, headers=[("WWW-Authenticate", f'Basic realm="{REALM}"')])


def _client_credentials(request: Request) -> tuple[str, str]:
    if any(name in request.query for name in ("client_id", "client_secret", "grant_type")):
        raise ApiError(400, "invalid_request", "Credentials are not accepted in the query string.")
    header = request.header("Authorization")
    form_id, form_secret = request.field("client_id"), request.field("client_secret")
    if header:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            raise _invalid_client("Use HTTP Basic authentication or the client_id and client_secret fields.")
        if form_secret:
            raise ApiError(400, "invalid_request", "Use one way of client authentication, not two.")
        try:
            client_id, _, secret = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        except ValueError:  # not ASCII, not base64 (binascii.Error), or not UTF-8 inside
            raise _invalid_client() from None
        return unquote(client_id), unquote(secret)
    if not form_id or not form_secret:
        raise _invalid_client()
    return form_id, form_secret


def _approved_scopes(conn: sqlite3.Connection, application_id: int) -> set[str]:
    rows = conn.execute(
        "SELECT p.scope FROM subscriptions s JOIN products p ON p.id = s.product_id"
        " WHERE s.application_id = ? AND s.state = 'approved'",
        (application_id,),
    ).fetchall()
    return {row["scope"] for row in rows}


def _issue_token(request: Request, conn: sqlite3.Connection, record: CallRecord) -> Response:
    if request.header("Content-Type").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise ApiError(400, "invalid_request", "Send the token request as application/x-www-form-urlencoded.")
    client_id, secret = _client_credentials(request)
    grant_type = request.field("grant_type")
    now = request.app.config.clock()
    client, application_id = credentials.verify(conn, client_id[:100], secret[:200], now)
    record.application_id = application_id
    if client is None:
        raise _invalid_client()
    record.credential_id = client.credential_id
    if not grant_type:
        raise ApiError(400, "invalid_request", "The grant_type field is required.")
    if grant_type != "client_credentials":
        raise ApiError(400, "unsupported_grant_type", "Only the client_credentials grant is supported.")

    approved = _approved_scopes(conn, client.application_id)
    requested = set(request.field("scope").split())
    if requested - approved:
        unknown = " ".join(sorted(requested - approved))
        raise ApiError(400, "invalid_scope", f"The application is not approved for: {unknown}.")
    granted = requested or approved
    if not granted:
        raise ApiError(400, "invalid_scope", "The application is not subscribed to any approved API product.")

    access_token = new_token("at_")
    conn.execute(
        "INSERT INTO access_tokens (token_hash, credential_id, generation, scopes, issued_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (token_hash(access_token), client.credential_id, client.generation, " ".join(sorted(granted)), now,
         now + TOKEN_LIFETIME_SECONDS),
    )
    conn.execute("DELETE FROM access_tokens WHERE credential_id = ? AND expires_at < ?", (client.credential_id, now))
    conn.execute(
        "UPDATE credentials SET last_used_at = ?, last_used_address = ? WHERE id = ?",
        (now, request.remote_addr[:64], client.credential_id),
    )
    response = json_response(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "scope": " ".join(sorted(granted)),
        }
    )
    response.set_header("Pragma", "no-cache")
    return response
