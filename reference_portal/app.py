"""The portal as one WSGI application: match, authorise, check CSRF, call the handler, render errors."""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable
from urllib.parse import quote

from jinja2 import BytecodeCache, Environment, PackageLoader, StrictUndefined
from jinja2.bccache import Bucket

from .areas.navigation import MAIN_NAVIGATION
from .areas.webhooks import DeliveryWorker
from .core.config import Config
from .core.db import Database
from .core.http import (
    BadRequest,
    Forbidden,
    HTTPError,
    InternalServerError,
    Request,
    Response,
    ServiceUnavailable,
    iso_time,
    json_response,
    redirect,
)
from .core.ids import PublicIds
from .core.routing import Access, Router, Rule
from .core.security import passwords, same
from .core.sessions import SessionStore
from .core.throttle import LoginThrottle
from .routes import ROUTES
from .seed import seed_demo

try:
    from wsgiref.types import StartResponse, WSGIEnvironment
except ImportError:  # Python < 3.11
    StartResponse = WSGIEnvironment = object  # type: ignore[misc,assignment]

log = logging.getLogger("reference_portal")

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
API_PREFIXES = ("/api/", "/oauth/")


class CompiledTemplates(BytecodeCache):
    """Compiled templates kept for the process, so each portal made in it (tests make thousands) compiles a template
    once, not once per portal. Jinja checks each entry against the template's source, so a changed template is
    compiled again."""

    def __init__(self) -> None:
        self._compiled: dict[str, tuple[str, object]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        checksum, code = self._compiled.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code  # type: ignore[assignment]

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = (bucket.checksum, bucket.code)


COMPILED_TEMPLATES = CompiledTemplates()


class Portal:
    def __init__(self, config: Config, routes: list[Rule] | None = None):
        self.config = config
        self.secret_key = config.secret_key or _key_beside(config.database)
        self.db = Database(config.database)
        self.db.migrate()
        if config.demo_seed:
            seed_demo(self.db, config, self.secret_key)
        self.sessions = SessionStore(self.db, config, self.secret_key)
        self.throttle = LoginThrottle(self.db, config)
        self.passwords = passwords(config.password_hashing)
        self.ids = PublicIds(config.public_ids, self.secret_key)
        self.router = Router(routes if routes is not None else ROUTES, self.ids)
        self.deliveries = DeliveryWorker(self.db, config, self.secret_key)
        self.templates = Environment(
            loader=PackageLoader("reference_portal.areas"), autoescape=True, undefined=StrictUndefined, auto_reload=False,
            bytecode_cache=COMPILED_TEMPLATES,
        )
        self.templates.filters["when"] = format_time
        self.templates.filters["iso"] = iso_time
        self.templates.filters["public_id"] = lambda number, kind: self.ids.encode(kind, number)
        self.templates.globals["main_navigation"] = MAIN_NAVIGATION

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ, self, max_body_bytes=self.config.max_body_bytes,
                          trusted_proxies=self.config.trusted_proxies, public_url=self.config.public_url)
        try:
            response = self.handle(request)
        except HTTPError as error:
            response = self.render_error(request, error)
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                log.exception("database error on %s %s", request.method, request.path)
                response = self.render_error(request, InternalServerError())
            else:
                log.warning("database busy on %s %s", request.method, request.path)
                response = self.render_error(request, ServiceUnavailable())
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.path)
            response = self.render_error(request, InternalServerError())
        self.finish(request, response)
        body = response.encoded_body()
        start_response(response.status_line, response.wsgi_headers(body))
        return [b"" if request.method == "HEAD" else body]

    def handle(self, request: Request) -> Response:
        if not request.path_is_valid:
            raise BadRequest("The address is not valid UTF-8.")
        if not request.host_is_valid:
            raise BadRequest("The Host header is not a valid host name.")
        rule, params = self.router.match(request.method, request.path)
        request.route = rule.pattern
        request.session = self.sessions.load(request)
        refusal = self.authorise(rule, request)
        if refusal is not None:
            return refusal
        if request.method == "POST" and rule.csrf:
            self.check_csrf(request)
        response = rule.endpoint(request, **params)
        if not isinstance(response, Response):
            raise TypeError(f"{rule.pattern} answered {type(response).__name__}, not a Response")
        return response

    def authorise(self, rule: Rule, request: Request) -> Response | None:
        if rule.access is Access.PUBLIC:
            return None
        user = request.session.user if request.session else None
        if user is None:
            if request.method in ("GET", "HEAD"):
                return redirect("/login?next=" + quote(request.full_path, safe="/"))
            raise Forbidden("Sign in first.")
        allowed = user.is_developer if rule.access is Access.DEVELOPER else user.is_operator
        return None if allowed else redirect("/forbidden")

    def check_csrf(self, request: Request) -> None:
        sent = request.field("csrf_token") or request.header("X-CSRF-Token")
        if request.session is None or not sent or not same(sent, request.session.csrf_token):
            raise Forbidden("This form has expired or did not come from this portal. Reload the page and try again.")

    def render(self, request: Request, template: str, *, status: int = 200, **context: object) -> Response:
        session = request.session
        page = self.templates.get_template(template).render(
            user=session.user if session else None,
            csrf_token=session.csrf_token if session else "",
            current_path=request.path,
            **context,
        )
        return Response(page, status=status)

    def render_error(self, request: Request, error: HTTPError) -> Response:
        if request.path.startswith(API_PREFIXES):
            response = json_response({"error": error.title.lower().replace(" ", "_"), "error_description": error.description})
            response.status = error.status
        else:
            try:
                response = self.render(request, "errors/error.html", status=error.status, error=error)
            except Exception:
                log.exception("could not render the %s page", error.status)
                response = Response(f"{error.title}\n", status=error.status, content_type="text/plain; charset=utf-8")
        response.headers.extend(error.headers)
        return response

    def finish(self, request: Request, response: Response) -> None:
        if request.session is not None:
            self.sessions.write_cookie(request, response)
        for name, value in SECURITY_HEADERS:
            response.set_header(name, value)
        if request.is_secure:
            response.set_header("Strict-Transport-Security", "max-age=31536000")
        if request.session is not None and not response.get_header("Cache-Control"):
            response.set_header("Cache-Control", "no-store")
        if request.path.startswith(API_PREFIXES) and not response.get_header("X-Request-Id"):
            response.set_header("X-Request-Id", "req_" + secrets.token_hex(12))  # answers the router gave, 404 say


def format_time(timestamp: float | None) -> str:
    if timestamp is None:
        return "never"
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _key_beside(database: str) -> bytes:
    """The encryption key kept in `<database>.key` (mode 0600), made on first start."""
    path = Path(f"{database}.key")
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key.hex())
        return key


def create_app(config: Config | dict[str, object] | None = None) -> Portal:
    """The portal for a Config, a dict of Config fields, or the environment."""
    if config is None:
        config = Config.from_env()
    elif isinstance(config, dict):
        config = Config(**config)  # type: ignore[arg-type]
    return Portal(config)
