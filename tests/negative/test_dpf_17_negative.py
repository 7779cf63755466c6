"""DPF-17 must fail when the sandbox key shown does not work, the values shown are not the account's, the new
credential is not listed, or the list shows its key again."""

from reference_portal.areas import sandbox_accounts
from reference_portal.core.security import new_token


def test_fails_when_the_key_shown_does_not_work(monkeypatch, start_portal, run_playbook):
    create_account = sandbox_accounts.create_account
    monkeypatch.setattr(
        sandbox_accounts, "create_account",
        lambda conn, organisation_id, name, now: (create_account(conn, organisation_id, name, now)[0], new_token("sk_test_")),
    )
    outcome = run_playbook("DPF-17", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_merchant_shown_is_another(start_portal, run_playbook, patched_template):
    templates = patched_template("sandbox/created.html", 'data-testid="sandbox-merchant-id">{{ merchant_id }}',
                                 'data-testid="sandbox-merchant-id">mer_test_0000000000000000')
    outcome = run_playbook("DPF-17", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_new_credential_is_not_listed(start_portal, run_playbook, patched_template):
    templates = patched_template("sandbox/list.html", "{% for a in accounts %}", "{% for a in accounts[:-1] %}")
    outcome = run_playbook("DPF-17", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_list_shows_the_whole_key(monkeypatch, start_portal, run_playbook):
    """The list shows the key again: the portal keeps it (here: in the account's name column) and prints it."""
    create_account = sandbox_accounts.create_account

    def keep_the_key(conn, organisation_id, name, now):
        created, key = create_account(conn, organisation_id, name, now)
        conn.execute("UPDATE sandbox_accounts SET currency = ? WHERE name = ?", (key, name))
        return created, key

    monkeypatch.setattr(sandbox_accounts, "create_account", keep_the_key)
    outcome = run_playbook("DPF-17", start_portal())
    assert outcome.outcome == "failed", str(outcome)
