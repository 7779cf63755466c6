"""Usage analytics (/app/usage, /app/usage.csv) against a hand-computed usage log, and the FAQ search (/app/faq)."""

from __future__ import annotations

import csv
import io

import pytest

from reference_portal.areas import faq, usage

# START_TIME of the conftest clock is 1_800_000_000, a multiple of 300 and of 3600: the 1h window's buckets are
# [now - 55 min, now - 50 min), ..., [now, now + 5 min).
NOW = 1_800_000_000.0


def add_application(portal, name: str, organisation_email: str = "dev@example.com") -> int:
    with portal.db.transaction() as conn:
        organisation_id = conn.execute("SELECT organisation_id FROM users WHERE email = ?", (organisation_email,)).fetchone()[0]
        return int(conn.execute(
            "INSERT INTO applications (organisation_id, name, environment, callback_urls, created_at, updated_at)"
            " VALUES (?, ?, 'sandbox', 'https://x.example/cb', ?, ?)",
            (organisation_id, name, NOW, NOW),
        ).lastrowid)


def log(portal, application_id, calls):
    """calls: (seconds ago, status, latency ms, route)"""
    with portal.db.transaction() as conn:
        for i, (ago, status, latency, route) in enumerate(calls):
            conn.execute(
                "INSERT INTO api_calls (application_id, method, route, status, latency_ms, request_id, client_address,"
                " called_at) VALUES (?, 'GET', ?, ?, ?, ?, '127.0.0.1', ?)",
                (application_id, route, status, latency, f"req_{application_id}_{i}", NOW - ago),
            )


@pytest.fixture
def usage_log(portal):
    """App A: this hour 10 calls (latencies 10..100 ms), 3 errors (two 400 and one 500, in the 10-15 min ago bucket);
    the hour before, 4 calls, 1 error. App B: 5 good calls this hour. An unattributed call, and another
    organisation's app with 7 calls."""
    a, b = add_application(portal, "usage-a"), add_application(portal, "usage-b")
    current = [(60, 200, 10.0, "/api/v1/payments"), (120, 200, 20.0, "/api/v1/payments"),
               (180, 200, 30.0, "/api/v1/payments"), (240, 200, 40.0, "/api/v1/payments"),
               (0, 200, 50.0, "/api/v1/payments"), (1500, 200, 60.0, "/api/v1/payments"),
               (1600, 200, 70.0, "/api/v1/payments"), (700, 400, 80.0, "/api/v1/payments"),
               (720, 400, 90.0, "/api/v1/payments"), (800, 500, 100.0, "/api/v1/fx/quotes")]
    previous = [(3700, 200, 5.0, "/api/v1/payments"), (4000, 200, 5.0, "/api/v1/payments"),
                (5000, 200, 5.0, "/api/v1/payments"), (6000, 401, 5.0, "/api/v1/payments")]
    log(portal, a, current + previous)
    log(portal, b, [(30 * i, 200, 1.0, "/oauth/token") for i in range(1, 6)])
    log(portal, None, [(10, 401, 1.0, "/api/v1/payments")])
    return a, b


def cards(read_page, html):
    return {c["data-metric"]: c for c in read_page(html).all("usage-card")}


def test_cards_count_the_applications_calls_with_trends(developer, read_page, usage_log):
    a, _ = usage_log
    page = developer.get(f"/app/usage?application={a}&window=1h")
    assert page.status_code == 200
    found = cards(read_page, page.text)
    assert float(found["requests"]["data-value"]) == 10 and float(found["requests"]["data-previous"]) == 4
    assert float(found["errors"]["data-value"]) == 3 and float(found["errors"]["data-previous"]) == 1
    assert float(found["error_rate"]["data-value"]) == pytest.approx(30.0)
    assert float(found["p95_latency"]["data-value"]) == 100.0  # nearest rank: ceil(0.95 * 10) = 10th of 10
    trends = {t["data-direction"] for t in read_page(page.text).all("usage-card-trend")}
    assert trends == {"up"}
    assert "+150.0%" in page.text  # 10 requests against 4


def test_unfiltered_counts_every_application_of_the_organisation_only(developer, read_page, usage_log):
    found = cards(read_page, developer.get("/app/usage?window=1h").text)
    assert float(found["requests"]["data-value"]) == 15  # 10 + 5; not the unattributed call, not another org's


