"""DPF-25 API usage dashboard: the cards and the chart count exactly the calls the flow made with a fresh application.

Faults of a broken portal this flow must catch:
- a request or error count that is not the calls made (good calls, refused bodies; the token request counted or
  not, as the contract leaves it) for the app;
- calls with an unknown token counted as the application's;
- an error rate, p95 latency or trend missing or not following the counts (a fresh app had nothing before);
- a chart whose periods do not add up to the cards, or calls made seconds ago not shown at once.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from playbooks.harness.usage_calls import UsagePage, make_calls

FLOW_ID = "DPF-25"
GOOD, BAD, UNKNOWN = 3, 2, 2


@pytest.mark.dpf(FLOW_ID)
def test_api_usage_dashboard(flow, open_page, developer, applications, vault, api):
    app = applications.create(scopes=("payments",))
    made = make_calls(api, app.client_id, vault.get(app.secret_name), good=GOOD, bad=BAD, unknown=UNKNOWN)
    page = open_page(developer)
    usage = UsagePage(page)

    with flow.step("Open usage page."):
        response = page.goto("/app/usage")
        assert response is not None and response.status == 200, f"/app/usage answered HTTP {response and response.status}"
        expect(usage.heading).to_be_visible()
        everyone = usage.value("requests")
        response = page.goto(f"/app/usage?application={app.id}&window=1h")
        assert response is not None and response.status == 200, f"the filtered page answered HTTP {response.status}"

    with flow.step("Validate request volume, errors, and trend cards."):
        requests, errors = usage.value("requests"), usage.value("errors")
        rate, p95 = usage.value("error_rate"), usage.value("p95_latency")
        trend = usage.card("requests").get_by_test_id("usage-card-trend")
        expect(trend).to_have_attribute("data-direction", "up")
        expect(usage.card("errors").get_by_test_id("usage-card-trend")).to_have_attribute("data-direction", "up")
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
        assert p95 > 0, "the p95 latency card says 0 ms"
        previous = usage.card("requests").get_attribute("data-previous")
        assert previous and float(previous) == 0, f"a fresh app had calls before: data-previous={previous!r}"
        assert usage.series_sum("data-requests") == counted, "the chart's periods do not add up to the calls counted"
        assert usage.series_sum("data-errors") == len(made.failed), "the chart's errors do not add up to the failures"
        assert everyone >= counted, f"the unfiltered page counts {everyone:g} calls, fewer than the app made"
        for request_id in made.good:
            expect(usage.call(request_id)).to_have_count(1)
        for request_id, (status, _) in made.failed.items():
            expect(usage.call(request_id)).to_have_attribute("data-status", str(status))
        for request_id in made.unattributed:
            expect(usage.call(request_id), "a call with an unknown token is shown as the app's").to_have_count(0)
