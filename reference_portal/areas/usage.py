"""API usage, computed in SQL from the usage log the API writes with every call: cards with trends, a time series,
error-heavy periods with their request log, top failing routes (linked to the FAQ) and a CSV export."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ..core.errors import BadRequest
from ..core.handlers import organisation_of
from ..core.http import Request, Response, iso_time

# window name -> (length in seconds, bucket size in seconds)
WINDOWS = {"1h": (3600, 300), "24h": (86400, 3600), "7d": (7 * 86400, 6 * 3600), "30d": (30 * 86400, 86400)}
WINDOW_LABELS = {"1h": "1 hour", "24h": "24 hours", "7d": "7 days", "30d": "30 days"}
DEFAULT_WINDOW = "24h"
STATUS_CLASSES = {"2xx": (200, 299), "3xx": (300, 399), "4xx": (400, 499), "5xx": (500, 599)}
ERROR_HEAVY_RATE = 0.10  # a bucket whose error rate is above this is listed as error-heavy
LOG_LIMIT = 200
CSV_LIMIT = 100_000


def error_code(route: str, status: int) -> str:
    """The API's error code for a failing call, as its JSON body gives it (and the FAQ anchor that explains it)."""
    if status == 401:
        return "invalid_client" if route == "/oauth/token" else "invalid_token"
    return {400: "invalid_request", 403: "insufficient_scope", 404: "not_found", 413: "request_too_large",
            429: "rate_limited"}.get(status, "server_error" if status >= 500 else f"http_{status}")


