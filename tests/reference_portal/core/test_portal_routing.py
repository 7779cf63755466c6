"""reference_portal.core.routing: matching, parameters, 404 and 405; and the shape of the real route table."""

from __future__ import annotations

import pytest

from reference_portal.core.http import MethodNotAllowed, NotFound
from reference_portal.core.routing import Access, Router, Rule
from reference_portal.routes import ROUTES


def home(request):
    return "home"


def item(request, id):
    return "item"


def file(request, name):
    return "file"


def create(request):
    return "create"


ROUTER = Router(
    [
        Rule("GET", "/", home),
        Rule("GET", "/items/<int:id>", item),
        Rule("POST", "/items", create),
        Rule("GET", "/files/<name>", file),
        Rule("GET", "/a.b", home),
    ]
)


@pytest.mark.parametrize(
    ("method", "path", "endpoint", "params"),
    [
        ("GET", "/", home, {}),
        ("GET", "/items/42", item, {"id": 42}),
        ("GET", "/items/007", item, {"id": 7}),
        ("POST", "/items", create, {}),
        ("GET", "/files/portal.css", file, {"name": "portal.css"}),
        ("HEAD", "/", home, {}),
        ("HEAD", "/items/1", item, {"id": 1}),
        ("GET", "/a.b", home, {}),
    ],
)
def test_match_finds_the_rule_and_converts_parameters(method, path, endpoint, params):
    rule, found = ROUTER.match(method, path)
    assert rule.endpoint is endpoint
    assert found == params
    assert all(type(found[k]) is type(v) for k, v in params.items())


@pytest.mark.parametrize(
    "path",
    ["/nope", "/items/abc", "/items/-1", "/items/1/", "/items/", "/files/a/b", "/files/", "/aXb", "//", ""],
)
def test_unknown_path_is_not_found(path: str):
    with pytest.raises(NotFound):
        ROUTER.match("GET", path)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/", "GET, HEAD"),
        ("DELETE", "/items/3", "GET, HEAD"),
        ("GET", "/items", "POST"),
        ("HEAD", "/items", "POST"),
        ("PUT", "/items", "POST"),
    ],
)
def test_known_path_with_another_method_is_405_with_allow(method: str, path: str, allow: str):
    with pytest.raises(MethodNotAllowed) as raised:
        ROUTER.match(method, path)
    assert raised.value.status == 405
    assert dict(raised.value.headers) == {"Allow": allow}


def test_allow_lists_every_method_of_the_path():
    router = Router([Rule("GET", "/x", home), Rule("POST", "/x", create)])
    with pytest.raises(MethodNotAllowed) as raised:
        router.match("PUT", "/x")
    assert dict(raised.value.headers) == {"Allow": "GET, HEAD, POST"}


def test_first_matching_rule_wins():
    router = Router([Rule("GET", "/files/special", home), Rule("GET", "/files/<name>", file)])
    assert router.match("GET", "/files/special")[0].endpoint is home
    assert router.match("GET", "/files/other")[0].endpoint is file


def test_rule_defaults_to_public_with_csrf():
    rule = Rule("POST", "/x", create)
    assert (rule.access, rule.csrf) == (Access.PUBLIC, True)


# The real route table


def rule_for(method: str, pattern: str) -> Rule:
    return next(rule for rule in ROUTES if (rule.method, rule.pattern) == (method, pattern))


@pytest.mark.parametrize(
    "pattern",
    [
        "/app",
        "/app/apps",
        "/app/keys",
        "/app/products",
        "/app/sandbox",
        "/app/docs",
        "/app/webhooks",
        "/app/security/2fa",
    ],
)
def test_developer_area_is_for_developers_only(pattern: str):
    assert rule_for("GET", pattern).access is Access.DEVELOPER


def test_admin_is_for_operators_only():
    assert rule_for("GET", "/admin").access is Access.OPERATOR


@pytest.mark.parametrize(
    ("method", "pattern"),
    [("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("GET", "/login/2fa"), ("POST", "/login/2fa"),
     ("POST", "/logout"), ("GET", "/forbidden"), ("GET", "/healthz"), ("GET", "/static/<name>")],
)
def test_public_routes(method: str, pattern: str):
    assert rule_for(method, pattern).access is Access.PUBLIC


def test_every_post_route_checks_csrf_except_the_token_authenticated_api():
    unchecked = [rule.pattern for rule in ROUTES if rule.method == "POST" and not rule.csrf]
    assert all(pattern.startswith(("/api/", "/oauth/")) for pattern in unchecked), unchecked
    assert any(rule.csrf for rule in ROUTES if rule.method == "POST")


def test_no_route_is_declared_twice():
    keys = [(rule.method, rule.pattern) for rule in ROUTES]
    assert len(keys) == len(set(keys))
