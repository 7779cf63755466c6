"""How the suite is sorted and scheduled: which tests need a browser, and the longest ones first.

`browser` marks every test that drives Chromium, in this process or in a playbook run it starts: the playbooks,
the negative controls, and the tests marked by hand that run `dpf` or pytest on the playbooks. `scripts/test
--quick` leaves those and the `slow` ones out.

The longest tests go first, so that when the suite runs on several workers none of them starts last and keeps one
worker busy while the others are done. scripts/test runs pytest-xdist's worksteal scheduler, which hands each worker
one contiguous slice of the collection and then lets idle workers take the back half of a busy worker's queue. So
the sorted list is dealt out like cards, one test to each worker in turn: every slice starts with its share of the
long tests, instead of the first slice holding all of them in a row. Within each worker's slice the tests keep
their weight order, and within a weight their collected order.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NEGATIVE_CONTROLS = PROJECT_ROOT / "tests" / "negative"
PLAYBOOKS = PROJECT_ROOT / "playbooks"
BROWSER_FIXTURES = {"browser", "page", "context", "open_page"}


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _needs_browser(item: pytest.Item) -> bool:
    return (
        _under(item.path, NEGATIVE_CONTROLS)
        or _under(item.path, PLAYBOOKS)
        or bool(BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())))
    )


def _weight(item: pytest.Item) -> int:
    """0 runs first: tests of half a minute or more; then the negative controls and other browser runs; then the
    playbooks in this process; then everything else (in-process tests of a second or less)."""
    if item.get_closest_marker("slow") or item.path.name == "test_positive_variants.py":
        return 0
    if _under(item.path, NEGATIVE_CONTROLS) or (item.get_closest_marker("browser") and not _under(item.path, PLAYBOOKS)):
        return 1
    if _under(item.path, PLAYBOOKS):
        return 2
    return 3


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _needs_browser(item) and not item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)


# Last: after -m has deselected, and after pytest has grouped the tests that share a parametrized fixture's value
# (which would scatter this order again); before pytest-xdist sends each worker's collection to the scheduler.
@pytest.hookimpl(trylast=True, specname="pytest_collection_modifyitems")
def pytest_schedule_items(items: list[pytest.Item]) -> None:
    """The order the tests run in: by weight, then dealt to the workers."""
    items.sort(key=_weight)
    items[:] = dealt(items, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


def dealt(items: list[T], workers: int) -> list[T]:
    """The items dealt to `workers` hands in turn, the hands laid end to end: worksteal's equal contiguous slices
    are then the hands."""
    return [item for first in range(workers) for item in items[first::workers]]


@pytest.fixture(autouse=True)
def portals_hash_passwords_at_the_test_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every portal a test here starts, the embedded portal of a `dpf run` or pytest session included, stores
    passwords at argon2's cheapest cost, as the negative controls' and the portal tests' own portals do: at the
    recommended cost each such run spent a second or more of CPU hashing its personas' passwords and sign-ins. The
    playbooks in playbooks/, which the suite runs against the embedded portal, keep the recommended cost, and
    tests/reference_portal/core/test_portal_security.py checks it."""
    monkeypatch.setenv("DPF_PORTAL_PASSWORD_HASHING", "test")
