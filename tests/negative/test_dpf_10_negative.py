"""DPF-10 must fail when the old secret outlives an immediate rotation, or the new secret does not work."""

from reference_portal.areas import credentials


def test_fails_when_the_old_secret_keeps_working(monkeypatch, start_portal, run_playbook):
    rotate = credentials.rotate
    monkeypatch.setattr(
        credentials, "rotate", lambda conn, cid, environment, grace, now: rotate(conn, cid, environment, 86400, now)
    )
    outcome = run_playbook("DPF-10", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_new_secret_is_never_stored(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(
        credentials, "rotate", lambda conn, cid, environment, grace, now: credentials.new_client_secret(environment)
    )
    outcome = run_playbook("DPF-10", start_portal())
    assert outcome.outcome == "failed", str(outcome)
