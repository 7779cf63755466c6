"""DPF-12 must fail when tokens outlive their key, or a revoked key still gets tokens."""

from reference_portal.areas import api, credentials


def test_fails_when_tokens_outlive_their_key(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(api, "token_is_live", lambda row, now: row["expires_at"] > now)
    outcome = run_playbook("DPF-12", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_a_revoked_key_still_gets_tokens(monkeypatch, start_portal, run_playbook):
    verify = credentials.verify

    def verify_ignoring_revocation(conn, client_id, secret, now):
        state = conn.execute("SELECT state FROM credentials WHERE client_id = ?", (client_id,)).fetchone()
        if state is not None and state["state"] == "revoked":
            conn.execute("UPDATE credentials SET state = 'active' WHERE client_id = ?", (client_id,))
            try:
                return verify(conn, client_id, secret, now)
            finally:
                conn.execute("UPDATE credentials SET state = 'revoked' WHERE client_id = ?", (client_id,))
        return verify(conn, client_id, secret, now)

    monkeypatch.setattr(credentials, "verify", verify_ignoring_revocation)
    outcome = run_playbook("DPF-12", start_portal())
    assert outcome.outcome == "failed", str(outcome)
