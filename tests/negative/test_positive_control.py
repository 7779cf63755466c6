"""The positive control: the same out-of-process runs pass against a healthy portal, so a failure beside it is the fault's."""

import pytest

from playbooks.harness.modules import playbook_modules

# The flows in two interleaved halves, each run on a portal of its own: on the suite's workers they run side by side.
PARTS = 2


@pytest.mark.parametrize("part", range(PARTS), ids=[f"part-{n + 1}-of-{PARTS}" for n in range(PARTS)])
def test_every_executable_playbook_passes_against_a_healthy_portal(start_portal, run_playbooks, part):
    portal = start_portal()
    flow_ids = [m.flow_id for m in playbook_modules() if m.executable][part::PARTS]
    outcomes = run_playbooks(flow_ids, portal)
    for flow_id in flow_ids:
        assert outcomes[flow_id].outcome == "passed", str(outcomes[flow_id])
