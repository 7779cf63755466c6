"""DPF-34 in partner mode against a reference portal where a partner's integration is ready: set up over HTTP with the
contract's forms in the go_live_admin organisation (a production application with https callbacks, its secret
rotated and kept in the partner's Vault, products approved, sandbox calls, a webhook endpoint on a receiver that
verifies signatures, an alert rule, 2FA on). The flow must pass and change nothing of the partner's, and fail, with
the vault named, when the vault holds an old secret."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pyotp
import pytest

from fixtures.html_forms import elements_by_testid, hidden_fields
from fixtures.personas import personas_from_env
from fixtures.portal import PortalAccount
from fixtures.redaction import SecretRegistry
from fixtures.signin import sign_in
from fixtures.vault import MemoryVault, RecordingVault
from fixtures.webhooks import WebhookReceiver
from playbooks.dpf_34_partner_go_live_checklist import call, one_call_per_product
from playbooks.harness.admins_2fa import turn_on
from playbooks.harness.api_calls import access_token, request_token

VAULT_TOKEN = "s.partner-vault-token"
CALLBACKS = ["https://partner.example/oauth/callback"]


class FakeVault:
    """HashiCorp Vault's KV version 2 as fixtures/vault.py speaks to it: GET and POST .../v1/secret/data/dpf/<name>,
    DELETE .../v1/secret/metadata/dpf/<name>, with the token checked; on loopback, for the playbook's own process."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.writes: list[str] = []  # every POST or DELETE: partner mode must make none
        vault = self

        class Handler(BaseHTTPRequestHandler):
            def _name(self, kind: str) -> str | None:
                prefix = f"/v1/secret/{kind}/dpf/"
                if self.headers.get("X-Vault-Token") != VAULT_TOKEN:
                    self._answer(403, {"errors": ["permission denied"]})
                    return None
                if not self.path.startswith(prefix):
                    self._answer(404, {"errors": []})
                    return None
                return self.path[len(prefix):]

            def _answer(self, status: int, body: dict[str, Any] | None = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                name = self._name("data")
                if name is None:
                    return
                if name not in vault.values:
                    self._answer(404, {"errors": []})
                else:
                    self._answer(200, {"data": {"data": {"value": vault.values[name]}, "metadata": {"version": 1}}})

            def do_POST(self) -> None:
                name = self._name("data")
                if name is None:
                    return
                vault.writes.append(f"POST {name}")
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                vault.values[name] = body["data"]["value"]
                self._answer(200, {"data": {"version": 1}})

            def do_DELETE(self) -> None:
                name = self._name("metadata")
                if name is None:
                    return
                vault.writes.append(f"DELETE {name}")
                vault.values.pop(name, None)
                self._answer(204)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass(frozen=True)
class ReadyIntegration:
    client_id: str
    first_secret: str
    current_secret: str
    endpoint_id: str
    endpoint_path: str  # on the receiver
    totp_secret: str


def post_form(client: httpx.Client, form_page: str, action: str, fields: dict[str, str]) -> httpx.Response:
    return client.post(action, data={**hidden_fields(client.get(form_page).text, action), **fields})


def set_up_ready_integration(portal: PortalAccount, receiver: WebhookReceiver) -> ReadyIntegration:
    """What a partner who is ready to go live has done, over HTTP with the contract's forms."""
    client = portal.client
    portal.set_rotation_policy(0)  # the partner's choice: a rotated-away secret stops working at once
    app = portal.create_application("partner-live-" + secrets.token_hex(3), CALLBACKS, environment="production")
    first_secret = portal.vault.get(app.secret_name)
    credential_id = portal.credential_id(app.client_id)
    rotated = post_form(client, "/app/keys", f"/app/keys/{credential_id}/rotate", {})
    assert rotated.status_code == 200, rotated.status_code
    current_secret = elements_by_testid(rotated.text, "one-time-secret")[0]["text"]

    products = portal.automatic_products("production")
    assert products
    for product in products:
        portal.subscribe(app.id, product)
    sandbox = portal.create_application("partner-sandbox-" + secrets.token_hex(3), CALLBACKS)
    for product in products:
        portal.subscribe(sandbox.id, product)
    with httpx.Client(base_url=str(client.base_url), timeout=10) as api:
        token = access_token(api, sandbox.client_id, portal.vault.get(sandbox.secret_name))
        for product, (path, arguments) in one_call_per_product(api.get("/openapi.json").json(), products).items():
            answer = call(api, token, arguments)
            assert 200 <= answer.status_code < 300, f"sandbox call to {product} ({path}): HTTP {answer.status_code}"

    path = "/hooks/partner-" + secrets.token_hex(4)
    endpoint = portal.create_webhook(receiver.local_url + path, ["webhook.test", "usage.alert"])
    receiver.refuse_bad_signatures(path, portal.vault.get(endpoint.secret_name))  # as a partner's receiver must
    checked = post_form(client, "/app/go-live", "/app/go-live/signature-check", {"endpoint_id": str(endpoint.id)})
    assert checked.status_code in (302, 303), checked.status_code

    added = post_form(client, "/app/usage/alerts", "/app/usage/alerts", {
        "name": "partner errors", "kind": "error_rate", "threshold": "50", "window_minutes": "5",
        "application": str(sandbox.id)})
    assert added.status_code in (200, 302, 303), added.status_code

    security = client.get("/account/security").text
    totp_secret = "".join(elements_by_testid(security, "totp-secret")[0]["text"].split()).upper()
    enabled = post_form(client, "/account/security", "/account/security/2fa/enable",
                        {"code": pyotp.TOTP(totp_secret).now()})
    assert enabled.status_code == 200, enabled.status_code
    second_admin = personas_from_env()["go_live_second_admin"]  # every admin of the organisation has 2FA on
    with httpx.Client(base_url=str(client.base_url), timeout=10) as second:
        sign_in(second, second_admin)
        turn_on(second, second_admin.password, portal=str(client.base_url))

    ready = client.get("/app/go-live.json").json()
    assert ready["ready"] and ready["application"]["id"] == app.id, ready["summary"]
    return ReadyIntegration(app.client_id, first_secret, current_secret, endpoint.id, path, totp_secret)


def what_the_partner_has(client: httpx.Client) -> dict[str, Any]:
    """Everything of the partner's the run must leave as it was (times of last use and of the signature check
    excepted: a token call uses the secret, and the signature check is the one record the run adds)."""

    def attributes(page: str, testid: str) -> list[dict[str, str]]:
        return [{k: v for k, v in e.items() if k != "text"} for e in elements_by_testid(client.get(page).text, testid)]

    def texts(page: str, testid: str) -> list[str]:
        return [e["text"] for e in elements_by_testid(client.get(page).text, testid)]

    go_live = client.get("/app/go-live.json").json()
    return {
        "applications": attributes("/app/apps", "application-row"),
        "environments": texts("/app/apps", "environment"),
        "callbacks": texts("/app/apps", "callback-urls"),
        "keys": attributes("/app/keys", "key-row"),
        "key states": attributes("/app/keys", "key-state"),
        "rotation policy": attributes("/app/keys", "rotation-policy"),
        "subscriptions": attributes("/app/products", "subscription-state"),
        "endpoints": attributes("/app/webhooks", "webhook-row"),
        "alert rules": attributes("/app/usage/alerts", "alert-rule"),
        "2FA": attributes("/app/security/2fa", "two-factor-state") + attributes("/app/security/2fa",
                                                                                "recovery-codes-left"),
        "go-live": {
            "application": go_live["application"],
            "checks": [(c["id"], c["passed"], c["detail"] if c["id"] != "webhook_signature" else "")
                       for c in go_live["checks"]],
            "signature checks": [(c["endpoint_id"], c["url"], c["passed"]) for c in go_live["signature_checks"]],
        },
    }


@pytest.fixture
def fake_vault() -> Iterator[FakeVault]:
    vault = FakeVault()
    yield vault
    vault.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    running = WebhookReceiver()
    running.start()
    yield running
    running.stop()


@dataclass(frozen=True)
class Partner:
    portal: Any  # the running reference portal
    client: httpx.Client  # signed in as the go_live_admin
    ready: ReadyIntegration


@pytest.fixture
def partner(start_portal, fake_vault, receiver, monkeypatch) -> Iterator[Partner]:
    """A portal with the partner's ready integration, named to the run as a `--base-url` run names it; its IDs are
    opaque strings (wh_1f3a9c0d2e), as a partner's may be, so the endpoint is named by one."""
    running = start_portal(config={"public_ids": "opaque"})
    with httpx.Client(base_url=running.url, timeout=10) as client:
        sign_in(client, personas_from_env()["go_live_admin"])
        ready = set_up_ready_integration(PortalAccount(client, RecordingVault(MemoryVault(), SecretRegistry())),
                                         receiver)
        fake_vault.values[f"{ready.client_id}.client_secret"] = ready.current_secret
        monkeypatch.setenv("VAULT_ADDR", fake_vault.url)
        monkeypatch.setenv("VAULT_TOKEN", VAULT_TOKEN)
        monkeypatch.setenv("DPF_GO_LIVE_CLIENT_ID", ready.client_id)
        monkeypatch.setenv("DPF_GO_LIVE_WEBHOOK_ENDPOINT_ID", str(ready.endpoint_id))
        monkeypatch.setenv("DPF_GO_LIVE_ADMIN_TOTP_SECRET", ready.totp_secret)
        yield Partner(running, client, ready)


def test_partner_mode_checks_the_partners_integration_and_changes_nothing(partner, run_playbook, fake_vault, receiver):
    ready, client = partner.ready, partner.client
    before = what_the_partner_has(client)
    deliveries_before = len(receiver.deliveries)

    outcome = run_playbook("DPF-34", partner.portal)
    assert outcome.outcome == "passed", str(outcome)
    assert what_the_partner_has(client) == before
    assert fake_vault.writes == [], "the run wrote to the partner's vault"
    checked = receiver.deliveries[deliveries_before:]
    assert sorted(d.answered for d in checked) == [200, 401], "the run's signature check did not reach the partner"

    fake_vault.values[f"{ready.client_id}.client_secret"] = ready.first_secret  # a vault never updated
    assert request_token(client, ready.client_id, ready.first_secret).status_code == 401
    outcome = run_playbook("DPF-34", partner.portal)
    assert outcome.outcome == "failed", str(outcome)
    assert "is not the current one" in outcome.message, str(outcome)
    assert ready.first_secret not in outcome.output and ready.current_secret not in outcome.output
    assert what_the_partner_has(client) == before


def test_partner_mode_fails_with_the_pages_words_when_the_partners_receiver_accepts_any_signature(
    partner, run_playbook, receiver, monkeypatch
):
    # The endpoint named by its URL this time, as a partner may name it.
    monkeypatch.delenv("DPF_GO_LIVE_WEBHOOK_ENDPOINT_ID")
    monkeypatch.setenv("DPF_GO_LIVE_WEBHOOK_URL", receiver.local_url + partner.ready.endpoint_path)
    with receiver.changed:  # told nothing about the path, the receiver answers 200 to every delivery
        receiver.behaviours.pop(partner.ready.endpoint_path)
    outcome = run_playbook("DPF-34", partner.portal)
    assert outcome.outcome == "failed", str(outcome)
    assert "webhook_signature does not pass" in outcome.message, str(outcome)
    assert "refuse it with a 4xx" in outcome.message, str(outcome)  # the page's own words for what to do next
