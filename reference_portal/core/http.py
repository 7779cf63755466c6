"""Request, response and HTTP errors: the portal's HTTP layer, standard library only."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any, Callable, Protocol
from urllib.parse import parse_qs

from .accounts import Session
from .config import Config
from .db import Database
from .errors import (
    BadRequest,
    Forbidden,
    HTTPError,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RequestTimeout,
    ServiceUnavailable,
    TooManyRequests,
)
from .ids import PublicIds
from .numbers import whole_number
from .routing import Router
from .security import Passwords
from .throttle import LoginThrottle

if TYPE_CHECKING:
    from wsgiref.types import WSGIEnvironment

__all__ = [  # the errors are re-exported: handlers import the HTTP layer from one place
    "App", "Request", "Response", "iso_time", "json_response", "redirect",
    "HTTPError",
    "BadRequest",
    "Forbidden",
    "NotFound",
    "MethodNotAllowed",
    "RequestTimeout",
    "PayloadTooLarge",
    "TooManyRequests",
    "ServiceUnavailable",
    "InternalServerError",
]


class SessionKeeper(Protocol):
    def start(self, request: Request, *, user_id: int | None = None, pending_user_id: int | None = None) -> Session: ...
    def end(self, session: Session) -> None: ...
    def ensure(self, request: Request) -> Session: ...
    def clear_cookie(self, request: Request, response: Response) -> None: ...


class Deliveries(Protocol):
    resolver: Callable[[str, int], list[str]]  # how webhook URLs are looked up, checked on save as on send

    def notify(self) -> None: ...


class App(Protocol):
    """What a handler may reach through request.app. The portal is one; a test may hand in another."""

    config: Config
    db: Database
    secret_key: bytes
    ids: PublicIds
    router: Router
    sessions: SessionKeeper
    throttle: LoginThrottle
    passwords: Passwords
    deliveries: Deliveries

    def render(self, request: Request, template: str, *, status: int = 200, **context: object) -> Response: ...


FORM_TYPE = "application/x-www-form-urlencoded"
VALID_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
                        r"|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


class Request:
    """One incoming request: method, path, query, headers, cookies and a size-limited form body."""

    def __init__(self, environ: WSGIEnvironment, app: App, *, max_body_bytes: int, trusted_proxies: int = 0,
                 public_url: str | None = None):
        self.environ = environ
        self.app = app
        self.method: str = environ.get("REQUEST_METHOD", "GET").upper()
        self.path, self.path_is_valid = _decode_path(environ.get("PATH_INFO", "") or "/")
        self.query_string: str = environ.get("QUERY_STRING", "")
        self.max_body_bytes = max_body_bytes
        self.trusted_proxies = trusted_proxies
        self.public_url = public_url
        self.session: Session | None = None
        self.route: str = ""  # the matched route's pattern, e.g. /api/v1/payments/<payment_id>
        self._form: dict[str, list[str]] | None = None
        self._body: bytes | None = None
        self._cookies: dict[str, str] | None = None

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True)

    def arg(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str = "") -> str:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            return self.environ.get(key, default) or default
        return self.environ.get(f"HTTP_{key}", default)

    @property
    def scheme(self) -> str:
        forwarded = self.header("X-Forwarded-Proto").split(",")[0].strip().lower()
        if self.trusted_proxies and forwarded in ("http", "https"):
            return forwarded
        return self.environ.get("wsgi.url_scheme", "http")

    @property
    def is_secure(self) -> bool:
        return self.scheme == "https"

    @property
    def remote_addr(self) -> str:
        if self.trusted_proxies:
            # Each proxy appends the address it was called from: the Nth entry from the right is the one the
            # outermost of our N proxies saw. Entries left of it are whatever the client chose to send.
            hops = [hop.strip() for hop in self.header("X-Forwarded-For").split(",") if hop.strip()]
            if hops:
                return hops[-min(self.trusted_proxies, len(hops))]
        return self.environ.get("REMOTE_ADDR", "") or "unknown"

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            jar: SimpleCookie = SimpleCookie()
            # One pair at a time: SimpleCookie drops the whole header for one malformed cookie (another app's, say).
            for pair in self.header("Cookie").split(";"):
                try:
                    jar.load(pair)
                except CookieError:
                    pass
            self._cookies = {name: morsel.value for name, morsel in jar.items()}
        return self._cookies

    def read_body(self) -> bytes:
        """The body, read once, refusing more than max_body_bytes whatever Content-Length claims."""
        if self._body is None:
            self._body = self._read_body()
        return self._body

    def _read_body(self) -> bytes:
        raw_length = self.header("Content-Length")
        if not raw_length:
            return b""
        length = whole_number(raw_length.strip())
        if length is None:
            raise BadRequest("The Content-Length header is not a number of bytes.")
        if length > self.max_body_bytes:
            raise PayloadTooLarge()
        try:
            body = self.environ["wsgi.input"].read(length)
        except (TimeoutError, OSError):
            raise RequestTimeout() from None
        if len(body) != length:
            raise BadRequest("The request body ended early.")
        return body

    @property
    def form(self) -> dict[str, list[str]]:
        if self._form is None:
            self._form = self._parse_form() if self.method == "POST" else {}
        return self._form

    def _parse_form(self) -> dict[str, list[str]]:
        body = self.read_body()
        content_type = self.header("Content-Type").split(";")[0].strip().lower()
        if not body and not content_type:
            return {}
        if content_type != FORM_TYPE:
            raise BadRequest("Forms must be sent as application/x-www-form-urlencoded.")
        try:
            text = body.decode("utf-8")
            return parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=200)
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("The form could not be read.") from None

    def json(self) -> Any:
        """The body as JSON; BadRequest when it is not JSON or not declared as JSON."""
        content_type = self.header("Content-Type").split(";")[0].strip().lower()
        body = self.read_body()
        if content_type != "application/json":
            raise BadRequest("Send the body as application/json.")
        try:
            data = json.loads(body.decode("utf-8"))
            json.dumps(data, ensure_ascii=False).encode("utf-8")  # a lone surrogate ("\ud800") is not text
        except (UnicodeError, ValueError, RecursionError):  # RecursionError: nesting deeper than Python's stack
            raise BadRequest("The body is not valid JSON.") from None
        return data

    def field(self, name: str, default: str = "") -> str:
        """One form field; a field sent twice is a malformed form."""
        values = self.form.get(name)
        if not values:
            return default
        if len(values) > 1:
            raise BadRequest(f"The field {name!r} was sent more than once.")
        return values[0]

    @property
    def host_is_valid(self) -> bool:
        """A Host header, when sent, is a host name or IP literal with an optional port, and nothing else."""
        host = self.header("Host")
        return not host or VALID_HOST.fullmatch(host) is not None

    @property
    def base_url(self) -> str:
        """The configured public address, or scheme://host[:port] as the client addressed this portal."""
        if self.public_url:
            return self.public_url
        host = self.header("Host") if self.host_is_valid else ""
        host = host or f"{self.environ.get('SERVER_NAME', 'localhost')}:{self.environ.get('SERVER_PORT', '80')}"
        return f"{self.scheme}://{host}"

    @property
    def full_path(self) -> str:
        return self.path + (f"?{self.query_string}" if self.query_string else "")


