"""DPF-04 must fail when a quick link is missing, points elsewhere, or opens a broken page."""

import pytest

from reference_portal.areas import dashboard
from reference_portal.areas.dashboard import QUICK_LINKS
from reference_portal.areas.navigation import QuickLink

WITHOUT_SANDBOX = tuple(link for link in QUICK_LINKS if link.name != "Sandbox")
DOCS_TO_APPS = tuple(QuickLink(l.name, "/app/apps", l.summary) if l.name == "Docs" else l for l in QUICK_LINKS)


@pytest.mark.parametrize("links", [WITHOUT_SANDBOX, DOCS_TO_APPS], ids=["sandbox-missing", "docs-points-to-apps"])
def test_fails_when_quick_links_are_wrong(links, monkeypatch, start_portal, run_playbook):
    monkeypatch.setattr(dashboard, "QUICK_LINKS", links)
    outcome = run_playbook("DPF-04", start_portal())
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_a_linked_page_is_broken(start_portal, run_playbook, replace_route_endpoint):
    def broken(request):
        raise RuntimeError("injected fault")

    outcome = run_playbook("DPF-04", start_portal(routes=replace_route_endpoint("/app/keys", broken)))
    assert outcome.outcome == "failed", str(outcome)
