"""Every executable flow has at least three distinct faults among the negative controls that make it fail."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from playbooks.harness.flow_ids import in_file_name
from playbooks.harness.modules import playbook_modules

NEGATIVE = Path(__file__).resolve().parent
MINIMUM_FAULTS = 3


def faults_per_flow() -> Counter[str]:
    """How many negative-control cases each flow's file collects (a parametrised fault counts once per case)."""
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", str(NEGATIVE)],
        cwd=NEGATIVE.parents[1], capture_output=True, text=True, timeout=300,
    )
    assert listed.returncode == 0, listed.stdout + listed.stderr
    counts: Counter[str] = Counter()
    for line in listed.stdout.splitlines():
        file_part = line.split("::", 1)[0]
        if "::" in line and Path(file_part).name.startswith("test_dpf_"):
            flow_id = in_file_name(Path(file_part).name.removeprefix("test_") + "_")
            if flow_id:
                counts[flow_id] += 1
    return counts


def test_every_executable_flow_has_three_faults_or_more():
    counts = faults_per_flow()
    too_few = {m.flow_id: counts[m.flow_id] for m in playbook_modules() if m.executable and counts[m.flow_id] < MINIMUM_FAULTS}
    assert not too_few, f"flows with fewer than {MINIMUM_FAULTS} negative-control faults: {too_few}"
