"""Usage counts over any time range, from the hourly rollups (schema 0009) for the whole hours inside the range and
from the usage log itself for the part-hours at its edges, so the answer equals counting the log row by row while
reading a few rows per application and hour; the hour under way comes from the log, so a call made a second ago
counts at once.

p95 latency is exact (the nearest-rank value of the logged latencies) up to EXACT_P95_CALLS calls, and above that
read from the rollups' latency histogram (per day for whole days, per hour for the whole hours around them, the log
for the rest): the upper edge of the bucket that holds the nearest rank, at most about 7.5% above the exact value.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

HOUR = 3600
DAY = 86400
BUCKETS_PER_DECADE = 32  # must match the rollup trigger in schema/0009_usage_alerts.sql
EXACT_P95_CALLS = 20_000
STATUS_CLASSES = {"2xx": (200, 299), "3xx": (300, 399), "4xx": (400, 499), "5xx": (500, 599)}


@dataclass(frozen=True)
class Scope:
    """Whose calls: an organisation's, optionally one application's and one status class's."""

    organisation_id: int
    application_id: int | None = None
    status_class: str = ""


@dataclass
class Counts:
    calls: int = 0
    errors: int = 0  # status 400 and above
    server_errors: int = 0  # status 500 and above
    buckets: dict[int, list[int]] = field(default_factory=dict)  # bucket index -> [calls, errors]
    p95: float | None = None

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls * 100 if self.calls else 0.0


def latency_bucket(latency_ms: float) -> int:
    return math.floor(math.log10(max(latency_ms, 0.01)) * BUCKETS_PER_DECADE)


def bucket_upper_edge(bucket: int) -> float:
    return round(10 ** ((bucket + 1) / BUCKETS_PER_DECADE), 2)


def split(start: float, end: float) -> tuple[int, int]:
    """The whole hours [first, last) inside [start, end); first >= last when there is none."""
    return math.ceil(start / HOUR) * HOUR, math.floor(end / HOUR) * HOUR


