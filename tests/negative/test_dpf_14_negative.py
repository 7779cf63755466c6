"""DPF-14 must fail when the docs miss an endpoint or a link target, or an endpoint does not answer as documented."""

import pytest

from reference_portal.areas import products_api
from reference_portal.areas.apidoc import documented
from reference_portal.core.http import json_response

TEMPLATE_FAULTS = {
    "last-endpoint-of-each-product-missing": ("{% for op in section.operations %}\n  <article",
                                              "{% for op in section.operations[:-1] %}\n  <article"),
    "broken-anchor": ('<article id="op-{{ op.operationId }}"', '<article id="operation-{{ op.operationId }}"'),
    "curl-example-wrong-method": ('<pre data-testid="curl-example">{{ op.curl }}</pre>',
                                  '<pre data-testid="curl-example">{{ op.curl | replace("-X GET", "-X POST") }}</pre>'),
    "curl-example-that-does-not-work": ('<pre data-testid="curl-example">{{ op.curl }}</pre>',
                                        '<pre data-testid="curl-example">{{ op.curl | replace("$ACCESS_TOKEN", "$CLIENT_SECRET") }}</pre>'),
}


@pytest.mark.parametrize("old, new", TEMPLATE_FAULTS.values(), ids=TEMPLATE_FAULTS.keys())
def test_fails_when_the_docs_page_is_wrong(old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-14", start_portal(templates=patched_template("docs/reference.html", old, new)))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_an_endpoint_answers_without_credentials(start_portal, run_playbook, replace_route_endpoint):
    open_balances = documented(products_api.balances.doc)(lambda request: json_response({"balances": []}))
    open_balances.__name__ = "balances"
    routes = replace_route_endpoint("/api/v1/accounts/balances", open_balances)
    outcome = run_playbook("DPF-14", start_portal(routes=routes))
    assert outcome.outcome == "failed", str(outcome)