def _decode_path(raw: str) -> tuple[str, bool]:
    """PEP 3333 hands PATH_INFO over as latin-1 decoded bytes; the address must be UTF-8."""
    try:
        return raw.encode("latin-1").decode("utf-8"), True
    except (UnicodeEncodeError, UnicodeDecodeError):
        return "/", False


@dataclass
class Response:
    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def set_header(self, name: str, value: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        self.headers.append((name, value))

    def get_header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def set_cookie(
        self,
        name: str,
        value: str,
        *,
        secure: bool,
        max_age: int | None = None,
        http_only: bool = True,
        same_site: str = "Lax",
    ) -> None:
        parts = [f"{name}={value}", "Path=/", f"SameSite={same_site}"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        if http_only:
            parts.append("HttpOnly")
        if secure:
            parts.append("Secure")
        self.headers.append(("Set-Cookie", "; ".join(parts)))

    def delete_cookie(self, name: str, *, secure: bool) -> None:
        self.set_cookie(name, "", secure=secure, max_age=0)

    @property
    def status_line(self) -> str:
        return f"{self.status} {HTTPStatus(self.status).phrase}"

    def encoded_body(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body

    def wsgi_headers(self, body: bytes) -> list[tuple[str, str]]:
        headers = [("Content-Type", self.content_type), ("Content-Length", str(len(body)))]
        return headers + self.headers


def redirect(location: str, status: int = 303) -> Response:
    return Response(status=status, headers=[("Location", location)], content_type="text/plain; charset=utf-8")


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


def iso_time(timestamp: float) -> str:
    """2026-11-29T09:30:00Z: seconds, UTC, as the API and webhook payloads write times."""
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
