"""Webhook deliveries matched by what the contract fixes: the event's `type`, and the fields its `data` carries for
that type ([webhooks] event_data). Anything else in an event is the portal's own and is ignored. Delivery is at least
once, so a matcher says which deliveries are about something, never how many of them arrive."""

from __future__ import annotations

import re
from typing import Any, Callable

from .contract import contract

Matcher = Callable[[Any], bool]


def event_types_named(text: str) -> set[str]:
    """The contract's event types a text names, each as a whole name ("payment.failed", not "payment.failed.v2")."""
    return {t for t in contract().webhooks["event_types"] if re.search(rf"(?<![\w.]){re.escape(t)}(?![\w.])", text)}


def event_type(delivery: Any) -> str:
    event = delivery.event
    return str(event.get("type", "")) if isinstance(event, dict) else ""


def event_data(delivery: Any) -> dict[str, Any]:
    """The event's `data` object ({} when the event has none)."""
    event = delivery.event
    data = event.get("data") if isinstance(event, dict) else None
    return data if isinstance(data, dict) else {}


def promised_fields(type_: str) -> list[str]:
    return contract().webhooks["event_data"].get(type_, [])


def of_type(*types: str) -> Matcher:
    return lambda delivery: event_type(delivery) in types


def about(type_prefix: str, field: str, value: object) -> Matcher:
    """Deliveries of an event type starting with type_prefix whose `data` carries field = value, a field the contract
    promises for that type."""
    types = [t for t in contract().webhooks["event_types"] if t.startswith(type_prefix)]
    unpromised = [t for t in types if field not in promised_fields(t)]
    assert types and not unpromised, f"the contract does not promise `data.{field}` for {unpromised or type_prefix}"
    return lambda delivery: event_type(delivery) in types and str(event_data(delivery).get(field)) == str(value)


def about_payment(payment_id: str) -> Matcher:
    """A payment.* event about this payment (its `data.id`, as the payments API answered)."""
    return about("payment.", "id", payment_id)


def about_credential(client_id: str) -> Matcher:
    """A credential.* event about this credential (its `data.client_id`)."""
    return about("credential.", "client_id", client_id)
