"""DPF-25 API usage dashboard: the cards and the chart count exactly the calls the flow made with a fresh application.

Faults of a broken portal this flow must catch:
- a request or error count that is not the calls made (good calls, refused bodies; the token request counted or
  not, as the contract leaves it) for the app;
- calls with an unknown token counted as the application's;
- an error rate, p95 latency or trend missing or not following the counts (a fresh app had nothing before), or a
  p95 latency that is not one of the calls' (more than the slowest round trip the harness measured);
- another organisation's calls counted in the organisation's totals or listed in its log;
- a card whose visible number is not its data-value;
- a chart whose periods do not add up to the cards, or calls made seconds ago not shown at once.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.usage_calls import UsagePage, make_calls

FLOW_ID = "DPF-25"
GOOD, BAD, UNKNOWN = 3, 2, 2
FOREIGN = 12  # calls of another organisation's application, more than this organisation makes meanwhile
METRICS = ("requests", "errors", "error_rate", "p95_latency")


def shown_as_its_value(usage: UsagePage, metric: str) -> None:
    """A person reads the card's data-value: the same number, rounded as the portal likes (an error rate given as a
    fraction of 1 may be shown as a percentage)."""
    value, shown = usage.value(metric), usage.shown(metric)
    readings = (value, 100 * value) if metric == "error_rate" else (value,)
    assert any(abs(shown - v) <= max(0.5, 0.005 * abs(v)) for v in readings), (
        f"the {metric} card shows {shown:g} but its data-value is {value:g}"
    )


@pytest.mark.dpf(FLOW_ID)
def test_api_usage_dashboard(flow, open_page, developer, integrator, data_of, applications, vault, api):
    app = applications.create(scopes=("payments",))
    made = make_calls(api, app.client_id, vault.get(app.secret_name), good=GOOD, bad=BAD, unknown=UNKNOWN)
    # another organisation's application (the integrator persona's own organisation), called after the page is read
    foreign = data_of(integrator).applications.create(scopes=("payments",))
    page = open_page(developer)
    usage = UsagePage(page)

    with flow.step("Open usage page."):
        response = page.goto("/app/usage?window=1h")
        assert response is not None and response.status == 200, f"/app/usage answered HTTP {response and response.status}"
        expect(usage.heading).to_be_visible()
        everyone = usage.value("requests")
        theirs = make_calls(api, foreign.client_id, vault.get(foreign.secret_name), good=FOREIGN, bad=0)
        page.reload()
        everyone_after = usage.value("requests")
        foreign_listed = [request_id for request_id in theirs.good if usage.call(request_id).count()]
        foreign_filter = page.request.get(f"/app/usage?application={foreign.id}&window=1h")
        response = page.goto(f"/app/usage?application={app.id}&window=1h")
        assert response is not None and response.status == 200, f"the filtered page answered HTTP {response.status}"

    with flow.step("Validate request volume, errors, and trend cards."):
        requests, errors = usage.value("requests"), usage.value("errors")
        rate, p95 = usage.value("error_rate"), usage.value("p95_latency")
        for metric in METRICS:  # a fresh application: nothing in the previous period, so every card goes up
            expect(usage.card(metric).get_by_test_id("usage-card-trend")).to_have_attribute("data-direction", "up")
            shown_as_its_value(usage, metric)
        expect(usage.chart).to_be_visible()
        expect(usage.chart.locator("title").first).not_to_be_empty()

    with flow.expected_result("usage telemetry is visible."):
        assert requests in made.possible_totals, (
            f"the requests card says {requests:g}; the flow made {made.total} API calls and {made.token_requests} "
            "token request(s)"
        )
        counted = int(requests)  # with the token request or without it: the portal's choice
        assert errors == len(made.failed), f"the errors card says {errors:g}; {len(made.failed)} of the calls failed"
        share = len(made.failed) / counted
        assert abs(rate - 100 * share) < 0.1 or abs(rate - share) < 0.001, (
            f"the error rate card says {rate:g}: neither {100 * share:.1f} % nor the fraction {share:.3f}"
        )
        slowest = made.slowest_ms(counted)
        assert 0 < p95 <= slowest + 1, (
            f"the p95 latency card says {p95:g} ms; the calls took at most {slowest:.1f} ms from the harness's side"
        )
        for metric in METRICS:  # a rate or a latency of no calls may be left empty
            previous = usage.card(metric).get_attribute("data-previous")
            empty_allowed = metric in ("error_rate", "p95_latency") and previous == ""
            assert empty_allowed or (previous and float(previous) == 0), (
                f"a fresh app had {metric} before: data-previous={previous!r}"
            )
        assert usage.series_sum("data-requests") == counted, "the chart's periods do not add up to the calls counted"
        assert usage.series_sum("data-errors") == len(made.failed), "the chart's errors do not add up to the failures"
        assert everyone >= counted, f"the unfiltered page counts {everyone:g} calls, fewer than the app made"
        assert everyone_after - everyone < FOREIGN, (
            f"the organisation's calls went from {everyone:g} to {everyone_after:g} while another organisation made "
            f"{FOREIGN}: its calls are counted"
        )
        assert not foreign_listed, f"the organisation's log lists another organisation's calls: {foreign_listed}"
        assert foreign_filter.status == 400, (
            f"another organisation's application as the filter answered HTTP {foreign_filter.status}, not 400"
        )
        for request_id in made.good:
            expect(usage.call(request_id)).to_have_count(1)
        for request_id, (status, _) in made.failed.items():
            expect(usage.call(request_id)).to_have_attribute("data-status", str(status))
        for request_id in made.unattributed:
            expect(usage.call(request_id), "a call with an unknown token is shown as the app's").to_have_count(0)
