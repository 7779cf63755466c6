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


def test_fails_when_usage_misstates_the_status(start_portal, run_playbook, patched_template):
    templates = patched_template("usage/index.html", 'data-status="{{ c.status }}"', 'data-status="200"')
    outcome = run_playbook("DPF-32", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_event_carries_another_amount(monkeypatch, start_portal, run_playbook):
    publish = webhooks.publish

    def publish_rounded(conn, organisation_id, event_type, data, now, *, endpoint_ids=None):
        if "amount" in data:
            data = {**data, "amount": data["amount"] // 100 * 100}
        return publish(conn, organisation_id, event_type, data, now, endpoint_ids=endpoint_ids)

    monkeypatch.setattr(webhooks, "publish", publish_rounded)
    outcome = run_playbook("DPF-32", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_test_event_is_unsigned(monkeypatch, start_portal, run_playbook):
    headers = webhooks.DeliveryWorker._headers

    def test_events_unsigned(self, claim):
        signed = headers(self, claim)
        return {**signed, "webhook-signature": "v1,AAAA"} if b'"webhook.test"' in claim.payload else signed

    monkeypatch.setattr(webhooks.DeliveryWorker, "_headers", test_events_unsigned)
    outcome = run_playbook("DPF-32", start_portal())
    assert outcome.outcome == "failed", str(outcome)
