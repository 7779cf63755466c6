"""The usage rollups (schema 0009, reference_portal.areas.usage_stats) against a computation over the raw rows:
any range, aligned to the hour or not, gives the counts, periods, failing routes and p95 that counting the usage
log call by call gives; the custom from/to range on /app/usage, and its bad values."""

from __future__ import annotations

import math
import random

import pytest

from reference_portal.areas import usage_stats
from reference_portal.areas.usage_stats import Scope

NOW = 1_800_000_000.0  # the conftest clock: a whole hour
HOUR = 3600


def organisation(portal, email="dev@example.com") -> int:
    return portal.db.scalar("SELECT organisation_id FROM users WHERE email = ?", (email,))


def add_application(portal, name, org) -> int:
    with portal.db.transaction() as conn:
        return int(conn.execute(
            "INSERT INTO applications (organisation_id, name, environment, callback_urls, created_at, updated_at)"
            " VALUES (?, ?, 'sandbox', 'https://x.example/cb', ?, ?)", (org, name, NOW, NOW)).lastrowid)


@pytest.fixture
def logged(portal, add_developer):
    """600 calls over the 30 hours before the clock, at odd times, for two applications of the organisation, one of
    another organisation and none; returns (organisation, [app a, app b], the rows as inserted)."""
    org = organisation(portal)
    add_developer("other@example.com", "other-password-123", "Globex")
    a, b = add_application(portal, "roll-a", org), add_application(portal, "roll-b", org)
    other = add_application(portal, "roll-other", organisation(portal, "other@example.com"))
    rng = random.Random(7)
    rows = []
    for i in range(600):
        application_id = rng.choice([a, a, b, other, None])
        status = rng.choice([200, 200, 200, 201, 204, 302, 400, 401, 404, 429, 500, 503])
        route = rng.choice(["/api/v1/payments", "/oauth/token", "/api/v1/fx/quotes"])
        method = "POST" if route == "/oauth/token" else rng.choice(["GET", "POST"])
        latency = round(rng.lognormvariate(math.log(50), 1.0), 2)
        rows.append((application_id, method, route, status, latency, f"req_roll_{i}", NOW - rng.random() * 30 * HOUR))
    rows.append((a, "GET", "/api/v1/payments", 500, 12.0, "req_roll_now", NOW))  # this very instant
    rows.append((a, "GET", "/api/v1/payments", 200, 9.0, "req_roll_edge", NOW - 5 * HOUR))  # on an hour's edge
    with portal.db.transaction() as conn:
        conn.executemany(
            "INSERT INTO api_calls (application_id, method, route, status, latency_ms, request_id, client_address,"
            " called_at) VALUES (?, ?, ?, ?, ?, ?, '127.0.0.1', ?)", rows)
    return org, [a, b], rows