@dataclass(frozen=True)
class Filters:
    application_id: int | None
    window: str
    status_class: str
    bucket: int | None
    now: float

    @property
    def span(self) -> int:
        return WINDOWS[self.window][0]

    @property
    def bucket_size(self) -> int:
        return WINDOWS[self.window][1]

    @property
    def buckets(self) -> int:
        return self.span // self.bucket_size

    @property
    def since(self) -> int:
        """Start of the first bucket: buckets are aligned to multiples of their size, the last holds `now`."""
        return (int(self.now) // self.bucket_size - self.buckets + 1) * self.bucket_size

    def query(self, **changes: Any) -> str:
        values = {"application": self.application_id or "", "window": self.window, "status": self.status_class,
                  "bucket": self.bucket if self.bucket is not None else ""}
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def read_filters(request: Request, organisation_id: int) -> Filters:
    window = request.arg("window", DEFAULT_WINDOW) or DEFAULT_WINDOW
    if window not in WINDOWS:
        raise BadRequest(f"Unknown time window: choose one of {', '.join(WINDOWS)}.")
    status_class = request.arg("status")
    if status_class and status_class not in STATUS_CLASSES:
        raise BadRequest(f"Unknown status class: choose one of {', '.join(STATUS_CLASSES)}.")
    application_id = None
    raw = request.arg("application")
    if raw:
        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            raise BadRequest("The application filter must be one of your applications.")
        row = request.app.db.one("SELECT id FROM applications WHERE id = ? AND organisation_id = ?",
                                 (int(raw), organisation_id))
        if row is None:
            raise BadRequest("The application filter must be one of your applications.")
        application_id = int(raw)
    filters = Filters(application_id, window, status_class, None, request.app.config.clock())
    raw = request.arg("bucket")
    if raw:
        if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
            raise BadRequest("Unknown period: pick one from the chart.")
        bucket = int(raw)
        if bucket % filters.bucket_size or not filters.since <= bucket <= filters.now:
            raise BadRequest("That period is not in the chosen time window.")
        filters = Filters(application_id, window, status_class, bucket, filters.now)
    return filters


def _where(organisation_id: int, filters: Filters, start: float, end: float) -> tuple[str, list[Any]]:
    sql = " FROM api_calls c JOIN applications a ON a.id = c.application_id WHERE a.organisation_id = ?" \
          " AND c.called_at >= ? AND c.called_at < ?"
    params: list[Any] = [organisation_id, start, end]
    if filters.application_id is not None:
        sql += " AND c.application_id = ?"
        params.append(filters.application_id)
    if filters.status_class:
        sql += " AND c.status BETWEEN ? AND ?"
        params.extend(STATUS_CLASSES[filters.status_class])
    return sql, params


def _totals(request: Request, organisation_id: int, filters: Filters, start: float, end: float) -> dict[str, Any]:
    where, params = _where(organisation_id, filters, start, end)
    row = request.app.db.one(f"SELECT COUNT(*) AS calls, COALESCE(SUM(c.status >= 400), 0) AS errors{where}", params)
    calls, errors = int(row["calls"]), int(row["errors"])
    p95 = None
    if calls:
        rank = math.ceil(0.95 * calls)  # nearest-rank percentile
        p95 = request.app.db.one(
            f"SELECT c.latency_ms{where} ORDER BY c.latency_ms LIMIT 1 OFFSET ?", (*params, rank - 1)
        )["latency_ms"]
    return {"calls": calls, "errors": errors, "error_rate": (errors / calls * 100) if calls else 0.0, "p95": p95}


def trend(current: float | None, previous: float | None) -> dict[str, Any]:
    """The change against the previous period: direction, and the percentage (None when there is nothing before)."""
    current, previous = current or 0, previous or 0
    if current == previous:
        return {"direction": "flat", "percent": 0.0}
    direction = "up" if current > previous else "down"
    if not previous:
        return {"direction": direction, "percent": None}
    return {"direction": direction, "percent": (current - previous) / previous * 100}


def summary(request: Request, organisation_id: int, filters: Filters) -> dict[str, Any]:
    end = filters.now + 0.001  # calls made this instant count
    current = _totals(request, organisation_id, filters, filters.since, end)
    previous = _totals(request, organisation_id, filters, filters.since - filters.span, filters.since)
    cards = [
        ("requests", "Requests", current["calls"], previous["calls"], "{:,}"),
        ("errors", "Errors", current["errors"], previous["errors"], "{:,}"),
        ("error_rate", "Error rate", current["error_rate"], previous["error_rate"], "{:.1f}%"),
        ("p95_latency", "p95 latency", current["p95"], previous["p95"], "{:.1f} ms"),
    ]
    return {
        "current": current,
        "previous": previous,
        "cards": [
            {"metric": metric, "label": label, "value": value, "previous": before,
             "shown": fmt.format(value) if value is not None else "n/a",
             "previous_shown": fmt.format(before) if before is not None else "n/a", "trend": trend(value, before)}
            for metric, label, value, before, fmt in cards
        ],
    }


def series(request: Request, organisation_id: int, filters: Filters) -> list[dict[str, Any]]:
    where, params = _where(organisation_id, filters, filters.since, filters.now + 0.001)
    rows = request.app.db.query(
        f"SELECT CAST((c.called_at - ?) / ? AS INTEGER) AS b, COUNT(*) AS calls,"
        f" COALESCE(SUM(c.status >= 400), 0) AS errors{where} GROUP BY b",
        (filters.since, filters.bucket_size, *params),
    )
    found = {int(r["b"]): r for r in rows}
    out = []
    for b in range(filters.buckets):
        calls = int(found[b]["calls"]) if b in found else 0
        errors = int(found[b]["errors"]) if b in found else 0
        out.append({"start": filters.since + b * filters.bucket_size, "calls": calls, "errors": errors,
                    "rate": errors / calls * 100 if calls else 0.0,
                    "heavy": calls > 0 and errors / calls > ERROR_HEAVY_RATE})
    return out


def chart(points: list[dict[str, Any]], width: int = 720, height: int = 200) -> dict[str, Any]:
    """Bar geometry for the SVG: one group per bucket, requests and errors side by side."""
    top = max([p["calls"] for p in points] + [1])
    slot = width / max(len(points), 1)
    bars = []
    for i, p in enumerate(points):
        h_calls = p["calls"] / top * (height - 10)
        h_errors = p["errors"] / top * (height - 10)
        bars.append({**p, "x": round(i * slot + 1, 2), "w": round(max(slot / 2 - 1, 1), 2),
                     "h_calls": round(h_calls, 2), "y_calls": round(height - h_calls, 2),
                     "h_errors": round(h_errors, 2), "y_errors": round(height - h_errors, 2)})
    return {"width": width, "height": height, "bars": bars, "top": top}


def log_rows(request: Request, organisation_id: int, filters: Filters, limit: int) -> list[Any]:
    if filters.bucket is not None:
        start, end = filters.bucket, filters.bucket + filters.bucket_size
    else:
        start, end = filters.since, filters.now + 0.001
    where, params = _where(organisation_id, filters, start, end)
    return request.app.db.query(
        f"SELECT c.*, a.name AS application_name{where} ORDER BY c.called_at DESC, c.id DESC LIMIT ?", (*params, limit)
    )


def failing_routes(request: Request, organisation_id: int, filters: Filters) -> list[dict[str, Any]]:
    where, params = _where(organisation_id, filters, filters.since, filters.now + 0.001)
    rows = request.app.db.query(
        f"SELECT c.method, c.route, c.status, COUNT(*) AS calls{where} AND c.status >= 400"
        " GROUP BY c.method, c.route, c.status ORDER BY calls DESC, c.route LIMIT 10",
        params,
    )
    return [{"method": r["method"], "route": r["route"], "status": r["status"], "calls": r["calls"],
             "code": error_code(r["route"], r["status"])} for r in rows]


def index(request: Request) -> Response:
    organisation_id = organisation_of(request)
    filters = read_filters(request, organisation_id)
    points = series(request, organisation_id, filters)
    applications = request.app.db.query(
        "SELECT id, name FROM applications WHERE organisation_id = ? ORDER BY name", (organisation_id,)
    )
    return request.app.render(
        request, "usage/index.html", filters=filters, summary=summary(request, organisation_id, filters),
        points=points, chart=chart(points), heavy=[p for p in points if p["heavy"]],
        calls=log_rows(request, organisation_id, filters, LOG_LIMIT),
        failing=failing_routes(request, organisation_id, filters), applications=applications,
        windows=WINDOW_LABELS, status_classes=list(STATUS_CLASSES), threshold=ERROR_HEAVY_RATE * 100,
    )


def export_csv(request: Request) -> Response:
    organisation_id = organisation_of(request)
    filters = read_filters(request, organisation_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["request_id", "time", "application", "method", "route", "status", "latency_ms"])
    for c in log_rows(request, organisation_id, filters, CSV_LIMIT):
        name = c["application_name"]
        if name[:1] in ("=", "+", "-", "@"):  # no formulas in a spreadsheet
            name = "'" + name
        writer.writerow([c["request_id"], iso_time(c["called_at"]), name, c["method"], c["route"], c["status"],
                         c["latency_ms"]])
    response = Response(out.getvalue(), content_type="text/csv; charset=utf-8")
    response.set_header("Content-Disposition", 'attachment; filename="usage.csv"')
    return response

