"""Bounded reloads for what a portal records a moment later (playbooks/harness/polling.py)."""

from __future__ import annotations

import time

import pytest

from playbooks.harness.polling import POLL_TIMEOUT_MS, reload_until


class Page:
    def __init__(self, holds_after: float) -> None:
        self.loads = 0
        self.holds_after = holds_after  # loads

    def reload(self) -> None:
        self.loads += 1


def check_of(page: Page, waits: list[float | None]):
    def check(timeout: float | None) -> None:
        waits.append(timeout)
        assert page.loads >= page.holds_after, f"not recorded after {page.loads} loads"

    return check


def test_the_page_is_reloaded_until_the_check_holds_and_no_more():
    page, waits = Page(holds_after=3), []
    reload_until(page, check_of(page, waits), within=5)  # type: ignore[arg-type]
    assert page.loads == 3
    assert waits == [POLL_TIMEOUT_MS] * 4, "each look waits briefly; none waits the run's whole check timeout"


def test_a_check_that_never_holds_fails_with_its_own_message_once_the_time_is_up():
    page, waits = Page(holds_after=float("inf")), []
    started = time.monotonic()
    with pytest.raises(AssertionError, match="not recorded after"):
        reload_until(page, check_of(page, waits), within=0.2)  # type: ignore[arg-type]
    waited = time.monotonic() - started
    assert 0.2 <= waited < 5, f"waited {waited:.2f} s: the wait lasts `within`, not a number of reloads"
    assert page.loads >= 1 and waits[-1] is None, "the last look is the run's own check, with its own timeout"


def test_another_way_of_loading_the_page_is_used_instead_of_reloading():
    page, loaded = Page(holds_after=float("inf")), []

    def check(timeout: float | None) -> None:
        assert len(loaded) >= 2

    reload_until(page, check, within=5, reload=lambda: loaded.append("/app/usage"))  # type: ignore[arg-type]
    assert loaded == ["/app/usage", "/app/usage"] and page.loads == 0
