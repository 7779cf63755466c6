"""DPF-34's partner mode: the partner's own integration, named by the target, checked instead of objects the flow
makes (the page reader is go_live_page.py).

A partner names its production application by client ID and its webhook endpoint by ID or URL, in the target file's
`[go_live]` table or, for a `--base-url` run, in the environment. The endpoint's ID is the contract's opaque ID
(its `data-webhook-id`, a string; a TOML integer is taken as its digits), compared only for equality:

    [go_live]                              DPF_GO_LIVE_CLIENT_ID
    client_id = "ci_..."                   DPF_GO_LIVE_WEBHOOK_ENDPOINT_ID
    webhook_endpoint_id = "wh_3f9a0c17"    DPF_GO_LIVE_WEBHOOK_URL
    # or webhook_url = "https://hooks.partner.example/portal"

The application's current secret is read from the partner's vault under `<client id>.client_secret` (with HashiCorp
Vault: `secret/dpf/<client id>.client_secret`, KV version 2, through VAULT_ADDR and VAULT_TOKEN).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .contract import contract

ENVIRONMENT = {
    "client_id": "DPF_GO_LIVE_CLIENT_ID",
    "webhook_endpoint_id": "DPF_GO_LIVE_WEBHOOK_ENDPOINT_ID",
    "webhook_url": "DPF_GO_LIVE_WEBHOOK_URL",
}


class PartnerIntegrationError(ValueError):
    """The partner integration is named only in part, or wrongly: the key, and what is wrong with it."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem


@dataclass(frozen=True)
class PartnerIntegration:
    client_id: str
    webhook_endpoint_id: str | None = None
    webhook_url: str | None = None

    @property
    def secret_name(self) -> str:
        """Where the partner's vault keeps the application's current secret."""
        return f"{self.client_id}.client_secret"

    def environment(self) -> dict[str, str]:
        """The DPF_GO_LIVE_* variables that name this integration to a run."""
        values = {"client_id": self.client_id, "webhook_endpoint_id": self.webhook_endpoint_id,
                  "webhook_url": self.webhook_url}
        return {ENVIRONMENT[key]: str(value) for key, value in values.items() if value is not None}


def integration_from(values: Mapping[str, Any]) -> PartnerIntegration:
    """A partner integration from the keys client_id, webhook_endpoint_id and webhook_url (one of the last two)."""
    client_id = values.get("client_id")
    endpoint_id = values.get("webhook_endpoint_id")
    url = values.get("webhook_url")
    if not isinstance(client_id, str) or not client_id.strip():
        raise PartnerIntegrationError("client_id", "missing; it names the partner's production application")
    if endpoint_id is None and url is None:
        raise PartnerIntegrationError("webhook_endpoint_id", "missing, or webhook_url: one names the partner's "
                                                             "webhook endpoint")
    if endpoint_id is not None:
        if isinstance(endpoint_id, int) and not isinstance(endpoint_id, bool):
            endpoint_id = str(endpoint_id)  # a TOML integer: the ID is its digits, as the portal writes them
        if isinstance(endpoint_id, str):
            endpoint_id = endpoint_id.strip()
        if not contract().is_id(endpoint_id):
            raise PartnerIntegrationError("webhook_endpoint_id", f"{endpoint_id!r} is not an endpoint's ID (its "
                                                                 "data-webhook-id on /app/webhooks)")
    if url is not None and (not isinstance(url, str) or not url.startswith(("https://", "http://"))):
        raise PartnerIntegrationError("webhook_url", f"{url!r} is not an http(s) address")
    return PartnerIntegration(client_id.strip(), endpoint_id, url)


def partner_integration(environ: Mapping[str, str] | None = None) -> PartnerIntegration | None:
    """The partner integration the run names in DPF_GO_LIVE_* (a target file's [go_live] sets them), or None:
    then DPF-34 prepares fresh objects of its own."""
    environ = os.environ if environ is None else environ
    values = {key: environ[name] for key, name in ENVIRONMENT.items() if environ.get(name)}
    if not values:
        return None
    try:
        return integration_from(values)
    except PartnerIntegrationError as error:
        raise PartnerIntegrationError(ENVIRONMENT[error.key], error.problem) from None
