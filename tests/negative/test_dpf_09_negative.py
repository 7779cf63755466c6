"""DPF-09 must fail when the keys page hides a credential, shows the wrong client ID, or misstates its state."""

import pytest

FAULTS = {
    "state-unknown": ('data-state="{{ c.state }}"', 'data-state="unknown"'),
    "newest-key-missing": ("{% for c in credentials %}", "{% for c in credentials[:-1] %}"),
    "client-id-garbled": ('<td><code data-testid="client-id">{{ c.client_id }}</code></td>',
                          '<td><code data-testid="client-id">{{ c.client_id[3:] }}</code></td>'),
    # a well-formed client ID, but the first credential's on every row (the row's data-client-id stays right)
    "client-id-of-another-key": ('<td><code data-testid="client-id">{{ c.client_id }}</code></td>',
                                 '<td><code data-testid="client-id">{{ credentials[0].client_id }}</code></td>'),
    "state-always-active": ('data-state="{{ c.state }}"', 'data-state="{{ "revoked" if c.state == "revoked" else "active" }}"'),
}


@pytest.mark.parametrize("old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_the_keys_page_is_wrong(old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-09", start_portal(templates=patched_template("keys/list.html", old, new)))
    assert outcome.outcome == "failed", str(outcome)
