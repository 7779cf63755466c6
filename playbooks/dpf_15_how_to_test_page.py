"""DPF-15 How-to-test page: the guide's cURL commands, run as written with the flow's own credentials, succeed;
its Postman collection covers every documented endpoint."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from playbooks.harness import curl
from playbooks.harness.api_calls import operations

FLOW_ID = "DPF-15"
POSTMAN_V21 = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


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
        guide = [(c.inner_text().strip(), int(c.get_attribute("data-expected-status") or 200)) for c in commands.all()]
        assert len(guide) >= 2, "the guide should show getting a token and calling an API"
        assert "/oauth/token" in guide[0][0] and app.client_id in guide[0][0], "the first command does not get a token"
        assert "$CLIENT_SECRET" in guide[0][0], "the secret should be a placeholder, not shown"
        expect(page.get_by_test_id("good-answer").first).to_contain_text("access_token")
        link = page.get_by_role("link", name="Download the Postman collection")
        collection = page.request.get(link.get_attribute("href") or "").json()
        assert collection["info"]["schema"] == POSTMAN_V21, "the Postman collection is not format v2.1"
        requests = {(item["request"]["method"], item["request"]["url"]["raw"]) for item in collection["item"]}
        for method, path, _ in operations(api.get("/openapi.json").json()):
            prefix = path.split("{")[0]
            assert any(m == method and prefix in raw for m, raw in requests), f"Postman lacks {method} {path}"

    with flow.expected_result("onboarding instructions are executable."):
        variables = {"CLIENT_SECRET": vault.get(app.secret_name)}
        for command, expected_status in guide:
            status, body = curl.run(command, variables, origin=target.base_url)
            assert status == expected_status, f"{command.split()[0:4]} answered HTTP {status}, the guide says {expected_status}"
            answer = json.loads(body)
            if "access_token" in answer:
                vault.put(f"{app.client_id}.access_token", answer["access_token"])
                variables["ACCESS_TOKEN"] = vault.get(f"{app.client_id}.access_token")
        assert "error" not in answer, f"the guide's last call answered an error: {answer.get('error')}"
