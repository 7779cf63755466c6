"""API usage, computed in SQL from the usage log the API writes with every call (through its hourly rollups, see
usage_stats): cards with trends, a time series, error-heavy periods with their request log, top failing routes
(linked to the FAQ), alert rules that fire, and a CSV export. The period is a preset window or a custom from/to
range, kept in the URL with the other filters."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from ..core.errors import BadRequest
from ..core.handlers import id_from, organisation_of
from ..core.http import Request, Response, iso_time
from ..core.numbers import whole_number
from . import alerts, usage_stats
from .usage_stats import STATUS_CLASSES, Counts, Scope, counts, recent_calls

# window name -> (length in seconds, bucket size in seconds)
WINDOWS = {"1h": (3600, 300), "24h": (86400, 3600), "7d": (7 * 86400, 6 * 3600), "30d": (30 * 86400, 86400)}
WINDOW_LABELS = {"1h": "1 hour", "24h": "24 hours", "7d": "7 days", "30d": "30 days"}
DEFAULT_WINDOW = "24h"
# A custom from/to range: (longest span in seconds, chart period in seconds), the first that fits.
CUSTOM_BUCKETS = ((2 * 3600, 300), (12 * 3600, 1800), (4 * 86400, 3600), (25 * 86400, 6 * 3600),
                  (120 * 86400, 86400), (float("inf"), 7 * 86400))
MAX_RANGE_DAYS = 400
RANGE_FORMAT = "Give the range as dates (YYYY-MM-DD) or times (YYYY-MM-DDTHH:MM), in UTC."
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
    window: str  # a key of WINDOWS, or "custom" for a from/to range
    status_class: str
    bucket: int | None
    now: float
    start: float  # the calls counted are those in [start, end)
    end: float
    bucket_size: int
    origin: int  # where the chart's periods start: a multiple of bucket_size, at or before start
    range_from: str = ""  # the custom range as the URL gave it
    range_to: str = ""
    application: str = ""  # the application's public ID, as the URL gave it

    @property
    def span(self) -> float:
        """The length of the period the trend compares against: the window, or the custom range."""
        return WINDOWS[self.window][0] if self.window in WINDOWS else self.end - self.start

    @property
    def since(self) -> int:
        return self.origin

    @property
    def buckets(self) -> int:
        return max(1, math.ceil((self.end - self.origin) / self.bucket_size))

    @property
    def previous(self) -> tuple[float, float]:
        if self.window in WINDOWS:
            return self.origin - self.span, self.origin
        return self.start - self.span, self.start

    @property
    def label(self) -> str:
        """How the page names the period: "the last 24 hours", or the custom range."""
        if self.window in WINDOWS:
            return "the last " + WINDOW_LABELS[self.window]
        return f"{self.range_from.replace('T', ' ')} to {self.range_to.replace('T', ' ')} UTC"

    @property
    def previous_label(self) -> str:
        return "the previous " + (WINDOW_LABELS[self.window] if self.window in WINDOWS else "period of the same length")

    def scope(self, organisation_id: int) -> Scope:
        return Scope(organisation_id, self.application_id, self.status_class)

    def query(self, **changes: Any) -> str:
        values = {"application": self.application, "window": self.window if self.window in WINDOWS else "",
                  "from": self.range_from, "to": self.range_to, "status": self.status_class,
                  "bucket": self.bucket if self.bucket is not None else ""}
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def custom_bucket_size(span: float) -> int:
    """Chart periods for a custom range: a few dozen bars at most."""
    for longest, size in CUSTOM_BUCKETS:
        if span <= longest:
            return size
    return CUSTOM_BUCKETS[-1][1]


def parse_moment(raw: str, *, end: bool) -> float:
    """A range end from the URL: YYYY-MM-DD (a whole day: the end of the range takes in that day) or
    YYYY-MM-DDTHH:MM, in UTC."""
    raw = raw.strip()
    if len(raw) > 19 or not raw.isascii():
        raise BadRequest(RANGE_FORMAT)
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(raw, pattern).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
        if not 1970 <= moment.year <= 9000:
            raise BadRequest("Give dates from 1970 to 9000.")
        if pattern == "%Y-%m-%d" and end:
            moment += timedelta(days=1)
        return moment.timestamp()
    raise BadRequest(RANGE_FORMAT)


def read_filters(request: Request, organisation_id: int) -> Filters:
    now = request.app.config.clock()
    raw_from, raw_to = request.arg("from").strip(), request.arg("to").strip()
    window = request.arg("window", DEFAULT_WINDOW) or DEFAULT_WINDOW
    if raw_from or raw_to:
        if not (raw_from and raw_to):
            raise BadRequest("A custom range needs both a start (from) and an end (to).")
        start, end = parse_moment(raw_from, end=False), parse_moment(raw_to, end=True)
        if start >= end:
            raise BadRequest("The start of the range must be before its end.")
        if end - start > MAX_RANGE_DAYS * 86400:
            raise BadRequest(f"A custom range may cover at most {MAX_RANGE_DAYS} days.")
        if start > now:
            raise BadRequest("The range starts in the future: there are no calls to show yet.")
        window = "custom"
        bucket_size = custom_bucket_size(end - start)
        origin = int(start) // bucket_size * bucket_size
    else:
        if window not in WINDOWS:
            raise BadRequest(f"Unknown time window: choose one of {', '.join(WINDOWS)}, or a custom range.")
        span, bucket_size = WINDOWS[window]
        # Periods are aligned to multiples of their size; the last holds now, and calls made this instant count.
        origin = (int(now) // bucket_size - span // bucket_size + 1) * bucket_size
        start, end = origin, now + 0.001
    status_class = request.arg("status")
    if status_class and status_class not in STATUS_CLASSES:
        raise BadRequest(f"Unknown status class: choose one of {', '.join(STATUS_CLASSES)}.")
    application_id = None
    application = request.arg("application").strip()
    if application:
        refused = "The application filter must be one of your applications."
        application_id = id_from(request, "app", application, refused=refused)
        row = request.app.db.one("SELECT id FROM applications WHERE id = ? AND organisation_id = ?",
                                 (application_id, organisation_id))
        if row is None:
            raise BadRequest(refused)
    bucket = None
    raw = request.arg("bucket")
    if raw:
        bucket = whole_number(raw)
        if bucket is None:
            raise BadRequest("Unknown period: pick one from the chart.")
        if bucket % bucket_size or not origin <= bucket < end:
            raise BadRequest("That period is not in the chosen time window.")
    return Filters(application_id, window, status_class, bucket, now, start, end, bucket_size, origin,
                   raw_from if window == "custom" else "", raw_to if window == "custom" else "",
                   application)


def trend(current: float | None, previous: float | None) -> dict[str, Any]:
    """The change against the previous period: direction, and the percentage (None when there is nothing before)."""
    current, previous = current or 0, previous or 0
    if current == previous:
        return {"direction": "flat", "percent": 0.0}
    direction = "up" if current > previous else "down"
    if not previous:
        return {"direction": direction, "percent": None}
    return {"direction": direction, "percent": (current - previous) / previous * 100}


def _totals(found: Counts) -> dict[str, Any]:
    return {"calls": found.calls, "errors": found.errors, "error_rate": found.error_rate, "p95": found.p95}


def summary(current_counts: Counts, previous_counts: Counts) -> dict[str, Any]:
    current, previous = _totals(current_counts), _totals(previous_counts)
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


def series(filters: Filters, found: Counts) -> list[dict[str, Any]]:
    out = []
    for b in range(filters.buckets):
        calls, errors = found.buckets.get(b, (0, 0))
        out.append({"start": filters.origin + b * filters.bucket_size, "calls": calls, "errors": errors,
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
    start, end = filters.start, filters.end
    if filters.bucket is not None:
        start, end = max(filters.bucket, start), min(filters.bucket + filters.bucket_size, end)
    return recent_calls(request.app.db.connection(), filters.scope(organisation_id), start, end, limit)


def failing_routes(request: Request, organisation_id: int, filters: Filters) -> list[dict[str, Any]]:
    rows = usage_stats.failing_routes(request.app.db.connection(), filters.scope(organisation_id), filters.start,
                                      filters.end)
    return [{**row, "code": error_code(row["route"], row["status"])} for row in rows]


def index(request: Request) -> Response:
    organisation_id = organisation_of(request)
    filters = read_filters(request, organisation_id)
    conn, scope = request.app.db.connection(), filters.scope(organisation_id)
    current = counts(conn, scope, filters.start, filters.end, origin=filters.origin, bucket_size=filters.bucket_size)
    previous = counts(conn, scope, *filters.previous)
    points = series(filters, current)
    applications = request.app.db.query(
        "SELECT id, name FROM applications WHERE organisation_id = ? ORDER BY name", (organisation_id,)
    )
    alerts.evaluate(request.app.db, organisation_id, filters.now, request.app.ids)
    return request.app.render(
        request, "usage/index.html", filters=filters, summary=summary(current, previous),
        points=points, chart=chart(points), heavy=[p for p in points if p["heavy"]],
        calls=log_rows(request, organisation_id, filters, LOG_LIMIT),
        failing=failing_routes(request, organisation_id, filters), applications=applications,
        windows=WINDOW_LABELS, status_classes=list(STATUS_CLASSES), threshold=ERROR_HEAVY_RATE * 100,
        firing=alerts.firing_for(conn, organisation_id, filters.now),
        rule_count=len(alerts.rules_for(conn, organisation_id)),
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

