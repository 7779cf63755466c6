"""The portal contract as data (playbooks/contract.toml): routes, form fields, test IDs, accessible names, secret
formats, API statuses, webhook shapes and promised behaviour. Loaded once, checked on load: an unknown key, a
wrong type or a malformed route is one clear error naming the key, before any browser starts."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

CONTRACT_FILE = "contract.toml"
ROUTE = re.compile(r"(GET|POST) (/[A-Za-z0-9_./<>-]*)")
TESTID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

# Each section: the type its values must have (a table of such values, or one value for the flat keys).
SECTIONS: dict[str, type | dict[str, type]] = {
    "version": str,
    "routes": str,
    "fields": list,
    "testids": str,
    "names": list,
    "secrets": str,
    "ids": {"pattern": str},
    "api": {"error_body": list, "request_id_header": str, "token_errors": dict, "bearer_errors": dict,
            "token_lifetime_seconds": int, "scopes": list},
    "webhooks": {"event_types": list, "headers": list, "signature_scheme": str, "event_body": list,
                 "event_data": dict},
    "promises": {"rotation_grace_seconds": list, "revocation_is_final": bool, "webhook_signature_overlap_seconds": int,
                 "webhook_retry_schedule_seconds": list, "webhook_disabled_after_seconds": int,
                 "inactive_endpoint_gets_nothing": bool, "deleted_endpoint_gets_nothing": bool,
                 "recent_sign_in_seconds": int, "session_bound_to": list},
}
NAME_KINDS = ("headings", "buttons", "links", "labels")


class ContractError(ValueError):
    """The contract file is not what the harness can rely on; the message names the key (and line, where known)."""


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str

    def url(self, **values: object) -> str:
        """The path with its <name> parts filled in: route.url(id=7)."""
        path = self.path
        for key, value in values.items():
            path = path.replace(f"<{key}>", str(value))
        if "<" in path:
            raise ContractError(f"route {self.name!r}: no value for {path[path.index('<'):]}")
        return path

    def matches(self, method: str, path: str) -> bool:
        """Whether a concrete request (GET /app/apps/7) is this route's."""
        return method == self.method and _path_pattern(self.path).fullmatch(path) is not None


@dataclass(frozen=True)
class Contract:
    version: str
    routes: dict[str, Route]
    fields: dict[str, list[str]]
    testids: dict[str, str]
    names: dict[str, list[str]]
    secrets: dict[str, re.Pattern[str]]
    id_pattern: re.Pattern[str]  # what every ID looks like: opaque, compared only for equality
    api: dict[str, Any]
    webhooks: dict[str, Any]
    promises: dict[str, Any]

    def route(self, name: str) -> Route:
        try:
            return self.routes[name]
        except KeyError:
            raise ContractError(f"the contract names no route {name!r}") from None

    def testid(self, name: str) -> str:
        family = name.rsplit("-", 1)[0] if name.startswith("field-error-") else name
        if family not in self.testids and name not in self.testids:
            raise ContractError(f"the contract names no data-testid {name!r}")
        return name

    def is_id(self, value: object) -> bool:
        """Whether a value read from the portal (a data-*-id attribute, a JSON field) is an ID the contract allows."""
        return isinstance(value, str) and self.id_pattern.fullmatch(value) is not None

    def has_path(self, method: str, path: str) -> bool:
        """Whether a concrete request (GET /app/apps/7) is one the contract names."""
        return any(route.matches(method, path) for route in self.routes.values())


def _path_pattern(path: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"<[a-z_]+>", "[^/]+", re.escape(path).replace(r"\<", "<").replace(r"\>", ">")))


def _line_of(text: str, key: str) -> str:
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*\[?{re.escape(key)}\]?\s*(=|$)", line):
            return f" (line {number})"
    return ""


def parse(text: str, *, source: str = CONTRACT_FILE) -> Contract:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ContractError(f"{source}: {error}") from None

    def fail(key: str, problem: str) -> ContractError:
        return ContractError(f"{source}{_line_of(text, key.split('.')[-1])}: {key}: {problem}")

    for key in data:
        if key not in SECTIONS:
            raise fail(key, f"unknown key; the contract has {', '.join(SECTIONS)}")
    for key, expected in SECTIONS.items():
        if key not in data:
            raise fail(key, "missing")
        value = data[key]
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                raise fail(key, "must be a table")
            for inner, inner_type in expected.items():
                if inner not in value:
                    raise fail(f"{key}.{inner}", "missing")
                if not isinstance(value[inner], inner_type):
                    raise fail(f"{key}.{inner}", f"must be a {inner_type.__name__}")
            for inner in value:
                if inner not in expected:
                    raise fail(f"{key}.{inner}", "unknown key")
        elif key == "version":
            if not isinstance(value, str):
                raise fail(key, "must be a string")
        else:
            if not isinstance(value, dict):
                raise fail(key, "must be a table")
            for inner, item in value.items():
                if not isinstance(item, expected):
                    raise fail(f"{key}.{inner}", f"must be a {expected.__name__}")

    routes = {}
    for name, spec in data["routes"].items():
        match = ROUTE.fullmatch(spec)
        if not match:
            raise fail(f"routes.{name}", f"{spec!r} is not 'GET /path' or 'POST /path'")
        routes[name] = Route(name, match.group(1), match.group(2))
    for name in data["testids"]:
        if not TESTID.fullmatch(name):
            raise fail(f"testids.{name}", "a test ID is lower-case words joined by hyphens")
    for kind in data["names"]:
        if kind not in NAME_KINDS:
            raise fail(f"names.{kind}", f"unknown kind; names are {', '.join(NAME_KINDS)}")
    for form in data["fields"]:
        if form not in routes or routes[form].method != "POST":
            raise fail(f"fields.{form}", "a form is named after the POST route that receives it")
    for event_type, fields in data["webhooks"]["event_data"].items():
        if event_type not in data["webhooks"]["event_types"]:
            raise fail(f"webhooks.event_data.{event_type}", "not one of webhooks.event_types")
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise fail(f"webhooks.event_data.{event_type}", "must be a list of field names")
    secrets = {}
    for kind, pattern in data["secrets"].items():
        try:
            secrets[kind] = re.compile(pattern)
        except re.error as error:
            raise fail(f"secrets.{kind}", f"not a regular expression: {error}") from None
    try:
        id_pattern = re.compile(data["ids"]["pattern"])
    except re.error as error:
        raise fail("ids.pattern", f"not a regular expression: {error}") from None
    return Contract(data["version"], routes, data["fields"], data["testids"], data["names"], secrets, id_pattern,
                    data["api"], data["webhooks"], data["promises"])


def load(path: Path | None = None) -> Contract:
    if path is not None:
        return parse(path.read_text(encoding="utf-8"), source=str(path))
    return contract()


@lru_cache(maxsize=1)
def contract() -> Contract:
    """The contract the harness ships with."""
    return parse(resources.files("playbooks").joinpath(CONTRACT_FILE).read_text(encoding="utf-8"))
