"""The product APIs under /api/v1/: Payments, Accounts and FX, over the portal's own database."""

from __future__ import annotations

import secrets
import sqlite3
from typing import Any

from ..core.http import Request, Response, iso_time, json_response
from ..core.numbers import whole_number
from . import webhooks
from .api import ApiError, CallRecord, api_endpoint
from .apidoc import Doc, Param, Schema, documented

CURRENCIES = ("GBP", "EUR", "USD")
OPENING_BALANCE = 1_000_000  # minor units, per currency, for every application's merchant account
# Sandbox magic amount, as card networks' test numbers: this amount is always declined.
DECLINED_AMOUNT = 4000
RATES_TO_GBP = {"GBP": 1.0, "EUR": 0.8571, "USD": 0.7874}
MAX_DESCRIPTION = 200
MAX_AMOUNT = 100_000_000
MAX_LIMIT, DEFAULT_LIMIT = 100, 20  # page sizes of the payment list
DEFAULT_QUOTE_AMOUNT = 100
PAYMENT_FIELDS = ("amount", "currency", "description")

# --- The schemas the OpenAPI document publishes; the validation below keeps to them. --------------------------

CURRENCY = Schema("Currency", {"type": "string", "enum": list(CURRENCIES), "description": "ISO 4217 code."})
AMOUNT = {"type": "integer", "minimum": 1, "maximum": MAX_AMOUNT, "description": "Minor units, e.g. pence."}
TIMESTAMP = {"type": "string", "format": "date-time"}
PAYMENT_ID = {"type": "string", "pattern": "^pay_[0-9a-f]{24}$"}
NEW_PAYMENT = Schema("NewPayment", {
    "type": "object",
    "required": ["amount", "currency"],
    "properties": {
        "amount": AMOUNT,
        "currency": CURRENCY,
        "description": {"type": "string", "maxLength": MAX_DESCRIPTION, "default": ""},
    },
    "additionalProperties": False,
})
PAYMENT = Schema("Payment", {
    "type": "object",
    "required": ["id", "amount", "currency", "description", "status", "failure_reason", "created_at"],
    "properties": {
        "id": PAYMENT_ID,
        "amount": AMOUNT,
        "currency": CURRENCY,
        "description": {"type": "string", "maxLength": MAX_DESCRIPTION},
        "status": {"type": "string", "enum": ["succeeded", "failed"]},
        "failure_reason": {"enum": ["card_declined", None], "description": "Why a failed payment failed."},
        "created_at": TIMESTAMP,
    },
    "additionalProperties": False,
})


def _payment(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "amount": row["amount"],
        "currency": row["currency"],
        "description": row["description"],
        "status": row["status"],
        "failure_reason": row["failure_reason"],
        "created_at": iso_time(row["created_at"]),
    }


def _bad(description: str) -> ApiError:
    return ApiError(400, "invalid_request", description)


def _whole_number(request: Request, name: str, low: int, high: int, *, default: int) -> int:
    """A whole-number query parameter from low to high, or its default when absent."""
    text = request.arg(name, str(default))
    value = whole_number(text, low=low, high=high)
    if value is None:
        raise _bad(f"{name} must be a whole number from {low} to {high}.")
    return value


def _currency_param(request: Request, name: str) -> str:
    """A currency code as a query parameter, in any letter case (ASCII only: "uſd".upper() is "USD")."""
    value = request.arg(name)
    if not value.isascii() or value.upper() not in CURRENCIES:
        raise _bad(f"from and to must be among {', '.join(CURRENCIES)}.")
    return value.upper()