def _filters(scope: Scope, table: str, status_column: str = "status") -> tuple[str, list[Any]]:
    sql = f" JOIN applications a ON a.id = {table}.application_id WHERE a.organisation_id = ?"
    params: list[Any] = [scope.organisation_id]
    if scope.application_id is not None:
        sql += f" AND {table}.application_id = ?"
        params.append(scope.application_id)
    if scope.status_class:
        low, high = STATUS_CLASSES[scope.status_class]
        if status_column == "status_class":
            sql += f" AND {table}.status_class = ?"
            params.append(low // 100)
        else:
            sql += f" AND {table}.{status_column} BETWEEN ? AND ?"
            params.extend((low, high))
    return sql, params


def raw_where(scope: Scope, start: float, end: float) -> tuple[str, list[Any]]:
    """FROM/WHERE over the usage log itself (alias c), for the calls in [start, end)."""
    where, params = _filters(scope, "c")
    return f" FROM api_calls c{where} AND c.called_at >= ? AND c.called_at < ?", [*params, start, end]


def counts(conn: sqlite3.Connection, scope: Scope, start: float, end: float, *, origin: float = 0,
           bucket_size: int | None = None, with_p95: bool = True) -> Counts:
    """The scope's calls in [start, end): totals, p95, and per bucket of `bucket_size` seconds counted from
    `origin` (buckets must be whole hours, aligned to whole hours, for the rollup to be used for them)."""
    out = Counts()
    first, last = split(start, end)
    rollup_fits = bucket_size is None or (bucket_size % HOUR == 0 and origin % HOUR == 0)
    if first >= last or not rollup_fits:
        raw_ranges, first, last = [(start, end)], 0, 0
    else:
        raw_ranges = [(s, e) for s, e in ((start, first), (last, end)) if s < e]
    size = bucket_size or 1
    base = int(origin)

    def add(bucket: int, calls: int, errors: int) -> None:
        slot = out.buckets.setdefault(bucket, [0, 0])
        slot[0] += calls
        slot[1] += errors

    if first < last:
        where, params = _filters(scope, "r")
        rows = conn.execute(
            "SELECT (r.hour - ?) / ? AS b, SUM(r.calls) AS calls,"
            " SUM(CASE WHEN r.status >= 400 THEN r.calls ELSE 0 END) AS errors,"
            " SUM(CASE WHEN r.status >= 500 THEN r.calls ELSE 0 END) AS server_errors"
            f" FROM api_usage_hourly r{where} AND r.hour >= ? AND r.hour < ? GROUP BY b",
            (base, size, *params, first, last),
        ).fetchall()
        for row in rows:
            add(int(row["b"]) if bucket_size else 0, int(row["calls"]), int(row["errors"]))
            out.server_errors += int(row["server_errors"])
    for s, e in raw_ranges:
        where, params = raw_where(scope, s, e)
        rows = conn.execute(
            "SELECT CAST((c.called_at - ?) / ? AS INTEGER) AS b, COUNT(*) AS calls,"
            " COALESCE(SUM(c.status >= 400), 0) AS errors, COALESCE(SUM(c.status >= 500), 0) AS server_errors"
            f"{where} GROUP BY b",
            (origin, size, *params),
        ).fetchall()
        for row in rows:
            add(int(row["b"]) if bucket_size else 0, int(row["calls"]), int(row["errors"]))
            out.server_errors += int(row["server_errors"])
    out.calls = sum(slot[0] for slot in out.buckets.values())
    out.errors = sum(slot[1] for slot in out.buckets.values())
    if with_p95 and out.calls:
        out.p95 = _p95(conn, scope, start, end, out.calls)
    return out


def _p95(conn: sqlite3.Connection, scope: Scope, start: float, end: float, calls: int) -> float:
    rank = math.ceil(0.95 * calls)  # nearest rank
    if calls <= EXACT_P95_CALLS:
        where, params = raw_where(scope, start, end)
        return float(conn.execute(f"SELECT c.latency_ms{where} ORDER BY c.latency_ms LIMIT 1 OFFSET ?",
                                  (*params, rank - 1)).fetchone()[0])
    histogram: Counter[int] = Counter()
    days, hours, raw_ranges = _histogram_parts(start, end)
    parts = [("api_latency_daily", "day", days)] if days else []
    parts += [("api_latency_hourly", "hour", part) for part in hours]
    for table, column, (first, last) in parts:
        where, params = _filters(scope, "r", "status_class")
        for row in conn.execute(f"SELECT r.bucket, SUM(r.calls) FROM {table} r{where}"
                                f" AND r.{column} >= ? AND r.{column} < ? GROUP BY r.bucket", (*params, first, last)):
            histogram[int(row[0])] += int(row[1])
    for s, e in raw_ranges:
        where, params = raw_where(scope, s, e)
        for row in conn.execute(f"SELECT c.latency_ms{where}", params):
            histogram[latency_bucket(row[0])] += 1
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return bucket_upper_edge(bucket)
    raise AssertionError("the histogram holds fewer calls than were counted")


def _histogram_parts(start: float, end: float) -> tuple[tuple[int, int] | None, list[tuple[int, int]],
                                                         list[tuple[float, float]]]:
    """[start, end) as the whole days inside it, the whole hours around those, and the part-hours at its edges."""
    first, last = split(start, end)
    if first >= last:
        return None, [], [(start, end)]
    raw = [(s, e) for s, e in ((start, first), (last, end)) if s < e]
    first_day, last_day = math.ceil(first / DAY) * DAY, math.floor(last / DAY) * DAY
    if first_day >= last_day:
        return None, [(first, last)], raw
    hours = [(s, e) for s, e in ((first, first_day), (last_day, last)) if s < e]
    return (first_day, last_day), hours, raw


def failing_routes(conn: sqlite3.Connection, scope: Scope, start: float, end: float, limit: int = 10) -> list[dict[str, Any]]:
    """The scope's most frequent failing (method, route, status) in [start, end), most calls first."""
    first, last = split(start, end)
    raw_ranges = [(start, end)] if first >= last else [(s, e) for s, e in ((start, first), (last, end)) if s < e]
    found: Counter[tuple[str, str, int]] = Counter()
    if first < last:
        where, params = _filters(scope, "r")
        for row in conn.execute(
            f"SELECT r.method, r.route, r.status, SUM(r.calls) FROM api_failures_hourly r{where}"
            " AND r.hour >= ? AND r.hour < ? GROUP BY r.method, r.route, r.status", (*params, first, last)
        ):
            found[(row[0], row[1], int(row[2]))] += int(row[3])
    for s, e in raw_ranges:
        where, params = raw_where(scope, s, e)
        for row in conn.execute(f"SELECT c.method, c.route, c.status, COUNT(*){where} AND c.status >= 400"
                                " GROUP BY c.method, c.route, c.status", params):
            found[(row[0], row[1], int(row[2]))] += int(row[3])
    ranked = sorted(found.items(), key=lambda item: (-item[1], item[0][1], item[0][0], item[0][2]))
    return [{"method": m, "route": r, "status": s, "calls": n} for (m, r, s), n in ranked[:limit]]


def recent_calls(conn: sqlite3.Connection, scope: Scope, start: float, end: float, limit: int) -> list[sqlite3.Row]:
    """The scope's latest calls in [start, end), newest first: each application's latest read from its index and
    merged, rather than sorting every call of the range."""
    if scope.application_id is not None:
        application_ids = [scope.application_id]
    else:
        application_ids = [row[0] for row in conn.execute(
            "SELECT id FROM applications WHERE organisation_id = ?", (scope.organisation_id,))]
    rows: list[sqlite3.Row] = []
    status_sql, status_params = "", []
    if scope.status_class:
        status_sql = " AND c.status BETWEEN ? AND ?"
        status_params = list(STATUS_CLASSES[scope.status_class])
    for application_id in application_ids:
        rows.extend(conn.execute(
            "SELECT c.*, a.name AS application_name FROM api_calls c JOIN applications a ON a.id = c.application_id"
            f" WHERE c.application_id = ? AND c.called_at >= ? AND c.called_at < ?{status_sql}"
            " ORDER BY c.called_at DESC, c.id DESC LIMIT ?",
            (application_id, start, end, *status_params, limit),
        ).fetchall())
    rows.sort(key=lambda row: (row["called_at"], row["id"]), reverse=True)
    return rows[:limit]
