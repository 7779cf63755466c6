"""Benign variants: the reference portal changed in ways the contract allows, and every executable flow must still
pass. They guard against false fails: a harness that relies on more than the contract fails a correct portal.

All the variants are applied to one portal at once (one run of every flow); each is also named on its own below,
so a failure can be narrowed down by running the flow against that variant alone."""

from __future__ import annotations

import functools
import json
import time
from typing import Any, Callable

from playbooks.harness.modules import playbook_modules
from reference_portal.areas import applications, docs
from reference_portal.core.http import Response, json_response
from reference_portal.core.routing import Rule
from reference_portal.routes import ROUTES

SLOW_SECONDS = 0.05


def without_examples(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_examples(v) for k, v in value.items() if k not in ("example", "examples")}
    if isinstance(value, list):
        return [without_examples(v) for v in value]
    return value


def openapi_without_examples(request: Any) -> Response:
    return json_response(without_examples(docs.document(request)))


def postman_in_folders(request: Any) -> Response:
    """The same requests, each inside a folder named after its first path segment."""
    collection = json.loads(docs.postman_collection(request).encoded_body())
    folders: dict[str, list[Any]] = {}
    for item in collection["item"]:
        raw = item["request"]["url"]["raw"] if isinstance(item["request"]["url"], dict) else item["request"]["url"]
        folders.setdefault(raw.split("}}", 1)[-1].strip("/").split("/")[0] or "root", []).append(item)
    collection["item"] = [{"name": name, "item": items} for name, items in folders.items()]
    return json_response(collection)


def slowly(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    def slow(request: Any, **values: Any) -> Any:
        time.sleep(SLOW_SECONDS)  # the variant under test is a slow server, not a wait in the harness
        return endpoint(request, **values)

    return functools.update_wrapper(slow, endpoint)  # keeps what the OpenAPI document is made from


ROUTE_VARIANTS = {
    ("GET", "/openapi.json"): openapi_without_examples,
    ("GET", "/app/how-to-test/postman.json"): postman_in_folders,
}

TEMPLATE_VARIANTS = {  # template: [(real source, variant)]
    "macros.html": [('href="{{ done_href }}">Done</a>', 'href="/app">Done</a>')],
    "apps/list.html": [("{% for app in applications %}", "{% for app in applications|reverse %}")],
    "keys/list.html": [("{% for c in credentials %}", "{% for c in credentials|reverse %}")],
    "sandbox/list.html": [("{% for a in accounts %}", "{% for a in accounts|reverse %}")],
    "webhooks/list.html": [("{% for w in endpoints %}", "{% for w in endpoints|reverse %}")],
    "webhooks/deliveries.html": [("{% for d in deliveries %}", "{% for d in deliveries|reverse %}"),
                                 ("{% for a in attempts.get(d.id, []) %}",
                                  "{% for a in attempts.get(d.id, [])|reverse %}")],
    "base.html": [("{% block main %}{% endblock %}",
                   '<div class="layout"><section class="content"><p class="notice">Maintenance on Sunday.</p>'
                   "{% block main %}{% endblock %}</section></div>")],
    "dashboard/index.html": [("Welcome, ", "Hello again, ")],
    # the set-up secret in lower-case groups of four, as many authenticator set-ups show it
    "account/security.html": [('data-testid="totp-secret">{{ secret }}<',
                               'data-testid="totp-secret">{{ secret | lower | batch(4) | map("join") | join(" ") }}<')],
    "security/sessions_section.html": [("{% for s in account_sessions %}", "{% for s in account_sessions|reverse %}")],
}


def variant_routes() -> list[Rule]:
    rules = []
    for rule in ROUTES:
        endpoint = ROUTE_VARIANTS.get((rule.method, rule.pattern), rule.endpoint)
        rules.append(Rule(rule.method, rule.pattern, slowly(endpoint), rule.access, rule.csrf))
    return rules


def variant_templates(patched_template: Callable[[str, str, str], dict[str, str]]) -> dict[str, str]:
    templates: dict[str, str] = {}
    for name, changes in TEMPLATE_VARIANTS.items():
        old, new = changes[0]
        source = patched_template(name, old, new)[name]
        for old, new in changes[1:]:
            assert old in source, f"{name} no longer contains {old!r}: update this variant"
            source = source.replace(old, new)
        templates[name] = source
    return templates


def test_every_flow_passes_a_portal_that_differs_only_where_the_contract_allows(
    monkeypatch, start_portal, run_playbooks, patched_template
):
    monkeypatch.setattr(applications, "subscribe_to_automatic_products", lambda *args, **kwargs: None)
    portal = start_portal(routes=variant_routes(), templates=variant_templates(patched_template))
    flow_ids = [module.flow_id for module in playbook_modules() if module.executable]
    outcomes = run_playbooks(flow_ids, portal)
    failed = {flow_id: str(outcomes[flow_id]) for flow_id in flow_ids if outcomes[flow_id].outcome != "passed"}
    assert not failed, "flows failed a portal that keeps the contract:\n" + "\n\n".join(failed.values())
