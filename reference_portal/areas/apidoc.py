"""What each public API endpoint documents about itself, and the OpenAPI 3.1 document built from the route table.

Every parameter, body and response carries a JSON Schema as well as an example. The schemas are a contract: what
they allow the endpoint accepts, and what it answers they describe (the schema-aware fuzz test holds them to it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ..core.routing import Rule

ERROR_EXAMPLES = {
    400: ("Bad request", "invalid_request", "amount must be a whole number of minor units from 1 to 100000000."),
    401: ("Missing, unknown, expired or revoked credentials", "invalid_token", "The access token is unknown, revoked or expired."),
    403: ("The token lacks this product's scope", "insufficient_scope", "This call needs the 'payments' scope."),
    404: ("No such object for this application", "not_found", "No such payment."),
    413: ("The request body is over 1 MiB", "request_too_large", "The request body is larger than the portal accepts."),
    429: ("Over the application's rate limit; see Retry-After", "rate_limited", "More than 120 calls a minute."),
}
# Headers an error answer always carries, by status.
ERROR_HEADERS = {
    401: {"WWW-Authenticate": ("The authentication scheme to use, and why the credentials were refused (RFC 6750).",
                               {"type": "string"})},
    429: {"Retry-After": ("Seconds until the next minute's allowance.", {"type": "integer", "minimum": 1})},
}
# Every answer of the API carries one (api.run_call).
REQUEST_ID_HEADER = {
    "X-Request-Id": ("Quote it when asking for support.", {"type": "string", "pattern": "^req_[0-9a-f]{24}$"})
}
_PATH_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")

STRING: dict[str, Any] = {"type": "string"}


@dataclass(frozen=True)
class Schema:
    """A JSON Schema with a name: published once under components/schemas and referenced wherever it is used."""

    name: str
    definition: dict[str, Any]

    @property
    def ref(self) -> dict[str, str]:
        return {"$ref": f"#/components/schemas/{self.name}"}


ERROR = Schema("Error", {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
})
# The scopes of the API products, space-separated (RFC 6749 section 3.3); made from the products table.
SCOPE_LIST = {"$ref": "#/components/schemas/ScopeList"}


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    example: Any
    required: bool = True
    schema: dict[str, Any] | Schema = field(default_factory=lambda: {"type": "string"})


@dataclass(frozen=True)
class Doc:
    summary: str
    tag: str  # the product's slug, or "oauth" / "sandbox"
    security: str = "bearer"  # bearer, basic or sandbox_key
    scope: str | None = None
    description: str = ""
    path_examples: dict[str, str] = field(default_factory=dict)
    path_schemas: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> schema; a string by default
    query: tuple[Param, ...] = ()
    json_body: dict[str, Any] | None = None  # the example
    json_schema: dict[str, Any] | Schema | None = None
    form_body: dict[str, str] | None = None  # the example
    form_schema: dict[str, Any] | Schema | None = None
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)  # the example
    response_schema: dict[str, Any] | Schema | None = None
    links: dict[str, dict[str, Any]] = field(default_factory=dict)  # OpenAPI links from the success response
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


def _headers(headers: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    return {name: {"description": description, "required": True, "schema": schema}
            for name, (description, schema) in headers.items()}


def _media(example: Any, schema: dict[str, Any] | Schema | None) -> dict[str, Any]:
    return {"example": example} if schema is None else {"schema": schema, "example": example}


def _error_response(status: int, override: tuple[str, str] | None) -> dict[str, Any]:
    description, code, message = ERROR_EXAMPLES[status]
    if override:
        code, message = override
    return {
        "description": description,
        "headers": _headers({**REQUEST_ID_HEADER, **ERROR_HEADERS.get(status, {})}),
        "content": {"application/json": _media({"error": code, "error_description": message}, ERROR)},
    }


def _operation(rule: Rule, doc: Doc) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": doc.path_schemas.get(name, STRING),
         "example": doc.path_examples.get(name, "example")}
        for name in _PATH_PARAM.findall(rule.pattern)
    ] + [
        {"name": p.name, "in": "query", "required": p.required, "description": p.description,
         "schema": p.schema, "example": p.example}
        for p in doc.query
    ]
    success: dict[str, Any] = {
        "description": "Success",
        "headers": _headers(REQUEST_ID_HEADER),
        "content": {"application/json": _media(doc.response, doc.response_schema)},
    }
    if doc.links:
        success["links"] = doc.links
    operation: dict[str, Any] = {
        "operationId": rule.endpoint.__name__,
        "summary": doc.summary,
        "tags": [doc.tag],
        "responses": {
            str(doc.status): success,
            **{str(status): _error_response(status, doc.error_examples.get(status)) for status in doc.errors},
        },
    }
    if doc.description:
        operation["description"] = doc.description
    if parameters:
        operation["parameters"] = parameters
    if doc.json_body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": _media(doc.json_body, doc.json_schema)},
        }
    if doc.form_body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/x-www-form-urlencoded": _media(doc.form_body, doc.form_schema)},
        }
    security = {"bearer": {"bearer": [doc.scope] if doc.scope else []}, "basic": {"basic": []},
                "sandbox_key": {"sandboxKey": []}}[doc.security]
    operation["security"] = [security]
    if doc.scope:
        operation["x-scope"] = doc.scope
    return operation


def _publish_schemas(value: Any, schemas: dict[str, Any]) -> Any:
    """`value` with every Schema in it replaced by its $ref, the Schema's definition added to `schemas`."""
    if isinstance(value, Schema):
        definition = _publish_schemas(value.definition, schemas)
        if schemas.setdefault(value.name, definition) != definition:
            raise ValueError(f"two different schemas are named {value.name!r}")
        return value.ref
    if isinstance(value, dict):
        return {key: _publish_schemas(item, schemas) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_publish_schemas(item, schemas) for item in value]
    return value


def scope_list_schema(scopes: list[str]) -> dict[str, Any]:
    """The products' scopes separated by single spaces; empty is allowed, and means no scope was asked for."""
    one = "(?:" + "|".join(re.escape(scope) for scope in scopes) + ")"
    return {
        "type": "string",
        "pattern": f"^(?:{one}(?: {one})*)?$",
        "description": "Space-separated scopes, each one of: " + ", ".join(scopes) + ". Sent empty, it counts as "
        "not sent (RFC 6749 section 3.1).",
    }


def openapi_document(routes: Iterable[Rule], *, server_url: str, products: list[dict[str, str]]) -> dict[str, Any]:
    schemas: dict[str, Any] = {
        "ScopeList": scope_list_schema(sorted({p["scope"] for p in products})),
    }
    paths: dict[str, dict[str, Any]] = {}
    for rule in routes:
        doc = doc_of(rule)
        if doc is not None:
            operation = _publish_schemas(_operation(rule, doc), schemas)
            paths.setdefault(openapi_path(rule.pattern), {})[rule.method.lower()] = operation
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
            "schemas": dict(sorted(schemas.items())),
        },
    }
