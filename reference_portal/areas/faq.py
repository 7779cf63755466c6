"""The FAQ: troubleshooting articles with an anchor per error code, searched server-side with ?q=."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.http import Request, Response

MAX_QUERY = 200


@dataclass(frozen=True)
class Article:
    slug: str
    category: str
    title: str
    codes: tuple[str, ...]  # error codes it explains: each is an anchor on the page
    keywords: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join((self.title, self.category, " ".join(self.codes), self.keywords, *self.paragraphs)).lower()


ARTICLES = (
    Article("invalid-token", "Authentication and tokens", "Why does the API answer 401 invalid_token?", ("invalid_token",),
            "authentication auth bearer access token expired revoked unauthorized 401 WWW-Authenticate",
            ("The API answers 401 with error invalid_token when the bearer token is unknown, expired (tokens live one"
             " hour), or was issued to a credential that has since been rotated past its grace period, deactivated or"
             " revoked.",
             "Request a new token from POST /oauth/token with the client-credentials grant and send it as"
             " 'Authorization: Bearer <token>'. Never put the token in the query string.")),
    Article("invalid-client", "Authentication and tokens", "Why does POST /oauth/token answer 401 invalid_client?",
            ("invalid_client",),
            "authentication auth client id secret basic credentials 401 token endpoint",
            ("invalid_client means the client ID and secret did not authenticate: a typo, a secret rotated or revoked,"
             " or a sandbox secret used against production.",
             "Send the client ID and secret with HTTP Basic or as client_id/client_secret form fields. If you lost the"
             " secret, rotate it on the API keys page: the new one is shown once.")),
    Article("insufficient-scope", "Authentication and tokens", "What does 403 insufficient_scope mean?",
            ("insufficient_scope",),
            "authentication auth scope subscription product permission 403 forbidden",
            ("The token is valid but lacks the scope the endpoint needs (payments, accounts or fx). Scopes follow your"
             " application's approved product subscriptions.",
             "Subscribe the application to the product on the API products page, then request a new token.")),
    Article("rate-limits", "Rate limits", "Rate limits and 429 Too Many Requests", ("rate_limited",),
            "rate limit ratelimit throttling too many requests 429 retry-after quota backoff per minute",
            ("Each application may make a set number of calls per minute. Over it, the API answers 429 with error"
             " rate_limited and a Retry-After header giving the seconds to wait.",
             "Wait at least Retry-After seconds before retrying, use exponential backoff with jitter, and spread"
             " batch jobs over time.")),
    Article("webhook-signatures", "Webhooks", "Verifying webhook signatures", (),
            "webhook webhooks signature signing secret hmac sha256 webhook-signature webhook-id webhook-timestamp"
            " standard webhooks verify",
            ("Every delivery carries the Standard Webhooks headers webhook-id, webhook-timestamp and"
             " webhook-signature: v1, then the base64 HMAC-SHA256 of 'id.timestamp.body' with your signing secret.",
             "After a secret rotation, deliveries carry two signatures for 24 hours: accept either.")),
    Article("webhook-retries", "Webhooks", "Webhook retries, failures and disabled endpoints", (),
            "webhook webhooks retry retries delivery failed disabled 410 503 redeliver",
            ("Only a 2xx answer counts as delivered. Deliveries are retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h"
             " and 10 h; 429 and 503 are retried no sooner than their Retry-After; 410 disables the endpoint.",
             "The delivery log shows each attempt; you can redeliver an event with the same webhook-id.")),
    Article("invalid-request", "Errors by code", "What does 400 invalid_request mean?", ("invalid_request",),
            "bad request body json field validation 400 malformed query",
            ("The request body or query could not be accepted: malformed JSON, a missing or unknown field, or a value"
             " out of the bounds /openapi.json gives.",
             "The error_description names the problem; the X-Request-Id header identifies the call in your usage log.")),
    Article("server-errors", "Errors by code", "What should I do about 5xx errors?", ("server_error",),
            "server error 500 503 outage incident retry",
            ("A 5xx answer means the portal failed to handle a valid request. Retry idempotent calls with backoff and"
             " quote the X-Request-Id when you contact support.",)),
    Article("sandbox", "Sandbox", "Testing with sandbox credentials", (),
            "sandbox test merchant sk_test key balance",
            ("Sandbox keys (sk_test_) reach test merchant accounts only. Create them on the Sandbox page; a deleted"
             " key is refused at once.",)),
)


def search(query: str) -> list[Article]:
    """Articles matching every word of the query (spaces and hyphens ignored too, so 'ratelimit' finds rate
    limits), best first: title matches outrank body matches."""
    words = [w for w in re.findall(r"[a-z0-9_]+", query.lower()[:MAX_QUERY]) if w]
    if not words:  # nothing asked: every article; only punctuation asked: nothing matches
        return [] if query.strip() else list(ARTICLES)
    scored = []
    for article in ARTICLES:
        text = article.text
        compact = re.sub(r"[\s\-]+", "", text)
        title = article.title.lower()
        if all(w in text or w in compact for w in words):
            score = sum(3 * (w in title) + 2 * (w in article.codes) + text.count(w) for w in words)
            scored.append((-score, ARTICLES.index(article), article))
    return [article for _, _, article in sorted(scored, key=lambda t: t[:2])]


def index(request: Request) -> Response:
    query = request.arg("q").strip()[:MAX_QUERY]
    found = search(query)
    categories = sorted({a.category for a in ARTICLES})
    return request.app.render(request, "faq/index.html", query=query, articles=found, categories=categories)
