"""DPF-19 must fail when the webhooks page hides an endpoint or misstates its state, URL, events or last delivery."""

import pytest


FAULTS = {
    "state-unknown": ('data-testid="webhook-state" data-state="{{ w.state }}"', 'data-testid="webhook-state" data-state="unknown"'),
    "state-always-active": ('data-testid="webhook-state" data-state="{{ w.state }}"', 'data-testid="webhook-state" data-state="active"'),
    "newest-endpoint-missing": ("{% for w in endpoints %}", "{% for w in endpoints[:-1] %}"),
    "events-missing": ('{{ w.event_types.split() | join(", ") }}', ""),
    "events-all-types": ('{{ w.event_types.split() | join(", ") }}', '{{ event_types | join(", ") }}'),
    "url-cell-placeholder": ('<code data-testid="webhook-url">{{ w.url }}</code>',
                             '<code data-testid="webhook-url">https://hooks.example/endpoint</code>'),
    "last-delivery-constant": ('<td data-testid="last-delivery">{{ w.last_result or "none yet" }}</td>',
                               '<td data-testid="last-delivery">none yet</td>'),
}


@pytest.mark.parametrize("old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_the_webhooks_page_is_wrong(old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-19", start_portal(templates=patched_template("webhooks/list.html", old, new)))
    assert outcome.outcome == "failed", str(outcome)


# "paused" differs on the first row too, whatever the order (the flow once named the row by a variable set after it)
@pytest.mark.parametrize("shown", ["active", "paused"])
def test_fails_when_the_state_shown_is_not_its_data_state(shown, start_portal, run_playbook, patched_template):
    templates = patched_template("webhooks/list.html", 'data-state="{{ w.state }}">{{ w.state }}',
                                 f'data-state="{{{{ w.state }}}}">{shown}')
    outcome = run_playbook("DPF-19", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)
    assert "in data-state and shows" in outcome.message or "reads otherwise" in outcome.message, str(outcome)


def test_fails_when_an_endpoint_answering_gone_is_never_disabled(gone_is_retried, start_portal, run_playbook):
    outcome = run_playbook("DPF-19", start_portal())
    assert outcome.outcome == "failed", str(outcome)
