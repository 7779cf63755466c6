"""The 34 developer-portal flows, read from the specification text in spec/developer-flows.txt."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from playbooks.harness.flow_ids import normalise as normalise_id

SPEC_FILE = "developer-flows.txt"

_GROUP = re.compile(r"^([A-H])\. (.+)$")
_FLOW = re.compile(r"^(DPF-\d{2}) (.+)$")
_ROUTE = re.compile(r"^Route(?: chain)?: (.+)$")
_STEP = re.compile(r"^\s+(\d+)\. (.+)$")
_EXPECTED = re.compile(r"^Expected result: (.+)$")


@dataclass(frozen=True)
class Group:
    letter: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.letter}. {self.name}"


@dataclass(frozen=True)
class Flow:
    id: str
    title: str
    group: Group
    route: str  # as the specification writes it, e.g. "/login -> /app"; empty where it names none
    steps: tuple[str, ...]
    expected_result: str

    @property
    def number(self) -> int:
        return int(self.id.split("-")[1])

    @property
    def routes(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.route.split("->") if part.strip().startswith("/"))

    def step_title(self, index: int) -> str:
        return f"{index + 1}. {self.steps[index]}"

    @property
    def expected_title(self) -> str:
        return f"Expected result: {self.expected_result}"


class CatalogError(ValueError):
    pass


def parse(text: str) -> tuple[Flow, ...]:
    flows: list[Flow] = []
    group: Group | None = None
    current: dict[str, object] | None = None

    def close() -> None:
        if current is None:
            return
        if not current["steps"] or not current["expected_result"]:
            raise CatalogError(f"{current['id']} has no steps or no expected result")
        flows.append(Flow(**current))  # type: ignore[arg-type]

    for line in text.splitlines():
        if match := _GROUP.match(line):
            group = Group(*match.groups())
        elif match := _FLOW.match(line):
            close()
            if group is None:
                raise CatalogError(f"{match.group(1)} comes before any group")
            current = {"id": match.group(1), "title": match.group(2).strip(), "group": group, "route": "",
                       "steps": (), "expected_result": ""}
        elif current is None:
            continue
        elif match := _ROUTE.match(line):
            current["route"] = match.group(1).strip()
        elif match := _STEP.match(line):
            steps = current["steps"]
            assert isinstance(steps, tuple)
            if int(match.group(1)) != len(steps) + 1:
                raise CatalogError(f"{current['id']} step {match.group(1)} is out of order")
            current["steps"] = (*steps, match.group(2).strip())
        elif match := _EXPECTED.match(line):
            current["expected_result"] = match.group(1).strip()
    close()
    return tuple(flows)


@lru_cache(maxsize=1)
def flows() -> tuple[Flow, ...]:
    return parse(resources.files("playbooks").joinpath("spec").joinpath(SPEC_FILE).read_text(encoding="utf-8"))


def by_id() -> dict[str, Flow]:
    return {flow.id: flow for flow in flows()}


def groups() -> tuple[Group, ...]:
    return tuple(dict.fromkeys(flow.group for flow in flows()))


def get(flow_id: str) -> Flow:
    normalised = normalise_id(flow_id)
    try:
        return by_id()[normalised]
    except KeyError:
        raise CatalogError(unknown_id_message(flow_id)) from None




def unknown_id_message(flow_id: str) -> str:
    ids = [flow.id for flow in flows()]
    return f"unknown flow ID {flow_id!r}; valid IDs are {ids[0]} to {ids[-1]}: {', '.join(ids)}"
