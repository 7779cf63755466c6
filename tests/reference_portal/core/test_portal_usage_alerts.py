"""Usage alerts (reference_portal.areas.alerts, /app/usage/alerts) on the test's clock: a rule fires once per breach,
is shown on the usage page while it fires, is sent as a usage.alert webhook event, and clears when the breach ends."""

from __future__ import annotations

import json

import pytest

from reference_portal.areas import alerts

NOW = 1_800_000_000.0


def organisation(portal, email: str = "dev@example.com") -> int:
    return portal.db.scalar("SELECT organisation_id FROM users WHERE email = ?", (email,))


def add_application(portal, name: str, org: int) -> int:
    with portal.db.transaction() as conn:
        return int(conn.execute(
            "INSERT INTO applications (organisation_id, name, environment, callback_urls, created_at, updated_at)"
            " VALUES (?, ?, 'sandbox', 'https://x.example/cb', ?, ?)", (org, name, NOW, NOW)).lastrowid)


def log(portal, application_id: int, at: float, statuses: list[int]) -> None:
    with portal.db.transaction() as conn:
        conn.executemany(
            "INSERT INTO api_calls (application_id, method, route, status, latency_ms, request_id, client_address,"
            " called_at) VALUES (?, 'GET', '/api/v1/payments', ?, 5.0, ?, '127.0.0.1', ?)",
            [(application_id, status, f"req_{at}_{i}", at) for i, status in enumerate(statuses)])


def add_rule(portal, org: int, kind: str, threshold: float, window_minutes: int = 5, name: str = "rule") -> int:
    with portal.db.transaction() as conn:
        return int(conn.execute(
            "INSERT INTO usage_alert_rules (organisation_id, name, kind, threshold, window_minutes, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)", (org, name, kind, threshold, window_minutes, NOW)).lastrowid)


def subscribe(portal, org: int) -> int:
    with portal.db.transaction() as conn:
        return int(conn.execute(
            "INSERT INTO webhook_endpoints (organisation_id, url, event_types, state, created_at)"
            " VALUES (?, 'https://hooks.example/alerts', 'usage.alert', 'active', ?)", (org, NOW)).lastrowid)


def alert_events(portal, org: int) -> list[dict]:
    return [json.loads(row[0]) for row in portal.db.query(
        "SELECT payload FROM webhook_events WHERE organisation_id = ? AND type = 'usage.alert' ORDER BY created_at",
        (org,))]


def test_a_rule_fires_once_per_breach_and_again_only_after_it_clears(portal, clock):
    org = organisation(portal)
    app = add_application(portal, "alerting", org)
    rule = add_rule(portal, org, "server_errors", 2, window_minutes=5)
    subscribe(portal, org)
    log(portal, app, NOW - 60, [500, 500])
    assert alerts.evaluate(portal.db, org, clock.now) == []  # 2 is not more than 2
    log(portal, app, NOW - 30, [503])
    fired = alerts.evaluate(portal.db, org, clock.now)
    assert [(f.rule.id, f.value, f.calls) for f in fired] == [(rule, 3.0, 3)]
    assert alerts.evaluate(portal.db, org, clock.now) == []  # still breached: not again
    log(portal, app, NOW, [500])
    assert alerts.evaluate(portal.db, org, clock.now) == []
    assert [f.rule.id for f in alerts.firing_for(portal.db.connection(), org, clock.now)] == [rule]
    events = alert_events(portal, org)
    assert len(events) == 1 and events[0]["data"]["rule_id"] == str(rule) and events[0]["data"]["value"] == 3.0
    clock.advance(6 * 60)  # the 5xx have left the 5-minute window
    assert alerts.evaluate(portal.db, org, clock.now) == []
    assert alerts.firing_for(portal.db.connection(), org, clock.now) == []
    log(portal, app, clock.now, [500, 500, 500])
    assert [f.rule.id for f in alerts.evaluate(portal.db, org, clock.now)] == [rule]
    assert len(alert_events(portal, org)) == 2
    cleared, current = portal.db.query("SELECT cleared_at FROM usage_alert_firings WHERE rule_id = ? ORDER BY id",
                                       (rule,))
    assert cleared[0] == NOW + 6 * 60 and current[0] is None


def test_error_rate_rule_needs_calls_and_a_rate_above_the_threshold(portal, clock):
    org = organisation(portal)
    app = add_application(portal, "rate", org)
    add_rule(portal, org, "error_rate", 50, window_minutes=10)
    assert alerts.evaluate(portal.db, org, clock.now) == []  # no calls: no rate
    log(portal, app, NOW - 120, [200, 200, 400, 500])  # 50%: not above
    assert alerts.evaluate(portal.db, org, clock.now) == []
    log(portal, app, NOW - 60, [429])  # 3 of 5: 60%
    fired = alerts.evaluate(portal.db, org, clock.now)
    assert [(f.value, f.calls) for f in fired] == [(60.0, 5)]


