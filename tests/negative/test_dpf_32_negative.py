"""DPF-32 must fail when the chain breaks anywhere: no event from the API call, no log entry, or no usage record."""

import pytest

from reference_portal.areas import products_api, webhooks


def test_fails_when_payments_raise_no_event(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(products_api.webhooks, "publish", lambda *args, **kwargs: None)
    outcome = run_playbook("DPF-32", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_deliveries_are_unsigned(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(webhooks, "sign", lambda secret, message_id, timestamp, body: "v1,AAAA")
    outcome = run_playbook("DPF-32", start_portal())
    assert outcome.outcome == "failed", str(outcome)


FAULTS = {
    "usage-missing-the-call": ("usage/index.html", "{% for c in calls %}", "{% for c in calls[1:] %}"),
    "delivery-log-empty": ("webhooks/deliveries.html", "{% for d in deliveries %}", "{% for d in deliveries[1:] %}"),
}


@pytest.mark.parametrize("template, old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_a_log_misses_the_chain(template, old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-32", start_portal(templates=patched_template(template, old, new)))
    assert outcome.outcome == "failed", str(outcome)
