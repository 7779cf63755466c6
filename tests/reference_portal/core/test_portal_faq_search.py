"""The FAQ's FTS5 search (reference_portal.areas.faq): ranked, highlighted, forgiving of typos and run-together
words, and never broken by FTS5 query syntax typed into the box."""

from __future__ import annotations

import pytest

from reference_portal.areas import faq


def test_there_are_at_least_20_articles_in_the_asked_for_categories():
    assert len(faq.ARTICLES) >= 20
    assert len({a.slug for a in faq.ARTICLES}) == len(faq.ARTICLES)
    categories = {a.category for a in faq.ARTICLES}
    assert {"Authentication and tokens", "Rate limits", "Webhooks", "Sandbox", "Two-factor authentication",
            "Errors by code"} <= categories


@pytest.mark.parametrize(("query", "first"), [
    ("ratelimit", "rate-limits"), ("ratelimits", "rate-limits"), ("rate-limit", "rate-limits"),
    ("webhok signiture", "webhook-signatures"), ("webhooksignature", "webhook-signatures"),
    ("how do I fix a 429", "rate-limits"), ("lost phone", "two-factor-lost-device"), ("2fa", "two-factor-setup"),
    ("not_found", "not-found"), ("request_too_large", "request-too-large"), ("idempotent", "webhook-duplicates"),
    ("usage.alert", "usage-alerts"), ("signatures", "webhook-signatures"),
])
def test_typos_compounds_and_stems_find_the_right_article_first(query, first):
    assert faq.search(query)[0].slug == first


def test_every_word_must_match():
    both = faq.search("webhook timestamp")
    assert both and all("timestamp" in a.text and "webhook" in a.text for a in both)
    assert len(both) < len(faq.search("webhook"))


@pytest.mark.parametrize("query", [
    '"', "*", "NEAR", "NEAR(", '"NEAR(*', "(", ")", "((webhook", "webhook)", "AND", "OR", "NOT", "a OR", "NOT x",
    "title:webhook", "{title body}: rate", "^rate", "rate + limit", "-rate", '"unbalanced', "x" * 5000, "'", "\x00",
    "webhook NEAR/2 signature", "rate*limit", "🙂", "ǅ",
])
def test_fts_syntax_never_errors(developer, query):
    answer = developer.get("/app/faq", params={"q": query})
    assert answer.status_code == 200
    faq.find(query)  # no exception


def test_fts_operators_are_words_not_syntax():
    # NOT, OR and NEAR are words (and say nothing, so they are dropped): they neither exclude nor widen
    assert faq.search("webhook NOT signature")[0].slug == "webhook-signatures"
    assert faq.search("webhook OR signature") == faq.search("webhook signature")
    assert all("signature" in a.text for a in faq.search("webhook NEAR signature"))


def test_matches_are_highlighted_and_the_page_is_escaped(developer, read_page):
    page = developer.get("/app/faq", params={"q": "webhook signature"}).text
    assert "<mark>webhook</mark>" in page.lower() or "<mark>Webhook</mark>" in page
    hostile = developer.get("/app/faq", params={"q": "<script>alert(1)</script> webhook"}).text
    assert "<script>alert(1)" not in hostile


def test_a_word_no_article_has_means_no_results_and_says_which(developer, read_page):
    page = read_page(developer.get("/app/faq", params={"q": "webhook zzqx"}).text)
    assert page.all("faq-article") == [] and len(page.all("faq-no-results")) == 1
    assert "zzqx" in page.text_of("faq-unmatched")


def test_no_results_offers_the_categories(developer, read_page):
    page = read_page(developer.get("/app/faq", params={"q": "zzqx"}).text)
    assert page.all("faq-article") == []
    assert 'href="/app/faq?category=Rate+limits"' in page.html or 'href="/app/faq?category=Rate%20limits"' in page.html


def test_a_category_lists_its_articles_and_an_unknown_one_is_a_400(developer, read_page):
    page = read_page(developer.get("/app/faq", params={"category": "Webhooks"}).text)
    slugs = {a["data-article"] for a in page.all("faq-article")}
    assert slugs == {a.slug for a in faq.ARTICLES if a.category == "Webhooks"}
    assert developer.get("/app/faq", params={"category": "Nope"}).status_code == 400
