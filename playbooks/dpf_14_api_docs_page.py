"""DPF-14 API docs page: every documented endpoint is on the page with its example, every link resolves, and every
endpoint answers an unauthenticated call with the 401 it documents.

Faults of a broken portal this flow must catch:
- an operation of /openapi.json missing from the docs page, or shown without its cURL example or its 401;
- a contents link (in-page anchor) or a link to the portal that leads nowhere;
- an endpoint that answers a call without credentials with anything but the 401 and error code it documents;
- a cURL example that does not work as written: each is run (parsed, never given to a shell, as DPF-15 runs the
  guide's) with the flow's own credentials filled in, must call its operation's method and path, and must get an
  answer the operation documents: its 2xx, or for an example naming a resource the flow does not own, a 404; never
  401 or 403 (the flow's credentials hold every scope).
It must not rely on `example` values in /openapi.json (the contract does not promise them): calls are built from
the examples where given, else from the schemas.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import expect

from playbooks.harness import curl
from playbooks.harness.api_calls import access_token, operations, request_without_relying_on_examples
from playbooks.harness.contract import contract
from playbooks.harness.controls import heading, shown_text

FLOW_ID = "DPF-14"


def path_pattern(path: str) -> re.Pattern[str]:
    """An OpenAPI path with each {parameter} standing for one path segment."""
    return re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")


def documented_outcome(path: str, statuses: set[str]) -> set[int]:
    """What a working example must get: the operation's documented 2xx, or a documented 404 where its path names
    a resource (the example's, which the flow does not own)."""
    wanted = {int(s) for s in statuses if s.startswith("2")}
    if "{" in path and "404" in statuses:
        wanted.add(404)
    return wanted


@pytest.mark.dpf(FLOW_ID)
def test_api_docs_page(flow, open_page, developer, api, target, applications, sandbox_credentials, vault):
    openapi = api.get("/openapi.json").json()
    documented = operations(openapi)
    assert documented, "/openapi.json documents no operation"
    app = applications.create(scopes=tuple(contract().api["scopes"]))
    sandbox = sandbox_credentials.create()
    secret = vault.get(app.secret_name)
    credentials = {"CLIENT_ID": app.client_id, "CLIENT_SECRET": secret,
                   "ACCESS_TOKEN": access_token(api, app.client_id, secret),
                   "SANDBOX_API_KEY": vault.get(sandbox.key_name)}
    page = open_page(developer)

    with flow.step("Open docs page."):
        response = page.goto("/app/docs")
        assert response is not None and response.status == 200, f"/app/docs answered HTTP {response and response.status}"
        expect(heading(page, "Docs")).to_be_visible()

    with flow.step("Validate endpoint documentation and examples."):
        for method, path, _ in documented:
            endpoint = page.locator(f'[data-testid="endpoint"][data-method="{method}"][data-path="{path}"]')
            expect(endpoint, f"{method} {path} is not on the docs page").to_have_count(1)
            expect(endpoint.get_by_test_id("curl-example")).to_contain_text(path.split("{")[0])
            expect(endpoint.locator('[data-testid="response"][data-status="401"]')).to_have_count(1)
            example = shown_text(endpoint.get_by_test_id("curl-example"))
            request = curl.parse(example, credentials, origin=target.base_url)
            assert request.method == method and path_pattern(path).match(urlsplit(request.url).path), (
                f"the cURL example of {method} {path} calls {request.method} {urlsplit(request.url).path}")
            statuses = {r.get_attribute("data-status") or "" for r in endpoint.get_by_test_id("response").all()}
            status, _ = curl.run(example, credentials, origin=target.base_url)
            assert status in documented_outcome(path, statuses), (
                f"the cURL example of {method} {path}, run with the flow's credentials, answered HTTP {status}; "
                f"expected {sorted(documented_outcome(path, statuses))} of the documented {sorted(statuses)}")
        for link in page.locator("main a[href]").all():
            href = link.get_attribute("href") or ""
            if href.startswith("#"):
                expect(page.locator(f'[id="{href[1:]}"]'), f"anchor {href} has no target").to_have_count(1)
            else:
                url = urljoin(page.url, href)
                if urlsplit(url).netloc == urlsplit(target.base_url).netloc:
                    answer = page.request.get(url, max_redirects=0)
                    assert answer.status < 400, f"the docs link {href} answers HTTP {answer.status}"

    with flow.expected_result("docs are navigable and current."):
        for method, path, operation in documented:
            assert "401" in operation["responses"], f"{method} {path} does not document its 401"
            answer = api.request(method, **request_without_relying_on_examples(path, operation))
            assert answer.status_code == 401, f"{method} {path} without credentials answered HTTP {answer.status_code}"
            assert answer.json().get("error"), f"{method} {path} answered 401 without an error code"
