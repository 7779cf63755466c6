"""The route table as data, and the few lines that match a request against it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable

from .errors import MethodNotAllowed, NotFound


class Access(Enum):
    """Who may reach a route. Checked once, centrally, before any handler runs."""

    PUBLIC = "public"
    DEVELOPER = "developer"
    OPERATOR = "operator"


_PARAM = re.compile(r"<(?:(int):)?([a-z_]+)>")


def _compile(pattern: str) -> re.Pattern[str]:
    regex, pos = "", 0
    for match in _PARAM.finditer(pattern):
        regex += re.escape(pattern[pos : match.start()])
        converter, name = match.groups()
        # At most 18 digits: every such number fits SQLite's 64-bit integers; a longer one is no page (404).
        regex += f"(?P<{name}>[0-9]{{1,18}})" if converter == "int" else f"(?P<{name}>[^/]+)"
        pos = match.end()
    regex += re.escape(pattern[pos:])
    return re.compile(f"^{regex}$")


@dataclass(frozen=True)
class Rule:
    method: str
    pattern: str
    endpoint: Callable[..., object]
    access: Access = Access.PUBLIC
    csrf: bool = True
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", _compile(self.pattern))

    def match(self, path: str) -> dict[str, str | int] | None:
        found = self.regex.match(path)
        if not found:
            return None
        params: dict[str, str | int] = {}
        for name, value in found.groupdict().items():
            params[name] = int(value) if f"<int:{name}>" in self.pattern else value
        return params


class Router:
    def __init__(self, rules: list[Rule]):
        self.rules = rules

    def match(self, method: str, path: str) -> tuple[Rule, dict[str, str | int]]:
        allowed: list[str] = []
        for rule in self.rules:
            params = rule.match(path)
            if params is None:
                continue
            if rule.method == method or (method == "HEAD" and rule.method == "GET"):
                return rule, params
            allowed.append(rule.method)
        if allowed:
            if "GET" in allowed:
                allowed.append("HEAD")
            raise MethodNotAllowed(allowed)
        raise NotFound()
