"""DPF-27 must fail when the FAQ search ignores its query, lists articles about other things, loses the error-code
anchors or hides "no results"."""

import pytest

from reference_portal.areas import faq

FAULTS = {
    "no-error-code-anchors": ('<p id="{{ code }}"', '<p id="code-{{ code }}"'),
    "no-results-state-missing": ('<div data-testid="faq-no-results">', "<div>"),
}


@pytest.mark.parametrize("old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_the_faq_page_is_wrong(old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-27", start_portal(templates=patched_template("faq/index.html", old, new)))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_the_search_ignores_its_query(start_portal, run_playbook, replace_route_endpoint):
    def ignoring_the_query(request):
        request.query_string = ""
        return faq.index(request)

    outcome = run_playbook("DPF-27", start_portal(routes=replace_route_endpoint("/app/faq", ignoring_the_query)))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_a_search_lists_every_article(monkeypatch, start_portal, run_playbook):
    find = faq.find

    def every_article_the_matching_first(query):
        found = find(query)
        if not found.hits:
            return found
        rest = [hit for hit in find("").hits if hit.article not in [h.article for h in found.hits]]
        return faq.Results([*found.hits, *rest], found.searched, found.unmatched)

    monkeypatch.setattr(faq, "find", every_article_the_matching_first)
    outcome = run_playbook("DPF-27", start_portal())
    assert outcome.outcome == "failed", str(outcome)

