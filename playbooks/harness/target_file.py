"""A partner's target file (`dpf run --target partner.toml`): where its portal is, which accounts to use (secrets
named by environment variable, never written in the file), which flows apply to it, where its markup differs from
the contract, and the failures it expects for now, each with a reason, a ticket and an expiry date.

    [target]
    base_url = "https://developers.partner.example"
    webhook_public_url = "https://hooks.partner.example/dpf"      # optional

    [accounts.developer]                      # developer, developer_2fa, setup_developer, non_developer, operator,
                                              # integrator, go_live_admin
    email = "qa@partner.example"
    password_env = "PARTNER_DEV_PASSWORD"
    totp_secret_env = "PARTNER_DEV_TOTP"      # developer_2fa; go_live_admin when 2FA is on

    [flows]                                   # every flow is mandatory unless listed
    DPF-28 = { profile = "not-applicable", reason = "sign-in is SSO only" }
    DPF-16 = { profile = "optional" }

    [go_live]                                 # optional: DPF-34 checks the partner's own integration
    client_id = "ci_..."                      # its production application; secret in the vault (harness/go_live.py)
    webhook_endpoint_id = 12                  # or webhook_url = "https://hooks.partner.example/portal"

    [overrides.testids]                       # a contract test ID -> the partner's CSS selector
    key-row = "tr.credential"
    [overrides.routes]                        # a contract route name -> the partner's path
    applications = "/developer/apps"

    [[deviations]]
    flow = "DPF-22"
    reason = "old signature dropped at once; fix in release 4.2"
    ticket = "PORT-1234"
    expires = 2027-01-31
"""

from __future__ import annotations

import datetime
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from playbooks.harness import catalog
from playbooks.harness.contract import contract
from playbooks.harness.go_live import PartnerIntegration, PartnerIntegrationError, integration_from

PERSONA_PREFIXES = {
    "developer": "DPF_DEVELOPER",
    "developer_2fa": "DPF_2FA_DEVELOPER",
    "setup_developer": "DPF_SETUP_DEVELOPER",
    "non_developer": "DPF_NON_DEVELOPER",
    "operator": "DPF_OPERATOR",
    "integrator": "DPF_INTEGRATOR",
    "go_live_admin": "DPF_GO_LIVE_ADMIN",
}
PROFILES = ("mandatory", "optional", "not-applicable")
KEYS = {
    "target": {"base_url", "webhook_public_url"},
    "accounts": set(PERSONA_PREFIXES),
    "account": {"email", "password_env", "totp_secret_env"},
    "flow": {"profile", "reason"},
    "overrides": {"testids", "routes"},
    "deviation": {"flow", "step", "reason", "ticket", "expires"},
    "go_live": {"client_id", "webhook_endpoint_id", "webhook_url"},
}


class TargetFileError(ValueError):
    """What is wrong in a target file, naming the file, the line where it can be found, and the key."""


@dataclass(frozen=True)
class Account:
    email: str
    password_env: str
    totp_secret_env: str | None = None


@dataclass(frozen=True)
class Profile:
    profile: str
    reason: str = ""


@dataclass(frozen=True)
class Deviation:
    flow: str
    reason: str
    ticket: str
    expires: datetime.date
    step: str | None = None

    def expired(self, today: datetime.date) -> bool:
        return self.expires < today


