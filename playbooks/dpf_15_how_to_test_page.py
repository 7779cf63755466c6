"""DPF-15 How-to-test page: the guide's cURL commands, run as written with the flow's own credentials, succeed;
its Postman collection covers every documented endpoint.

Faults of a broken portal this flow must catch:
- a command that does not work as written (wrong path, someone else's client ID, wrong address): every command's
  answer is checked against its own `data-expected-status`, not only the last one's;
- a command without a `data-expected-status`, or one stating a status the command does not answer;
- a successful-looking status with an error body, or a token command whose answer holds no `access_token`;
- the guide showing the secret instead of `$CLIENT_SECRET`, or another application's client ID;
- a Postman collection that is not format v2.1 or lacks a documented endpoint.
It must not rely on how the collection is arranged: requests may sit in folders, URLs be strings or objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from fixtures.html_forms import elements_by_testid
from playbooks.harness import guide as testing_guide
from playbooks.harness.api_calls import operations
from playbooks.harness.controls import heading

FLOW_ID = "DPF-15"
POSTMAN_V21 = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


def postman_requests(items: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(METHOD, raw URL) of every request in a collection, folders (items holding items) included."""
    for item in items:
        if "item" in item:
            yield from postman_requests(item["item"])
        elif "request" in item:
            request = item["request"]
            if isinstance(request, str):
                yield "GET", request
                continue
            url = request.get("url", "")
            raw = url if isinstance(url, str) else url.get("raw") or "/".join([*url.get("host", []), *url.get("path", [])])
            yield request.get("method", "GET").upper(), raw


@pytest.mark.dpf(FLOW_ID)
def test_how_to_test_page(flow, open_page, developer, applications, vault, api, target):
    app = applications.create()
    # The products the guide's API calls belong to (the OpenAPI tags of their operations), subscribed and approved,
    # so that its token carries their scopes whichever products the portal approves by itself.
    guide_page = applications.account.client.get(f"/app/how-to-test?application={app.id}").text
    openapi, offered = api.get("/openapi.json").json(), applications.account.products()
    for block in elements_by_testid(guide_page, "curl-command")[1:]:
        called = testing_guide.called(testing_guide.GuideCommand(block["text"], 0), target.base_url)
        product = testing_guide.product_of(openapi, *called)
        if product in offered:
            applications.subscribe_approved(app.id, [product])
    page = open_page(developer)
    commands = page.get_by_test_id("curl-command")

    with flow.step("Open testing guide."):
        response = page.goto(f"/app/how-to-test?application={app.id}")
        assert response is not None and response.status == 200
        expect(heading(page, "How to test")).to_be_visible()
        expect(page.get_by_test_id("guide-client-id")).to_have_text(app.client_id)

    with flow.step("Validate cURL/Postman instructions and token examples."):
        expect(commands.first).to_be_visible()
        guide = [(c.text, c.expected_status) for c in testing_guide.commands_on(page)]
        assert len(guide) >= 2, "the guide should show getting a token and calling an API"
        assert "/oauth/token" in guide[0][0] and app.client_id in guide[0][0], "the first command does not get a token"
        assert "$CLIENT_SECRET" in guide[0][0], "the secret should be a placeholder, not shown"
        assert vault.get(app.secret_name) not in page.content(), "the guide shows the client secret"
        assert any("$ACCESS_TOKEN" in c and 200 <= s < 300 for c, s in guide[1:]), "no command calls an API with the token"
        expect(page.get_by_test_id("good-answer").first).to_contain_text("access_token")
        link = page.get_by_role("link", name="Download the Postman collection")
        collection = page.request.get(link.get_attribute("href") or "").json()
        assert collection["info"]["schema"] == POSTMAN_V21, "the Postman collection is not format v2.1"
        requests = set(postman_requests(collection.get("item", [])))
        for method, path, _ in operations(api.get("/openapi.json").json()):
            prefix = path.split("{")[0]
            assert any(m == method and prefix in raw for m, raw in requests), f"Postman lacks {method} {path}"

    with flow.expected_result("onboarding instructions are executable."):
        commands = [testing_guide.GuideCommand(text, status) for text, status in guide]
        testing_guide.run_in_order(commands, vault, client_id=app.client_id, client_secret_name=app.secret_name,
                                   origin=target.base_url)
