"""The testing guide (`/app/how-to-test`) as flows use it: its cURL commands in order, each with the status it says it
answers, run as written with the flow's own credentials (DPF-15 checks the guide, DPF-31 makes the first call by it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page

from fixtures.vault import SecretVault

from . import curl

STATUS = re.compile(r"^[1-5][0-9]{2}$")
OPENAPI_PARAMETER = re.compile(r"\\\{[^}]*\\\}")


@dataclass(frozen=True)
class GuideCommand:
    text: str
    expected_status: int

    def said(self, number: int) -> str:
        return f"command {number} ({' '.join(self.text.split()[:4])}…)"


@dataclass(frozen=True)
class GuideAnswer:
    command: GuideCommand
    status: int
    answer: dict[str, Any]


def commands_on(page: Page) -> list[GuideCommand]:
    """The guide's `curl-command` blocks in order; each must state the status it answers."""
    found = []
    for block in page.get_by_test_id("curl-command").all():
        text = block.inner_text().strip()
        expected = (block.get_attribute("data-expected-status") or "").strip()
        assert STATUS.match(expected), f"the command {text.split()[:4]} states no expected status ({expected!r})"
        found.append(GuideCommand(text, int(expected)))
    return found


def run_in_order(commands: list[GuideCommand], vault: SecretVault, *, client_id: str, client_secret_name: str,
                 origin: str) -> list[GuideAnswer]:
    """Run every command as written, the secret from the vault as $CLIENT_SECRET and the first command's access
    token as $ACCESS_TOKEN; each must answer the status it states, a 2xx without an error, the first a token."""
    variables = {"CLIENT_SECRET": vault.get(client_secret_name)}
    answers = []
    for number, command in enumerate(commands, 1):
        status, body = curl.run(command.text, variables, origin=origin)
        said = command.said(number)
        assert status == command.expected_status, (
            f"{said} answered HTTP {status}; the guide says {command.expected_status}"
        )
        answer = json.loads(body) if body.strip() else {}
        if 200 <= status < 300:
            assert "error" not in answer, f"{said} answered HTTP {status} with the error {answer.get('error')}"
        if number == 1:
            assert "access_token" in answer, f"{said}, the token command, answered no access_token"
            vault.put(f"{client_id}.access_token", answer["access_token"])
            variables["ACCESS_TOKEN"] = vault.get(f"{client_id}.access_token")
        answers.append(GuideAnswer(command, status, answer))
    return answers


def called(command: GuideCommand, origin: str) -> tuple[str, str]:
    """(METHOD, path) a command calls, read the way it would be run (its $VARIABLES need not be known yet)."""
    placeholders = {name: "x" for name in ("CLIENT_SECRET", "ACCESS_TOKEN", "CLIENT_ID", "SANDBOX_API_KEY")}
    request = curl.parse(command.text, placeholders, origin=origin)
    return request.method, urlsplit(request.url).path


def product_of(openapi: dict[str, Any], method: str, path: str) -> str | None:
    """The product (the OpenAPI tag of its operations, as the contract says) that answers METHOD path."""
    for template, methods in openapi.get("paths", {}).items():
        pattern = "^" + OPENAPI_PARAMETER.sub("[^/]+", re.escape(template)) + "$"
        operation = methods.get(method.lower())
        if operation and re.match(pattern, path) and operation.get("tags"):
            return str(operation["tags"][0])
    return None
