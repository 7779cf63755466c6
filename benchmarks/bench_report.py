"""reports/bench.json: each benchmark writes its own section, with the machine, versions and date it ran on."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

REPORTS = Path(os.environ.get("DPF_REPORTS_DIR", Path(__file__).resolve().parents[1] / "reports"))


def machine() -> dict[str, Any]:
    with open("/proc/meminfo") as meminfo:
        memory_kib = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal:")))
    return {"cpus": os.cpu_count(), "memory_gib": round(memory_kib / 1024 / 1024, 1),
            "platform": platform.platform(), "python": sys.version.split()[0]}


def versions(*packages: str) -> dict[str, str]:
    return {package: metadata.version(package) for package in packages}


def write_section(name: str, figures: dict[str, Any], *, packages: tuple[str, ...] = ()) -> Path:
    """Replace one benchmark's section of reports/bench.json, keeping the others."""
    path = REPORTS / "bench.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        report = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        report = {}
    report[name] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions("dpf-harness", *packages),
        "figures": figures,
    }
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path
