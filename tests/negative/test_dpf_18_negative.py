"""DPF-18 must fail when deleting leaves the credential listed, only hides it while its key still works, or takes
the organisation's other credentials with it."""

from reference_portal.core.http import redirect


def test_fails_when_delete_does_nothing(start_portal, run_playbook, replace_route_endpoint):
    routes = replace_route_endpoint(
        "/app/sandbox/<sbx:account_id>/delete", lambda request, account_id: redirect("/app/sandbox?deleted=1"),
        method="POST",
    )
    outcome = run_playbook("DPF-18", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_delete_only_hides_a_working_key(start_portal, run_playbook, replace_route_endpoint):
    def hide(request, account_id):
        with request.app.db.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO organisations (name) VALUES ('Hidden away')")
            hidden = conn.execute("SELECT id FROM organisations WHERE name = 'Hidden away'").fetchone()[0]
            conn.execute("UPDATE sandbox_accounts SET organisation_id = ? WHERE id = ?", (hidden, account_id))
        return redirect("/app/sandbox?deleted=1")

    routes = replace_route_endpoint("/app/sandbox/<sbx:account_id>/delete", hide, method="POST")
    outcome = run_playbook("DPF-18", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_delete_takes_every_credential(start_portal, run_playbook, replace_route_endpoint):
    def delete_all(request, account_id):
        with request.app.db.transaction() as conn:
            organisation = conn.execute("SELECT organisation_id FROM sandbox_accounts WHERE id = ?", (account_id,)).fetchone()[0]
            conn.execute("DELETE FROM sandbox_accounts WHERE organisation_id = ?", (organisation,))
        return redirect("/app/sandbox?deleted=1")

    routes = replace_route_endpoint("/app/sandbox/<sbx:account_id>/delete", delete_all, method="POST")
    outcome = run_playbook("DPF-18", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)

