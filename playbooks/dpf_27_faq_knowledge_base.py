"""DPF-27 FAQ knowledge base: the flow makes the API fail (a wrong client secret, an unknown token, a refused payment),
then searches the FAQ for the error codes the API answered and for rate-limit and webhook topics; each search puts the
right article first and lists only articles that speak of what was searched, and each error code is an anchor inside
its article, reached from the usage page's link too.

Faults of a broken portal this flow must catch:
- a search that ignores its query (the same articles whatever is asked) or drops it from the URL;
- a search that lists articles about other things (every article, the right one first);
- an article without the anchor of the error code it explains, or a usage page's link that does not reach it;
- a query nothing matches that shows articles anyway, or no clear "no results" state.
"""

from __future__ import annotations

import re
from urllib.parse import quote_plus

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import access_token, bearer, list_payments, request_token
from playbooks.harness.contract import contract
from playbooks.harness.controls import heading
from playbooks.harness.usage_calls import UNKNOWN_TOKEN, UsagePage, error_codes, faq_anchor

FLOW_ID = "DPF-27"
API = contract().api
WEBHOOK_SIGNATURE = contract().webhooks["headers"][2]  # webhook-signature
FAQ = contract().route("faq").path
RATE_LIMITED = next(code for code, status in API["bearer_errors"].items() if status == 429)
PAYMENTS = contract().route("payments_create").path


def speaks_of(text: str, words: str) -> bool:
    """An article's text says every word searched for, in any letter case: an error code whole, another word by its
    stem (a word of the text begins with its first four letters: "signing" for "signature")."""
    stems = [word if "_" in word else word[:4] for word in re.findall(r"[a-z0-9_]+", words.lower())]
    return all(re.search(r"(?<![a-z0-9])" + re.escape(stem), text.lower()) for stem in stems)


@pytest.mark.dpf(FLOW_ID)
def test_faq_knowledge_base(flow, open_page, developer, applications, vault, api):
    app = applications.create()
    # a payment with a body the schema refuses: 400, or 403 when the app's products do not grant the payments scope
    refused = api.post(PAYMENTS, json={"amount": 1, "currency": "GBP", "colour": "red"},
                       headers=bearer(access_token(api, app.client_id, vault.get(app.secret_name))))
    assert refused.status_code in (400, 403), f"a refused payment answered HTTP {refused.status_code}"
    refused_code = refused.json()["error"]
    wrong_secret = request_token(api, app.client_id, "cs_test_" + "0" * 43)
    assert wrong_secret.status_code == 401, f"a wrong client secret answered HTTP {wrong_secret.status_code}"
    unknown_token = list_payments(api, UNKNOWN_TOKEN)
    assert unknown_token.status_code == 401, f"an unknown token answered HTTP {unknown_token.status_code}"
    codes = [wrong_secret.json()["error"], unknown_token.json()["error"]]
    page = open_page(developer)
    articles = page.get_by_test_id("faq-article")
    # the FAQ's search field: the field q of the form that GETs /app/faq (whatever its type or label)
    box = page.locator(f'form[action$="{FAQ}"] [name="q"], form:not([action]) [name="q"], form[action=""] [name="q"]')
    found: dict[str, tuple[str, str, int]] = {}
    off_topic: dict[str, list[str]] = {}

    def submit(words: str) -> None:
        box.fill(words)
        box.press("Enter")
        expect(page).to_have_url(re.compile(r"[?&]q=" + re.escape(quote_plus(words)) + "(&|#|$)"))

    def search(words: str) -> None:
        submit(words)
        first = articles.first
        found[words] = (first.get_attribute("data-codes") or "", first.inner_text() if articles.count() else "",
                        articles.count())
        listed = articles.evaluate_all("all => all.map(a => [a.dataset.article, a.innerText])")
        off_topic[words] = [article for article, text in listed if not speaks_of(text, words)]

    with flow.step("Open FAQ page."):
        response = page.goto("/app/faq")
        assert response is not None and response.status == 200, f"/app/faq answered HTTP {response and response.status}"
        expect(heading(page, "FAQ")).to_be_visible()
        everything = articles.count()
        assert everything >= 3, f"the FAQ has {everything} articles"

    with flow.step("Search for auth/rate-limit/webhook topics."):
        for code in codes:
            search(code)
        search("rate limit")
        search(WEBHOOK_SIGNATURE)
        submit("zzqx nothing matches this")
        expect(page.get_by_test_id("faq-no-results")).to_be_visible()
        nothing = articles.count()
        usage = UsagePage(page)  # the refused payment's failing route links to its code's anchor
        page.goto(f"/app/usage?application={app.id}&window=1h")
        usage.faq_link(usage.failing_route(PAYMENTS, refused.status_code), refused_code).click()
        expect(page).to_have_url(re.compile(re.escape(FAQ) + r"(\?[^#]*)?#" + re.escape(refused_code) + "$"))
        from_usage = faq_anchor(page, refused_code).count()

    with flow.expected_result("FAQ accelerates self-service troubleshooting."):
        for words, elsewhere in off_topic.items():
            assert not elsewhere, f"searching {words!r} lists articles that do not speak of it: {elsewhere}"
        for code in codes:
            shown_codes, _, count = found[code]
            assert code in error_codes(shown_codes), f"searching {code!r} first finds an article about {shown_codes!r}"
            assert count < everything, f"searching {code!r} shows every article: the query is ignored"
            page.goto(f"/app/faq#{code}")
            expect(faq_anchor(page, code)).to_have_count(1)
        assert from_usage == 1, f"the usage page's link to {refused_code!r} reaches no anchor of the FAQ"
        first_for_rate_limit = found["rate limit"][0]
        assert RATE_LIMITED in error_codes(first_for_rate_limit), f"'rate limit' first finds {first_for_rate_limit!r}"
        assert WEBHOOK_SIGNATURE.lower() in found[WEBHOOK_SIGNATURE][1].lower(), (
            "searching webhook-signature finds no article naming the header first"
        )
        assert nothing == 0, f"a query nothing matches shows {nothing} articles"
