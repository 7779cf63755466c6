"""The FAQ: troubleshooting articles in categories, with an anchor per error code, searched server-side with ?q=
through SQLite FTS5 (ranked by BM25, matches highlighted), forgiving typos and run-together words."""

from __future__ import annotations

import bisect
import difflib
import functools
import re
import sqlite3
import threading
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..core.errors import BadRequest
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
            "rate limit throttling too many requests 429 retry-after quota backoff per minute",
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
    Article("token-lifetime", "Authentication and tokens", "How long does an access token live?", (),
            "authentication auth access token expiry expires_in lifetime refresh reuse cache one hour",
            ("An access token lives one hour: the token endpoint says so in expires_in (3600). Reuse it for every call"
             " in that hour rather than requesting one per call, which also spends your rate limit.",
             "Request a new token a minute or so before expires_in runs out, or when a call answers 401"
             " invalid_token. There is no refresh token in the client-credentials grant: you simply ask again.")),
    Article("client-credentials", "Authentication and tokens", "Getting an access token with client credentials", (),
            "authentication auth oauth oauth2 client credentials grant token endpoint scope basic bearer curl",
            ("POST /oauth/token with grant_type=client_credentials, authenticating with your client ID and secret"
             " (HTTP Basic, or client_id and client_secret form fields). Ask for the scopes you need, for example"
             " scope=payments; you get only those your application is subscribed to.",
             "The answer holds access_token, token_type Bearer, expires_in and scope. Send the token as"
             " 'Authorization: Bearer <token>' on every API call.")),
    Article("rotate-client-secret", "Authentication and tokens", "Rotating a client secret without downtime", (),
            "authentication auth rotate rotation client secret grace period overlap leaked compromised",
            ("Rotate a secret from the API keys page. The new secret is shown once; copy it into your secret store"
             " straight away. A rotation policy decides how long the previous secret keeps working: not at all, one"
             " hour or one day.",
             "Deploy the new secret within the grace period; after it, tokens requested with the old secret are"
             " refused with invalid_client. If a secret leaked, rotate with no grace period, or revoke the credential.")),
    Article("revoked-credential", "Authentication and tokens", "What happens when a credential is revoked or deactivated?",
            (), "authentication auth revoke revoked deactivate deactivated credential disable tokens stop working",
            ("Deactivating a credential stops it at once: its tokens answer 401 invalid_token and the token endpoint"
             " answers invalid_client, until you activate it again.",
             "Revoking is for good: the credential and its tokens never work again. Create a new application or"
             " rotate to get working credentials.")),
    Article("rate-limit-quota", "Rate limits", "What is my rate limit, and can it be raised?", ("rate_limited",),
            "rate limit quota per minute per application raise increase higher limit 120",
            ("Each application may make 120 calls per minute unless your agreement says otherwise; every endpoint,"
             " token requests included, counts against the same minute.",
             "Before asking for more, reuse access tokens for their hour and cache answers that do not change. The"
             " usage page shows your calls per period and how many answered 429.")),
    Article("batch-jobs", "Rate limits", "Spreading batch jobs under the rate limit", (),
            "rate limit batch bulk job queue spread schedule backoff jitter throttle",
            ("Send batch work through a queue that takes at most your per-minute limit, and start jobs at a random"
             " second rather than on the hour, when everybody's cron jobs run.",
             "If a call is still answered 429, pause for Retry-After seconds, then resume at a lower rate.")),
    Article("webhook-setup", "Webhooks", "Setting up a webhook endpoint", (),
            "webhook webhooks endpoint url https subscribe event types respond quickly 2xx",
            ("Add an endpoint on the Webhooks page with its HTTPS URL and the event types it wants. Its signing secret"
             " is shown once: store it to verify signatures.",
             "Answer 2xx within a few seconds and do the work afterwards: a slow endpoint is retried as if it had"
             " failed. Use Send test event to check the whole path.")),
    Article("webhook-secret-rotation", "Webhooks", "Rotating a webhook signing secret", (),
            "webhook webhooks rotate rotation signing secret overlap two signatures",
            ("Rotate the signing secret from the Webhooks page; the new one is shown once. For 24 hours each delivery"
             " is signed with both secrets, so your endpoint keeps verifying while you deploy the new one.",)),
    Article("webhook-duplicates", "Webhooks", "Why did I receive the same webhook twice?", (),
            "webhook webhooks duplicate twice again idempotent idempotency webhook-id at least once",
            ("Delivery is at least once: after a timeout or a lost answer the event is sent again with the same"
             " webhook-id header.",
             "Record the webhook-id of each event you handled and skip one you have seen: that makes your handler"
             " idempotent.")),
    Article("webhook-replay", "Webhooks", "Rejecting replayed webhooks: the timestamp tolerance", (),
            "webhook webhooks replay attack timestamp tolerance five minutes clock skew webhook-timestamp",
            ("The webhook-timestamp header is part of what is signed. Reject a delivery whose timestamp is more than"
             " five minutes from your clock, so a captured request cannot be sent to you again later.",
             "Keep your servers' clocks synchronised with NTP so the check does not refuse genuine deliveries.")),
    Article("usage-alerts", "Usage and monitoring", "Usage alerts: error-rate and 5xx rules", (),
            "usage monitoring alert alerts alerting error rate 5xx rule threshold window usage.alert notify",
            ("On the usage page, add alert rules: an error rate above a percentage, or more than a number of 5xx"
             " answers, within a window of minutes, for all your applications or one.",
             "A rule fires once per breach: it shows on the usage page and is sent as a signed usage.alert event to"
             " the webhook endpoints that subscribe to it. It can fire again once the breach is over.")),
    Article("request-id", "Usage and monitoring", "Finding a failed call by its request ID", (),
            "usage monitoring request id x-request-id log troubleshoot support csv export",
            ("Every API answer carries an X-Request-Id header. Log it with your own request.",
             "On the usage page, filter by application, period and status class and open an error-heavy period to"
             " see its calls with their request IDs, or export the filtered log as CSV. Quote the request ID when you"
             " contact support.")),
    Article("two-factor-setup", "Two-factor authentication", "Turning on two-factor authentication", (),
            "2fa two-factor two factor mfa totp authenticator app qr code security sign in",
            ("Under Security, turn on two-factor authentication: scan the QR code with an authenticator app and enter"
             " the six-digit code it shows. From then on, signing in asks for a code after your password.",
             "Store the recovery codes you are shown in a safe place: each works once if you lose your device.")),
    Article("two-factor-lost-device", "Two-factor authentication", "I lost my authenticator: how do I sign in?", (),
            "2fa two-factor two factor mfa totp lost phone device recovery codes locked out",
            ("Sign in with your password, then enter one of your recovery codes instead of a six-digit code. Each"
             " recovery code works once.",
             "Once in, set up two-factor authentication again on your new device and make new recovery codes. Without"
             " a recovery code, ask your organisation's admin or support to verify you.")),
    Article("not-found", "Errors by code", "What does 404 not_found mean?", ("not_found",),
            "not found 404 missing unknown id payment resource url path",
            ("The address does not name a resource you can see: a typo in the path, an identifier from another"
             " environment (a sandbox ID against production), or something that belongs to another merchant.",
             "Check the path against the API reference and that the ID came from the same environment.")),
    Article("request-too-large", "Errors by code", "What does 413 request_too_large mean?", ("request_too_large",),
            "request too large 413 body size payload limit megabyte",
            ("The request body is larger than the API accepts (1 MiB). Send smaller requests, for example one payment"
             " per call rather than a whole batch.",)),
    Article("sandbox-to-production", "Sandbox", "Moving from sandbox to production", (),
            "sandbox production live go-live environment credentials cs_live cs_test switch",
            ("Sandbox and production are separate: an application belongs to one environment, and its secrets say"
             " which (cs_test_ or cs_live_). Nothing made in the sandbox exists in production.",
             "Create a production application when you are ready, subscribe it to the products you use, and keep its"
             " secret out of your code and logs.")),
)


