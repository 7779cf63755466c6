"""DPF-22 must fail when rotation shows a secret that deliveries are not signed with, drops the old signature at
once instead of the promised overlap, or issues a secret not in the contract's format."""

from reference_portal.areas import webhooks


def test_fails_when_the_new_secret_is_never_used(
    monkeypatch, signing_secret_never_changes, start_portal, run_playbook
):
    monkeypatch.setattr(webhooks, "SECRET_OVERLAP_SECONDS", 86400)
    outcome = run_playbook("DPF-22", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_old_signature_is_dropped_at_once(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(webhooks, "SECRET_OVERLAP_SECONDS", 0)
    outcome = run_playbook("DPF-22", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_rotated_secret_is_short(monkeypatch, start_portal, run_playbook):
    new_secret = webhooks.new_secret
    made: list[str] = []

    def short_after_the_first():
        made.append(new_secret() if not made else "whsec_" + "QUJD" * 4)
        return made[-1]

    monkeypatch.setattr(webhooks, "new_secret", short_after_the_first)
    outcome = run_playbook("DPF-22", start_portal())
    assert outcome.outcome == "failed", str(outcome)
