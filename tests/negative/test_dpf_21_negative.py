"""DPF-21 must fail when an inactive endpoint still gets events (at once, late, or queued until it is active again),
or reactivating does not bring them back."""

import json

import httpx

from reference_portal.areas import webhooks
from reference_portal.core.http import redirect


def test_fails_when_inactive_endpoints_still_get_events(monkeypatch, start_portal, run_playbook):
    publish = webhooks.publish

    def publish_to_every_endpoint(conn, organisation_id, event_type, data, now, *, endpoint_ids=None):
        conn.execute("UPDATE webhook_endpoints SET state = 'active' WHERE state = 'inactive'")
        return publish(conn, organisation_id, event_type, data, now, endpoint_ids=endpoint_ids)

    monkeypatch.setattr(webhooks, "publish", publish_to_every_endpoint)
    outcome = run_playbook("DPF-21", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_reactivating_does_not_work(start_portal, run_playbook, replace_route_endpoint):
    def only_deactivate(request, endpoint_id):
        with request.app.db.transaction() as conn:
            conn.execute("UPDATE webhook_endpoints SET state = 'inactive' WHERE id = ?", (endpoint_id,))
        return redirect("/app/webhooks")

    routes = replace_route_endpoint("/app/webhooks/<wh:endpoint_id>/toggle", only_deactivate, method="POST")
    outcome = run_playbook("DPF-21", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def _publish_as_if_active(publish):
    """publish(), but inactive endpoints get the event queued as if they were active."""

    def queue_for_inactive_too(conn, organisation_id, event_type, data, now, *, endpoint_ids=None):
        inactive = [row[0] for row in conn.execute(
            "SELECT id FROM webhook_endpoints WHERE organisation_id = ? AND state = 'inactive'", (organisation_id,))]
        conn.executemany("UPDATE webhook_endpoints SET state = 'active' WHERE id = ?", [(i,) for i in inactive])
        try:
            return publish(conn, organisation_id, event_type, data, now, endpoint_ids=endpoint_ids)
        finally:
            conn.executemany("UPDATE webhook_endpoints SET state = 'inactive' WHERE id = ?", [(i,) for i in inactive])

    return queue_for_inactive_too


def test_fails_when_events_are_queued_while_inactive_and_sent_on_reactivation(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(webhooks, "publish", _publish_as_if_active(webhooks.publish))
    monkeypatch.setattr(webhooks.DeliveryWorker, "_cancel_for_inactive_endpoints",
                        staticmethod(lambda conn, due, now: None))
    outcome = run_playbook("DPF-21", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_an_inactive_endpoint_gets_its_event_late(monkeypatch, start_portal, run_playbook):
    """The event raised while inactive goes out to the inactive endpoint late: when the next event is published."""
    publish = webhooks.publish
    held: list[tuple[str, bytes]] = []

    def publish_and_send_late(conn, organisation_id, event_type, data, now, *, endpoint_ids=None):
        while held:
            url, body = held.pop(0)
            httpx.post(url, content=body, headers={"content-type": "application/json"}, timeout=10)
        for (url,) in conn.execute("SELECT url FROM webhook_endpoints WHERE organisation_id = ? AND state = 'inactive'"
                                   " AND event_types LIKE ?", (organisation_id, f"%{event_type}%")):
            held.append((url, json.dumps({"type": event_type, "timestamp": "", "data": data}).encode()))
        return publish(conn, organisation_id, event_type, data, now, endpoint_ids=endpoint_ids)

    monkeypatch.setattr(webhooks, "publish", publish_and_send_late)
    outcome = run_playbook("DPF-21", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_webhooks_page_shows_another_state_than_its_data(start_portal, run_playbook, patched_template):
    templates = patched_template("webhooks/list.html", 'data-state="{{ w.state }}">{{ w.state }}',
                                 'data-state="{{ w.state }}">active')
    outcome = run_playbook("DPF-21", start_portal(templates=templates))
    assert outcome.outcome == "failed" and "data-state is 'inactive'" in outcome.message, str(outcome)
