"""Realistic API traffic for the demo organisation, so the usage charts are never empty: 30 days of calls up to the
portal's clock, busier by day than by night and on weekdays than at weekends, mostly good, with the usual trickle of
4xx, and two incidents: a 45-minute outage of /api/v1/payments (503s, slow, clients retrying) six days ago, and a
client stuck in a retry loop hitting its rate limit (429s) for an hour two days ago. The same generator, at a higher rate, fills
the usage benchmark (benchmarks/usage_page.py).

Deterministic for a given seed and clock; it writes only to the usage log (the rollups follow by trigger).
"""

from __future__ import annotations

import math
import random
import sqlite3
from dataclasses import dataclass
from typing import Iterator

from .areas import credentials

SEED = 20261129
DAYS = 30
HOUR = 3600
# (method, route, share of calls, median latency ms)
ROUTES = (
    ("POST", "/oauth/token", 0.08, 35.0),
    ("GET", "/api/v1/payments", 0.40, 60.0),
    ("POST", "/api/v1/payments", 0.25, 140.0),
    ("GET", "/api/v1/accounts/balances", 0.17, 45.0),
    ("GET", "/api/v1/fx/quotes", 0.10, 90.0),
)
# The everyday failures: (status, share of calls)
EVERYDAY_ERRORS = ((400, 0.012), (401, 0.006), (403, 0.003), (404, 0.004), (429, 0.002), (500, 0.0008))
DEMO_APPLICATIONS = (("Storefront (demo traffic)", 0.7), ("Mobile app (demo traffic)", 0.3))
DEMO_CALLS_PER_DAY = 100


@dataclass(frozen=True)
class Incident:
    application_index: int | None  # None: every application
    starts_ago: float  # seconds before the clock
    seconds: float
    route: str | None  # None: every route
    status: int
    share: float  # of the calls in it that fail so
    extra_volume: float  # calls multiplied by this (retries)
    latency_factor: float


INCIDENTS = (
    Incident(None, 6 * 86400 - 4 * HOUR, 45 * 60, "/api/v1/payments", 503, 0.8, 6.0, 8.0),
    Incident(1, 2 * 86400 + 3 * HOUR, 3600, None, 429, 0.6, 20.0, 0.5),
)


def _daily_shape(hour_of_day: int, weekday: int) -> float:
    """Calls in this hour against the average hour: a day peak at 14:00 UTC, quiet nights, calmer weekends."""
    day = 0.35 + 0.65 * (1 + math.cos((hour_of_day - 14) / 24 * 2 * math.pi)) / 2
    return day * (0.55 if weekday >= 5 else 1.15) / 0.6


def generate(applications: list[tuple[int, int | None, float]], now: float, *, calls_per_day: float,
             days: int = DAYS, seed: int = SEED) -> Iterator[tuple]:
    """Usage-log rows (application_id, credential_id, method, route, status, latency_ms, request_id,
    client_address, called_at) for `applications` as (id, credential id, share of the traffic), over the `days`
    before `now`."""
    rng = random.Random(seed)
    start_hour = int(now) // HOUR * HOUR - days * 24 * HOUR
    weights = [share for _, _, share, _ in ROUTES]
    for index, (application_id, credential_id, share) in enumerate(applications):
        address = f"203.0.113.{10 + index}"
        for hour in range(start_hour, int(now) + 1, HOUR):
            hour_of_day, weekday = hour // HOUR % 24, (hour // 86400 + 3) % 7  # 1 Jan 1970 was a Thursday
            expected = calls_per_day / 24 * share * _daily_shape(hour_of_day, weekday)
            incidents = [i for i in INCIDENTS if i.application_index in (None, index)
                         and now - i.starts_ago - HOUR < hour < now - i.starts_ago + i.seconds]
            for incident in incidents:
                expected *= incident.extra_volume
            count = int(expected) + (rng.random() < expected - int(expected))
            for _ in range(count):
                called_at = hour + rng.random() * HOUR
                if called_at > now:
                    continue
                method, route, _, median = ROUTES[rng.choices(range(len(ROUTES)), weights)[0]]
                status = 201 if method == "POST" and route != "/oauth/token" else 200
                latency = rng.lognormvariate(math.log(median), 0.45)
                roll = rng.random()
                for error, chance in EVERYDAY_ERRORS:
                    if roll < chance:
                        status = error
                        break
                    roll -= chance
                for incident in incidents:
                    began = now - incident.starts_ago
                    if (began <= called_at < began + incident.seconds and incident.route in (None, route)
                            and rng.random() < incident.share):
                        status, latency = incident.status, latency * incident.latency_factor
                yield (application_id, credential_id, method, route, status, round(latency, 2),
                       f"req_{rng.getrandbits(96):024x}", address, round(called_at, 3))


def insert(conn: sqlite3.Connection, rows: Iterator[tuple]) -> None:
    conn.executemany(
        "INSERT INTO api_calls (application_id, credential_id, method, route, status, latency_ms, request_id,"
        " client_address, called_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def seed_demo_traffic(conn: sqlite3.Connection, organisation_id: int, now: float) -> None:
    """The demo organisation's two applications that made the traffic (each with a client credential whose secret
    was shown to nobody), and their 30 days of calls."""
    applications = []
    for name, share in DEMO_APPLICATIONS:
        application_id = conn.execute(
            "INSERT INTO applications (organisation_id, name, description, environment, callback_urls, created_at,"
            " updated_at, last_used_at) VALUES (?, ?, ?, 'sandbox', 'https://shop.example.com/callback', ?, ?, ?)",
            (organisation_id, name, "Sample traffic for the usage page.", now - DAYS * 86400, now - DAYS * 86400,
             now),
        ).lastrowid
        credentials.issue(conn, application_id, "sandbox", now - DAYS * 86400)
        conn.execute(  # the products a new sandbox application gets without approval, as it was then
            "INSERT INTO subscriptions (application_id, product_id, state, created_at, decided_at)"
            " SELECT ?, id, 'approved', ?, ? FROM products WHERE approval_mode = 'automatic'"
            " AND instr(environments, 'sandbox') > 0",
            (application_id, now - DAYS * 86400, now - DAYS * 86400),
        )
        credential_id = conn.execute("SELECT id FROM credentials WHERE application_id = ?", (application_id,)).fetchone()[0]
        applications.append((application_id, credential_id, share))
    insert(conn, generate(applications, now, calls_per_day=DEMO_CALLS_PER_DAY))