# Words that say nothing about the topic: dropped from a query, so "how do I fix a 429" searches for 429.
STOP_WORDS = frozenset(
    "a an and are as at be by can do does for from how i if in is it me my of on or so the this to what when where"
    " which who why will with you your get got fix help mean means error errors not no nor near".split()
)
MAX_WORDS = 8
MAX_WORD = 40
MARK_START, MARK_END = "\x02", "\x03"  # around each match in highlight(); never in an article


@dataclass(frozen=True)
class Hit:
    article: Article
    title: Markup  # the title with its matches in <mark>
    paragraphs: tuple[Markup, ...]


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    searched: list[str]  # what was searched for, after corrections ("rate limit" for "ratelimit")
    unmatched: list[str]  # words of the query that no article has, nor any correction of them


class _Index:
    """The articles in an in-memory SQLite FTS5 table (porter-stemmed words, ranked by BM25 with the title and the
    error codes weighing most), with the vocabulary for correcting typos and splitting run-together words."""

    def __init__(self, articles: tuple[Article, ...]):
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute("CREATE VIRTUAL TABLE faq USING fts5(title, codes, keywords, body, category,"
                           " tokenize = 'porter unicode61')")
        self._conn.executemany(
            "INSERT INTO faq (rowid, title, codes, keywords, body, category) VALUES (?, ?, ?, ?, ?, ?)",
            [(number, a.title, " ".join(a.codes), a.keywords, "\n".join(a.paragraphs), a.category)
             for number, a in enumerate(articles)],
        )
        self.vocabulary = frozenset(w for a in articles for w in re.findall(r"[a-z0-9]+", a.text))
        self._sorted_vocabulary = sorted(self.vocabulary)
        self.articles = articles

    def known(self, word: str) -> bool:
        """A word of the articles, or the start of one."""
        at = bisect.bisect_left(self._sorted_vocabulary, word)
        return at < len(self._sorted_vocabulary) and self._sorted_vocabulary[at].startswith(word)

    def query(self, match: str) -> list[tuple[int, str, str]]:
        with self._lock:
            return self._conn.execute(
                "SELECT rowid, highlight(faq, 0, ?, ?), highlight(faq, 3, ?, ?) FROM faq WHERE faq MATCH ?"
                " ORDER BY bm25(faq, 10.0, 8.0, 4.0, 1.0, 2.0), rowid",
                (MARK_START, MARK_END, MARK_START, MARK_END, match),
            ).fetchall()


