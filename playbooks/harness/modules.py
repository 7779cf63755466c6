"""The playbook modules, one per flow: which flows are executable and which are still pending."""

from __future__ import annotations

import ast
import pkgutil
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import playbooks

MODULE_NAME = re.compile(r"^dpf_\d{2}_[a-z0-9_]+$")


@dataclass(frozen=True)
class PlaybookModule:
    name: str
    flow_id: str
    path: Path
    pending: str | None  # why it is not executable yet, or None when it is

    @property
    def executable(self) -> bool:
        return self.pending is None


@lru_cache(maxsize=1)
def playbook_modules() -> tuple[PlaybookModule, ...]:
    """Read from the files, not imported: `dpf` asks before pytest starts, and a playbook imported then would import
    the harness's fixtures before pytest could rewrite their asserts (and warn about each)."""
    found = []
    for info in pkgutil.iter_modules(playbooks.__path__):
        if not MODULE_NAME.match(info.name):
            continue
        path = Path(playbooks.__path__[0]) / f"{info.name}.py"
        constants = _module_constants(path)
        found.append(PlaybookModule(info.name, str(constants.get("FLOW_ID", "")), path, constants.get("PENDING")))
    return tuple(sorted(found, key=lambda m: m.name))


def _module_constants(path: Path) -> dict[str, str]:
    """The module-level `NAME = "text"` assignments of a module's source."""
    constants = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value.value
    return constants


def module_for(flow_id: str) -> PlaybookModule | None:
    return next((m for m in playbook_modules() if m.flow_id == flow_id), None)


def names_persona(module: PlaybookModule, key: str) -> bool:
    """Whether the playbook signs in as the persona: its fixtures and lookups use the persona's key."""
    return re.search(rf"\b{re.escape(key)}\b", module.path.read_text(encoding="utf-8")) is not None
