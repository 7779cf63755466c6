"""Sandbox credentials: test merchant accounts and their API keys, which reach sandbox data and nothing else."""

from __future__ import annotations

import sqlite3

from ..core.handlers import organisation_of, owned_row, requires_recent_sign_in, secret_page
from ..core.http import Request, Response, json_response, redirect
from ..core.security import token_hash
from ..core.text import has_control_characters
from . import sandbox_accounts
from .api import REALM, ApiError, CallRecord, run_call
from .apidoc import Doc, documented
from .sandbox_accounts import OPENING_BALANCE

NAME_LENGTH = (3, 60)


def _find(request: Request, account_id: int) -> sqlite3.Row:
    return owned_row(
        request,
        "SELECT * FROM sandbox_accounts WHERE id = ? AND organisation_id = ?",
        account_id,
        missing="There is no such sandbox credential in your organisation.",
    )


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
    if not low <= len(name) <= high or has_control_characters(name):
        return list_accounts(request, form_name=name, error=f"Enter a name of {low} to {high} characters.", status=422)
    with request.app.db.transaction() as conn:
        merchant_id, key = sandbox_accounts.create_account(conn, organisation_of(request), name, request.app.config.clock())
    return secret_page(request, "sandbox/created.html", name=name, merchant_id=merchant_id, key=key)


@requires_recent_sign_in
def confirm_delete(request: Request, account_id: int) -> Response:
    return request.app.render(request, "sandbox/confirm_delete.html", account=_find(request, account_id))


@requires_recent_sign_in
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