@dataclass(frozen=True)
class TargetFile:
    path: Path
    base_url: str
    webhook_public_url: str | None
    accounts: dict[str, Account]
    flows: dict[str, Profile]
    testid_overrides: dict[str, str] = field(default_factory=dict)
    route_overrides: dict[str, str] = field(default_factory=dict)
    deviations: list[Deviation] = field(default_factory=list)
    go_live: PartnerIntegration | None = None  # the partner's own integration, which DPF-34 then checks

    def profile(self, flow_id: str) -> Profile:
        return self.flows.get(flow_id, Profile("mandatory"))

    def environment(self, environ: Mapping[str, str]) -> dict[str, str]:
        """The DPF_* variables a run against this target uses, with the secrets read from the variables named."""
        env = {"DPF_BASE_URL": self.base_url, "DPF_TARGET_FILE": str(self.path)}
        if self.webhook_public_url:
            env["DPF_WEBHOOK_PUBLIC_URL"] = self.webhook_public_url
        for key, account in self.accounts.items():
            prefix = PERSONA_PREFIXES[key]
            env[f"{prefix}_EMAIL"] = account.email
            env[f"{prefix}_PASSWORD"] = environ[account.password_env]
            if account.totp_secret_env:
                env[f"{prefix}_TOTP_SECRET"] = environ[account.totp_secret_env]
        if self.go_live is not None:
            env.update(self.go_live.environment())
        return env


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf'^\s*(?:\[+[^\]]*\b)?"?{re.escape(key)}"?\s*[=\].]')
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.search(line):
            return number
    return None


class _Reader:
    def __init__(self, path: Path, text: str):
        self.path, self.text = path, text

    def error(self, key: str, problem: str) -> TargetFileError:
        line = _line_of(self.text, key.split(".")[-1].split("[")[0])
        where = f"{self.path}:{line}" if line else str(self.path)
        return TargetFileError(f"{where}: {key}: {problem}")

    def table(self, value: Any, key: str, allowed: set[str] | None = None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(key, "must be a table")
        for inner in value:
            if allowed is not None and inner not in allowed:
                raise self.error(f"{key}.{inner}" if key else inner,
                                 f"unknown key; expected one of {', '.join(sorted(allowed))}")
        return value

    def string(self, value: Any, key: str, *, required: bool = True) -> str | None:
        if value is None and not required:
            return None
        if value is None:
            raise self.error(key, "missing")
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "must be a non-empty string")
        return value


