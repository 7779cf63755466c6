"""The go-live checklist: seven checks the portal computes from the organisation's real state, never ticked by hand,
each saying why it passes or what to do next (with the page that fixes it). `/app/go-live` shows them,
`/app/go-live.json` is the same computation as data, and the dashboard's onboarding checklist is made from it too.

The webhook check is the only one the portal has to do something for: on "Run signature check" it sends an endpoint
one test event signed with the endpoint's secret, which must get a 2xx, and one signed with a wrong secret, which
the partner's receiver must refuse with a 4xx; both answers are kept with their time.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import math
import secrets
import sqlite3
import threading
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field

import httpx

from ..core.errors import TooManyRequests
from ..core.handlers import id_from, organisation_of, owned_row, signed_in_user
from ..core.http import BadRequest, NotFound, Request, Response, iso_time, json_response, redirect
from ..core.ids import PublicIds
from ..core.security import decrypt
from ..core.urls import parse_url
from . import webhook_urls, webhooks
from .alerts import rules_for
from .apidoc import doc_of

DAY = 86400
ROTATION_MAX_AGE_DAYS = 90
SANDBOX_CALLS_WINDOW_DAYS = 30
NOT_FINAL_HOSTS = ("localhost", "localhost.localdomain")
CHECK_EVENT_TYPE = "webhook.test"
# Each test event's whole send (connect, post, the whole answer): a receiver that drips its answer is cut off then.
CHECK_SEND_SECONDS = 4.0
# Checks under way at once: one per organisation, and a quarter of the portal's workers in all, so checks against
# slow receivers never leave the portal without workers for everyone else.
CHECK_WORKER_SHARE = 4


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    passed: bool
    detail: str  # why it passes, or what to do next
    href: str  # the page that fixes it
    action: str  # the link's words


@dataclass(frozen=True)
class SentEvent:
    status: int | None
    error: str | None
    at: float

    def as_data(self) -> dict[str, object]:
        return {"status": self.status, "error": self.error, "at": iso_time(self.at)}


@dataclass(frozen=True)
class SignatureCheck:
    endpoint_id: int
    url: str
    correctly_signed: SentEvent
    wrongly_signed: SentEvent
    active: bool = True  # the endpoint is active now: only then does a passed check count

    @property
    def passed(self) -> bool:
        good, bad = self.correctly_signed.status, self.wrongly_signed.status
        return good is not None and 200 <= good < 300 and bad is not None and 400 <= bad < 500


@dataclass(frozen=True)
class Readiness:
    application: dict[str, object] | None  # the production application the checks are about: public id, name
    candidates: list[dict[str, object]]  # every production application of the organisation
    checks: list[Check]
    signature_checks: list[SignatureCheck] = field(default_factory=list)
    ids: PublicIds = field(default_factory=PublicIds)  # how its endpoints are named in the JSON

    @property
    def passing(self) -> int:
        return sum(check.passed for check in self.checks)

    @property
    def summary(self) -> str:
        return f"{self.passing} of {len(self.checks)} checks pass"

    def as_data(self) -> dict[str, object]:
        return {
            "summary": self.summary,
            "passed": self.passing,
            "total": len(self.checks),
            "ready": self.passing == len(self.checks),
            "application": self.application,
            "checks": [asdict(check) for check in self.checks],
            "signature_checks": [
                {"endpoint_id": self.ids.encode("wh", c.endpoint_id), "url": c.url, "passed": c.passed,
                 "correctly_signed": c.correctly_signed.as_data(), "wrongly_signed": c.wrongly_signed.as_data()}
                for c in self.signature_checks
            ],
        }


# -- the computation ------------------------------------------------------------------------------------------------


def route_scopes(request: Request) -> dict[str, str]:
    """The API's routes (patterns, as the usage log keeps them) and the product scope each needs."""
    scopes = {}
    for rule in request.app.router.rules:
        doc = doc_of(rule)
        if doc is not None and doc.scope:
            scopes[rule.pattern] = doc.scope
    return scopes


