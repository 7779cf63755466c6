"""A partner's target file (`dpf run --target partner.toml`): where its portal is, which accounts to use (secrets
named by environment variable, never written in the file), which flows apply to it, where its markup differs from
the contract, and the failures it expects for now, each with a reason, a ticket and an expiry date.

    [target]
    base_url = "https://developers.partner.example"
    webhook_public_url = "https://hooks.partner.example/dpf"      # optional
    i_own_this_target = true                  # optional: dpf selftest may put faults in front of it

    [accounts.developer]                      # developer, developer_2fa, setup_developer, session_developer,
                                              # non_developer, operator, integrator, go_live_admin,
                                              # go_live_second_admin
    email = "qa@partner.example"
    password_env = "PARTNER_DEV_PASSWORD"
    totp_secret_env = "PARTNER_DEV_TOTP"      # developer_2fa; go_live_admin when 2FA is on

    [flows]                                   # every flow is mandatory unless listed
    DPF-28 = { profile = "not-applicable", reason = "sign-in is SSO only" }
    DPF-16 = { profile = "optional" }

    [go_live]                                 # optional: DPF-34 checks the partner's own integration
    client_id = "ci_..."                      # its production application; secret in the vault (harness/go_live.py)
    webhook_endpoint_id = "wh_3f9a0c17"       # its data-webhook-id; or webhook_url = "https://hooks.partner.example/portal"

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
from typing import Any, Callable, Mapping, TypeVar

from playbooks.harness import catalog
from playbooks.harness.contract import contract
from playbooks.harness.flow_ids import normalise
from playbooks.harness.go_live import PartnerIntegration, PartnerIntegrationError, integration_from

PERSONA_PREFIXES = {
    "developer": "DPF_DEVELOPER",
    "developer_2fa": "DPF_2FA_DEVELOPER",
    "setup_developer": "DPF_SETUP_DEVELOPER",
    "session_developer": "DPF_SESSION_DEVELOPER",
    "non_developer": "DPF_NON_DEVELOPER",
    "operator": "DPF_OPERATOR",
    "integrator": "DPF_INTEGRATOR",
    "go_live_admin": "DPF_GO_LIVE_ADMIN",
    "go_live_second_admin": "DPF_GO_LIVE_SECOND_ADMIN",
}
ACCOUNTS_ASKED_FOR_LATER = {"operator"}
PROFILES = ("mandatory", "optional", "not-applicable")
KEYS = {
    "target": {"base_url", "webhook_public_url", "ca_file", "i_own_this_target"},
    "accounts": set(PERSONA_PREFIXES),
    "account": {"email", "password_env", "totp_secret_env"},
    "flow": {"profile", "reason"},
    "overrides": {"testids", "routes"},
    "deviation": {"flow", "step", "reason", "ticket", "expires"},
    "go_live": {"client_id", "webhook_endpoint_id", "webhook_url"},
}


T = TypeVar("T")


class TargetFileError(ValueError):
    """What is wrong in a target file, naming the file, the line where it can be found, and the key."""


@dataclass(frozen=True)
class Account:
    email: str
    password_env: str
    totp_secret_env: str | None = None

    def source(self, key: str, file_name: str) -> str:
        """Where a person fixes this account: the table in the target file and the variables it names."""
        variables = f"{self.password_env}" + (f" and {self.totp_secret_env}" if self.totp_secret_env else "")
        return f"[accounts.{key}] in {file_name} (email {self.email}, the password in {variables})"


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
    ca_file: Path | None = None  # certificate authorities to trust for the portal (relative to the file's folder)
    owner_confirmed: bool = False  # i_own_this_target: dpf selftest may put faults in front of the portal

    def profile(self, flow_id: str) -> Profile:
        return self.flows.get(flow_id, Profile("mandatory"))

    def missing_accounts(self, flow_id: str) -> list[str]:
        """The accounts the flow signs in as that this file does not give (the operator is asked for only when a
        product needs approving: fixtures/subscriptions.py)."""
        from playbooks.harness.modules import module_for, names_persona

        module = module_for(flow_id)
        return [key for key in PERSONA_PREFIXES
                if key not in self.accounts and key not in ACCOUNTS_ASKED_FOR_LATER
                and module is not None and names_persona(module, key)]

    def environment(self, environ: Mapping[str, str]) -> dict[str, str]:
        """The DPF_* variables a run against this target uses, with the secrets read from the variables named."""
        env = {"DPF_BASE_URL": self.base_url, "DPF_TARGET_FILE": str(self.path)}
        if self.webhook_public_url:
            env["DPF_WEBHOOK_PUBLIC_URL"] = self.webhook_public_url
        for key, account in self.accounts.items():
            prefix = PERSONA_PREFIXES[key]
            env[f"{prefix}_EMAIL"] = account.email
            env[f"{prefix}_SOURCE"] = account.source(key, self.path.name)
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
    """Reads the file and gathers every mistake in it, each with its line and key, instead of stopping at the first."""

    def __init__(self, path: Path, text: str):
        self.path, self.text = path, text
        self.problems: list[str] = []

    def error(self, key: str, problem: str) -> TargetFileError:
        line = _line_of(self.text, key.split(".")[-1].split("[")[0])
        where = f"{self.path}:{line}" if line else str(self.path)
        return TargetFileError(f"{where}: {key}: {problem}")

    def each(self, check: Callable[[], T]) -> T | None:
        """check()'s value, or None when it found a mistake (kept, so reading goes on)."""
        try:
            return check()
        except TargetFileError as error:
            self.problems.append(str(error))
            return None

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


