"""At-least-once delivery against a receiver that fails a random fifth of requests."""

from __future__ import annotations

import json
import random
from collections import defaultdict


def test_every_event_arrives_at_least_once_despite_random_failures(
    portal, ui, receiver, clock, wh, run_until_idle
):
    endpoint_id, secret = ui.add_endpoint(receiver.url(), ["payment.succeeded", "payment.failed"])
    rng = random.Random(20240601)
    answers: list[tuple[str, int]] = []

    def flaky(received):
        # Some failures happen after the receiver has processed the event: those force duplicates.
        status = rng.choice([500, 502, 503]) if rng.random() < 0.2 else 200
        answers.append((received.headers["webhook-id"], status))
        return status

    receiver.script = flaky
    published: dict[int, str] = {}
    for n in range(30):
        published[n] = wh.publish(portal, rng.choice(["payment.succeeded", "payment.failed"]), {"n": n})
        assert published[n] is not None
    assert len(set(published.values())) == 30

    run_until_idle()

    assert any(status >= 500 for _, status in answers), "the seed must actually inject failures"
    states = {d["state"] for d in wh.deliveries(portal, endpoint_id)}
    assert states == {"delivered"}
    ok_ids = {message_id for message_id, status in answers if 200 <= status < 300}
    assert ok_ids == set(published.values()), "every event got a 2xx at least once"

    ids_by_event: dict[int, set[str]] = defaultdict(set)
    for got in receiver.requests:
        ids_by_event[json.loads(got.body)["data"]["n"]].add(got.headers["webhook-id"])
        wh.verify(secret, got, int(got.headers["webhook-timestamp"]))
    assert set(ids_by_event) == set(range(30))
    for n, ids in ids_by_event.items():
        assert ids == {published[n]}, f"event {n}: duplicates must share one webhook-id"
    assert len(receiver.requests) > 30, "some events were sent more than once"
    # Every attempt is logged: one row per request the receiver saw.
    total_attempts = portal.db.scalar(
        "SELECT COUNT(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id"
        " WHERE d.endpoint_id = ?", (endpoint_id,))
    assert total_attempts == len(receiver.requests)
