"""Fair delivery: an endpoint that hangs, or a backlog of hundreds for one endpoint, delays nobody else's webhooks;
stopping the worker never waits for a hanging endpoint, and a send cut short is sent again."""

from __future__ import annotations

import json
import threading
import time

import pytest

from reference_portal.areas import webhooks

FAIR_DELAY_SECONDS = 1.0


def test_another_organisations_delivery_arrives_at_once_while_an_endpoint_hangs(fairness):
    delay = fairness.measure_fairness_delay(slow_endpoints=1, slow_queued=3)
    assert delay < FAIR_DELAY_SECONDS, f"delivered {delay:.2f} s after publishing"


def test_an_organisation_with_hanging_endpoints_cannot_take_every_sender(fairness):
    delay = fairness.measure_fairness_delay(slow_endpoints=webhooks.SENDER_THREADS, slow_queued=1)
    assert delay < FAIR_DELAY_SECONDS, f"delivered {delay:.2f} s after publishing"


@pytest.mark.parametrize("same_organisation", [False, True], ids=["other-organisation", "same-organisation"])
def test_a_backlog_for_one_endpoint_does_not_hold_up_another(fairness, same_organisation):
    delay = fairness.measure_fairness_delay(backlog=600, same_organisation=same_organisation)
    assert delay < FAIR_DELAY_SECONDS, f"delivered {delay:.2f} s after publishing"


def test_due_deliveries_are_taken_endpoint_by_endpoint_each_in_order(portal, ui, receiver, wh):
    ui.add_endpoint(receiver.url("/busy"), ["payment.succeeded"])
    ui.add_endpoint(receiver.url("/quiet"), ["payment.failed"])
    with portal.db.transaction() as conn:
        for n in range(600):
            webhooks.publish(conn, wh.organisation_id(portal), "payment.succeeded", {"n": n}, portal.config.clock())
    wh.publish(portal, "payment.failed", {"n": "quiet"})

    assert portal.deliveries.deliver_due(limit=2) == 2
    assert sorted(r.path for r in receiver.requests) == ["/busy", "/quiet"], "the quiet endpoint's turn came at once"

    portal.deliveries.deliver_due(limit=30)
    busy = [json.loads(r.body)["data"]["n"] for r in receiver.at("/busy")]
    assert busy == list(range(len(busy))), "one endpoint's events go out in the order they were published"


def test_stop_does_not_wait_for_a_hanging_send_which_is_sent_again_later(
    make_portal, make_ui, receiver, clock, wh
):
    first = make_portal()
    endpoint_id, _ = make_ui(first).add_endpoint(receiver.url())
    hanging, release = threading.Event(), threading.Event()

    def hang_the_first(received):
        if not hanging.is_set():
            hanging.set()
            release.wait(30)

    receiver.before_answer = hang_the_first
    message_id = wh.publish(first)
    first.deliveries.start()
    assert hanging.wait(5), "the send never started"

    started = time.monotonic()
    first.deliveries.stop()
    assert time.monotonic() - started < 1, "stop() waited for the hanging endpoint"

    # As if that process had been killed there: a new one sends the delivery once its lease runs out.
    second = make_portal()
    assert second.deliveries.deliver_due() == 0, "still leased"
    clock.advance(webhooks.LEASE_SECONDS + 1)
    assert second.deliveries.deliver_due() == 1
    assert [r.headers["webhook-id"] for r in receiver.requests] == [message_id, message_id]
    assert wh.deliveries(second, endpoint_id)[0]["state"] == "delivered"

    release.set()
    assert first.deliveries.wait_for_sends(5), "the cut-short send ends once the endpoint answers"
