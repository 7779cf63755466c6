"""DPF-20 must fail when deliveries do not verify with the secret shown, the secret is not in the signed format, or
the endpoint is not stored as created (inactive, other event types)."""

from reference_portal.areas import webhooks, webhooks_ui


def test_fails_when_deliveries_are_signed_with_another_secret(monkeypatch, start_portal, run_playbook):
    sign = webhooks.sign
    monkeypatch.setattr(webhooks, "sign", lambda secret, *rest: sign(webhooks.new_secret(), *rest))
    outcome = run_playbook("DPF-20", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_secret_is_short(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(webhooks, "new_secret", lambda: "whsec_" + "QUJD" * 4)
    outcome = run_playbook("DPF-20", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_endpoint_is_stored_inactive(start_portal, run_playbook, replace_route_endpoint):
    def create_inactive(request):
        response = webhooks_ui.create(request)
        with request.app.db.transaction() as conn:
            conn.execute("UPDATE webhook_endpoints SET state = 'inactive' WHERE url = ?", (request.field("url").strip(),))
        return response

    routes = replace_route_endpoint("/app/webhooks", create_inactive, method="POST")
    outcome = run_playbook("DPF-20", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_endpoint_keeps_only_one_event_type(start_portal, run_playbook, replace_route_endpoint):
    def create_with_first_type(request):
        request.form["event_types"] = request.form.get("event_types", [])[:1]
        return webhooks_ui.create(request)

    routes = replace_route_endpoint("/app/webhooks", create_with_first_type, method="POST")
    outcome = run_playbook("DPF-20", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_secret_page_may_be_cached(start_portal, run_playbook, make_cacheable, replace_route_endpoint):
    routes = replace_route_endpoint("/app/webhooks", make_cacheable(webhooks_ui.create), method="POST")
    outcome = run_playbook("DPF-20", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)
