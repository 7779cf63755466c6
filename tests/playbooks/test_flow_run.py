"""The flow fixture keeps a playbook honest: its steps in catalog order, then its expected result."""

import pytest

from fixtures.flow import FlowRun, PlaybookError
from playbooks.harness import catalog


def run() -> FlowRun:
    return FlowRun(catalog.get("DPF-03"))


def test_steps_in_catalog_order_then_the_expected_result():
    flow = run()
    with flow.step("Open root route."):
        pass
    with flow.step("Use Get Started to continue to login."):
        pass
    with flow.expected_result("landing and login handoff is smooth."):
        pass
    assert flow.expected_result_checked


def test_a_step_not_in_the_catalog_is_refused():
    with pytest.raises(PlaybookError, match="step 1 is 'Open root route.'"):
        with run().step("Open the home page."):
            pass


def test_steps_out_of_order_are_refused():
    with pytest.raises(PlaybookError):
        with run().step("Use Get Started to continue to login."):
            pass


def test_the_expected_result_cannot_come_before_the_steps():
    with pytest.raises(PlaybookError, match="after 0 of its steps"):
        with run().expected_result("landing and login handoff is smooth."):
            pass


def test_a_failed_expected_result_is_not_counted_as_checked():
    flow = run()
    for step in flow.flow.steps:
        with flow.step(step):
            pass
    with pytest.raises(AssertionError):
        with flow.expected_result("landing and login handoff is smooth."):
            raise AssertionError("the handoff did not happen")
    assert not flow.expected_result_checked
