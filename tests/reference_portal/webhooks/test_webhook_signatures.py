"""Deliveries are signed per Standard Webhooks with the secret shown once; rotation overlaps for 24 hours."""

from __future__ import annotations

import json

import pytest
from standardwebhooks.webhooks import WebhookVerificationError

from reference_portal.areas import webhooks


def test_delivery_verifies_with_the_one_time_secret(portal, ui, receiver, clock, wh):
    endpoint_id, secret = ui.add_endpoint(receiver.url())
    assert secret.startswith("whsec_")
    message_id = wh.publish(portal, "payment.succeeded", {"payment_id": "pay_1", "amount": 1250})
    assert message_id and message_id.startswith("msg_")

    assert portal.deliveries.deliver_due() == 1

    [got] = receiver.requests
    assert got.headers["webhook-id"] == message_id
    assert got.headers["webhook-timestamp"] == str(int(clock.now))
    assert got.headers["content-type"] == "application/json"
    payload = wh.verify(secret, got, clock.now)
    assert payload["type"] == "payment.succeeded"
    assert payload["data"] == {"payment_id": "pay_1", "amount": 1250}
    # A different secret does not verify the same delivery, and neither does a tampered body.
    with pytest.raises(WebhookVerificationError):
        wh.verify(webhooks.new_secret(), got, clock.now)
    got.body = got.body.replace(b"1250", b"9999")
    with pytest.raises(WebhookVerificationError):
        wh.verify(secret, got, clock.now)


def test_every_retry_of_one_event_keeps_its_webhook_id(portal, ui, receiver, clock, wh, run_until_idle):
    endpoint_id, secret = ui.add_endpoint(receiver.url())
    receiver.script = [500, 503, 200]
    message_id = wh.publish(portal)

    run_until_idle()

    assert len(receiver.requests) == 3
    assert {r.headers["webhook-id"] for r in receiver.requests} == {message_id}
    assert len({r.body for r in receiver.requests}) == 1, "every retry carries the same body"
    stamps = [int(r.headers["webhook-timestamp"]) for r in receiver.requests]
    assert stamps == sorted(stamps) and stamps[0] < stamps[-1], "each attempt is signed at its own time"
    for got in receiver.requests:
        wh.verify(secret, got, int(got.headers["webhook-timestamp"]))


def test_rotation_signs_with_both_secrets_until_the_overlap_ends(portal, ui, receiver, clock, wh):
    endpoint_id, old_secret = ui.add_endpoint(receiver.url())
    rotated = ui.post(f"/app/webhooks/{endpoint_id}/rotate")
    assert rotated.status_code == 200
    assert rotated.headers.get("cache-control") == "no-store"
    new_secret = wh.one_time_secret(rotated.text)
    assert new_secret != old_secret

    wh.publish(portal)
    portal.deliveries.deliver_due()
    [during] = receiver.requests
    signatures = during.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    assert wh.verify(new_secret, during, clock.now)["type"] == "payment.succeeded"
    assert wh.verify(old_secret, during, clock.now)["type"] == "payment.succeeded"

    clock.advance(webhooks.SECRET_OVERLAP_SECONDS + 1)
    wh.publish(portal)
    portal.deliveries.deliver_due()
    assert len(receiver.requests) == 2
    after = receiver.requests[1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    wh.verify(new_secret, after, clock.now)
    with pytest.raises(WebhookVerificationError):
        wh.verify(old_secret, after, clock.now)
    assert json.loads(after.body)["type"] == "payment.succeeded"
