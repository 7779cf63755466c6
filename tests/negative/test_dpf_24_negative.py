"""DPF-24 must fail when a deleted endpoint is still listed, is only hidden and still gets deliveries (at once or
late), or can be brought back by its own routes."""

import json
import threading
import time

import httpx

from reference_portal.areas import webhooks, webhooks_ui
from reference_portal.core.http import redirect


def test_fails_when_delete_does_nothing(start_portal, run_playbook, replace_route_endpoint):
    routes = replace_route_endpoint("/app/webhooks/<wh:endpoint_id>/delete",
                                    lambda request, endpoint_id: redirect("/app/webhooks?deleted=1"), method="POST")
    outcome = run_playbook("DPF-24", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_delete_only_hides_the_endpoint(start_portal, run_playbook, replace_route_endpoint, patched_template):
    def hide(request, endpoint_id):
        with request.app.db.transaction() as conn:
            conn.execute("UPDATE webhook_endpoints SET description = 'hidden' WHERE id = ?", (endpoint_id,))
        return redirect("/app/webhooks?deleted=1")

    routes = replace_route_endpoint("/app/webhooks/<wh:endpoint_id>/delete", hide, method="POST")
    templates = patched_template("webhooks/list.html", "{% for w in endpoints %}",
                                 "{% for w in endpoints if w.description != 'hidden' %}")
    outcome = run_playbook("DPF-24", start_portal(routes=routes, templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def _hide_as_inactive(request, endpoint_id):
    """Deletion that only makes the endpoint inactive and hides it from the list."""
    with request.app.db.transaction() as conn:
        conn.execute("UPDATE webhook_endpoints SET description = 'hidden', state = 'inactive' WHERE id = ?", (endpoint_id,))
    return redirect("/app/webhooks?deleted=1")


HIDE_IN_LIST = ("webhooks/list.html", "{% for w in endpoints %}", "{% for w in endpoints if w.description != 'hidden' %}")


def test_fails_when_a_deleted_endpoint_gets_an_event_late(monkeypatch, start_portal, run_playbook,
                                                          replace_route_endpoint, patched_template):
    """The event raised after deletion reaches the (hidden) endpoint late: when the next event is published."""
    publish = webhooks.publish
    held: list[tuple[str, bytes]] = []

    def publish_and_send_late(conn, organisation_id, event_type, data, now, *, endpoint_ids=None):
        while held:
            url, body = held.pop(0)
            httpx.post(url, content=body, headers={"content-type": "application/json"}, timeout=10)
        for (url,) in conn.execute("SELECT url FROM webhook_endpoints WHERE organisation_id = ? AND description = 'hidden'"
                                   " AND event_types LIKE ?", (organisation_id, f"%{event_type}%")):
            held.append((url, json.dumps({"type": event_type, "timestamp": "", "data": data}).encode()))
        return publish(conn, organisation_id, event_type, data, now, endpoint_ids=endpoint_ids)

    monkeypatch.setattr(webhooks, "publish", publish_and_send_late)
    routes = replace_route_endpoint("/app/webhooks/<wh:endpoint_id>/delete", _hide_as_inactive, method="POST")
    outcome = run_playbook("DPF-24", start_portal(routes=routes, templates=patched_template(*HIDE_IN_LIST)))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_a_deleted_endpoint_can_be_toggled_back(start_portal, run_playbook, replace_route_endpoint,
                                                            patched_template):
    """Deletion only deactivates and hides: nothing is delivered, but the endpoint's toggle route still works."""
    routes = replace_route_endpoint("/app/webhooks/<wh:endpoint_id>/delete", _hide_as_inactive, method="POST")
    outcome = run_playbook("DPF-24", start_portal(routes=routes, templates=patched_template(*HIDE_IN_LIST)))
    assert outcome.outcome == "failed", str(outcome)


def _post_quietly(url: str, payload: bytes, message_id: str) -> None:
    try:
        httpx.post(url, content=payload, timeout=5,
                   headers={"content-type": "application/json", "webhook-id": message_id})
    except httpx.HTTPError:
        pass  # the receiver is gone once the playbook has ended


def test_fails_when_retries_outlive_the_deleted_endpoint(start_portal, run_playbook, replace_route_endpoint):
    """The endpoint is deleted, but the retries already queued for it still go out when they are due."""

    def delete_leaving_retries(request, endpoint_id):
        pending = request.app.db.query(
            "SELECT w.url, e.id AS message_id, e.payload, d.next_attempt_at FROM webhook_deliveries d"
            " JOIN webhook_endpoints w ON w.id = d.endpoint_id JOIN webhook_events e ON e.id = d.event_id"
            " WHERE d.endpoint_id = ? AND d.state = 'pending'", (endpoint_id,))
        for row in pending:
            retry = threading.Timer(max(0.0, row["next_attempt_at"] - time.time()), _post_quietly,
                                    (row["url"], row["payload"], row["message_id"]))
            retry.daemon = True
            retry.start()
        return webhooks_ui.delete(request, endpoint_id=endpoint_id)

    routes = replace_route_endpoint("/app/webhooks/<wh:endpoint_id>/delete", delete_leaving_retries, method="POST")
    outcome = run_playbook("DPF-24", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)