def parse(text: str, path: Path, environ: Mapping[str, str]) -> TargetFile:
    reader = _Reader(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TargetFileError(f"{path}: {error}") from None
    reader.table(data, "", {"target", "accounts", "flows", "overrides", "deviations", "go_live"})

    target = reader.table(data.get("target"), "target", KEYS["target"])
    base_url = reader.string(target.get("base_url"), "target.base_url")
    assert base_url is not None
    if not re.match(r"https?://[^/\s]+", base_url):
        raise reader.error("target.base_url", f"{base_url!r} is not an http(s) address")
    webhook_url = reader.string(target.get("webhook_public_url"), "target.webhook_public_url", required=False)

    accounts: dict[str, Account] = {}
    for key, spec in reader.table(data.get("accounts", {}), "accounts", KEYS["accounts"]).items():
        name = f"accounts.{key}"
        reader.table(spec, name, KEYS["account"])
        email = reader.string(spec.get("email"), f"{name}.email")
        password_env = reader.string(spec.get("password_env"), f"{name}.password_env")
        totp_env = reader.string(spec.get("totp_secret_env"), f"{name}.totp_secret_env", required=False)
        for variable, variable_key in ((password_env, "password_env"), (totp_env, "totp_secret_env")):
            if variable and variable not in environ:
                raise reader.error(f"{name}.{variable_key}", f"the environment variable {variable} is not set")
        accounts[key] = Account(email or "", password_env or "", totp_env)
    if "developer" not in accounts:
        raise reader.error("accounts.developer", "missing: every flow signs in as the developer")

    known_flows = catalog.by_id()
    flows: dict[str, Profile] = {}
    for flow_id, spec in reader.table(data.get("flows", {}), "flows").items():
        name = f"flows.{flow_id}"
        if flow_id not in known_flows:
            raise reader.error(name, f"no such flow; flows are {min(known_flows)} to {max(known_flows)}")
        reader.table(spec, name, KEYS["flow"])
        profile = reader.string(spec.get("profile"), f"{name}.profile")
        if profile not in PROFILES:
            raise reader.error(f"{name}.profile", f"{profile!r}: choose {', '.join(PROFILES)}")
        reason = reader.string(spec.get("reason"), f"{name}.reason", required=profile == "not-applicable") or ""
        flows[flow_id] = Profile(profile, reason)

    overrides = reader.table(data.get("overrides", {}), "overrides", KEYS["overrides"])
    the_contract = contract()
    testids = reader.table(overrides.get("testids", {}), "overrides.testids")
    for name, selector in testids.items():
        if name not in the_contract.testids:
            raise reader.error(f"overrides.testids.{name}", "the contract names no such test ID")
        reader.string(selector, f"overrides.testids.{name}")
    routes = reader.table(overrides.get("routes", {}), "overrides.routes")
    for name, route_path in routes.items():
        if name not in the_contract.routes:
            raise reader.error(f"overrides.routes.{name}", "the contract names no such route")
        if not isinstance(route_path, str) or not route_path.startswith("/"):
            raise reader.error(f"overrides.routes.{name}", "must be a path starting with /")

    deviations = []
    entries = data.get("deviations", [])
    if not isinstance(entries, list):
        raise reader.error("deviations", "must be an array of tables: [[deviations]]")
    for number, entry in enumerate(entries, 1):
        name = f"deviations[{number}]"
        reader.table(entry, name, KEYS["deviation"])
        flow_id = reader.string(entry.get("flow"), f"{name}.flow") or ""
        if flow_id not in known_flows:
            raise reader.error(f"{name}.flow", f"no such flow {flow_id!r}")
        step = reader.string(entry.get("step"), f"{name}.step", required=False)
        if step is not None and step not in known_flows[flow_id].steps:
            raise reader.error(f"{name}.step", f"{flow_id} has no step {step!r}")
        expires = entry.get("expires")
        if not isinstance(expires, datetime.date) or isinstance(expires, datetime.datetime):
            raise reader.error(f"{name}.expires", "must be a date, e.g. 2027-01-31")
        deviations.append(Deviation(flow_id, reader.string(entry.get("reason"), f"{name}.reason") or "",
                                    reader.string(entry.get("ticket"), f"{name}.ticket") or "", expires, step))
    go_live = None
    if "go_live" in data:
        try:
            go_live = integration_from(reader.table(data["go_live"], "go_live", KEYS["go_live"]))
        except PartnerIntegrationError as error:
            raise reader.error(f"go_live.{error.key}", error.problem) from None
        if "go_live_admin" not in accounts:
            raise reader.error("accounts.go_live_admin", "missing: DPF-34 checks the [go_live] integration as the "
                                                         "admin of its organisation")
    return TargetFile(path, base_url.rstrip("/"), webhook_url, accounts, flows, dict(testids), dict(routes), deviations,
                      go_live)


def load(path: Path, environ: Mapping[str, str] | None = None) -> TargetFile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TargetFileError(f"{path}: cannot be read ({error.strerror})") from None
    return parse(text, path, os.environ if environ is None else environ)


@dataclass(frozen=True)
class Verdict:
    """One flow's result once the target's profile and expected deviations are applied."""

    outcome: str
    message: str
    counts_as_failure: bool


def judge(flow_id: str, outcome: str, message: str, target: TargetFile, today: datetime.date) -> Verdict:
    profile = target.profile(flow_id)
    deviation = next((d for d in target.deviations if d.flow == flow_id), None)
    if deviation is not None:
        if deviation.expired(today):
            return Verdict(outcome, f"expected deviation {deviation.ticket} expired on {deviation.expires}", True)
        if outcome == "passed":
            return Verdict("passed", f"listed as deviation {deviation.ticket} but passes: remove the entry", True)
        if outcome in ("failed", "error"):
            return Verdict("deviation (expected)", f"{deviation.ticket}: {deviation.reason}", False)
    if outcome == "passed":
        return Verdict(outcome, message, False)
    if profile.profile == "optional":
        return Verdict(f"{outcome} (optional)", message, False)
    return Verdict(outcome, message, True)


def unused_deviations(target: TargetFile, run_ids: set[str]) -> list[Deviation]:
    """Entries for flows the run did not execute: a stale list fails the run."""
    return [d for d in target.deviations if d.flow not in run_ids]
