"""DPF-25 must fail when the usage cards or chart do not count exactly the calls made."""

import pytest

FAULTS = {
    "cards-off-by-one": ('data-value="{{ card.value if card.value is not none else \'\' }}"',
                         'data-value="{{ (card.value + 1) if card.value is not none else \'\' }}"'),
    "trend-always-flat": ('data-direction="{{ card.trend.direction }}"', 'data-direction="flat"'),
    "chart-drops-the-current-period": ("{% for p in points %}", "{% for p in points[:-1] %}"),
    "failed-calls-missing-from-the-log": ("{% for c in calls %}", "{% for c in calls if c.status < 400 %}"),
}


@pytest.mark.parametrize("old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_the_usage_page_is_wrong(old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-25", start_portal(templates=patched_template("usage/index.html", old, new)))
    assert outcome.outcome == "failed", str(outcome)
