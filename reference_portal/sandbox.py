"""Sandbox credentials: test merchant accounts and their API keys, which reach sandbox data and nothing else."""

from __future__ import annotations

import secrets
import sqlite3

from .accounts import organisation_of
from .api import REALM, ApiError, CallRecord, run_call
from .apidoc import Doc, documented
from .http import NotFound, Request, Response, json_response, redirect
from .security import new_token, token_hash

NAME_LENGTH = (3, 60)
OPENING_BALANCE = 500_000


def create_account(conn: sqlite3.Connection, organisation_id: int, name: str, now: float) -> tuple[str, str]:
    """A new test merchant; returns (merchant_id, api_key). The key exists only in the answer."""
    merchant_id = "mer_test_" + secrets.token_hex(8)
    key = new_token("sk_test_")
    conn.execute(
        "INSERT INTO sandbox_accounts (organisation_id, name, merchant_id, balance, key_hash, key_last4, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (organisation_id, name, merchant_id, OPENING_BALANCE, token_hash(key), key[-4:], now),
    )
    return merchant_id, key


def _find(request: Request, account_id: int) -> sqlite3.Row:
    row = request.app.db.one(
        "SELECT * FROM sandbox_accounts WHERE id = ? AND organisation_id = ?", (account_id, organisation_of(request))
    )
    if row is None:
        raise NotFound("There is no such sandbox credential in your organisation.")
    return row


def list_accounts(request: Request, *, form_name: str = "", error: str | None = None, status: int = 200) -> Response:
    rows = request.app.db.query(
        "SELECT * FROM sandbox_accounts WHERE organisation_id = ? ORDER BY created_at, id", (organisation_of(request),)
    )
    deleted = request.arg("deleted") == "1"
    return request.app.render(
        request, "sandbox/list.html", status=status, accounts=rows, form_name=form_name, error=error, deleted=deleted
    )


def index(request: Request) -> Response:
    return list_accounts(request)


def create(request: Request) -> Response:
    name = request.field("name").strip()
    low, high = NAME_LENGTH
    if not low <= len(name) <= high or any(ord(ch) < 32 for ch in name):
        return list_accounts(request, form_name=name, error=f"Enter a name of {low} to {high} characters.", status=422)
    with request.app.db.transaction() as conn:
        merchant_id, key = create_account(conn, organisation_of(request), name, request.app.config.clock())
    response = request.app.render(request, "sandbox/created.html", name=name, merchant_id=merchant_id, key=key)
    response.set_header("Cache-Control", "no-store")
    return response


def confirm_delete(request: Request, account_id: int) -> Response:
    return request.app.render(request, "sandbox/confirm_delete.html", account=_find(request, account_id))


def delete(request: Request, account_id: int) -> Response:
    _find(request, account_id)
    with request.app.db.transaction() as conn:
        conn.execute("DELETE FROM sandbox_accounts WHERE id = ?", (account_id,))
    return redirect("/app/sandbox?deleted=1")


@documented(
    Doc(
        "Get the sandbox test account",
        "sandbox",
        security="sandbox_key",
        description="The test merchant account a sandbox API key belongs to. Production data is never reachable "
        "with a sandbox key.",
        response={"merchant_id": "mer_test_4f1c2b3a5d6e7f80", "name": "Checkout tests", "currency": "GBP",
                  "balance": OPENING_BALANCE},
        errors=(401,),
        error_examples={401: ("invalid_token", "The sandbox API key is unknown or deleted.")},
    )
)
def api_account(request: Request) -> Response:
    return run_call(request, lambda conn, record: _account(request, conn, record))


def _account(request: Request, conn: sqlite3.Connection, record: CallRecord) -> Response:
    scheme, _, key = request.header("Authorization").partition(" ")
    row = None
    if scheme.lower() == "bearer" and key.strip().startswith("sk_test_"):
        row = conn.execute("SELECT * FROM sandbox_accounts WHERE key_hash = ?", (token_hash(key.strip()),)).fetchone()
    if row is None:
        challenge = f'Bearer realm="{REALM}", error="invalid_token"'
        raise ApiError(401, "invalid_token", "The sandbox API key is unknown or deleted.",
                       headers=[("WWW-Authenticate", challenge)])
    conn.execute("UPDATE sandbox_accounts SET last_used_at = ? WHERE id = ?", (request.app.config.clock(), row["id"]))
    return json_response(
        {"merchant_id": row["merchant_id"], "name": row["name"], "currency": row["currency"], "balance": row["balance"]}
    )
