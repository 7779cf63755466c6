"""The product APIs under /api/v1/: Payments, Accounts and FX, over the portal's own database."""

from __future__ import annotations

import secrets
import sqlite3
from datetime import datetime, timezone
from typing import Any

from . import webhooks
from .api import ApiError, CallRecord, api_endpoint
from .apidoc import Doc, Param, documented
from .http import Request, Response, json_response

CURRENCIES = ("GBP", "EUR", "USD")
OPENING_BALANCE = 1_000_000  # minor units, per currency, for every application's merchant account
# Sandbox magic amount, as card networks' test numbers: this amount is always declined.
DECLINED_AMOUNT = 4000
RATES_TO_GBP = {"GBP": 1.0, "EUR": 0.8571, "USD": 0.7874}
MAX_DESCRIPTION = 200


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _payment(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "amount": row["amount"],
        "currency": row["currency"],
        "description": row["description"],
        "status": row["status"],
        "failure_reason": row["failure_reason"],
        "created_at": _iso(row["created_at"]),
    }


def _bad(description: str) -> ApiError:
    return ApiError(400, "invalid_request", description)


PAYMENT_EXAMPLE = {"id": "pay_5b1e6f0c2a9d4e7f8a1b2c3d", "amount": 1250, "currency": "GBP", "description": "Order 1001",
           "status": "succeeded", "failure_reason": None, "created_at": "2026-11-28T09:30:00Z"}


@documented(
    Doc(
        "Create a payment",
        "payments",
        scope="payments",
        description=f"In the sandbox an amount of {DECLINED_AMOUNT} is always declined (status failed, card_declined).",
        json_body={"amount": 1250, "currency": "GBP", "description": "Order 1001"},
        status=201,
        response=PAYMENT_EXAMPLE,
        errors=(400, 401, 403, 429),
    )
)
@api_endpoint("payments")
def create_payment(request: Request, conn: sqlite3.Connection, caller: CallRecord) -> Response:
    body = request.json()
    if not isinstance(body, dict):
        raise _bad("The body must be a JSON object.")
    amount, currency = body.get("amount"), body.get("currency")
    description = body.get("description", "")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= 100_000_000:
        raise _bad("amount must be a whole number of minor units from 1 to 100000000.")
    if currency not in CURRENCIES:
        raise _bad(f"currency must be one of {', '.join(CURRENCIES)}.")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise _bad(f"description must be text of at most {MAX_DESCRIPTION} characters.")
    declined = amount == DECLINED_AMOUNT
    now = request.app.config.clock()
    payment_id = "pay_" + secrets.token_hex(12)
    conn.execute(
        "INSERT INTO payments (id, application_id, amount, currency, description, status, failure_reason, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (payment_id, caller.application_id, amount, currency, description,
         "failed" if declined else "succeeded", "card_declined" if declined else None, now),
    )
    row = conn.execute("SELECT * FROM payments WHERE id = ?", (payment_id,)).fetchone()
    organisation_id = conn.execute(
        "SELECT organisation_id FROM applications WHERE id = ?", (caller.application_id,)
    ).fetchone()[0]
    event_type = "payment.failed" if declined else "payment.succeeded"
    if webhooks.publish(conn, organisation_id, event_type, _payment(row), now):
        request.app.deliveries.notify()
    return json_response(_payment(row), status=201)


@documented(
    Doc(
        "List payments",
        "payments",
        scope="payments",
        query=(Param("limit", "How many, newest first (1 to 100).", 20, required=False, type="integer"),),
        response={"data": [PAYMENT_EXAMPLE], "has_more": False},
        errors=(400, 401, 403, 429),
    )
)
@api_endpoint("payments")
def list_payments(request: Request, conn: sqlite3.Connection, caller: CallRecord) -> Response:
    try:
        limit = int(request.arg("limit", "20"))
    except ValueError:
        raise _bad("limit must be a number.") from None
    if not 1 <= limit <= 100:
        raise _bad("limit must be from 1 to 100.")
    rows = conn.execute(
        "SELECT * FROM payments WHERE application_id = ? ORDER BY created_at DESC, id LIMIT ?",
        (caller.application_id, limit + 1),
    ).fetchall()
    return json_response({"data": [_payment(r) for r in rows[:limit]], "has_more": len(rows) > limit})


@documented(
    Doc(
        "Get a payment",
        "payments",
        scope="payments",
        path_examples={"payment_id": "pay_5b1e6f0c2a9d4e7f8a1b2c3d"},
        response=PAYMENT_EXAMPLE,
        errors=(401, 403, 404, 429),
    )
)
@api_endpoint("payments")
def get_payment(request: Request, conn: sqlite3.Connection, caller: CallRecord, payment_id: str) -> Response:
    row = conn.execute(
        "SELECT * FROM payments WHERE id = ? AND application_id = ?", (payment_id, caller.application_id)
    ).fetchone()
    if row is None:
        raise ApiError(404, "not_found", "No such payment.")
    return json_response(_payment(row))


@documented(
    Doc(
        "Get balances",
        "accounts",
        scope="accounts",
        response={"balances": [{"currency": "GBP", "available": 1001250}, {"currency": "EUR", "available": 1000000}]},
        errors=(401, 403, 429),
    )
)
@api_endpoint("accounts")
def balances(request: Request, conn: sqlite3.Connection, caller: CallRecord) -> Response:
    received = {
        row["currency"]: row["total"]
        for row in conn.execute(
            "SELECT currency, SUM(amount) AS total FROM payments WHERE application_id = ? AND status = 'succeeded'"
            " GROUP BY currency",
            (caller.application_id,),
        )
    }
    return json_response(
        {"balances": [{"currency": c, "available": OPENING_BALANCE + received.get(c, 0)} for c in CURRENCIES]}
    )


@documented(
    Doc(
        "Get an FX quote",
        "fx",
        scope="fx",
        query=(
            Param("from", "Currency to sell: GBP, EUR or USD.", "GBP"),
            Param("to", "Currency to buy: GBP, EUR or USD.", "EUR"),
            Param("amount", "Minor units to convert.", 10000, required=False, type="integer"),
        ),
        response={"from": "GBP", "to": "EUR", "amount": 10000, "rate": 1.166725, "converted_amount": 11667,
                  "expires_at": "2026-11-28T09:30:30Z"},
        errors=(400, 401, 403, 429),
    )
)
@api_endpoint("fx")
def quote(request: Request, conn: sqlite3.Connection, caller: CallRecord) -> Response:
    source, target = request.arg("from").upper(), request.arg("to").upper()
    if source not in RATES_TO_GBP or target not in RATES_TO_GBP:
        raise _bad(f"from and to must be among {', '.join(CURRENCIES)}.")
    try:
        amount = int(request.arg("amount", "100"))
    except ValueError:
        raise _bad("amount must be a whole number of minor units.") from None
    if not 1 <= amount <= 100_000_000:
        raise _bad("amount must be from 1 to 100000000.")
    rate = round(RATES_TO_GBP[source] / RATES_TO_GBP[target], 6)
    now = request.app.config.clock()
    return json_response(
        {"from": source, "to": target, "amount": amount, "rate": rate, "converted_amount": round(amount * rate),
         "expires_at": _iso(now + 30)}
    )
