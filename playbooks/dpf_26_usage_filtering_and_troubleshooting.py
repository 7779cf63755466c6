"""DPF-26 Usage filtering and troubleshooting: filtered to the flow's app and a window, the counts are exactly its
calls; the error-heavy periods hold its failing requests by request ID; the failing route links to the FAQ article
for the error code the API answered.

Faults of a broken portal this flow must catch:
- a filter that is ignored or not kept in the URL (another application's calls counted, or the status class);
- a custom from/to range that is ignored (a range that ended before the calls still counts them);
- an error-heavy period missing, or its drill-down not listing the failing requests by request ID and status;
- a drill-down listing calls of another period or another application, or a filtered log listing calls the filters
  exclude (another application's, another status class's, from outside the range);
- a CSV export that does not hold the calls the page lists;
- a failing route without the error code the API answered, or not linking to that code's FAQ anchor.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from playbooks.harness.contract import contract
from playbooks.harness.usage_calls import MadeCalls, UsagePage, faq_anchor, make_calls

FLOW_ID = "DPF-26"
FAQ = contract().route("faq").path
PAYMENTS = contract().route("payments_create").path
# The contract lists every period in which more than a quarter of the calls failed as error-heavy. Made in this order
# (the token request, the good call, then the refused ones), every period of them that holds a failure holds more
# than a quarter failures, wherever a period boundary falls and whether or not the token request counts.
GOOD, BAD = 1, 3


def listed(usage: UsagePage) -> dict[str, str]:
    """The request log's calls on the page: request ID -> status."""
    return {row.get_attribute("data-request-id") or "": row.get_attribute("data-status") or ""
            for row in usage.log.get_by_test_id("usage-row").all()}


def only_of(rows: dict[str, str], made: MadeCalls, others: MadeCalls) -> list[str]:
    """What is wrong with a log of the app's calls: calls of the other application, or more calls the flow did not
    make than its token requests (which a portal may log under IDs it did not answer)."""
    wrong = [f"{request_id} (the other application's)" for request_id in rows if request_id in others.ids]
    extra = [request_id for request_id in rows if request_id not in made.ids and request_id not in others.ids]
    if len(extra) > made.token_requests:
        wrong += [f"{request_id} (not the app's)" for request_id in extra]
    return wrong


def exported(page, usage_url: str) -> dict[str, str]:
    """The CSV export of the same query as a usage page: request ID -> status."""
    answer = page.request.get("/app/usage.csv?" + urlsplit(usage_url).query)
    assert answer.status == 200, f"/app/usage.csv answered HTTP {answer.status}"
    return {row["request_id"]: row["status"] for row in csv.DictReader(io.StringIO(answer.text()))}


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
        filtered_rows, filtered_csv = listed(usage), exported(page, page.url)
        # a period of the window with none of the app's calls: drilled down to, it lists none. The newest such period
        # (the rows are in time order): the window moving on while the flow reads it never pushes that one out.
        quiet = next((row.get_attribute("data-bucket-start") for row in reversed(usage.series.all())
                      if row.get_attribute("data-requests") == "0"), None)
        assert quiet is not None, (f"filtered to {app.name} over 1 h, every period of the chart has calls, though "
                                   "only the flow's own calls may count there: the chart is not filtered")
        page.goto(f"/app/usage?application={app.id}&window=1h&bucket={quiet}")
        expect(usage.log).to_have_attribute("data-bucket-start", re.compile(r"\d"))
        quiet_rows, quiet_csv = listed(usage), exported(page, page.url)
        page.goto(f"/app/usage?application={app.id}&window=1h&status=4xx")
        only_4xx, only_4xx_rows = usage.value("requests"), listed(usage)
        # custom ranges (UTC, to the minute): two hours around the calls, and two hours that ended before them
        now, hour = datetime.now(timezone.utc), timedelta(hours=1)
        in_range = {}
        for name, (start, end) in (("around", (now - hour, now + hour)), ("before", (now - 3 * hour, now - hour))):
            response = page.goto(f"/app/usage?application={app.id}&from={start:%Y-%m-%dT%H:%M}&to={end:%Y-%m-%dT%H:%M}")
            assert response is not None and response.status == 200, f"a custom range answered HTTP {response.status}"
            in_range[name] = usage.value("requests"), listed(usage)

    with flow.step("Inspect error-heavy periods."):
        page.goto(f"/app/usage?application={app.id}&window=1h")
        expect(usage.error_buckets.first).to_be_visible()
        heavy_errors = sum(int(b.get_attribute("data-errors") or "0") for b in usage.error_buckets.all())
        links = [usage.calls_of(b).first.get_attribute("href") for b in usage.error_buckets.all()]
        drilled: dict[str, str] = {}
        for href in links:
            assert href, "an error-heavy period has no link to its calls"
            page.goto(href)
            expect(usage.log).to_have_attribute("data-bucket-start", re.compile(r"\d"))
            rows = listed(usage)
            assert exported(page, page.url) == rows, f"the CSV of {href} does not hold the calls the page lists"
            drilled.update(rows)
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
        (around, around_rows), (before, before_rows) = in_range["around"], in_range["before"]
        assert around == counted, f"a range around the calls counts {around:g}, not {counted}"
        assert before == 0, f"over a range that ended before the calls, {before:g} calls"
        assert not before_rows, f"a range that ended before the calls lists {sorted(before_rows)}"
        assert not only_of(around_rows, made, others), f"a range around the calls lists {only_of(around_rows, made, others)}"
        assert not only_of(filtered_rows, made, others), f"filtered, the log lists {only_of(filtered_rows, made, others)}"
        assert made.ids <= set(filtered_rows), f"filtered, the log lacks {sorted(made.ids - set(filtered_rows))}"
        assert filtered_csv == filtered_rows, "the CSV of the filtered page does not hold the calls the page lists"
        assert set(only_4xx_rows) == set(made.failed), f"filtered to 4xx, the log lists {sorted(only_4xx_rows)}"
        assert not quiet_rows and not quiet_csv, (
            f"drilled down to a period without the app's calls ({quiet}), the log lists {sorted(quiet_rows)} and the "
            f"CSV {sorted(quiet_csv)}: the drill-down ignores its period"
        )
        assert heavy_errors == len(made.failed), f"the error-heavy periods hold {heavy_errors} errors, not {len(made.failed)}"
        assert not only_of(drilled, made, others), f"its error-heavy periods list {only_of(drilled, made, others)}"
        for request_id, (status, _) in made.failed.items():
            assert drilled.get(request_id) == str(status), f"failing request {request_id} is not in its period's log"
        expect(failing).to_have_count(1)
        expect(failing).to_have_attribute("data-error-code", code)
        faq = usage.faq_link(failing, code)
        expect(faq).to_be_visible()
        expect(faq).to_have_attribute("href", re.compile(re.escape(FAQ) + r"(\?[^#]*)?#" + re.escape(code) + "$"))
        faq.click()
        expect(faq_anchor(page, code)).to_have_count(1)
