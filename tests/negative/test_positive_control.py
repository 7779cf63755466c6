"""The positive control: the same out-of-process runs pass against a healthy portal, so a failure beside it is the fault's."""

from playbooks.harness.modules import playbook_modules


def test_every_executable_playbook_passes_against_a_healthy_portal(start_portal, run_playbooks):
    portal = start_portal()
    flow_ids = [m.flow_id for m in playbook_modules() if m.executable]
    outcomes = run_playbooks(flow_ids, portal)
    for flow_id in flow_ids:
        assert outcomes[flow_id].outcome == "passed", str(outcomes[flow_id])
