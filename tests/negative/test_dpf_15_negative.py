"""DPF-15 must fail when the guide's commands do not work as written or do not state (truly) what they answer, or
Postman misses an endpoint."""

import pytest

from reference_portal.areas import docs

COMMAND_FAULTS = {
    "token-path-wrong": ('{{ c.command }}</pre>', '{{ c.command | replace("/oauth/token", "/oauth/tokens") }}</pre>'),
    "client-id-wrong": ('{{ c.command }}</pre>', '{{ c.command | replace(chosen.client_id, "ci_someone_else_entirely") }}</pre>'),
    # Every command's status is checked against its own data-expected-status, which must be there.
    "expected-status-missing": (' data-expected-status="{{ c.expected_status }}"', ''),
    "token-expected-status-misstated": ('data-expected-status="{{ c.expected_status }}"',
                                        'data-expected-status="{{ 201 if c.step == \'token\' else c.expected_status }}"'),
    "api-call-without-the-token": ('{{ c.command }}</pre>',
                                   '{{ c.command | replace("Authorization: Bearer $ACCESS_TOKEN", "Accept: application/json") }}</pre>'),
}


@pytest.mark.parametrize("old, new", COMMAND_FAULTS.values(), ids=COMMAND_FAULTS.keys())
def test_fails_when_a_command_does_not_work(old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-15", start_portal(templates=patched_template("docs/how_to_test.html", old, new)))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_postman_misses_an_endpoint(monkeypatch, start_portal, run_playbook):
    every_operation = docs.operations
    monkeypatch.setattr(docs, "operations", lambda document: every_operation(document)[:-1])
    outcome = run_playbook("DPF-15", start_portal())
    assert outcome.outcome == "failed", str(outcome)