def test_no_event_is_queued_without_a_subscriber_but_the_rule_still_fires(portal, clock):
    org = organisation(portal)
    app = add_application(portal, "quiet", org)
    add_rule(portal, org, "server_errors", 0)
    log(portal, app, NOW, [500])
    fired = alerts.evaluate(portal.db, org, clock.now)
    assert len(fired) == 1 and fired[0].event_id is None and alert_events(portal, org) == []


def test_rules_of_another_organisation_see_only_their_calls(portal, clock, add_developer):
    org = organisation(portal)
    add_developer("other@example.com", "other-password-123", "Globex")
    other = organisation(portal, "other@example.com")
    add_rule(portal, other, "server_errors", 0)
    log(portal, add_application(portal, "acme", org), NOW, [500, 500])
    assert alerts.evaluate(portal.db, other, clock.now) == []
    assert alerts.rules_for(portal.db.connection(), org) == []


def test_an_api_call_evaluates_its_organisations_rules_throttled(portal, clock):
    org = organisation(portal)
    app = add_application(portal, "after-call", org)
    add_rule(portal, org, "server_errors", 0)
    assert alerts.after_call(portal.db, app, clock.now) == []  # evaluated: nothing yet
    log(portal, app, NOW, [500])
    assert alerts.after_call(portal.db, app, clock.now) == []  # within a second of the last evaluation
    clock.advance(alerts.EVALUATE_EVERY_SECONDS)
    assert len(alerts.after_call(portal.db, app, clock.now)) == 1
    assert alerts.after_call(portal.db, None, clock.now) == []


def test_the_pages_create_show_and_delete_rules(developer, portal, clock, read_page, post_form):
    org = organisation(portal)
    app = add_application(portal, "ui-app", org)
    answer = post_form(developer, "/app/usage/alerts", "/app/usage/alerts",
                       {"name": "5xx burst", "kind": "server_errors", "threshold": "1", "window_minutes": "15",
                        "application": str(app)})
    assert answer.status_code == 303
    page = read_page(developer.get("/app/usage/alerts").text)
    rule = page.one("alert-rule")
    assert (rule["data-kind"], float(rule["data-threshold"]), rule["data-window-minutes"], rule["data-state"]) == (
        "server_errors", 1.0, "15", "ok")
    log(portal, app, NOW, [500, 502])
    usage = read_page(developer.get("/app/usage").text)  # the usage page evaluates the rules it shows
    firing = usage.one("alert-firing")
    assert firing["data-rule-id"] == rule["data-rule-id"] and float(firing["data-value"]) == 2.0
    assert read_page(developer.get("/app/usage/alerts").text).one("alert-rule")["data-state"] == "firing"
    answer = post_form(developer, "/app/usage/alerts", f"/app/usage/alerts/{rule['data-rule-id']}/delete")
    assert answer.status_code == 303
    assert read_page(developer.get("/app/usage/alerts").text).all("alert-rule") == []
    assert read_page(developer.get("/app/usage").text).all("alert-firing") == []


@pytest.mark.parametrize("fields", [
    {"name": "", "kind": "error_rate", "threshold": "5", "window_minutes": "5"},
    {"name": "x" * 81, "kind": "error_rate", "threshold": "5", "window_minutes": "5"},
    {"name": "r", "kind": "latency", "threshold": "5", "window_minutes": "5"},
    {"name": "r", "kind": "error_rate", "threshold": "100", "window_minutes": "5"},
    {"name": "r", "kind": "error_rate", "threshold": "nan", "window_minutes": "5"},
    {"name": "r", "kind": "error_rate", "threshold": "-1", "window_minutes": "5"},
    {"name": "r", "kind": "server_errors", "threshold": "1.5", "window_minutes": "5"},
    {"name": "r", "kind": "server_errors", "threshold": "1e99", "window_minutes": "5"},
    {"name": "r", "kind": "server_errors", "threshold": "3", "window_minutes": "0"},
    {"name": "r", "kind": "server_errors", "threshold": "3", "window_minutes": "1441"},
    {"name": "r", "kind": "server_errors", "threshold": "3", "window_minutes": "５"},
    {"name": "r", "kind": "server_errors", "threshold": "3", "window_minutes": "5", "application": "99999"},
])
def test_bad_rules_are_refused_with_a_message_and_nothing_stored(developer, portal, post_form, fields):
    answer = post_form(developer, "/app/usage/alerts", "/app/usage/alerts", fields)
    assert answer.status_code == 422 and 'data-testid="form-error"' in answer.text
    assert portal.db.scalar("SELECT COUNT(*) FROM usage_alert_rules") == 0


def test_another_organisations_rule_cannot_be_deleted(developer, portal, add_developer, read_page):
    add_developer("other@example.com", "other-password-123", "Globex")
    rule = add_rule(portal, organisation(portal, "other@example.com"), "server_errors", 1)
    token = read_page(developer.get("/app/usage/alerts").text).form("/app/usage/alerts")["csrf_token"]
    answer = developer.post(f"/app/usage/alerts/{rule}/delete", data={"csrf_token": token})
    assert answer.status_code == 404
    assert portal.db.scalar("SELECT COUNT(*) FROM usage_alert_rules WHERE id = ?", (rule,)) == 1
