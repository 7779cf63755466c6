"""DPF-16 must fail when the sandbox page hides a credential or garbles its data: merchant ID, balance, last use."""

import pytest

FAULTS = {
    "newest-credential-missing": ("{% for a in accounts %}", "{% for a in accounts[:-1] %}"),
    "merchant-id-garbled": ('<code data-testid="merchant-id">{{ a.merchant_id }}</code>',
                            '<code data-testid="merchant-id">{{ a.merchant_id | upper }}</code>'),
    "last-used-missing": ('<td data-testid="last-used">{{ a.last_used_at | when }}</td>', '<td data-testid="last-used"></td>'),
    "last-used-is-the-creation-time": ('<td data-testid="last-used">{{ a.last_used_at | when }}</td>',
                                       '<td data-testid="last-used">{{ a.created_at | when }}</td>'),
    "balance-not-the-accounts": ('{{ "%.2f" | format(a.balance / 100) }}', '{{ "%.2f" | format(a.balance / 1000) }}'),
}


@pytest.mark.parametrize("old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_the_sandbox_page_is_wrong(old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-16", start_portal(templates=patched_template("sandbox/list.html", old, new)))
    assert outcome.outcome == "failed", str(outcome)
