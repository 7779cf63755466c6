"""Bounded waits for what a portal records a moment after the harness has seen it happen (a delivery's answer, an
alert evaluated when usage is shown): the page is reloaded until a check holds, for at most the run's delivery
timeout, so a flow that fails does so within its timeouts, however slow or fast the portal's pages are."""

from __future__ import annotations

import time
from typing import Callable

from playwright.sync_api import Page

POLL_TIMEOUT_MS = 1000  # how long each look at the page waits before the page is loaded again

Check = Callable[[float | None], None]  # raises AssertionError unless it holds; waits up to its argument in ms


def reload_until(page: Page, check: Check, *, within: float, reload: Callable[[], object] | None = None) -> None:
    """Run `check` on the page, reloading it (or calling `reload`) until it holds or `within` seconds have gone by;
    then once more with the run's own check timeout, whose failure is then the flow's."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            check(POLL_TIMEOUT_MS)
            return
        except AssertionError:
            (reload or page.reload)()
    check(None)
