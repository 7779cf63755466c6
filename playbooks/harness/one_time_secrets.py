"""A secret shown once stays shown once: the page that showed it may not be stored (`Cache-Control: no-store`, read
from the answer the browser got), and going back, or on to the pages a person goes to next (the list, the item's
details), shows it nowhere. The same check for every flow that shows a secret."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response

from playbooks.harness.pages import settled_html

if TYPE_CHECKING:
    from playwright._impl._sync_base import EventContextManager


def secret_page(page: Page) -> "EventContextManager[Response]":
    """`with secret_page(page) as shown:` around the action that shows a secret; `shown.value` is then the answer
    of the page the browser ended up on (after any redirect)."""
    return page.expect_response(
        lambda r: r.request.is_navigation_request() and r.frame == page.main_frame and not 300 <= r.status < 400
    )


def assert_shown_once(page: Page, shown: Response, secret: str, next_pages: Sequence[str]) -> None:
    """The page that showed `secret` (its answer: `shown`) may not be stored, and neither the browser's back button
    (from where the flow is now) nor any of `next_pages` (paths) shows the secret again."""
    assert secret, "no secret to look for"
    cache_control = (shown.headers.get("cache-control") or "").lower()
    assert "no-store" in cache_control, (
        f"the page that shows a secret once ({shown.request.method} {shown.url}) may be stored: Cache-Control "
        f"{cache_control or 'missing'!r}, not no-store")
    try:
        page.go_back()
    except PlaywrightError as error:  # the browser may not show it again at all: the answer was not stored
        assert "ERR_CACHE_MISS" in str(error), f"going back failed: {error}"
    assert secret not in settled_html(page), "going back shows the secret again"
    for path in next_pages:
        page.goto(path)
        assert secret not in page.content(), f"{path} shows the secret again"
