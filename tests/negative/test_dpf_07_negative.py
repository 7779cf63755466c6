"""DPF-07 must fail when a new application is missing from the list or shows the wrong status, environment or client ID."""

import pytest

FAULTS = {
    "newest-app-missing": ("{% for app in applications %}", "{% for app in applications[:-1] %}"),
    "status-wrong": ('<td data-testid="status">{{ app.status }}</td>', '<td data-testid="status">disabled</td>'),
    "environment-wrong": ('<td data-testid="environment">{{ app.environment }}</td>',
                          '<td data-testid="environment">production</td>'),
    "client-id-wrong": ('<code data-testid="client-id">{{ app.client_id }}</code>',
                        '<code data-testid="client-id">{{ app.client_id[::-1] }}</code>'),
}


@pytest.mark.parametrize("old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_the_new_app_is_not_listed_as_active(old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-07", start_portal(templates=patched_template("apps/list.html", old, new)))
    assert outcome.outcome == "failed", str(outcome)
