"""History per target and per kind of run: a single-flow run never touches the nightly's history, and a run against
one portal never mixes with runs against another. Each history file is Allure 3's own (`historyPath`); the
report is generated with a copy of allurerc.json that points at the right one."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Sequence
from urllib.parse import urlsplit

from playbooks.harness.flow_ids import normalise

EMBEDDED = "embedded"


def target_key(base_url: str | None) -> str:
    """`embedded`, or the portal's host and port as a file name: `developers.partner.example`, `127.0.0.1-8000`."""
    if not base_url:
        return EMBEDDED
    parts = urlsplit(base_url)
    key = (parts.hostname or "unknown") + (f"-{parts.port}" if parts.port else "")
    if parts.path.strip("/"):
        key += "-" + parts.path.strip("/")
    return re.sub(r"[^A-Za-z0-9.-]+", "-", key).strip("-") or "unknown"


def run_kind(ids: Sequence[str], groups: Sequence[str]) -> str:
    """`all` for every executable flow (the nightly), else the selection: `group-A-C`, `flows-03-12`."""
    if not ids and not groups:
        return "all"
    kind = "-".join(filter(None, [
        "group-" + "-".join(sorted(set(groups))) if groups else "",
        "flows-" + "-".join(sorted({normalise(part)[-2:] for i in ids for part in i.split(",") if part.strip()}))
        if ids else "",
    ]))
    if len(kind) > 60:
        kind = kind[:40] + "-" + hashlib.sha256(kind.encode()).hexdigest()[:12]
    return kind


def history_path(reports: Path, target: str, kind: str) -> Path:
    return reports / "history" / target / f"{kind}.jsonl"


def report_config(project_config: Path, out: Path, history: Path, categories: list[dict[str, object]]) -> Path:
    """allurerc.json with this run's history file and the harness's categories, written beside the results."""
    config = json.loads(project_config.read_text(encoding="utf-8"))
    config["historyPath"] = str(history.resolve())
    config["categories"] = {"rules": categories}
    history.parent.mkdir(parents=True, exist_ok=True)
    path = out / "allurerc.generated.json"
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


def tag_last_entry(history: Path, target: str, kind: str) -> None:
    """Each history entry records the target and kind of run it belongs to."""
    if not history.exists():
        return
    lines = history.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[-1].strip():
        return
    entry = json.loads(lines[-1])
    if "dpf" in entry:
        return
    entry["dpf"] = {"target": target, "kind": kind}
    lines[-1] = json.dumps(entry)
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")
