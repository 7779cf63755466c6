"""DPF-26 Usage filtering and troubleshooting: filtered to the flow's app and a window, the counts are exactly its
calls; the error-heavy periods hold its failing requests by request ID; the failing route links to the FAQ article
for the error code the API answered.

Faults of a broken portal this flow must catch:
- a filter that is ignored or not kept in the URL (another application's calls counted, or the status class);
- a custom from/to range that is ignored (a range that ended before the calls still counts them);
- an error-heavy period missing, or its drill-down not listing the failing requests by request ID and status;
- a failing route without the error code the API answered, or not linking to that code's FAQ anchor.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from playbooks.harness.contract import contract
from playbooks.harness.usage_calls import UsagePage, faq_anchor, make_calls

FLOW_ID = "DPF-26"
FAQ = contract().route("faq").path
PAYMENTS = contract().route("payments_create").path
# The contract lists every period in which more than a quarter of the calls failed as error-heavy. Made in this order
# (the token request, the good call, then the refused ones), every period of them that holds a failure holds more
# than a quarter failures, wherever a period boundary falls and whether or not the token request counts.
GOOD, BAD = 1, 3


@pytest.mark.dpf(FLOW_ID)
def test_usage_filtering_and_troubleshooting(flow, open_page, developer, applications, vault, api):
    app = applications.create(scopes=("payments",))
    other = applications.create(scopes=("payments",))
    made = make_calls(api, app.client_id, vault.get(app.secret_name), good=GOOD, bad=BAD)
    others = make_calls(api, other.client_id, vault.get(other.secret_name), good=1, bad=0)
    page = open_page(developer)
    usage = UsagePage(page)

    with flow.step("Filter by app/time window."):
        page.goto("/app/usage?window=1h")
        expect(usage.heading).to_be_visible()
        unfiltered = usage.value("requests")
        usage.filter_by(app.id, "1h")
        expect(page).to_have_url(re.compile(rf"[?&]application={re.escape(str(app.id))}(&|$)"))
        expect(page).to_have_url(re.compile(r"[?&]window=1h(&|$)"))
        filtered, filtered_errors = usage.value("requests"), usage.value("errors")
        page.goto(f"/app/usage?application={app.id}&window=1h&status=4xx")
        only_4xx = usage.value("requests")
        # custom ranges (UTC, to the minute): two hours around the calls, and two hours that ended before them
        now, hour = datetime.now(timezone.utc), timedelta(hours=1)
        in_range = {}
        for name, (start, end) in (("around", (now - hour, now + hour)), ("before", (now - 3 * hour, now - hour))):
            response = page.goto(f"/app/usage?application={app.id}&from={start:%Y-%m-%dT%H:%M}&to={end:%Y-%m-%dT%H:%M}")
            assert response is not None and response.status == 200, f"a custom range answered HTTP {response.status}"
            in_range[name] = usage.value("requests")

    with flow.step("Inspect error-heavy periods."):
        page.goto(f"/app/usage?application={app.id}&window=1h")
        expect(usage.error_buckets.first).to_be_visible()
        heavy_errors = sum(int(b.get_attribute("data-errors") or "0") for b in usage.error_buckets.all())
        links = [usage.calls_of(b).first.get_attribute("href") for b in usage.error_buckets.all()]
        listed: dict[str, str] = {}
        for href in links:
            assert href, "an error-heavy period has no link to its calls"
            page.goto(href)
            expect(usage.log).to_have_attribute("data-bucket-start", re.compile(r"\d"))
            for row in usage.log.get_by_test_id("usage-row").all():
                listed[row.get_attribute("data-request-id") or ""] = row.get_attribute("data-status") or ""
        page.goto(f"/app/usage?application={app.id}&window=1h")
        status, code = next(iter(made.failed.values()))
        failing = usage.failing_route(PAYMENTS, status)

    with flow.expected_result("troubleshooting signals are actionable."):
        assert filtered in made.possible_totals, (
            f"filtered to the app, the page counts {filtered:g} calls; it made {made.total} and a token request"
        )
        counted = int(filtered)  # with the token request or without it: the portal's choice
        assert filtered_errors == len(made.failed), f"filtered, {filtered_errors:g} errors; {len(made.failed)} failed"
        assert unfiltered >= made.total + others.total, f"unfiltered the page counts only {unfiltered:g} calls"
        assert unfiltered != filtered, "the unfiltered totals are the app's: the application filter changes nothing"
        assert only_4xx == len(made.failed), f"filtered to 4xx, the page counts {only_4xx:g} calls"
        assert in_range["around"] == counted, f"a range around the calls counts {in_range['around']:g}, not {counted}"
        assert in_range["before"] == 0, f"over a range that ended before the calls, {in_range['before']:g} calls"
        assert heavy_errors == len(made.failed), f"the error-heavy periods hold {heavy_errors} errors, not {len(made.failed)}"
        for request_id, (status, _) in made.failed.items():
            assert listed.get(request_id) == str(status), f"failing request {request_id} is not in its period's log"
        expect(failing).to_have_count(1)
        expect(failing).to_have_attribute("data-error-code", code)
        faq = usage.faq_link(failing, code)
        expect(faq).to_be_visible()
        expect(faq).to_have_attribute("href", re.compile(re.escape(FAQ) + r"(\?[^#]*)?#" + re.escape(code) + "$"))
        faq.click()
        expect(faq_anchor(page, code)).to_have_count(1)
