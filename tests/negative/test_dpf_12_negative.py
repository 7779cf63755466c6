"""DPF-12 must fail when a deactivated or revoked key, or its tokens, still work, or when revocation can be undone."""

from reference_portal.areas import api, credentials, keys


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


def test_fails_when_a_revoked_key_can_be_reactivated_by_a_direct_post(start_portal, run_playbook, replace_route_endpoint):
    # the page hides Reactivate on a revoked key, but the route still brings it back
    def reactivate_anything(request, credential_id):
        return keys._change_state(request, credential_id, ("deactivated", "revoked"), "active")

    routes = replace_route_endpoint("/app/keys/<key:credential_id>/reactivate", reactivate_anything, method="POST")
    outcome = run_playbook("DPF-12", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_a_direct_rotate_revives_a_revoked_key(start_portal, run_playbook, replace_route_endpoint):
    def rotate_reviving(request, credential_id):
        with request.app.db.transaction() as conn:
            conn.execute("UPDATE credentials SET state = 'active' WHERE id = ? AND state = 'revoked'", (credential_id,))
        return keys.rotate(request, credential_id)

    routes = replace_route_endpoint("/app/keys/<key:credential_id>/rotate", rotate_reviving, method="POST")
    outcome = run_playbook("DPF-12", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_a_deactivated_key_still_gets_tokens(monkeypatch, start_portal, run_playbook):
    verify = credentials.verify

    def verify_ignoring_deactivation(conn, client_id, secret, now):
        row = conn.execute("SELECT state FROM credentials WHERE client_id = ?", (client_id,)).fetchone()
        if row is not None and row["state"] == "deactivated":
            conn.execute("UPDATE credentials SET state = 'active' WHERE client_id = ?", (client_id,))
            try:
                return verify(conn, client_id, secret, now)
            finally:
                conn.execute("UPDATE credentials SET state = 'deactivated' WHERE client_id = ?", (client_id,))
        return verify(conn, client_id, secret, now)

    monkeypatch.setattr(credentials, "verify", verify_ignoring_deactivation)
    outcome = run_playbook("DPF-12", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_keys_page_shows_another_state_than_its_data(start_portal, run_playbook, patched_template):
    templates = patched_template("keys/list.html", 'data-state="{{ c.state }}">{{ c.state }}',
                                 'data-state="{{ c.state }}">active')
    outcome = run_playbook("DPF-12", start_portal(templates=templates))
    assert outcome.outcome == "failed" and "data-state is 'deactivated'" in outcome.message, str(outcome)
