"""For the tests of the portal's own layers and pages; the scaffold they share with api/ and webhooks/ is in the
conftest one folder up."""

from __future__ import annotations

from typing import Callable

import pytest

from reference_portal import Portal


@pytest.fixture
def session_rows(portal: Portal) -> Callable[[], list[dict[str, object]]]:
    """session_rows(): every row of the sessions table of `portal`, as dicts."""
    return lambda: [dict(row) for row in portal.db.query("SELECT * FROM sessions")]
