"""Reading the machine time a page element shows."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from playbooks.harness.shown_times import shown_time


class Element:
    """What shown_time asks of a Locator: the `datetime` of the <time> it is or holds."""

    def __init__(self, datetime_attribute: str | None):
        self.datetime_attribute = datetime_attribute

    def evaluate(self, script: str) -> str | None:
        return self.datetime_attribute


def test_an_iso_time_with_its_zone_is_read_as_that_moment():
    expected = datetime(2026, 12, 7, 6, 30, 5, tzinfo=timezone.utc).timestamp()
    assert shown_time(Element("2026-12-07T06:30:05Z")) == expected
    assert shown_time(Element("2026-12-07T07:30:05+01:00")) == expected


def test_a_time_without_a_zone_is_utc():
    assert shown_time(Element("2026-12-07T06:30:05")) == datetime(2026, 12, 7, 6, 30, 5, tzinfo=timezone.utc).timestamp()


def test_no_time_element_is_none_and_an_unreadable_one_fails():
    assert shown_time(Element(None)) is None
    with pytest.raises(AssertionError, match="not an ISO 8601 time"):
        shown_time(Element("tomorrow"))
