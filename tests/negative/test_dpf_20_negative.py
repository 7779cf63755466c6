"""DPF-20 must fail when deliveries do not verify with the secret shown, or the secret is not in the signed format."""

from reference_portal.areas import webhooks


def test_fails_when_deliveries_are_signed_with_another_secret(monkeypatch, start_portal, run_playbook):
    sign = webhooks.sign
    monkeypatch.setattr(webhooks, "sign", lambda secret, *rest: sign(webhooks.new_secret(), *rest))
    outcome = run_playbook("DPF-20", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_secret_is_short(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(webhooks, "new_secret", lambda: "whsec_" + "QUJD" * 4)
    outcome = run_playbook("DPF-20", start_portal())
    assert outcome.outcome == "failed", str(outcome)
