"""DPF-25 must fail when the usage cards or chart do not count exactly the calls made, when the p95 latency is not the
calls', when another organisation's calls are counted, and when a card shows a number other than its data-value."""

import pytest

from reference_portal.areas import usage_stats

FAULTS = {
    "cards-off-by-one": ('data-value="{{ card.value if card.value is not none else \'\' }}"',
                         'data-value="{{ (card.value + 1) if card.value is not none else \'\' }}"'),
    "trend-always-flat": ('data-direction="{{ card.trend.direction }}"', 'data-direction="flat"'),
    "chart-drops-the-current-period": ("{% for p in points %}", "{% for p in points[:-1] %}"),
    "failed-calls-missing-from-the-log": ("{% for c in calls %}", "{% for c in calls if c.status < 400 %}"),
    "card-shows-another-number": ('<strong data-testid="usage-card-value">{{ card.shown }}</strong>',
                                  '<strong data-testid="usage-card-value">0</strong>'),
}


@pytest.mark.parametrize("old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_the_usage_page_is_wrong(old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-25", start_portal(templates=patched_template("usage/index.html", old, new)))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_p95_latency_is_a_constant(monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(usage_stats, "_p95", lambda conn, scope, start, end, calls: 250.0)
    outcome = run_playbook("DPF-25", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_another_organisations_calls_are_counted(monkeypatch, start_portal, run_playbook):
    filters = usage_stats._filters

    def every_organisation(scope, table, status_column="status"):
        sql, params = filters(scope, table, status_column)
        if scope.application_id is None:  # the organisation's totals take in every organisation's calls
            sql = sql.replace("WHERE a.organisation_id = ?", "WHERE (a.organisation_id = ? OR 1)")
        return sql, params

    monkeypatch.setattr(usage_stats, "_filters", every_organisation)
    outcome = run_playbook("DPF-25", start_portal())
    assert outcome.outcome == "failed", str(outcome)
