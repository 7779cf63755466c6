"""How a control reads a playbook run's result: a flow that broke on its own code has not caught the fault."""

from __future__ import annotations

import pytest

from playbooks.harness.verdicts import broke_on_its_own_code, raised


@pytest.mark.parametrize("message, exception", [
    ("AttributeError: 'WebhookInbox' object has no attribute 'timeout'", "AttributeError"),
    ("AssertionError: button \"Revoke\" is not on the page", "AssertionError"),
    ("playwright._impl._errors.TimeoutError: Locator.click: Timeout 2500ms exceeded.", "TimeoutError"),
    ("fixtures.portal.PortalContractError: expected one data-testid='secret'", "PortalContractError"),
    ("the endpoint answered 500: see the log", ""),
])
def test_the_exception_is_read_from_the_head_of_the_message(message, exception):
    assert raised(message) == exception


def test_only_mistakes_in_the_playbooks_own_code_count_as_a_crash():
    for exception in ("AttributeError", "NameError", "TypeError"):
        assert broke_on_its_own_code(f"{exception}: something"), exception
    for exception in ("AssertionError", "TimeoutError", "PortalContractError", "KeyError"):
        assert not broke_on_its_own_code(f"{exception}: something"), exception
