"""DPF-19 must fail when the webhooks page hides an endpoint or misstates its state."""

import pytest

FAULTS = {
    "state-unknown": ('data-testid="webhook-state" data-state="{{ w.state }}"', 'data-testid="webhook-state" data-state="unknown"'),
    "newest-endpoint-missing": ("{% for w in endpoints %}", "{% for w in endpoints[:-1] %}"),
    "events-missing": ('{{ w.event_types.split() | join(", ") }}', ""),
}


@pytest.mark.parametrize("old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_the_webhooks_page_is_wrong(old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-19", start_portal(templates=patched_template("webhooks/list.html", old, new)))
    assert outcome.outcome == "failed", str(outcome)
