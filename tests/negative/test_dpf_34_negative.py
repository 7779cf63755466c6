"""DPF-34 must fail when the go-live checklist says what is not so (a check passing before its item exists or staying
passed once it is undone, products_approved always passing or counting a pending product, admins_2fa asking 2FA of
the signed-in admin only, a JSON twin that disagrees with the page, a signature check that never sends the wrongly
signed event) or when an item does not work (an alert that never fires, an old secret that keeps working), and when
there is no /app/go-live."""

from dataclasses import replace

from reference_portal.areas import alerts, credentials, go_live
from reference_portal.core.handlers import signed_in_user
from reference_portal.core.http import json_response
from reference_portal.routes import ROUTES


def test_fails_when_a_check_passes_before_its_item_exists(start_portal, run_playbook, patched_template):
    templates = patched_template("go_live/index.html", "data-state=\"{{ 'pass' if check.passed else 'fail' }}\"",
                                 'data-state="pass"')
    outcome = run_playbook("DPF-34", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_json_twin_disagrees_with_the_page(start_portal, run_playbook, replace_route_endpoint):
    def flipped(request):
        data = go_live.readiness_of(request).as_data()
        data["checks"][-1]["passed"] = not data["checks"][-1]["passed"]
        return json_response(data)

    outcome = run_playbook("DPF-34", start_portal(routes=replace_route_endpoint("/app/go-live.json", flipped)))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_wrongly_signed_event_is_never_sent(monkeypatch, start_portal, run_playbook):
    send = go_live.send_signed

    def only_the_good_one(request, url, secret, signature):
        if signature == "wrong":  # recorded as refused, but nothing was sent
            return go_live.SentEvent(401, None, request.app.config.clock())
        return send(request, url, secret, signature)

    monkeypatch.setattr(go_live, "send_signed", only_the_good_one)
    outcome = run_playbook("DPF-34", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_alert_never_fires(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(alerts, "evaluate", lambda db, organisation_id, now: [])
    monkeypatch.setattr(alerts, "after_call", lambda db, application_id, now: [])
    outcome = run_playbook("DPF-34", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_first_secret_keeps_working(monkeypatch, start_portal, run_playbook):
    rotate = credentials.rotate
    monkeypatch.setattr(
        credentials, "rotate", lambda conn, cid, environment, grace, now: rotate(conn, cid, environment, 86400, now)
    )
    outcome = run_playbook("DPF-34", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_saying_so_when_the_portal_has_no_go_live_page(start_portal, run_playbook):
    routes = [rule for rule in ROUTES if not rule.pattern.startswith("/app/go-live")]
    outcome = run_playbook("DPF-34", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)
    assert "no /app/go-live" in outcome.message + outcome.output, str(outcome)


def test_fails_when_a_check_sticks_once_passed(monkeypatch, start_portal, run_playbook):
    check_alerts, passed = go_live._check_alerts, {}

    def sticky(conn, organisation_id):
        check = check_alerts(conn, organisation_id)
        if check.passed:
            passed[organisation_id] = check
        return passed.get(organisation_id, check)

    monkeypatch.setattr(go_live, "_check_alerts", sticky)
    outcome = run_playbook("DPF-34", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_products_approved_always_passes(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(go_live, "_check_products", lambda subscriptions, app: go_live.Check(
        "products_approved", "Products subscribed and approved", True, "Subscribed and approved.", "/app/products",
        "Open API products"))
    outcome = run_playbook("DPF-34", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_a_pending_product_counts_as_approved(monkeypatch, start_portal, run_playbook):
    subscriptions = go_live._subscriptions
    monkeypatch.setattr(go_live, "_subscriptions", lambda conn, application_id: [
        {**dict(row), "state": "approved" if row["state"] == "pending" else row["state"]}
        for row in subscriptions(conn, application_id)])
    outcome = run_playbook("DPF-34", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_admins_2fa_asks_it_of_the_signed_in_admin_only(monkeypatch, start_portal, run_playbook):
    readiness_of = go_live.readiness_of

    def current_admin_only(request):
        readiness = readiness_of(request)
        on = signed_in_user(request).totp_enabled
        checks = [replace(check, passed=on, detail="Your two-factor authentication is on." if on else check.detail)
                  if check.id == "admins_2fa" else check for check in readiness.checks]
        return replace(readiness, checks=checks)

    monkeypatch.setattr(go_live, "readiness_of", current_admin_only)
    outcome = run_playbook("DPF-34", start_portal())
    assert outcome.outcome == "failed", str(outcome)
