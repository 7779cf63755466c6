"""DPF-27 FAQ knowledge base: the flow makes the API fail (a wrong client secret, an unknown token), then searches the
FAQ for the error codes the API answered and for rate-limit and webhook topics; each search puts the right article
first, and each error code is an anchor inside its article.

Faults of a broken portal this flow must catch:
- a search that ignores its query (the same articles whatever is asked) or drops it from the URL;
- an article without the anchor of the error code it explains;
- a query nothing matches that shows articles anyway, or no clear "no results" state.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import list_payments, request_token
from playbooks.harness.contract import contract
from playbooks.harness.usage_calls import UNKNOWN_TOKEN

FLOW_ID = "DPF-27"
API = contract().api
WEBHOOK_SIGNATURE = contract().webhooks["headers"][2]  # webhook-signature
RATE_LIMITED = next(code for code, status in API["bearer_errors"].items() if status == 429)


@pytest.mark.dpf(FLOW_ID)
def test_faq_knowledge_base(flow, open_page, developer, applications, api):
    app = applications.create()
    wrong_secret = request_token(api, app.client_id, "cs_test_" + "0" * 43)
    assert wrong_secret.status_code == 401, f"a wrong client secret answered HTTP {wrong_secret.status_code}"
    unknown_token = list_payments(api, UNKNOWN_TOKEN)
    assert unknown_token.status_code == 401, f"an unknown token answered HTTP {unknown_token.status_code}"
    codes = [wrong_secret.json()["error"], unknown_token.json()["error"]]
    page = open_page(developer)
    articles = page.get_by_test_id("faq-article")
    box = page.get_by_role("searchbox")
    found: dict[str, tuple[str, str, int]] = {}

    def search(words: str) -> None:
        box.fill(words)
        box.press("Enter")
        expect(page).to_have_url(re.compile(r"[?&]q="))
        first = articles.first
        found[words] = (first.get_attribute("data-codes") or "", first.inner_text() if articles.count() else "",
                        articles.count())

    with flow.step("Open FAQ page."):
        response = page.goto("/app/faq")
        assert response is not None and response.status == 200, f"/app/faq answered HTTP {response and response.status}"
        expect(page.get_by_role("heading", level=1, name="FAQ", exact=True)).to_be_visible()
        everything = articles.count()
        assert everything >= 3, f"the FAQ has {everything} articles"

    with flow.step("Search for auth/rate-limit/webhook topics."):
        for code in codes:
            search(code)
        search("rate limit")
        search(WEBHOOK_SIGNATURE)
        box.fill("zzqx nothing matches this")
        box.press("Enter")
        expect(page.get_by_test_id("faq-no-results")).to_be_visible()
        nothing = articles.count()

    with flow.expected_result("FAQ accelerates self-service troubleshooting."):
        for code in codes:
            shown_codes, _, count = found[code]
            assert code in shown_codes.split(), f"searching {code!r} first finds an article about {shown_codes!r}"
            assert count < everything, f"searching {code!r} shows every article: the query is ignored"
            page.goto(f"/app/faq#{code}")
            expect(page.locator(f'[data-testid="faq-article"] [id="{code}"]')).to_have_count(1)
        assert RATE_LIMITED in found["rate limit"][0].split(), f"'rate limit' first finds {found['rate limit'][0]!r}"
        assert WEBHOOK_SIGNATURE in found[WEBHOOK_SIGNATURE][1], "searching webhook-signature finds no article on it"
        assert nothing == 0, f"a query nothing matches shows {nothing} articles"
