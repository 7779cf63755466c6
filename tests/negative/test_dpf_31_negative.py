"""DPF-31 must fail when any link of the first-integration chain breaks: the rotated secret, the first secret's
refusal, the subscription, the guide's commands, or the call's place in usage."""

import pytest

from reference_portal.areas import applications, credentials
from reference_portal.core.http import redirect


def test_fails_when_the_rotated_secret_is_never_stored(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(
        credentials, "rotate", lambda conn, cid, environment, grace, now: credentials.new_client_secret(environment)
    )
    outcome = run_playbook("DPF-31", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_first_secret_keeps_working(monkeypatch, start_portal, run_playbook):
    rotate = credentials.rotate
    monkeypatch.setattr(
        credentials, "rotate", lambda conn, cid, environment, grace, now: rotate(conn, cid, environment, 86400, now)
    )
    outcome = run_playbook("DPF-31", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_subscribing_grants_nothing(monkeypatch, start_portal, run_playbook, replace_route_endpoint):
    monkeypatch.setattr(applications, "subscribe_to_automatic_products", lambda *args: None)
    routes = replace_route_endpoint(
        "/app/products/<slug>/subscribe", lambda request, slug: redirect("/app/products"), method="POST"
    )
    outcome = run_playbook("DPF-31", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


FAULTS = {
    "guide-shows-another-client-id": (
        "docs/how_to_test.html", "{{ c.command }}</pre>",
        '{{ c.command | replace(chosen.client_id, "ci_someone_else_entirely") }}</pre>',
    ),
    "usage-misses-the-call": ("usage/index.html", "{% for c in calls %}", "{% for c in calls[1:] %}"),
    "usage-misstates-the-status": ("usage/index.html", 'data-status="{{ c.status }}"', 'data-status="201"'),
}


@pytest.mark.parametrize("template, old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_the_guide_or_usage_is_wrong(template, old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-31", start_portal(templates=patched_template(template, old, new)))
    assert outcome.outcome == "failed", str(outcome)
