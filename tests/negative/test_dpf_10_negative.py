"""DPF-10 must fail when a rotation does not follow the policy the flow set, or the new secret does not work."""

from reference_portal.areas import credentials
from reference_portal.core.http import redirect


def test_fails_when_the_old_secret_keeps_working(monkeypatch, start_portal, run_playbook):
    rotate = credentials.rotate
    monkeypatch.setattr(
        credentials, "rotate", lambda conn, cid, environment, grace, now: rotate(conn, cid, environment, 86400, now)
    )
    outcome = run_playbook("DPF-10", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_new_secret_is_never_stored(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(
        credentials, "rotate", lambda conn, cid, environment, grace, now: credentials.new_client_secret(environment)
    )
    outcome = run_playbook("DPF-10", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_grace_period_is_not_honoured(monkeypatch, start_portal, run_playbook):
    rotate = credentials.rotate
    monkeypatch.setattr(
        credentials, "rotate", lambda conn, cid, environment, grace, now: rotate(conn, cid, environment, 0, now)
    )
    outcome = run_playbook("DPF-10", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_policy_form_changes_nothing(start_portal, run_playbook, replace_route_endpoint):
    # the portal accepts the form and says nothing is wrong, but the policy stays "immediately"
    routes = replace_route_endpoint("/app/keys/policy", lambda request: redirect("/app/keys"), method="POST")
    outcome = run_playbook("DPF-10", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_page_hides_the_previous_secret_expiry(start_portal, run_playbook, patched_template):
    templates = patched_template("keys/list.html", 'data-testid="previous-secret-expiry"', 'data-testid="expiry"')
    outcome = run_playbook("DPF-10", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_previous_secret_outlives_the_shortest_grace(monkeypatch, start_portal, run_playbook):
    rotate = credentials.rotate
    monkeypatch.setattr(
        credentials, "rotate",
        lambda conn, cid, environment, grace, now: rotate(conn, cid, environment, 3600 if 0 < grace < 3600 else grace,
                                                          now),
    )
    outcome = run_playbook("DPF-10", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_expiry_shown_is_not_the_policys(start_portal, run_playbook, patched_template):
    templates = patched_template("keys/list.html", '<time datetime="{{ c.previous_secret_expires_at | iso }}">',
                                 '<time datetime="{{ (c.previous_secret_expires_at - 1800) | iso }}">')
    outcome = run_playbook("DPF-10", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)
