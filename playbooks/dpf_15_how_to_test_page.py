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

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from playbooks.harness import curl
from playbooks.harness.api_calls import operations

FLOW_ID = "DPF-15"
POSTMAN_V21 = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
STATUS = re.compile(r"^[1-5][0-9]{2}$")


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
    page = open_page(developer)
    commands = page.get_by_test_id("curl-command")

    with flow.step("Open testing guide."):
        response = page.goto(f"/app/how-to-test?application={app.id}")
        assert response is not None and response.status == 200
        expect(page.get_by_role("heading", level=1, name="How to test", exact=True)).to_be_visible()
        expect(page.get_by_test_id("guide-client-id")).to_have_text(app.client_id)

    with flow.step("Validate cURL/Postman instructions and token examples."):
        expect(commands.first).to_be_visible()
        guide = []
        for command in commands.all():
            text = command.inner_text().strip()
            expected = (command.get_attribute("data-expected-status") or "").strip()
            assert STATUS.match(expected), f"the command {text.split()[:4]} states no expected status ({expected!r})"
            guide.append((text, int(expected)))
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
        variables = {"CLIENT_SECRET": vault.get(app.secret_name)}
        for number, (command, expected_status) in enumerate(guide, 1):
            status, body = curl.run(command, variables, origin=target.base_url)
            said = f"command {number} ({' '.join(command.split()[:4])}…)"
            assert status == expected_status, f"{said} answered HTTP {status}; the guide says {expected_status}"
            answer = json.loads(body) if body.strip() else {}
            if 200 <= status < 300:
                assert "error" not in answer, f"{said} answered HTTP {status} with the error {answer.get('error')}"
            if number == 1:
                assert "access_token" in answer, f"{said}, the token command, answered no access_token"
                vault.put(f"{app.client_id}.access_token", answer["access_token"])
                variables["ACCESS_TOKEN"] = vault.get(f"{app.client_id}.access_token")