def _target(reader: _Reader, data: dict[str, Any]) -> tuple[str, str | None, Path | None, bool]:
    target = reader.table(data.get("target"), "target", KEYS["target"])
    base_url = reader.string(target.get("base_url"), "target.base_url") or ""
    if not re.match(r"https?://[^/\s]+", base_url):
        raise reader.error("target.base_url", f"{base_url!r} is not an http(s) address")
    ca_name = reader.string(target.get("ca_file"), "target.ca_file", required=False)
    ca_file = (reader.path.parent / ca_name) if ca_name else None
    if ca_file is not None and not ca_file.is_file():
        raise reader.error("target.ca_file", f"{ca_file}: no such file")
    owned = target.get("i_own_this_target", False)
    if not isinstance(owned, bool):
        raise reader.error("target.i_own_this_target", "must be true or false")
    webhook_url = reader.string(target.get("webhook_public_url"), "target.webhook_public_url", required=False)
    return base_url, webhook_url, ca_file, owned


def _account(reader: _Reader, key: str, spec: Any, environ: Mapping[str, str]) -> Account:
    name = f"accounts.{key}"
    reader.table(spec, name, KEYS["account"])
    email = reader.string(spec.get("email"), f"{name}.email")
    password_env = reader.string(spec.get("password_env"), f"{name}.password_env")
    totp_env = reader.string(spec.get("totp_secret_env"), f"{name}.totp_secret_env", required=False)
    for variable, variable_key in ((password_env, "password_env"), (totp_env, "totp_secret_env")):
        if variable and variable not in environ:
            raise reader.error(f"{name}.{variable_key}", f"the environment variable {variable} is not set")
    if totp_env and (problem := _totp_problem(environ[totp_env])):
        raise reader.error(f"{name}.totp_secret_env", f"the environment variable {totp_env} {problem}")
    return Account(email or "", password_env or "", totp_env)


def _totp_problem(secret: str) -> str | None:
    """Why the harness's authenticator cannot make codes of this secret, or None when it gives 6-digit codes."""
    import pyotp

    try:
        code = pyotp.TOTP(secret.replace(" ", "").upper()).now()
    except ValueError as error:  # binascii.Error (not base32) is a ValueError too
        detail = str(error) if "bits" in str(error) else "is not base32 (letters A-Z and digits 2-7)"
        return f"does not hold a usable TOTP secret: {detail}"
    return None if len(code) == 6 and code.isdigit() else "does not give 6-digit codes"


def _flow(reader: _Reader, raw_id: str, spec: Any, known_flows: Mapping[str, catalog.Flow]) -> tuple[str, Profile]:
    flow_id = normalise(raw_id)
    name = f"flows.{raw_id}"
    if flow_id not in known_flows:
        raise reader.error(name, f"no such flow; flows are {min(known_flows)} to {max(known_flows)}")
    reader.table(spec, name, KEYS["flow"])
    profile = reader.string(spec.get("profile"), f"{name}.profile")
    if profile not in PROFILES:
        raise reader.error(f"{name}.profile", f"{profile!r}: choose {', '.join(PROFILES)}")
    reason = reader.string(spec.get("reason"), f"{name}.reason", required=profile == "not-applicable") or ""
    return flow_id, Profile(profile, reason)


def _deviation(reader: _Reader, number: int, entry: Any, known_flows: Mapping[str, catalog.Flow],
               today: datetime.date | None) -> Deviation:
    name = f"deviations[{number}]"
    reader.table(entry, name, KEYS["deviation"])
    flow_id = normalise(reader.string(entry.get("flow"), f"{name}.flow") or "")
    if flow_id not in known_flows:
        raise reader.error(f"{name}.flow", f"no such flow {flow_id!r}")
    step = reader.string(entry.get("step"), f"{name}.step", required=False)
    if step is not None and step not in known_flows[flow_id].steps:
        raise reader.error(f"{name}.step", f"{flow_id} has no step {step!r}")
    expires = entry.get("expires")
    if not isinstance(expires, datetime.date) or isinstance(expires, datetime.datetime):
        raise reader.error(f"{name}.expires", "must be a date, e.g. 2027-01-31")
    if today is not None and expires < today:
        raise reader.error(f"{name}.expires", f"expired on {expires}: fix the flow, or renew the entry with a reason")
    return Deviation(flow_id, reader.string(entry.get("reason"), f"{name}.reason") or "",
                     reader.string(entry.get("ticket"), f"{name}.ticket") or "", expires, step)


