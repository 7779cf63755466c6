"""Clean-up never depends on an ID's shape: a flow that FAILS after making applications, webhook endpoints and
sandbox credentials on a portal whose IDs are opaque strings (app_1f3a9c0d2e) still leaves nothing of its own
behind. The portal's database is read directly, so a page that hid a leftover would not hide it here."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from reference_portal.serve import RunningPortal

OPAQUE = {"public_ids": "opaque"}


def leftovers(portal: RunningPortal) -> dict[str, list[str]]:
    db = portal.app.db
    return {
        "applications": [r["name"] for r in db.query("SELECT name FROM applications WHERE name LIKE 'dpf-%'")],
        "sandbox credentials": [r["name"] for r in db.query("SELECT name FROM sandbox_accounts WHERE name LIKE 'dpf-%'")],
        "webhook endpoints": [r["url"] for r in db.query("SELECT url FROM webhook_endpoints")],
    }


class Creations:
    """A middleware noting each successful create (a POST to a create route answered 200): what shows the flow made
    something, so that nothing left behind means clean-up worked."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def __call__(self, app: Any) -> Any:
        def noting(environ: dict[str, Any], start_response: Any) -> Any:
            path = environ.get("PATH_INFO", "")

            def start(status: str, headers: Any, *error: Any) -> Any:
                if environ["REQUEST_METHOD"] == "POST" and path in CREATE_PATHS and status.startswith("200"):
                    self.seen[path] += 1
                return start_response(status, headers, *error)

            return app(environ, start)

        return noting


CREATE_PATHS = ("/app/apps", "/app/sandbox", "/app/webhooks")
FAILING_AFTER_MAKING = {
    # DPF-32 makes an application and a webhook endpoint, then finds its call missing from usage.
    "DPF-32": (("usage/index.html", "{% for c in calls %}", "{% for c in calls[1:] %}"), {"/app/apps", "/app/webhooks"}),
    # DPF-17 makes a sandbox credential, then finds another merchant shown.
    "DPF-17": (("sandbox/created.html", 'data-testid="sandbox-merchant-id">{{ merchant_id }}',
                'data-testid="sandbox-merchant-id">mer_test_0000000000000000'), {"/app/sandbox"}),
}


@pytest.mark.parametrize("flow_id", FAILING_AFTER_MAKING)
def test_a_failed_flow_leaves_nothing_behind_on_a_portal_with_opaque_ids(flow_id, start_portal, run_playbook,
                                                                         patched_template):
    fault, makes = FAILING_AFTER_MAKING[flow_id]
    creations = Creations()
    portal = start_portal(config=OPAQUE, templates=patched_template(*fault), middleware=creations)
    outcome = run_playbook(flow_id, portal)
    assert outcome.outcome == "failed", str(outcome)
    assert makes <= set(creations.seen), f"{flow_id} made only {dict(creations.seen)} before it failed"
    assert leftovers(portal) == {"applications": [], "sandbox credentials": [], "webhook endpoints": []}, str(outcome)
