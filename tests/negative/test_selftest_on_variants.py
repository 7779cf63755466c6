"""`dpf selftest` in front of the benign variants: a portal that keeps the contract but differs in wording, markup,
IDs and menus must get the same score as the reference portal. A fault missed there but caught on the reference
portal would be a fault rule (or a flow) leaning on our own markup.

The suite plays the faults of two light flows that read markup (names, links and forms, a field, shown text, a data
attribute); `scripts/selftest --variants` plays every fault of every flow (DPF_SELFTEST_ALL=1)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from playbooks.harness.cli import PROJECT_ROOT
from playbooks.harness.faults import load_faults

from .conftest import playbook_env
from .variants import chosen_variants, combined_config, combined_routes, combined_templates, wrapped

# Light flows, and faults of theirs that between them cover the kinds that read markup (None: all the flow's faults)
IN_THE_SUITE = {"DPF-03": None, "DPF-07": "application-status-shown-wrong,application-listed-under-another-name"}
EVERY_FLOW = sorted({flow_id for fault in load_faults() for flow_id in fault.flows})
FLOWS = EVERY_FLOW if os.environ.get("DPF_SELFTEST_ALL") == "1" else list(IN_THE_SUITE)


@pytest.mark.browser
@pytest.mark.parametrize("flow_id", FLOWS)
def test_the_selftest_catches_every_fault_in_front_of_a_portal_unlike_ours(monkeypatch, start_portal, flow_id):
    variants = chosen_variants()
    for variant in variants:
        for owner, attribute, value in variant.patches:
            monkeypatch.setattr(owner, attribute, value)
    portal = start_portal(routes=combined_routes(variants), templates=combined_templates(variants),
                          config=combined_config(variants), middleware=lambda app: wrapped(app, variants))
    chosen = None if os.environ.get("DPF_SELFTEST_ALL") == "1" else IN_THE_SUITE[flow_id]
    done = subprocess.run([sys.executable, "-m", "playbooks.harness.cli", "selftest", flow_id, "--workers", "1",
                           "--base-url", portal.url, "--i-own-this-target", *(["--faults", chosen] if chosen else [])],
                          cwd=PROJECT_ROOT, env=playbook_env(), capture_output=True, text=True, timeout=1200)
    listed = chosen.split(",") if chosen else [fault.name for fault in load_faults() if flow_id in fault.flows]
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert f"score: {len(listed)} of {len(listed)} judged faults caught" in done.stdout, done.stdout
