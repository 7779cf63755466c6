"""The route table as data, and the few lines that match a request against it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable

from .errors import MethodNotAllowed, NotFound
from .ids import KINDS, PublicIds
from .numbers import whole_number


class Access(Enum):
    """Who may reach a route. Checked once, centrally, before any handler runs."""

    PUBLIC = "public"
    DEVELOPER = "developer"
    OPERATOR = "operator"


# <name> is any text, <int:name> a number, <app:name> (any kind in core/ids.py) a public ID of that kind.
_PARAM = re.compile(r"<(?:([a-z]+):)?([a-z_]+)>")
INTEGER_IDS = PublicIds()


def _compile(pattern: str) -> re.Pattern[str]:
    regex, pos = "", 0
    for match in _PARAM.finditer(pattern):
        regex += re.escape(pattern[pos : match.start()])
        converter, name = match.groups()
        if converter not in (None, "int", *KINDS):
            raise ValueError(f"{pattern}: no converter {converter!r}")
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
    converters: dict[str, str | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", _compile(self.pattern))
        object.__setattr__(self, "converters", {m.group(2): m.group(1) for m in _PARAM.finditer(self.pattern)})

    def match(self, path: str, ids: PublicIds | None = None) -> dict[str, str | int] | None:
        """The path values, or None when the path is not this rule's (a public ID the portal did not render included)."""
        found = self.regex.match(path)
        if not found:
            return None
        params: dict[str, str | int] = {}
        for name, value in found.groupdict().items():
            kind = self.converters[name]
            if kind is None:
                params[name] = value
            elif kind == "int":
                number = whole_number(value)
                if number is None:
                    return None
                params[name] = number
            else:
                number = (ids or INTEGER_IDS).decode(kind, value)
                if number is None:
                    return None
                params[name] = number
        return params


class Router:
    def __init__(self, rules: list[Rule], ids: PublicIds | None = None):
        self.rules = rules
        self.ids = ids or INTEGER_IDS

    def match(self, method: str, path: str) -> tuple[Rule, dict[str, str | int]]:
        allowed: list[str] = []
        for rule in self.rules:
            params = rule.match(path, self.ids)
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