def _alternatives(word: str, index: _Index) -> list[str]:
    """What to search for a word: itself when the articles have it (or a word starting with it); else the known
    words it runs together ("ratelimit": "rate limit", searched as well when the word is known too); else the known
    words it is a typo of."""
    parts = [p for p in re.split(r"_+", word) if p]
    splits = [f"{word[:i]} {word[i:]}" for i in range(2, len(word) - 1)
              if word[:i] in index.vocabulary and word[i:] in index.vocabulary][:2]
    if all(index.known(p) for p in parts):
        return [word, *splits]
    if splits:
        return splits
    if len(word) < 4:
        return []
    return difflib.get_close_matches(word, index._sorted_vocabulary, n=3, cutoff=0.8)


def _fts_term(text: str) -> str:
    """One term of an FTS5 query: a quoted string (words of [a-z0-9_] only, so no FTS syntax can get in), a
    prefix match for a single word of three or more letters."""
    return f'"{text}"' + ("*" if " " not in text and len(text) >= 3 else "")


def _marked(text: str) -> Markup:
    return Markup(escape(text).replace(MARK_START, Markup("<mark>")).replace(MARK_END, Markup("</mark>")))


@functools.cache
def _index() -> _Index:
    return _Index(ARTICLES)


def find(query: str) -> Results:
    """Articles matching every word of the query, best first. Only words reach FTS5: quotes, stars, NEAR,
    brackets and every other piece of its syntax are dropped or quoted first."""
    index = _index()
    words = [w[:MAX_WORD] for w in re.findall(r"[a-z0-9_]+", query.lower()[:MAX_QUERY])]
    meaningful = [w for w in words if w.strip("_") and w not in STOP_WORDS][:MAX_WORDS] or \
        [w for w in words if w.strip("_")][:MAX_WORDS]
    if not query.strip():
        return Results([Hit(a, Markup(escape(a.title)), tuple(Markup(escape(p)) for p in a.paragraphs))
                        for a in index.articles], [], [])
    groups, searched, unmatched = [], [], []
    for word in dict.fromkeys(meaningful):
        found = _alternatives(word, index)
        if not found:
            unmatched.append(word)
            continue
        groups.append("(" + " OR ".join(_fts_term(f) for f in found) + ")")
        searched.append(" / ".join(found))
    if not groups or unmatched:  # every word must match: one no article has (nor a correction of it) matches none
        return Results([], searched, unmatched)
    hits = []
    for rowid, title, body in index.query(" AND ".join(groups)):
        article = index.articles[rowid]
        hits.append(Hit(article, _marked(title), tuple(_marked(p) for p in body.split("\n"))))
    return Results(hits, searched, unmatched)


def search(query: str) -> list[Article]:
    """The articles `find` gives for the query, best first."""
    return [hit.article for hit in find(query).hits]


def index(request: Request) -> Response:
    query = request.arg("q").strip()[:MAX_QUERY]
    categories = sorted({a.category for a in ARTICLES})
    category = request.arg("category")
    if category and category not in categories:
        raise BadRequest(f"Unknown category: choose one of {', '.join(categories)}.")
    results = find(query)
    if category:
        results = Results([hit for hit in results.hits if hit.article.category == category], results.searched,
                          results.unmatched)
    return request.app.render(request, "faq/index.html", query=query, category=category, results=results,
                              articles=[hit.article for hit in results.hits], categories=categories)