def test_status_class_filter_and_series(developer, read_page, usage_log):
    a, _ = usage_log
    page = read_page(developer.get(f"/app/usage?application={a}&window=1h&status=4xx").text)
    assert float(cards(read_page, page.html)["requests"]["data-value"]) == 2
    page = read_page(developer.get(f"/app/usage?application={a}&window=1h").text)
    rows = page.all("series-row")
    assert len(rows) == 12 and sum(int(r["data-requests"]) for r in rows) == 10
    assert sum(int(r["data-errors"]) for r in rows) == 3
    heavy = page.all("error-bucket")
    assert [(int(b["data-requests"]), int(b["data-errors"])) for b in heavy] == [(3, 3)]
    assert "<title" in page.html


def test_an_error_bucket_drills_down_to_its_calls(developer, read_page, usage_log):
    a, _ = usage_log
    page = read_page(developer.get(f"/app/usage?application={a}&window=1h").text)
    start = page.one("error-bucket")["data-bucket-start"]
    drilled = read_page(developer.get(f"/app/usage?application={a}&window=1h&bucket={start}").text)
    assert sorted(r["data-status"] for r in drilled.all("usage-row")) == ["400", "400", "500"]
    failing = {(f["data-route"], f["data-status"]): f["data-error-code"] for f in page.all("failing-route")}
    assert failing == {("/api/v1/payments", "400"): "invalid_request", ("/api/v1/fx/quotes", "500"): "server_error"}
    assert 'href="/app/faq#invalid_request"' in page.html


def test_calls_show_at_once(developer, read_page, portal, clock):
    a = add_application(portal, "usage-now")
    log(portal, a, [(0, 201, 3.0, "/api/v1/payments")])
    found = cards(read_page, developer.get(f"/app/usage?application={a}&window=1h").text)
    assert float(found["requests"]["data-value"]) == 1


def test_csv_exports_the_filtered_log(developer, usage_log):
    a, _ = usage_log
    answer = developer.get(f"/app/usage.csv?application={a}&window=1h&status=5xx")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(r["route"], r["status"]) for r in rows] == [("/api/v1/fx/quotes", "500")]
    assert rows[0]["request_id"] == f"req_{a}_9"


@pytest.mark.parametrize("query", [
    "window=forever", "status=6xx", "application=abc", "application=99999", "application=-1", "bucket=xyz",
    "bucket=12", "window=1h&bucket=1800000001", "application=%00", "window=" + "9" * 5000,
])
def test_bad_filters_are_a_clear_400(developer, query):
    answer = developer.get(f"/app/usage?{query}")
    assert answer.status_code == 400
    assert developer.get(f"/app/usage.csv?{query}").status_code == 400


def test_another_organisations_application_is_refused(developer, portal, add_developer, usage_log):
    add_developer("other@example.com", "other-password-123", "Globex")
    other = add_application(portal, "globex-app", organisation_email="other@example.com")
    log(portal, other, [(10, 200, 1.0, "/api/v1/payments")] * 7)
    assert developer.get(f"/app/usage?application={other}").status_code == 400


def test_trend_arithmetic():
    assert usage.trend(10, 4) == {"direction": "up", "percent": 150.0}
    assert usage.trend(2, 4) == {"direction": "down", "percent": -50.0}
    assert usage.trend(3, 0) == {"direction": "up", "percent": None}
    assert usage.trend(0, 0) == {"direction": "flat", "percent": 0.0}


@pytest.mark.parametrize(("query", "first"), [
    ("invalid_token", "invalid-token"), ("invalid_client", "invalid-client"), ("ratelimit", "rate-limits"),
    ("429", "rate-limits"), ("webhook signature", "webhook-signatures"), ("retries", "webhook-retries"),
])
def test_faq_search_finds_the_right_article_first(developer, read_page, query, first):
    page = read_page(developer.get("/app/faq", params={"q": query}).text)
    assert page.all("faq-article")[0]["data-article"] == first
    assert faq.search(query)[0].slug == first


@pytest.mark.parametrize("query", ['"', "*", '"NEAR(*', "zzqx", "x" * 5000])
def test_faq_hostile_or_unmatched_queries_are_an_empty_result(developer, read_page, query):
    answer = developer.get("/app/faq", params={"q": query})
    assert answer.status_code == 200
    page = read_page(answer.text)
    assert page.all("faq-article") == [] and len(page.all("faq-no-results")) == 1


def test_faq_sql_like_input_is_only_words(developer):
    assert developer.get("/app/faq", params={"q": "' OR 1=1 --"}).status_code == 200


def test_faq_anchors_and_navigation(developer, read_page):
    html = developer.get("/app/faq").text
    for code in ("invalid_token", "invalid_client", "rate_limited", "invalid_request"):
        assert f'id="{code}"' in html
    assert 'href="/app/faq"' in developer.get("/app").text