def _is_whole(value: object) -> bool:
    """A JSON number without a fractional part: 1250 or 1250.0, as JSON Schema's "integer" has it; not true."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


PAYMENT_EXAMPLE = {"id": "pay_5b1e6f0c2a9d4e7f8a1b2c3d", "amount": 1250, "currency": "GBP", "description": "Order 1001",
           "status": "succeeded", "failure_reason": None, "created_at": "2026-11-28T09:30:00Z"}


@documented(
    Doc(
        "Create a payment",
        "payments",
        scope="payments",
        description=f"In the sandbox an amount of {DECLINED_AMOUNT} is always declined (status failed, card_declined). "
        "Fields other than amount, currency and description are refused.",
        json_body={"amount": 1250, "currency": "GBP", "description": "Order 1001"},
        json_schema=NEW_PAYMENT,
        status=201,
        response=PAYMENT_EXAMPLE,
        response_schema=PAYMENT,
        links={"GetPayment": {"operationId": "get_payment", "parameters": {"payment_id": "$response.body#/id"},
                              "description": "The payment just created."}},
        errors=(400, 401, 403, 413, 429),
    )
)
@api_endpoint("payments")
def create_payment(request: Request, conn: sqlite3.Connection, caller: CallRecord) -> Response:
    body = request.json()
    if not isinstance(body, dict):
        raise _bad("The body must be a JSON object.")
    unknown = sorted(set(body) - set(PAYMENT_FIELDS))
    if unknown:
        raise _bad(f"Unknown field {unknown[0][:50]!r}: a payment has only {', '.join(PAYMENT_FIELDS)}.")
    amount, currency = body.get("amount"), body.get("currency")
    description = body.get("description", "")
    if not _is_whole(amount) or not 1 <= amount <= MAX_AMOUNT:
        raise _bad(f"amount must be a whole number of minor units from 1 to {MAX_AMOUNT}.")
    amount = int(amount)
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
        query=(
            Param("limit", f"How many, newest first (1 to {MAX_LIMIT}).", DEFAULT_LIMIT, required=False,
                  schema={"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
        ),
        response={"data": [PAYMENT_EXAMPLE], "has_more": False},
        response_schema={
            "type": "object",
            "required": ["data", "has_more"],
            "properties": {
                "data": {"type": "array", "items": PAYMENT, "maxItems": MAX_LIMIT},
                "has_more": {"type": "boolean", "description": "Whether older payments are left out."},
            },
            "additionalProperties": False,
        },
        errors=(400, 401, 403, 429),
    )
)
@api_endpoint("payments")
def list_payments(request: Request, conn: sqlite3.Connection, caller: CallRecord) -> Response:
    limit = _whole_number(request, "limit", 1, MAX_LIMIT, default=DEFAULT_LIMIT)
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
        path_schemas={"payment_id": PAYMENT_ID},
        response=PAYMENT_EXAMPLE,
        response_schema=PAYMENT,
        errors=(400, 401, 403, 404, 429),
        error_examples={400: ("invalid_request", "Send the access token in the Authorization header.")},
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
        response_schema={
            "type": "object",
            "required": ["balances"],
            "properties": {
                "balances": {
                    "type": "array",
                    "description": "One per currency.",
                    "items": {
                        "type": "object",
                        "required": ["currency", "available"],
                        "properties": {"currency": CURRENCY, "available": {"type": "integer", "minimum": 0}},
                        "additionalProperties": False,
                    },
                },
            },
            "additionalProperties": False,
        },
        errors=(400, 401, 403, 429),
        error_examples={400: ("invalid_request", "Send the access token in the Authorization header.")},
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
            Param("from", "Currency to sell: GBP, EUR or USD (letter case is ignored).", "GBP", schema=CURRENCY),
            Param("to", "Currency to buy: GBP, EUR or USD (letter case is ignored).", "EUR", schema=CURRENCY),
            Param("amount", "Minor units to convert.", 10000, required=False,
                  schema={**AMOUNT, "default": DEFAULT_QUOTE_AMOUNT}),
        ),
        response={"from": "GBP", "to": "EUR", "amount": 10000, "rate": 1.166725, "converted_amount": 11667,
                  "expires_at": "2026-11-28T09:30:30Z"},
        response_schema={
            "type": "object",
            "required": ["from", "to", "amount", "rate", "converted_amount", "expires_at"],
            "properties": {
                "from": CURRENCY,
                "to": CURRENCY,
                "amount": AMOUNT,
                "rate": {"type": "number", "exclusiveMinimum": 0, "description": "Units of to per unit of from."},
                "converted_amount": {"type": "integer", "minimum": 0, "description": "Minor units of to."},
                "expires_at": TIMESTAMP,
            },
            "additionalProperties": False,
        },
        errors=(400, 401, 403, 429),
    )
)
@api_endpoint("fx")
def quote(request: Request, conn: sqlite3.Connection, caller: CallRecord) -> Response:
    source, target = _currency_param(request, "from"), _currency_param(request, "to")
    amount = _whole_number(request, "amount", 1, MAX_AMOUNT, default=DEFAULT_QUOTE_AMOUNT)
    rate = round(RATES_TO_GBP[source] / RATES_TO_GBP[target], 6)
    now = request.app.config.clock()
    return json_response(
        {"from": source, "to": target, "amount": amount, "rate": rate, "converted_amount": round(amount * rate),
         "expires_at": iso_time(now + 30)}
    )
