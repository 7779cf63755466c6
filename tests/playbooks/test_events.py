"""Deliveries are matched to what raised them by the event's type and the `data` fields the contract promises for it,
whatever else the event carries."""

from __future__ import annotations

import json

import pytest

from fixtures.webhooks import Delivery
from playbooks.harness.events import about, about_credential, about_payment, event_data, of_type


def delivery(event: object) -> Delivery:
    return Delivery("/hooks/x", {"webhook-id": "msg_1"}, json.dumps(event).encode(), 200)


def test_a_payment_event_is_matched_by_its_id_whatever_else_it_carries():
    reshaped = {"id": "evt_9", "object": "event", "type": "payment.succeeded", "timestamp": "t", "livemode": False,
                "data": {"object": "payment", "id": "pay_1", "amount": 4242, "currency": "GBP",
                         "outcome": {"status": "succeeded"}}}
    assert about_payment("pay_1")(delivery(reshaped))
    assert about_payment("pay_1")(delivery({**reshaped, "type": "payment.failed"}))
    assert not about_payment("pay_2")(delivery(reshaped))


@pytest.mark.parametrize("event", [
    {"type": "credential.rotated", "timestamp": "t", "data": {"id": "pay_1"}},  # another type with the same id
    {"type": "payment.succeeded", "timestamp": "t", "data": {"payment": {"id": "pay_1"}}},  # id not where promised
    {"type": "payment.succeeded", "timestamp": "t", "data": "pay_1"},
    {"type": "payment.succeeded", "timestamp": "t"},
    ["payment.succeeded", "pay_1"],
])
def test_nothing_else_is_taken_for_the_payment(event):
    assert not about_payment("pay_1")(delivery(event))


def test_credential_events_by_client_id_and_types_by_name():
    rotated = delivery({"type": "credential.rotated", "timestamp": "t", "data": {"client_id": "ci_1", "x": 1}})
    assert about_credential("ci_1")(rotated) and not about_credential("ci_2")(rotated)
    assert of_type("credential.rotated", "webhook.test")(rotated) and not of_type("webhook.test")(rotated)
    assert event_data(delivery({"type": "webhook.test", "data": None})) == {}


def test_matching_by_a_field_the_contract_does_not_promise_is_refused():
    with pytest.raises(AssertionError, match="does not promise `data.amount`"):
        about("credential.", "amount", 1)
