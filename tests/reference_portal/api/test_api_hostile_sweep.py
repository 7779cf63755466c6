"""Every route of the route table, and every query or form parameter it reads, gets the numbers and strings that
broke the portal before: a superscript or full-width digit, 30 and 5,000 digits, a negative number, `1_0`, a NUL, a
lone surrogate and URLs that urllib cannot take apart. Never a 500, never an error in the log; a hostile path
segment is no page (404).

The parameters are found, not listed: Request.arg and Request.field note each name a route reads, first with
ordinary values, then with the hostile ones (a handler may read further once an earlier field is refused)."""

from __future__ import annotations

import logging
from collections import defaultdict
from urllib.parse import quote

import pytest

from reference_portal.core.http import Request
from reference_portal.routes import ROUTES
from reference_portal.core.routing import _PARAM

HOSTILE = {
    "superscript two": "²",
    "full-width five": "５",
    "arabic-indic five": "٥",
    "30 digits": "9" * 30,
    "5,000 digits": "9" * 5000,
    "negative": "-1",
    "underscore": "1_0",
    "NUL": "\x00",
    "lone surrogate": "\udc80",
    "unclosed IPv6 literal": "http://[::1:18790/x",
    "IPv6 literal of letters": "https://[x/",
}
NOT_SWEPT = {("POST", "/logout")}  # it would sign the sweep out
OPERATOR = ("admin@example.com", "admin-demo-pass")
HOOK_URL = "http://127.0.0.1:9/hook"


def encoded(text: str) -> str:
    """Percent-encoded UTF-8, a lone surrogate as the bytes a client could send for it."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


@pytest.fixture
def reads(monkeypatch) -> dict[str, set[str]]:
    """route pattern -> the query and form parameters its handler read."""
    found: dict[str, set[str]] = defaultdict(set)
    arg, field = Request.arg, Request.field

    def noting(read):
        def read_and_note(self, name, default=""):
            found[f"{self.method} {self.route}"].add(name)
            return read(self, name, default)
        return read_and_note

    monkeypatch.setattr(Request, "arg", noting(arg))
    monkeypatch.setattr(Request, "field", noting(field))
    return found


@pytest.fixture
def sweep(portal, developer, auth, sandbox_app, access_token, post_form, caplog):
    """send(rule, path_values, params) for every route: as the developer, the operator or the API caller."""
    assert post_form(developer, "/app/webhooks", "/app/webhooks",
                     {"url": HOOK_URL, "event_types": "payment.succeeded"}).status_code == 200
    operator = auth.signed_in(*OPERATOR)
    token = access_token(sandbox_app)
    csrf = {id(developer): auth.csrf_token(developer), id(operator): auth.csrf_token(operator, "/admin")}
    caplog.set_level(logging.WARNING)

    def send(rule, path_values: dict[str, str], params: dict[str, str]):
        path = rule.pattern
        for name in rule.converters:
            path = _PARAM.sub(lambda m: path_values[m.group(2)] if m.group(2) == name else m.group(0), path, count=1)
        client = operator if rule.pattern.startswith("/admin") else developer
        headers = {"Authorization": f"Bearer {token}"} if rule.pattern.startswith(("/api/", "/oauth/")) else {}
        query = "&".join(f"{name}={value}" for name, value in params.items())
        if rule.method == "GET":
            return client.get(path + (f"?{query}" if query else ""), headers=headers)
        if rule.csrf:
            query = "&".join(filter(None, [f"csrf_token={csrf[id(client)]}", query]))
        if rule.pattern == "/api/v1/payments":
            headers["Content-Type"] = "application/json"
            return client.post(path, headers=headers, content=b'{"amount": ' + params.get("amount", "1").encode() + b"}")
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return client.post(path, headers=headers, content=query.encode("ascii"))

    return send


def ordinary_values(portal, sandbox_app) -> dict[str, str]:
    """A path value of each converter that names a row of the developer's organisation."""
    first = lambda sql: str(portal.db.scalar(sql))  # noqa: E731
    return {
        "app": str(sandbox_app.application_id), "key": str(sandbox_app.credential_id),
        "wh": first("SELECT MAX(id) FROM webhook_endpoints"),
        "dlv": first("SELECT COALESCE(MAX(id), 1) FROM webhook_deliveries"),
        "sbx": first("SELECT MAX(id) FROM sandbox_accounts"), "sub": first("SELECT MAX(id) FROM subscriptions"),
        "rule": "1", "int": "1", None: "payments",
    }


def path_values_of(rule, ordinary: dict[str, str], name: str | None = None, value: str = "") -> dict[str, str]:
    return {param: value if param == name else ordinary[kind] for param, kind in rule.converters.items()}


def swept_rules():
    return [rule for rule in ROUTES if (rule.method, rule.pattern) not in NOT_SWEPT]


def test_no_route_or_parameter_answers_500_to_hostile_numbers_and_text(portal, sandbox_app, sweep, reads, caplog):
    ordinary = ordinary_values(portal, sandbox_app)
    failures: list[str] = []

    def check(rule, answer, what: str, *, no_page: bool = False) -> None:
        if answer.status_code >= 500 or (no_page and answer.status_code not in (400, 401, 404)):
            failures.append(f"{rule.method} {rule.pattern} {what}: HTTP {answer.status_code}")

    rules = sorted(swept_rules(), key=lambda rule: rule.pattern.endswith(("/delete", "/revoke")))
    for rule in rules:  # ordinary values first: which parameters each route reads
        check(rule, sweep(rule, path_values_of(rule, ordinary), {}), "with ordinary values")
    for rule in rules:
        for name in rule.converters:
            for label, value in HOSTILE.items():
                answer = sweep(rule, path_values_of(rule, ordinary, name, encoded(value)), {})
                check(rule, answer, f"<{name}> = {label}", no_page=True)
    swept: set[tuple[str, str]] = set()
    for _ in range(3):  # a refused field can make the handler read the next one: until no new name turns up
        for rule in rules:
            for name in sorted(reads[f"{rule.method} {rule.pattern}"] - {"csrf_token"}):
                if (f"{rule.method} {rule.pattern}", name) in swept:
                    continue
                swept.add((f"{rule.method} {rule.pattern}", name))
                for label, value in HOSTILE.items():
                    check(rule, sweep(rule, path_values_of(rule, ordinary), {name: encoded(value)}), f"{name} = {label}")
    assert failures == []
    assert len(swept) >= 40  # the sweep reached the parameters, not only the routes
    errors = [f"{record.name}: {record.getMessage()}" for record in caplog.records
              if record.levelno >= logging.ERROR or record.exc_info]
    assert errors == []
