"""Points in time a page shows where the contract promises a machine-readable one: a <time datetime="..."> (ISO 8601)
that the element is or holds. Read as seconds since the epoch, to compare with what the harness itself timed."""

from __future__ import annotations

from datetime import datetime, timezone

from playwright.sync_api import Locator

_DATETIME = """element => {
  const time = element.matches("time[datetime]") ? element : element.querySelector("time[datetime]");
  return time ? time.getAttribute("datetime") : null;
}"""


def shown_time(element: Locator) -> float | None:
    """The time a `<time datetime>` the element is or holds stands for (seconds since the epoch; a datetime without
    a zone is UTC), or None when it holds none."""
    value = element.evaluate(_DATETIME)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as unreadable:
        raise AssertionError(f"<time datetime={value!r}> is not an ISO 8601 time") from unreadable
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
