"""The playbook modules, one per flow: which flows are executable and which are still pending."""

from __future__ import annotations

import importlib
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
    found = []
    for info in pkgutil.iter_modules(playbooks.__path__):
        if not MODULE_NAME.match(info.name):
            continue
        module = importlib.import_module(f"playbooks.{info.name}")
        found.append(
            PlaybookModule(
                name=info.name,
                flow_id=getattr(module, "FLOW_ID", ""),
                path=Path(module.__file__ or ""),
                pending=getattr(module, "PENDING", None),
            )
        )
    return tuple(sorted(found, key=lambda m: m.name))


def module_for(flow_id: str) -> PlaybookModule | None:
    return next((m for m in playbook_modules() if m.flow_id == flow_id), None)
