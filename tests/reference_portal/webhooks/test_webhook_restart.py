"""A worker that dies after claiming a delivery loses nothing: the lease runs out and a new process sends it."""

from __future__ import annotations

import time

import pytest

from reference_portal.areas import webhooks


@pytest.mark.parametrize("explicit_key", [True, False], ids=["secret_key", "key-file"])
def test_a_claimed_but_unsent_delivery_is_sent_after_restart(
    make_portal, make_ui, receiver, clock, wh, explicit_key
):
    key = {} if explicit_key else {"secret_key": None}
    first = make_portal(**key)
    ui = make_ui(first)
    endpoint_id, secret = ui.add_endpoint(receiver.url())
    queued = [wh.publish(first, data={"n": n}) for n in range(5)]
    payloads = {r["id"]: r["payload"].encode() for r in first.db.query("SELECT id, payload FROM webhook_events")}

    crashed = first.deliveries.claim()  # leased, then the process "dies" before attempting it
    assert crashed is not None and crashed.message_id == queued[0]
    first.db.close()

    second = make_portal(**key)
    second.deliveries.deliver_due()
    sent = [r.headers["webhook-id"] for r in receiver.requests]
    assert sorted(sent) == sorted(queued[1:]), "the leased delivery waits for its lease to run out"

    clock.advance(webhooks.LEASE_SECONDS + 1)
    assert second.deliveries.deliver_due() == 1
    sent = [r.headers["webhook-id"] for r in receiver.requests]
    assert sorted(sent) == sorted(queued), "every event delivered exactly once, none lost"
    for got in receiver.requests:
        assert got.body == payloads[got.headers["webhook-id"]], "delivered exactly as queued"
        wh.verify(secret, got, clock.now)
    assert {d["state"] for d in wh.deliveries(second, endpoint_id)} == {"delivered"}


def test_the_background_worker_of_a_restarted_portal_picks_up_the_leftovers(make_portal, make_ui, receiver, clock, wh):
    first = make_portal()
    endpoint_id, secret = make_ui(first).add_endpoint(receiver.url())
    queued = [wh.publish(first, data={"n": n}) for n in range(4)]
    assert first.deliveries.claim() is not None
    first.db.close()

    second = make_portal()
    clock.advance(webhooks.LEASE_SECONDS + 1)
    second.deliveries.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and second.db.scalar(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'"):
        time.sleep(0.05)
    second.deliveries.stop()
    assert sorted(r.headers["webhook-id"] for r in receiver.requests) == sorted(queued)
    assert {d["state"] for d in wh.deliveries(second, endpoint_id)} == {"delivered"}
