"""Public pages: landing, access denied, health, static files, and the operator's start page."""

from __future__ import annotations

import mimetypes
import re
from importlib import metadata, resources

from ..core.http import NotFound, Request, Response, json_response

def _portal_version() -> str:
    try:
        return metadata.version("dpf-harness")  # the portal ships with the harness
    except metadata.PackageNotFoundError:
        return "0+unknown"


PORTAL_VERSION = _portal_version()
_STATIC_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*\.(css|js|svg|png|ico)$")


def landing(request: Request) -> Response:
    return request.app.render(request, "pages/landing.html")


def forbidden(request: Request) -> Response:
    return request.app.render(request, "pages/forbidden.html", status=403)


def operator_home(request: Request) -> Response:
    return request.app.render(request, "pages/operator.html")


def healthz(request: Request) -> Response:
    schema = request.app.db.scalar("PRAGMA user_version")
    return json_response({"status": "ok", "version": PORTAL_VERSION, "schema_version": schema})


def static(request: Request, name: str) -> Response:
    if not _STATIC_NAME.match(name):
        raise NotFound()
    entry = resources.files(__package__).joinpath("static").joinpath(name)
    if not entry.is_file():
        raise NotFound()
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith("javascript"):
        content_type += "; charset=utf-8"
    return Response(entry.read_bytes(), content_type=content_type, headers=[("Cache-Control", "public, max-age=300")])
