"""Benign variants of the webhooks pages, deliveries and events (DPF-19 to DPF-24, DPF-31 to DPF-34)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from reference_portal.areas import webhooks

from . import Variant

_publish = webhooks.publish
_claim_from = webhooks.DeliveryWorker._claim_from
_send = webhooks.DeliveryWorker._send


def _payment_in_another_shape(data: dict[str, Any]) -> dict[str, Any]:
    """The promised id, amount and currency; the rest of the payment in the portal's own shape."""
    return {"object": "payment", "id": data["id"], "amount": data["amount"], "currency": data["currency"],
            "outcome": {"status": data["status"], "reason": data["failure_reason"]},
            "metadata": {"description": data["description"], "created": data["created_at"]}}


def _publish_reshaped(conn, organisation_id, event_type, data, now, *, endpoint_ids=None):
    if event_type.startswith("payment."):
        data = _payment_in_another_shape(data)
    return _publish(conn, organisation_id, event_type, data, now, endpoint_ids=endpoint_ids)


def _claim_with_envelope(self, row, now):
    """Every event sent with more top-level fields than type, timestamp and data (signed as sent)."""
    claim = _claim_from(self, row, now)
    event = json.loads(claim.payload)
    enveloped = {"id": claim.message_id, "object": "event", "api_version": "2026-12-01", **event, "livemode": False}
    return dataclasses.replace(claim, payload=json.dumps(enveloped).encode("utf-8"))


def _send_twice_when_delivered(self, claim):
    """At-least-once delivery: a delivered event is sent again under the same webhook-id (the log keeps one attempt)."""
    outcome = _send(self, claim)
    if outcome.status is not None and 200 <= outcome.status < 300:
        _send(self, claim)
    return outcome


VARIANTS = [
    Variant("webhooks-newest-first", "endpoints listed newest first",
            ("DPF-19", "DPF-20", "DPF-21", "DPF-22", "DPF-23", "DPF-24", "DPF-32"),
            templates=(("webhooks/list.html", "{% for w in endpoints %}", "{% for w in endpoints|reverse %}"),)),
    Variant("deliveries-reversed", "the delivery log and each delivery's attempts in the other order", ("DPF-23", "DPF-32"),
            templates=(("webhooks/deliveries.html", "{% for d in deliveries %}", "{% for d in deliveries|reverse %}"),
                       ("webhooks/deliveries.html", "{% for a in attempts.get(d.id, []) %}",
                        "{% for a in attempts.get(d.id, [])|reverse %}"))),
    Variant("payment-events-other-shape", "payment events carry the payment's id, amount and currency beside the "
            "portal's own fields (its status and details nested)", ("DPF-21", "DPF-24", "DPF-32"),
            patches=((webhooks, "publish", _publish_reshaped),)),
    Variant("events-in-an-envelope", "every event carries more top-level fields (its id, object, api_version, "
            "livemode) around type, timestamp and data",
            ("DPF-19", "DPF-20", "DPF-21", "DPF-22", "DPF-23", "DPF-24", "DPF-32", "DPF-33", "DPF-34"),
            patches=((webhooks.DeliveryWorker, "_claim_from", _claim_with_envelope),)),
    Variant("deliveries-sent-twice", "at-least-once delivery: every delivered event arrives a second time under the "
            "same webhook-id", ("DPF-19", "DPF-20", "DPF-21", "DPF-22", "DPF-23", "DPF-24", "DPF-32", "DPF-33", "DPF-34"),
            patches=((webhooks.DeliveryWorker, "_send", _send_twice_when_delivered),)),
    Variant("request-log-a-page-oldest-first", "the usage request log shows one page of 20 calls, oldest first: a "
            "busy organisation's call is found with the filters", ("DPF-25", "DPF-26", "DPF-31", "DPF-32", "DPF-34"),
            templates=(("usage/index.html", "{% for c in calls %}", "{% for c in (calls|reverse|list)[:20] %}"),)),
]
