"""DPF-26 must fail when filters or the custom range are ignored, error-heavy periods are hidden, the FAQ link loses
its code, or a drill-down lists calls of another period or another application."""

import re
from dataclasses import replace

import pytest

from reference_portal.areas import usage

FAULTS = {
    "error-heavy-periods-hidden": ("{% for p in heavy %}", "{% for p in heavy[1:] %}"),
    "faq-link-without-anchor": ('href="/app/faq#{{ f.code }}"', 'href="/app/faq"'),
    "drill-down-drops-failures": ("{% for c in calls %}", "{% for c in calls if c.status < 400 %}"),
}


@pytest.mark.parametrize("old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_the_usage_page_is_wrong(old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-26", start_portal(templates=patched_template("usage/index.html", old, new)))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_application_filter_is_ignored(start_portal, run_playbook, replace_route_endpoint):
    def ignoring_the_application(request):
        request.query_string = re.sub(r"(^|&)application=[^&]*", "", request.query_string)
        return usage.index(request)

    outcome = run_playbook("DPF-26", start_portal(routes=replace_route_endpoint("/app/usage", ignoring_the_application)))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_custom_range_is_ignored(start_portal, run_playbook, replace_route_endpoint):
    def ignoring_the_range(request):
        request.query_string = re.sub(r"(^|&)(from|to)=[^&]*", "", request.query_string)
        return usage.index(request)

    outcome = run_playbook("DPF-26", start_portal(routes=replace_route_endpoint("/app/usage", ignoring_the_range)))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_drill_down_ignores_its_period(monkeypatch, start_portal, run_playbook):
    log_rows = usage.log_rows
    monkeypatch.setattr(usage, "log_rows", lambda request, organisation_id, filters, limit:
                        log_rows(request, organisation_id, replace(filters, bucket=None), limit))
    outcome = run_playbook("DPF-26", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_drill_down_ignores_its_application(monkeypatch, start_portal, run_playbook):
    log_rows = usage.log_rows

    def every_application_of_the_period(request, organisation_id, filters, limit):
        if filters.bucket is not None:
            filters = replace(filters, application_id=None)
        return log_rows(request, organisation_id, filters, limit)

    monkeypatch.setattr(usage, "log_rows", every_application_of_the_period)
    outcome = run_playbook("DPF-26", start_portal())
    assert outcome.outcome == "failed", str(outcome)
