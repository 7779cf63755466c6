"""DPF-24 must fail when a deleted endpoint is still listed, or is only hidden and still gets deliveries."""

from reference_portal.core.http import redirect


def test_fails_when_delete_does_nothing(start_portal, run_playbook, replace_route_endpoint):
    routes = replace_route_endpoint("/app/webhooks/<int:endpoint_id>/delete",
                                    lambda request, endpoint_id: redirect("/app/webhooks?deleted=1"), method="POST")
    outcome = run_playbook("DPF-24", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_delete_only_hides_the_endpoint(start_portal, run_playbook, replace_route_endpoint, patched_template):
    def hide(request, endpoint_id):
        with request.app.db.transaction() as conn:
            conn.execute("UPDATE webhook_endpoints SET description = 'hidden' WHERE id = ?", (endpoint_id,))
        return redirect("/app/webhooks?deleted=1")

    routes = replace_route_endpoint("/app/webhooks/<int:endpoint_id>/delete", hide, method="POST")
    templates = patched_template("webhooks/list.html", "{% for w in endpoints %}",
                                 "{% for w in endpoints if w.description != 'hidden' %}")
    outcome = run_playbook("DPF-24", start_portal(routes=routes, templates=templates))
    assert outcome.outcome == "failed", str(outcome)
