"""HTTP errors as values: each is an exception a handler raises and also the answer the portal renders."""

from __future__ import annotations

from typing import Iterable


class HTTPError(Exception):
    """An HTTP error that is also an answer: the application renders it as a page."""

    status: int = 500
    title: str = "Something went wrong"
    description: str = "The portal could not complete your request."

    def __init__(self, description: str | None = None, *, headers: Iterable[tuple[str, str]] = ()):
        super().__init__(description or self.description)
        if description:
            self.description = description
        self.headers = list(headers)


class BadRequest(HTTPError):
    status, title = 400, "Bad request"
    description = "The request could not be understood."


class Forbidden(HTTPError):
    status, title = 403, "Forbidden"
    description = "You are not allowed to do that."


class NotFound(HTTPError):
    status, title = 404, "Page not found"
    description = "There is no page at this address."


class MethodNotAllowed(HTTPError):
    status, title = 405, "Method not allowed"
    description = "This address does not accept that method."

    def __init__(self, allowed: Iterable[str]):
        self.allowed = sorted(set(allowed))
        super().__init__(headers=[("Allow", ", ".join(self.allowed))])


class RequestTimeout(HTTPError):
    status, title = 408, "Request timeout"
    description = "The request body did not arrive in time."


class PayloadTooLarge(HTTPError):
    status, title = 413, "Request too large"
    description = "The request body is larger than the portal accepts."


class TooManyRequests(HTTPError):
    status, title = 429, "Too many requests"
    description = "Too many attempts. Wait a little and try again."

    def __init__(self, retry_after: int, description: str | None = None):
        self.retry_after = max(1, int(retry_after))
        super().__init__(description, headers=[("Retry-After", str(self.retry_after))])


class ServiceUnavailable(HTTPError):
    status, title = 503, "Portal busy"
    description = "The portal is busy. Try again in a moment."

    def __init__(self, description: str | None = None):
        super().__init__(description, headers=[("Retry-After", "2")])


class InternalServerError(HTTPError):
    status, title = 500, "Something went wrong"
    description = "The portal hit an unexpected error. It has been logged; please try again."
