"""Claiming due deliveries holds the database's write lock, so it must not read a backlog: with 6,000 deliveries
due for one endpoint the claim reads each endpoint's first few from the index, not all 6,000."""

from __future__ import annotations

from reference_portal.areas import webhooks

BACKLOG = 6000
STEPS_PER_TICK = 1000  # SQLite calls the progress handler every this many virtual machine instructions


def test_a_backlog_for_one_endpoint_is_not_scanned_while_claiming(portal, ui, receiver, wh):
    ui.add_endpoint(receiver.url("/busy"), ["payment.succeeded"])
    ui.add_endpoint(receiver.url("/quiet"), ["payment.failed"])
    with portal.db.transaction() as conn:
        for n in range(BACKLOG):
            webhooks.publish(conn, wh.organisation_id(portal), "payment.succeeded", {"n": n}, portal.config.clock())
    wh.publish(portal, "payment.failed", {"n": "quiet"})
    ticks = []
    conn = portal.db.connection()  # the claim below runs on this thread's connection
    conn.set_progress_handler(lambda: ticks.append(1), STEPS_PER_TICK)
    try:
        claimed = portal.deliveries.claim()
    finally:
        conn.set_progress_handler(None, STEPS_PER_TICK)
    assert claimed.url == receiver.url("/busy") and b'"n":0' in claimed.payload  # the oldest, in its turn
    assert len(ticks) * STEPS_PER_TICK < 20_000, f"about {len(ticks) * STEPS_PER_TICK} instructions for one claim"
