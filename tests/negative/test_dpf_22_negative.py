"""DPF-22 must fail when rotation shows a secret that deliveries are not signed with."""

from reference_portal.areas import webhooks


def test_fails_when_the_new_secret_is_never_used(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(webhooks, "SECRET_OVERLAP_SECONDS", 86400)
    encrypt_secret = webhooks.encrypt_secret
    stored: dict[str, bytes] = {}

    def keep_the_first(secret_key, secret):
        stored.setdefault("first", encrypt_secret(secret_key, secret))
        return stored["first"]

    monkeypatch.setattr(webhooks, "encrypt_secret", keep_the_first)
    outcome = run_playbook("DPF-22", start_portal())
    assert outcome.outcome == "failed", str(outcome)