def by_hand(rows, apps, start, end, status_range=None, origin=0, size=None):
    chosen = [r for r in rows if r[0] in apps and start <= r[6] < end
              and (status_range is None or status_range[0] <= r[3] <= status_range[1])]
    buckets = {}
    for r in chosen:
        slot = buckets.setdefault(int((r[6] - origin) // size) if size else 0, [0, 0])
        slot[0] += 1
        slot[1] += r[3] >= 400
    latencies = sorted(r[4] for r in chosen)
    p95 = latencies[math.ceil(0.95 * len(latencies)) - 1] if latencies else None
    failing = {}
    for r in chosen:
        if r[3] >= 400:
            failing[(r[1], r[2], r[3])] = failing.get((r[1], r[2], r[3]), 0) + 1
    return {"calls": len(chosen), "errors": sum(r[3] >= 400 for r in chosen),
            "server_errors": sum(r[3] >= 500 for r in chosen), "buckets": buckets, "p95": p95, "failing": failing}


RANGES = [
    (NOW - 24 * HOUR, NOW + 0.001, NOW - 24 * HOUR, HOUR),  # the 24-hour window: whole hours and the one under way
    (NOW - 30 * HOUR + 17, NOW - 2 * HOUR - 1234.5, 0, None),  # ragged at both ends
    (NOW - 5 * HOUR, NOW - 3 * HOUR, 0, None),  # exactly two whole hours
    (NOW - 40 * 60, NOW + 0.001, NOW - 45 * 60, 300),  # inside one hour: the log only, 5-minute periods
    (NOW - 7 * 86400, NOW + 0.001, (NOW - 7 * 86400) // 21600 * 21600, 21600),
]


@pytest.mark.parametrize("status_class", ["", "4xx", "5xx"])
@pytest.mark.parametrize("application", [None, 0])
@pytest.mark.parametrize(("start", "end", "origin", "size"), RANGES)
def test_rollups_equal_counting_the_log(portal, logged, start, end, origin, size, status_class, application):
    org, apps, rows = logged
    chosen_apps = apps if application is None else [apps[application]]
    scope = Scope(org, None if application is None else apps[application], status_class)
    found = usage_stats.counts(portal.db.connection(), scope, start, end, origin=origin, bucket_size=size)
    expected = by_hand(rows, chosen_apps, start, end, usage_stats.STATUS_CLASSES.get(status_class), origin, size)
    assert (found.calls, found.errors, found.server_errors, found.p95) == (
        expected["calls"], expected["errors"], expected["server_errors"], expected["p95"])
    assert {b: list(v) for b, v in found.buckets.items()} == expected["buckets"]
    failing = usage_stats.failing_routes(portal.db.connection(), scope, start, end, limit=100)
    assert {(f["method"], f["route"], f["status"]): f["calls"] for f in failing} == expected["failing"]


@pytest.mark.parametrize(("start", "end", "origin", "size"), RANGES)
def test_p95_from_the_histogram_is_the_exact_value_within_a_bucket(portal, logged, monkeypatch, start, end, origin, size):
    org, apps, rows = logged
    monkeypatch.setattr(usage_stats, "EXACT_P95_CALLS", 0)
    found = usage_stats.counts(portal.db.connection(), Scope(org), start, end)
    exact = by_hand(rows, apps, start, end)["p95"]
    assert exact <= found.p95 <= exact * 10 ** (1 / usage_stats.BUCKETS_PER_DECADE) + 0.01


def test_recent_calls_are_the_newest_of_every_application(portal, logged):
    org, apps, rows = logged
    found = usage_stats.recent_calls(portal.db.connection(), Scope(org), NOW - 30 * HOUR, NOW + 0.001, 25)
    mine = sorted((r for r in rows if r[0] in apps), key=lambda r: r[6], reverse=True)[:25]
    assert [row["request_id"] for row in found] == [r[5] for r in mine]


def test_a_deleted_application_leaves_the_rollups(portal, logged):
    _, apps, _ = logged
    with portal.db.transaction() as conn:
        conn.execute("DELETE FROM applications WHERE id = ?", (apps[1],))
    assert portal.db.scalar("SELECT COUNT(*) FROM api_usage_hourly WHERE application_id = ?", (apps[1],)) == 0


# --- the custom range on the page ---------------------------------------------------------------------------------

def cards(read_page, html):
    return {c["data-metric"]: float(c["data-value"] or 0) for c in read_page(html).all("usage-card")}


def test_a_custom_range_counts_its_calls_and_stays_in_the_links(developer, read_page, logged):
    _, apps, rows = logged
    # 2027-01-15 08:00 UTC is NOW; the range is the 6 hours before 07:00
    page = developer.get("/app/usage", params={"from": "2027-01-15T01:00", "to": "2027-01-15T07:00"})
    assert page.status_code == 200
    expected = by_hand(rows, apps, NOW - 7 * HOUR, NOW - HOUR)
    assert cards(read_page, page.text)["requests"] == expected["calls"]
    series = read_page(page.text).all("series-row")
    assert sum(int(r["data-requests"]) for r in series) == expected["calls"]
    assert "from=2027-01-15T01%3A00" in page.text and "to=2027-01-15T07%3A00" in page.text  # export and drill-down


def test_a_whole_day_range_takes_in_its_last_day(developer, read_page, logged):
    _, apps, rows = logged
    page = developer.get("/app/usage", params={"from": "2027-01-14", "to": "2027-01-15"})
    assert cards(read_page, page.text)["requests"] == by_hand(rows, apps, NOW - 8 * HOUR - 86400, NOW + 1)["calls"]


@pytest.mark.parametrize(("query", "message"), [
    ({"from": "2027-01-15", "to": "2027-01-14"}, "before its end"),
    ({"from": "2027-01-15T05:00", "to": "2027-01-15T05:00"}, "before its end"),
    ({"from": "2020-01-01", "to": "2027-01-01"}, "at most"),
    ({"from": "0001-01-01", "to": "9999-12-31"}, "from 1970 to 9000"),
    ({"from": "2027-01-01", "to": "9999-12-31"}, "from 1970 to 9000"),
    ({"from": "yesterday", "to": "today"}, "YYYY-MM-DD"),
    ({"from": "2027-02-30", "to": "2027-03-01"}, "YYYY-MM-DD"),
    ({"from": "2027-01-14"}, "both"),
    ({"to": "2027-01-14"}, "both"),
    ({"from": "2030-01-01", "to": "2030-01-02"}, "future"),
    ({"from": "2027-01-14T25:00", "to": "2027-01-15"}, "YYYY-MM-DD"),
    ({"from": "９９９９-01-01", "to": "2027-01-15"}, "YYYY-MM-DD"),
    ({"from": "2027-01-14" * 50, "to": "2027-01-15"}, "YYYY-MM-DD"),
    ({"from": "2027-01-14", "to": "2027-01-15", "bucket": "12"}, "not in the chosen"),
])
def test_bad_ranges_are_a_clear_400(developer, query, message):
    for path in ("/app/usage", "/app/usage.csv"):
        answer = developer.get(path, params=query)
        assert answer.status_code == 400 and message in answer.text


def test_the_demo_seed_has_30_days_of_traffic_with_incidents(make_portal):
    portal = make_portal(demo_traffic=True)
    org = organisation(portal)
    conn = portal.db.connection()
    for days in (1 / 24, 1, 7, 30):
        found = usage_stats.counts(conn, Scope(org), NOW - days * 86400, NOW + 0.001, with_p95=False)
        assert found.calls > 0, f"no demo calls in the last {days} days"
    week = usage_stats.counts(conn, Scope(org), NOW - 7 * 86400, NOW + 0.001, origin=NOW - 7 * 86400,
                              bucket_size=HOUR, with_p95=False)
    heavy = [b for b, (calls, errors) in week.buckets.items() if calls and errors / calls > 0.10]
    assert heavy, "no incident in the last 7 days"
    applications = portal.db.query("SELECT a.id, c.client_id FROM applications a JOIN credentials c"
                                   " ON c.application_id = a.id WHERE a.organisation_id = ?", (org,))
    assert len(applications) == 2
