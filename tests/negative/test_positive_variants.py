"""Benign variants: the reference portal changed in ways the contract allows, and every executable flow must still
pass. They guard against false fails: a harness that relies on more than the contract fails a correct portal.

This is also the positive control of every negative control: the same portal factory (start_portal), the same
playbook runner, evidence mode and shortened timeouts, with no fault injected, under the same load. A flow failing a
control is failing the fault, since it passes here. (A separate run against the unchanged portal was dropped as a
subset of this one: it cost a sixteenth of the suite's CPU. Opaque IDs are one of the variants; the integer IDs of
the unchanged portal are the contract's ID pattern too, and the dpf runs of tests/playbooks use them.)

The variants live in tests/negative/variants/, one module per area, each naming the flows that meet it. All of them
are applied to one portal at once, and every flow runs against it (in two halves, side by side); to narrow a failure
down, run the flow against the variants named in DPF_VARIANTS (comma-separated), and only the flows in
DPF_VARIANT_FLOWS."""

from __future__ import annotations

import os
from collections import Counter

import pytest

from playbooks.harness import catalog
from playbooks.harness.modules import playbook_modules

from .variants import all_variants, chosen_variants, combined_config, combined_routes, combined_templates, wrapped

MIN_VARIANTS_PER_FLOW = 3


def test_every_flow_meets_at_least_three_contract_keeping_differences():
    met = Counter(flow_id for variant in all_variants() for flow_id in set(variant.flows))
    known = {flow.id for flow in catalog.flows()}
    assert set(met) <= known, f"variants name flows that do not exist: {set(met) - known}"
    # the two that touch every page (a slow server, another layout) do not count towards a flow's own differences
    own = Counter(flow_id for v in all_variants() if set(v.flows) != known for flow_id in set(v.flows))
    short = {flow_id: own[flow_id] for flow_id in sorted(known) if own[flow_id] < MIN_VARIANTS_PER_FLOW}
    assert not short, f"flows meeting fewer than {MIN_VARIANTS_PER_FLOW} differences in their own pages: {short}"


# The flows in two interleaved halves, each on a variant portal of its own: on the suite's workers they run side by side.
PARTS = 2


@pytest.mark.parametrize("part", range(PARTS), ids=[f"part-{n + 1}-of-{PARTS}" for n in range(PARTS)])
def test_every_flow_passes_a_portal_that_differs_only_where_the_contract_allows(
    monkeypatch, start_portal, run_playbooks, part
):
    variants = chosen_variants()
    for variant in variants:
        for owner, attribute, value in variant.patches:
            monkeypatch.setattr(owner, attribute, value)
    portal = start_portal(
        routes=combined_routes(variants),
        templates=combined_templates(variants),
        config=combined_config(variants),
        middleware=lambda app: wrapped(app, variants),
    )
    flow_ids = [module.flow_id for module in playbook_modules() if module.executable][part::PARTS]
    if os.environ.get("DPF_VARIANT_FLOWS"):  # narrowing a failure down: only these flows
        flow_ids = [flow_id for flow_id in flow_ids if flow_id in os.environ["DPF_VARIANT_FLOWS"].split(",")]
    outcomes = run_playbooks(flow_ids, portal)
    failed = {flow_id: str(outcomes[flow_id]) for flow_id in flow_ids if outcomes[flow_id].outcome != "passed"}
    assert not failed, "flows failed a portal that keeps the contract:\n" + "\n\n".join(failed.values())