def parse(text: str, path: Path, environ: Mapping[str, str], today: datetime.date | None = None) -> TargetFile:
    """The target file, or TargetFileError naming every mistake in it, one per line. Given `today`, a deviation that
    has expired is one (`dpf target check`); a run instead reports such a flow as failed, with the expiry."""
    reader = _Reader(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TargetFileError(f"{path}: {error}") from None
    reader.each(lambda: reader.table(data, "", {"target", "accounts", "flows", "overrides", "deviations", "go_live"}))
    base_url, webhook_url, ca_file, owned = reader.each(lambda: _target(reader, data)) or ("", None, None, False)

    accounts: dict[str, Account] = {}
    for key, spec in (reader.each(lambda: reader.table(data.get("accounts", {}), "accounts", KEYS["accounts"]))
                      or {}).items():
        account = reader.each(lambda: _account(reader, key, spec, environ))
        if account is not None:
            accounts[key] = account
    if "developer" not in (data.get("accounts") or {}):
        reader.problems.append(str(reader.error("accounts.developer", "missing: every flow signs in as the developer")))

    known_flows = catalog.by_id()
    flows: dict[str, Profile] = {}
    for raw_id, spec in (reader.each(lambda: reader.table(data.get("flows", {}), "flows")) or {}).items():
        entry = reader.each(lambda: _flow(reader, raw_id, spec, known_flows))
        if entry is not None:
            flows[entry[0]] = entry[1]

    the_contract = contract()
    overrides = reader.each(lambda: reader.table(data.get("overrides", {}), "overrides", KEYS["overrides"])) or {}
    testids = reader.each(lambda: reader.table(overrides.get("testids", {}), "overrides.testids")) or {}
    routes = reader.each(lambda: reader.table(overrides.get("routes", {}), "overrides.routes")) or {}
    for name, selector in testids.items():
        if name not in the_contract.testids:
            reader.problems.append(str(reader.error(f"overrides.testids.{name}", "the contract names no such test ID")))
        reader.each(lambda: reader.string(selector, f"overrides.testids.{name}"))
    for name, route_path in routes.items():
        if name not in the_contract.routes:
            reader.problems.append(str(reader.error(f"overrides.routes.{name}", "the contract names no such route")))
        elif not isinstance(route_path, str) or not route_path.startswith("/"):
            reader.problems.append(str(reader.error(f"overrides.routes.{name}", "must be a path starting with /")))

    deviations = []
    entries = data.get("deviations", [])
    if not isinstance(entries, list):
        reader.problems.append(str(reader.error("deviations", "must be an array of tables: [[deviations]]")))
        entries = []
    for number, entry in enumerate(entries, 1):
        deviation = reader.each(lambda: _deviation(reader, number, entry, known_flows, today))
        if deviation is not None:
            deviations.append(deviation)

    go_live = None
    if "go_live" in data:
        go_live = reader.each(lambda: _go_live(reader, data["go_live"]))
        if "go_live_admin" not in (data.get("accounts") or {}):
            reader.problems.append(str(reader.error(
                "accounts.go_live_admin", "missing: DPF-34 checks the [go_live] integration as the admin of its "
                                          "organisation")))
    if reader.problems:
        raise TargetFileError("\n".join(reader.problems))
    return TargetFile(path, base_url.rstrip("/"), webhook_url, accounts, flows, dict(testids), dict(routes), deviations,
                      go_live, ca_file, owned)


def _go_live(reader: _Reader, value: Any) -> PartnerIntegration:
    try:
        return integration_from(reader.table(value, "go_live", KEYS["go_live"]))
    except PartnerIntegrationError as error:
        raise reader.error(f"go_live.{error.key}", error.problem) from None


def expiring_soon(target: TargetFile, today: datetime.date, days: int = 14) -> list[Deviation]:
    """Expected deviations that stop being accepted within `days`: warned of before they fail a run."""
    return [d for d in target.deviations if (d.expires - today).days <= days]


def load(path: Path, environ: Mapping[str, str] | None = None, today: datetime.date | None = None) -> TargetFile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TargetFileError(f"{path}: cannot be read ({error.strerror})") from None
    return parse(text, path, os.environ if environ is None else environ, today)


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
