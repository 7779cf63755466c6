"""The endpoints pages: subscriptions, toggling, test events, redelivery, deletion and organisation isolation."""

from __future__ import annotations

import json

import pytest

OTHER = ("mallory@other.example", "other-org-password-1")


def _state(ui, endpoint_id):
    html = ui.get("/app/webhooks").text
    row = html.split(f'data-webhook-id="{endpoint_id}"', 1)[1].split("</tr>", 1)[0]
    return row.split('data-testid="webhook-state" data-state="', 1)[1].split('"', 1)[0]


def test_only_subscribed_event_types_are_queued(portal, ui, receiver, wh):
    failed_only, _ = ui.add_endpoint(receiver.url("/failed"), ["payment.failed"])
    both, _ = ui.add_endpoint(receiver.url("/both"), ["payment.failed", "payment.succeeded"])
    wh.publish(portal, "payment.succeeded")
    wh.publish(portal, "payment.failed")
    assert wh.publish(portal, "credential.revoked") is None, "nobody wants it: nothing queued"
    portal.deliveries.deliver_due()
    assert [json.loads(r.body)["type"] for r in receiver.at("/failed")] == ["payment.failed"]
    assert sorted(json.loads(r.body)["type"] for r in receiver.at("/both")) == ["payment.failed", "payment.succeeded"]
    assert portal.db.scalar("SELECT COUNT(*) FROM webhook_events WHERE type = 'credential.revoked'") == 0


def test_an_inactive_endpoint_gets_nothing_until_activated_again(portal, ui, receiver, clock, wh):
    endpoint_id, _ = ui.add_endpoint(receiver.url())
    receiver.script = [500, 200]
    wh.publish(portal, data={"n": "before"})
    portal.deliveries.deliver_due()  # fails once, a retry is pending
    assert wh.deliveries(portal, endpoint_id)[0]["state"] == "pending"

    assert ui.post(f"/app/webhooks/{endpoint_id}/toggle").status_code in (302, 303)
    assert _state(ui, endpoint_id) == "inactive"
    assert wh.deliveries(portal, endpoint_id)[0]["state"] == "cancelled", "deactivation cancels pending retries"
    assert wh.publish(portal, data={"n": "while-inactive"}) is None
    assert len(wh.deliveries(portal, endpoint_id)) == 1
    clock.advance(3600)
    assert portal.deliveries.deliver_due() == 0
    assert len(receiver.requests) == 1
    ui.sign_in()  # an hour went by
    assert ui.post(f"/app/webhooks/{endpoint_id}/test").status_code == 400, "no test event while inactive"

    ui.post(f"/app/webhooks/{endpoint_id}/toggle")
    assert _state(ui, endpoint_id) == "active"
    assert wh.publish(portal, data={"n": "after"}) is not None
    portal.deliveries.deliver_due()
    assert [json.loads(r.body)["data"]["n"] for r in receiver.requests] == ["before", "after"]


def test_deleting_an_endpoint_removes_its_pending_deliveries(portal, ui, receiver, clock, wh):
    endpoint_id, _ = ui.add_endpoint(receiver.url())
    receiver.script = 500
    wh.publish(portal, data={"n": 1})
    portal.deliveries.deliver_due()
    wh.publish(portal, data={"n": 2})  # never attempted
    assert len(wh.deliveries(portal, endpoint_id)) == 2
    sent = len(receiver.requests)

    confirm = ui.get(f"/app/webhooks/{endpoint_id}/delete")
    assert confirm.status_code == 200 and receiver.url() in confirm.text
    deleted = ui.post(f"/app/webhooks/{endpoint_id}/delete")
    assert deleted.status_code in (302, 303) and "deleted=1" in deleted.headers["location"]

    assert wh.deliveries(portal, endpoint_id) == []
    assert portal.db.scalar("SELECT COUNT(*) FROM webhook_endpoints WHERE id = ?", (endpoint_id,)) == 0
    assert wh.webhook_rows(ui.get("/app/webhooks").text) == []
    clock.advance(86400)
    assert portal.deliveries.deliver_due() == 0
    assert len(receiver.requests) == sent
    ui.sign_in()  # a day went by
    assert ui.get(f"/app/webhooks/{endpoint_id}/deliveries").status_code == 404


def test_test_event_and_redelivery_reuse_the_delivery_log(portal, ui, receiver, wh):
    endpoint_id, secret = ui.add_endpoint(receiver.url(), ["payment.succeeded"])
    answer = ui.post(f"/app/webhooks/{endpoint_id}/test")
    assert answer.status_code in (302, 303)
    assert answer.headers["location"] == f"/app/webhooks/{endpoint_id}/deliveries?sent=1"
    portal.deliveries.deliver_due()
    [first] = receiver.requests
    assert json.loads(first.body)["type"] == "webhook.test", "sent even though not subscribed to webhook.test"

    [delivery] = wh.deliveries(portal, endpoint_id)
    page = ui.get(f"/app/webhooks/{endpoint_id}/deliveries").text
    assert f'data-delivery-id="{delivery["id"]}" data-event-id="{first.headers["webhook-id"]}" data-state="delivered"' in page

    again = ui.post(f"/app/webhooks/{endpoint_id}/deliveries/{delivery['id']}/redeliver")
    assert again.status_code in (302, 303)
    portal.deliveries.deliver_due()
    assert len(receiver.requests) == 2
    assert receiver.requests[1].headers["webhook-id"] == first.headers["webhook-id"]
    assert receiver.requests[1].body == first.body
    assert ui.post(f"/app/webhooks/{endpoint_id}/deliveries/999999/redeliver").status_code == 404


@pytest.mark.parametrize(("method", "suffix"), [
    ("POST", "toggle"), ("POST", "rotate"), ("POST", "test"), ("GET", "deliveries"), ("GET", "delete"),
    ("POST", "delete"), ("POST", "deliveries/{delivery}/redeliver"),
])
def test_another_organisations_endpoint_is_not_found(
    portal, ui, make_ui, add_developer, receiver, wh, method, suffix
):
    endpoint_id, _ = ui.add_endpoint(receiver.url())
    wh.publish(portal)
    [delivery] = wh.deliveries(portal, endpoint_id)
    before = wh.endpoint(portal, endpoint_id)
    add_developer(*OTHER, organisation="Other Org Ltd", portal=portal)
    intruder = make_ui(portal, *OTHER)
    path = f"/app/webhooks/{endpoint_id}/" + suffix.format(delivery=delivery["id"])

    answer = intruder.get(path) if method == "GET" else intruder.post(path)

    assert answer.status_code == 404
    assert receiver.url() not in answer.text
    assert 'data-testid="one-time-secret"' not in answer.text
    assert wh.endpoint(portal, endpoint_id) == before
    assert len(wh.deliveries(portal, endpoint_id)) == 1
    assert wh.webhook_rows(intruder.get("/app/webhooks").text) == []
    # The owner still reaches it.
    assert ui.get(f"/app/webhooks/{endpoint_id}/deliveries").status_code == 200
