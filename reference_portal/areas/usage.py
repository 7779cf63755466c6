"""API usage, computed from the usage log the API writes with every call."""

from __future__ import annotations

from ..core.handlers import organisation_of
from ..core.http import Request, Response

WINDOW_SECONDS = 24 * 3600


def index(request: Request) -> Response:
    organisation_id = organisation_of(request)
    since = request.app.config.clock() - WINDOW_SECONDS
    totals = request.app.db.one(
        "SELECT COUNT(*) AS calls, COALESCE(SUM(c.status >= 400), 0) AS errors FROM api_calls c"
        " JOIN applications a ON a.id = c.application_id WHERE a.organisation_id = ? AND c.called_at >= ?",
        (organisation_id, since),
    )
    calls = request.app.db.query(
        "SELECT c.*, a.name AS application_name FROM api_calls c JOIN applications a ON a.id = c.application_id"
        " WHERE a.organisation_id = ? ORDER BY c.called_at DESC, c.id DESC LIMIT 100",
        (organisation_id,),
    )
    return request.app.render(request, "usage/index.html", totals=totals, calls=calls)