def _days(seconds: float) -> int:
    return int(seconds // DAY)


def not_final(url: str) -> str | None:
    """Why a callback URL is not one to go live with, or None."""
    parsed = parse_url(url)
    if parsed is None or parsed.scheme != "https":
        return f"{url} does not use https"
    host = parsed.hostname.rstrip(".").lower()
    if host in NOT_FINAL_HOSTS or host.endswith(".localhost"):
        return f"{url} points at localhost"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified:
        return f"{url} points at a local or private address"
    return None


def _production_applications(conn: sqlite3.Connection, organisation_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT a.id, a.name, a.callback_urls, c.generation, c.rotated_at, c.state FROM applications a"
        " LEFT JOIN credentials c ON c.application_id = a.id"
        " WHERE a.organisation_id = ? AND a.environment = 'production' ORDER BY a.created_at DESC, a.id DESC",
        (organisation_id,),
    ).fetchall()


def _subscriptions(conn: sqlite3.Connection, application_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT p.name, p.scope, s.state FROM subscriptions s JOIN products p ON p.id = s.product_id"
        " WHERE s.application_id = ? ORDER BY p.name",
        (application_id,),
    ).fetchall()


def _check_callbacks(app: sqlite3.Row | None, ids: PublicIds) -> Check:
    title, todo = "Production application with final callback URLs", "Register a production application"
    if app is None:
        return Check("production_app", title, False,
                     "No production application yet: register one with the https callback URLs you will go live with.",
                     "/app/apps/new", todo)
    urls = [line.strip() for line in app["callback_urls"].split("\n") if line.strip()]
    problems = [problem for url in urls if (problem := not_final(url))]
    if not urls or problems:
        why = "; ".join(problems) if problems else "it has no callback URL"
        return Check("production_app", title, False,
                     f"“{app['name']}” is not final: {why}. Change them to the https addresses you will use.",
                     f"/app/apps/{ids.encode('app', app['id'])}", "Edit the callback URLs")
    return Check("production_app", title, True,
                 f"“{app['name']}” calls back to {', '.join(urls)}: https, none of them local.",
                 f"/app/apps/{ids.encode('app', app['id'])}", "See the application")


def _check_rotation(app: sqlite3.Row | None, now: float) -> Check:
    title = "Secret rotated within 90 days, not the one first issued"
    if app is None:
        return Check("secret_rotated", title, False, "Register a production application first.", "/app/apps/new",
                     "Register a production application")
    if app["state"] != "active":
        return Check("secret_rotated", title, False,
                     f"The credential of “{app['name']}” is {app['state'] or 'missing'}: it cannot be used to go live.",
                     "/app/keys", "Open API keys")
    if (app["generation"] or 1) <= 1 or app["rotated_at"] is None:
        return Check("secret_rotated", title, False,
                     f"“{app['name']}” still has the secret first issued: rotate it and keep the new one in your vault.",
                     "/app/keys", "Rotate the secret")
    age = now - app["rotated_at"]
    if age > ROTATION_MAX_AGE_DAYS * DAY:
        return Check("secret_rotated", title, False,
                     f"Last rotated {_days(age)} days ago ({iso_time(app['rotated_at'])}): rotate it again.",
                     "/app/keys", "Rotate the secret")
    return Check("secret_rotated", title, True,
                 f"Rotated {iso_time(app['rotated_at'])}, {_days(age)} days ago; not the secret first issued "
                 "(the secret itself is never shown).", "/app/keys", "Open API keys")


def _check_products(subscriptions: list[sqlite3.Row], app: sqlite3.Row | None) -> Check:
    title = "Products subscribed and approved"
    if app is None:
        return Check("products_approved", title, False, "Register a production application first.", "/app/apps/new",
                     "Register a production application")
    if not subscriptions:
        return Check("products_approved", title, False,
                     f"“{app['name']}” is subscribed to no product: subscribe it to the products it calls.",
                     "/app/products", "Subscribe to products")
    waiting = [f"{s['name']} ({s['state']})" for s in subscriptions if s["state"] != "approved"]
    if waiting:
        return Check("products_approved", title, False,
                     f"Not approved yet: {', '.join(waiting)}. A pending product waits for the operator; a rejected "
                     "one needs a new request.", "/app/products", "Open API products")
    return Check("products_approved", title, True,
                 f"Subscribed and approved: {', '.join(s['name'] for s in subscriptions)}.", "/app/products",
                 "Open API products")


def _check_sandbox_calls(conn: sqlite3.Connection, organisation_id: int, subscriptions: list[sqlite3.Row],
                         scopes: Mapping[str, str], now: float) -> Check:
    title = "Sandbox test calls made and successful"
    if not subscriptions:
        return Check("sandbox_calls", title, False,
                     "Subscribe the production application to its products first; then call each from the sandbox.",
                     "/app/products", "Subscribe to products")
    since = now - SANDBOX_CALLS_WINDOW_DAYS * DAY
    found, missing = [], []
    for subscription in subscriptions:
        routes = [route for route, scope in scopes.items() if scope == subscription["scope"]]
        calls = conn.execute(
            "SELECT COUNT(*) FROM api_calls c JOIN applications a ON a.id = c.application_id"
            " WHERE a.organisation_id = ? AND a.environment = 'sandbox' AND c.status BETWEEN 200 AND 299"
            f" AND c.called_at >= ? AND c.route IN ({','.join('?' * len(routes))})",
            (organisation_id, since, *routes),
        ).fetchone()[0] if routes else 0
        (found if calls else missing).append(f"{subscription['name']} ({calls})" if calls else subscription["name"])
    if missing:
        return Check("sandbox_calls", title, False,
                     f"No successful sandbox call in the last {SANDBOX_CALLS_WINDOW_DAYS} days to: {', '.join(missing)}. "
                     "Make one with a sandbox application, as the testing guide shows.", "/app/how-to-test",
                     "Open the testing guide")
    return Check("sandbox_calls", title, True,
                 f"Successful sandbox calls in the last {SANDBOX_CALLS_WINDOW_DAYS} days: {', '.join(found)}.",
                 "/app/usage", "See API usage")


def signature_checks(conn: sqlite3.Connection, organisation_id: int) -> list[SignatureCheck]:
    """The latest signature check of each of the organisation's endpoints that has one."""
    rows = conn.execute(
        "SELECT g.*, w.state AS endpoint_state FROM go_live_signature_checks g"
        " JOIN webhook_endpoints w ON w.id = g.endpoint_id"
        " WHERE g.organisation_id = ? AND g.id = (SELECT MAX(id) FROM go_live_signature_checks"
        "  WHERE endpoint_id = g.endpoint_id) ORDER BY g.id DESC",
        (organisation_id,),
    ).fetchall()
    return [
        SignatureCheck(row["endpoint_id"], row["url"],
                       SentEvent(row["valid_status"], row["valid_error"], row["valid_sent_at"]),
                       SentEvent(row["invalid_status"], row["invalid_error"], row["invalid_sent_at"]),
                       row["endpoint_state"] == "active")
        for row in rows
    ]


def _answer(sent: SentEvent) -> str:
    return f"HTTP {sent.status}" if sent.status is not None else (sent.error or "no answer")


def _check_webhook(conn: sqlite3.Connection, organisation_id: int, checks: list[SignatureCheck]) -> Check:
    title = "Webhook endpoint passed a signature check"
    has_endpoint = conn.execute("SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE organisation_id = ?"
                                " AND state = 'active')", (organisation_id,)).fetchone()[0]
    if not has_endpoint:
        return Check("webhook_signature", title, False,
                     "No active webhook endpoint: add one, then run the signature check here.", "/app/webhooks",
                     "Add a webhook endpoint")
    checks = [c for c in checks if c.active]
    passed = next((c for c in checks if c.passed), None)
    if passed is not None:
        good, bad = passed.correctly_signed, passed.wrongly_signed
        return Check("webhook_signature", title, True,
                     f"{passed.url} accepted the correctly signed event ({_answer(good)} at {iso_time(good.at)}) and "
                     f"refused the wrongly signed one ({_answer(bad)} at {iso_time(bad.at)}).",
                     "/app/go-live#signature-checks", "See the signature checks")
    if not checks:
        return Check("webhook_signature", title, False,
                     "No signature check yet: run one below for your endpoint.", "/app/go-live#signature-checks",
                     "Run the signature check")
    last = checks[0]
    good, bad = last.correctly_signed, last.wrongly_signed
    if good.status is None or not 200 <= good.status < 300:
        why = f"the correctly signed event got {_answer(good)} at {iso_time(good.at)}; it must get a 2xx"
    else:
        why = (f"the wrongly signed event got {_answer(bad)} at {iso_time(bad.at)}; your receiver must verify the "
               "webhook-signature header and refuse it with a 4xx")
    return Check("webhook_signature", title, False, f"{last.url}: {why}. Fix it and run the check again.",
                 "/app/go-live#signature-checks", "Run the signature check")


def _check_alerts(conn: sqlite3.Connection, organisation_id: int) -> Check:
    title = "An alert rule in place"
    rules = rules_for(conn, organisation_id)
    if not rules:
        return Check("alert_rule", title, False,
                     "No alert rule: add one so you hear when your error rate or 5xx answers climb.",
                     "/app/usage/alerts", "Add an alert rule")
    names = ", ".join(f"{rule.name} ({rule.condition()})" for rule in rules)
    return Check("alert_rule", title, True, f"{len(rules)} rule{'s' if len(rules) != 1 else ''}: {names}.",
                 "/app/usage/alerts", "See the alert rules")


def _check_admins_2fa(conn: sqlite3.Connection, organisation_id: int) -> Check:
    title = "Every organisation admin with 2FA on"
    admins = conn.execute(
        "SELECT email, totp_enabled FROM users WHERE organisation_id = ? AND organisation_role = 'admin' ORDER BY email",
        (organisation_id,),
    ).fetchall()
    if not admins:
        return Check("admins_2fa", title, False, "The organisation has no admin.", "/app/security/2fa",
                     "Open two-factor authentication")
    without = [row["email"] for row in admins if not row["totp_enabled"]]
    if without:
        return Check("admins_2fa", title, False,
                     f"Two-factor authentication is off for {', '.join(without)}: each must turn it on.",
                     "/app/security/2fa", "Turn on two-factor authentication")
    return Check("admins_2fa", title, True,
                 f"All {len(admins)} admin{'s' if len(admins) != 1 else ''} sign in with a second factor.",
                 "/app/security/2fa", "Open two-factor authentication")


def assess(conn: sqlite3.Connection, organisation_id: int, now: float, scopes: Mapping[str, str], *,
           application_id: int | None = None, ids: PublicIds | None = None) -> Readiness:
    """The seven checks for one production application of the organisation: the one asked for, else the one that
    passes most of the application checks (the newest among equals)."""
    ids = ids or PublicIds()
    candidates = _production_applications(conn, organisation_id)
    if application_id is not None:
        chosen = next((a for a in candidates if a["id"] == application_id), None)
        if chosen is None:
            raise NotFound("There is no such production application in your organisation.")
    else:
        def application_checks(app: sqlite3.Row) -> list[Check]:
            subscriptions = _subscriptions(conn, app["id"])
            return [_check_callbacks(app, ids), _check_rotation(app, now), _check_products(subscriptions, app),
                    _check_sandbox_calls(conn, organisation_id, subscriptions, scopes, now)]

        ranked = sorted(candidates, key=lambda app: -sum(c.passed for c in application_checks(app)))
        chosen = ranked[0] if ranked else None
    subscriptions = _subscriptions(conn, chosen["id"]) if chosen is not None else []
    endpoint_checks = signature_checks(conn, organisation_id)
    checks = [
        _check_callbacks(chosen, ids),
        _check_rotation(chosen, now),
        _check_products(subscriptions, chosen),
        _check_sandbox_calls(conn, organisation_id, subscriptions, scopes, now),
        _check_webhook(conn, organisation_id, endpoint_checks),
        _check_alerts(conn, organisation_id),
        _check_admins_2fa(conn, organisation_id),
    ]
    return Readiness(
        {"id": ids.encode("app", chosen["id"]), "name": chosen["name"]} if chosen is not None else None,
        [{"id": ids.encode("app", a["id"]), "name": a["name"]} for a in candidates],
        checks,
        endpoint_checks,
        ids,
    )


def readiness_of(request: Request) -> Readiness:
    """The checks for the signed-in organisation (the application in `?application=`, if given)."""
    wanted = request.arg("application").strip()
    refused = "application must name one of your production applications."
    application_id = id_from(request, "app", wanted, refused=refused) if wanted else None
    conn = request.app.db.connection()
    return assess(conn, organisation_of(request), request.app.config.clock(), route_scopes(request),
                  application_id=application_id, ids=request.app.ids)


# -- the signature check --------------------------------------------------------------------------------------------


def _signed_headers(secret: str, message_id: str, timestamp: int, payload: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": "developer-portal-webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": webhooks.sign(secret, message_id, timestamp, payload),
    }


def send_signed(request: Request, url: str, secret: str, signature: str) -> SentEvent:
    """POST one test event to the URL (checked as every delivery is: no private, link-local or metadata address),
    signed with `secret`; what it answered, or why it was not sent."""
    app = request.app
    now = app.config.clock()
    message_id = "msg_" + secrets.token_hex(16)
    payload = json.dumps({"type": CHECK_EVENT_TYPE, "timestamp": iso_time(now),
                          "data": {"purpose": "go-live signature check", "signature": signature}},
                         separators=(",", ":")).encode()
    try:
        addresses = webhook_urls.check(url, development=app.config.development, resolver=app.deliveries.resolver)
        outcome = webhooks.post(url, addresses, payload, _signed_headers(secret, message_id, int(now), payload),
                                deadline_seconds=CHECK_SEND_SECONDS)
    except webhook_urls.UnsafeUrl as refused:
        return SentEvent(None, f"not sent: {refused}", now)
    except (httpx.HTTPError, httpx.InvalidURL) as failed:
        return SentEvent(None, webhooks.public_error(failed), now)
    return SentEvent(outcome.status, None, now)


class _ChecksUnderWay:
    """The signature checks a portal is running, by organisation, within its share of workers."""

    def __init__(self, workers: int):
        self.limit = max(1, workers // CHECK_WORKER_SHARE)
        self.organisations: set[int] = set()
        self.lock = threading.Lock()

    @contextlib.contextmanager
    def slot(self, organisation_id: int) -> Iterator[None]:
        with self.lock:
            if organisation_id in self.organisations or len(self.organisations) >= self.limit:
                raise TooManyRequests(math.ceil(2 * CHECK_SEND_SECONDS),
                                      "A signature check is already under way. Try again in a few seconds.")
            self.organisations.add(organisation_id)
        try:
            yield
        finally:
            with self.lock:
                self.organisations.discard(organisation_id)


_UNDER_WAY: weakref.WeakKeyDictionary[object, _ChecksUnderWay] = weakref.WeakKeyDictionary()
_UNDER_WAY_LOCK = threading.Lock()


def checks_under_way(request: Request) -> _ChecksUnderWay:
    with _UNDER_WAY_LOCK:
        return _UNDER_WAY.setdefault(request.app, _ChecksUnderWay(request.app.config.http_workers))


# -- pages ----------------------------------------------------------------------------------------------------------


def page(request: Request) -> Response:
    readiness = readiness_of(request)
    endpoints = request.app.db.query(
        "SELECT id, url, state FROM webhook_endpoints WHERE organisation_id = ? ORDER BY created_at, id",
        (organisation_of(request),),
    )
    return request.app.render(request, "go_live/index.html", readiness=readiness, endpoints=endpoints,
                              checked=request.arg("checked") == "1", iso=iso_time)


def as_json(request: Request) -> Response:
    response = json_response(readiness_of(request).as_data())
    response.set_header("Cache-Control", "no-store")
    return response


def run_signature_check(request: Request) -> Response:
    endpoint_id = id_from(request, "wh", request.field("endpoint_id"),
                          refused="endpoint_id must name one of your webhook endpoints.")
    endpoint = owned_row(request, "SELECT * FROM webhook_endpoints WHERE id = ? AND organisation_id = ?", endpoint_id,
                         missing="There is no such webhook endpoint in your organisation.")
    if endpoint["state"] != "active":
        raise BadRequest("Activate the endpoint first: the portal sends nothing to an inactive endpoint.")
    app = request.app
    secret = decrypt(app.secret_key, endpoint["secret_encrypted"], purpose=webhooks.PURPOSE)
    # No transaction is open while the events are sent: a slow receiver holds up no one else's writes.
    with checks_under_way(request).slot(endpoint["organisation_id"]):
        correct = send_signed(request, endpoint["url"], secret, "correct")
        wrong = send_signed(request, endpoint["url"], webhooks.new_secret(), "wrong")
    with app.db.transaction() as conn:
        conn.execute(
            "INSERT INTO go_live_signature_checks (organisation_id, endpoint_id, url, valid_sent_at, valid_status,"
            " valid_error, invalid_sent_at, invalid_status, invalid_error, checked_by)"
            " SELECT organisation_id, id, url, ?, ?, ?, ?, ?, ?, ? FROM webhook_endpoints WHERE id = ?",
            (correct.at, correct.status, correct.error, wrong.at, wrong.status, wrong.error,
             signed_in_user(request).id, endpoint["id"]),
        )
    return redirect("/app/go-live?checked=1#signature-checks")
