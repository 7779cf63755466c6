"""A usage alert rule that fires is delivered as a signed usage.alert event, once per breach, to the endpoints that
subscribe to it (and to no other), after the API calls that breached it."""

from __future__ import annotations

from reference_portal.areas import alerts


def test_a_firing_rule_is_delivered_signed_once(portal, ui, receiver, clock, wh):
    _, secret = ui.add_endpoint(receiver.url("/alerts"), ("usage.alert",))
    ui.add_endpoint(receiver.url("/payments"), ("payment.succeeded",))
    org = wh.organisation_id(portal)
    with portal.db.transaction() as conn:
        app = conn.execute(
            "INSERT INTO applications (organisation_id, name, environment, callback_urls, created_at, updated_at)"
            " VALUES (?, 'alerting', 'sandbox', 'https://x.example/cb', ?, ?)", (org, clock.now, clock.now)).lastrowid
        rule = conn.execute(
            "INSERT INTO usage_alert_rules (organisation_id, name, kind, threshold, window_minutes, created_at)"
            " VALUES (?, '5xx burst', 'server_errors', 1, 5, ?)", (org, clock.now)).lastrowid
        conn.executemany(
            "INSERT INTO api_calls (application_id, method, route, status, latency_ms, request_id, client_address,"
            " called_at) VALUES (?, 'GET', '/api/v1/payments', 500, 3.0, ?, '127.0.0.1', ?)",
            [(app, f"req_alert_{i}", clock.now) for i in range(2)])
    assert len(alerts.after_call(portal.db, app, clock.now)) == 1
    clock.advance(alerts.EVALUATE_EVERY_SECONDS)
    assert alerts.after_call(portal.db, app, clock.now) == []  # still the same breach

    assert portal.deliveries.deliver_due() == 1
    [got] = receiver.at("/alerts")
    payload = wh.verify(secret, got, clock.now)
    assert payload["type"] == "usage.alert"
    assert payload["data"]["rule_id"] == str(rule) and payload["data"]["state"] == "firing"
    assert payload["data"]["value"] == 2.0 and payload["data"]["kind"] == "server_errors"
    assert receiver.at("/payments") == []
