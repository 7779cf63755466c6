"""DPF-21 must fail when an inactive endpoint still gets events, or reactivating does not bring them back."""

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

    routes = replace_route_endpoint("/app/webhooks/<int:endpoint_id>/toggle", only_deactivate, method="POST")
    outcome = run_playbook("DPF-21", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)
