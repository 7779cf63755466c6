"""DPF-23 must fail when failed attempts are not retried, or the log hides them or misstates their statuses or the
delivery's state."""

import pytest

from reference_portal.areas import webhooks


def test_fails_when_failures_are_never_retried(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(webhooks, "RETRY_SCHEDULE", (0,))
    outcome = run_playbook("DPF-23", start_portal())
    assert outcome.outcome == "failed", str(outcome)


FAULTS = {
    "attempts-hidden": ("{% for a in attempts.get(d.id, []) %}", "{% for a in attempts.get(d.id, [])[-1:] %}"),
    "status-missing": ('data-status="{{ a.status_code or \'\' }}"', 'data-status=""'),
    "status-always-200": ('data-status="{{ a.status_code or \'\' }}"', 'data-status="200"'),
    "delivery-state-stuck-pending": ('<td data-testid="delivery-state">{{ "retrying" if d.state == "pending" and d.attempts else d.state }}</td>',
                                     '<td data-testid="delivery-state">pending</td>'),
}


@pytest.mark.parametrize("old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_the_log_hides_attempts(old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-23", start_portal(templates=patched_template("webhooks/deliveries.html", old, new)))
    assert outcome.outcome == "failed", str(outcome)


NEXT_RETRY = '<time datetime="{{ d.next_attempt_at | iso }}">'
NEXT_RETRY_FAULTS = {
    "next-retry-missing": (NEXT_RETRY, '<time>'),
    "next-retry-is-the-last-attempt": (NEXT_RETRY, '<time datetime="{{ d.updated_at | iso }}">'),
}


@pytest.mark.parametrize("old, new", NEXT_RETRY_FAULTS.values(), ids=NEXT_RETRY_FAULTS.keys())
def test_fails_when_next_retry_is_not_the_next_attempt(old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-23", start_portal(templates=patched_template("webhooks/deliveries.html", old, new)))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_a_delivery_never_reaches_failed(gone_is_retried, start_portal, run_playbook):
    outcome = run_playbook("DPF-23", start_portal())
    assert outcome.outcome == "failed", str(outcome)
