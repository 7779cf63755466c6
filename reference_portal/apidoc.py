"""What each public API endpoint documents about itself, and the OpenAPI 3.1 document built from the route table."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from .routing import Rule

ERROR_EXAMPLES = {
    400: ("Bad request", "invalid_request", "amount must be a whole number of minor units from 1 to 100000000."),
    401: ("Missing, unknown, expired or revoked credentials", "invalid_token", "The access token is unknown, revoked or expired."),
    403: ("The token lacks this product's scope", "insufficient_scope", "This call needs the 'payments' scope."),
    404: ("No such object for this application", "not_found", "No such payment."),
    429: ("Over the application's rate limit; see Retry-After", "rate_limited", "More than 120 calls a minute."),
}
_PATH_PARAM = re.compile(r"<(?:int:)?([a-z_]+)>")


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    example: Any
    required: bool = True
    type: str = "string"


@dataclass(frozen=True)
class Doc:
    summary: str
    tag: str  # the product's slug, or "oauth" / "sandbox"
    security: str = "bearer"  # bearer, basic or sandbox_key
    scope: str | None = None
    description: str = ""
    path_examples: dict[str, str] = field(default_factory=dict)
    query: tuple[Param, ...] = ()
    json_body: dict[str, Any] | None = None
    form_body: dict[str, str] | None = None
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    errors: tuple[int, ...] = (401,)
    error_examples: dict[int, tuple[str, str]] = field(default_factory=dict)  # status -> (code, message)


def documented(doc: Doc) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def attach(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        endpoint.doc = doc  # type: ignore[attr-defined]
        return endpoint

    return attach


def doc_of(rule: Rule) -> Doc | None:
    return getattr(rule.endpoint, "doc", None)


def openapi_path(pattern: str) -> str:
    return _PATH_PARAM.sub(r"{\1}", pattern)


def example_path(rule: Rule) -> str:
    """The rule's path with its documented example values, e.g. /api/v1/payments/pay_123."""
    doc = doc_of(rule)
    examples = doc.path_examples if doc else {}
    return _PATH_PARAM.sub(lambda m: examples.get(m.group(1), "example"), rule.pattern)


def _error_response(status: int, override: tuple[str, str] | None) -> dict[str, Any]:
    description, code, message = ERROR_EXAMPLES[status]
    if override:
        code, message = override
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "example": {"error": code, "error_description": message},
            }
        },
    }


def _operation(rule: Rule, doc: Doc) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"},
         "example": doc.path_examples.get(name, "example")}
        for name in _PATH_PARAM.findall(rule.pattern)
    ] + [
        {"name": p.name, "in": "query", "required": p.required, "description": p.description,
         "schema": {"type": p.type}, "example": p.example}
        for p in doc.query
    ]
    operation: dict[str, Any] = {
        "operationId": rule.endpoint.__name__,
        "summary": doc.summary,
        "tags": [doc.tag],
        "responses": {
            str(doc.status): {
                "description": "Success",
                "content": {"application/json": {"example": doc.response}},
            },
            **{str(status): _error_response(status, doc.error_examples.get(status)) for status in doc.errors},
        },
    }
    if doc.description:
        operation["description"] = doc.description
    if parameters:
        operation["parameters"] = parameters
    if doc.json_body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"example": doc.json_body}}}
    if doc.form_body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"example": doc.form_body}},
        }
    security = {"bearer": {"bearer": [doc.scope] if doc.scope else []}, "basic": {"basic": []},
                "sandbox_key": {"sandboxKey": []}}[doc.security]
    operation["security"] = [security]
    if doc.scope:
        operation["x-scope"] = doc.scope
    return operation


def openapi_document(routes: Iterable[Rule], *, server_url: str, products: list[dict[str, str]]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in routes:
        doc = doc_of(rule)
        if doc is not None:
            paths.setdefault(openapi_path(rule.pattern), {})[rule.method.lower()] = _operation(rule, doc)
    tags = [{"name": "oauth", "description": "Access tokens for the APIs (OAuth 2.0 client credentials).",
             "x-displayName": "OAuth"}]
    tags += [{"name": p["slug"], "description": p["description"], "x-displayName": p["name"]} for p in products]
    tags += [{"name": "sandbox", "description": "Sandbox test accounts, reached with a sandbox API key.",
              "x-displayName": "Sandbox"}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Developer Portal API",
            "version": "1.0.0",
            "description": "Every endpoint the portal serves to API clients, generated from its route table.",
        },
        "servers": [{"url": server_url}],
        "tags": tags,
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "An access token from /oauth/token."},
                "basic": {"type": "http", "scheme": "basic", "description": "Client ID and client secret."},
                "sandboxKey": {"type": "http", "scheme": "bearer", "description": "A sandbox API key, sk_test_…"},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "error_description"],
                    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
                }
            },
        },
    }
