"""DPF-05 must fail when the applications list loses an entry or its metadata."""

import pytest

FAULTS = {
    "client-id-missing": ('<code data-testid="client-id">{{ app.client_id }}</code>', '<code data-testid="client-id"></code>'),
    "newest-app-missing": ("{% for app in applications %}", "{% for app in applications[:-1] %}"),
    "status-wrong": ('<td data-testid="status">{{ app.status }}</td>', '<td data-testid="status">pending</td>'),
}


@pytest.mark.parametrize("old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_the_list_is_wrong(old, new, start_portal, run_playbook, patched_template):
    portal = start_portal(templates=patched_template("apps/list.html", old, new))
    outcome = run_playbook("DPF-05", portal)
    assert outcome.outcome == "failed", str(outcome)
