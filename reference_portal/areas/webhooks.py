"""Webhooks: signing secrets, the outbox of events, and the worker that delivers them with retries and logs.

Signatures follow the Standard Webhooks specification: headers webhook-id, webhook-timestamp and
webhook-signature, "v1," + base64 HMAC-SHA256 over "id.timestamp.body", two signatures while a rotated secret
overlaps. Each event keeps its webhook-id on every retry.

Delivery is fair: a pool of sender threads posts at once to many endpoints, each endpoint and each organisation
may hold only a few senders, and due deliveries are claimed endpoint by endpoint in turn, so one slow, dead or
backlogged endpoint delays nobody else's webhooks.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import logging
import queue
import random
import secrets
import sqlite3
import ssl
import threading
import time
from collections import Counter
from concurrent import futures
from dataclasses import dataclass
from typing import Any, Callable

import httpx

from ..core.config import Config
from ..core.db import Database
from ..core.http import iso_time
from ..core.security import decrypt, encrypt
from . import outbound, webhook_urls

log = logging.getLogger("reference_portal.webhooks")

EVENT_TYPES = ("payment.succeeded", "payment.failed", "credential.rotated", "credential.revoked", "webhook.test",
               "usage.alert")
# Seconds before each attempt: the first at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
RETRY_SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
DISABLE_AFTER_SECONDS = 5 * 86400
SECRET_OVERLAP_SECONDS = 86400
SEND_DEADLINE_SECONDS = 10  # the whole send: connecting, posting and reading the answer (areas/outbound.py)
CONNECT_TIMEOUT_SECONDS = 3  # each address's; one that does not answer in time is left for the next
LEASE_SECONDS = 60  # a claimed delivery whose worker died is due again after this
EXCERPT_LENGTH = 500
PURPOSE = "webhook-secret"
SENDER_THREADS = 16  # sends under way at once in one process
MAX_IN_FLIGHT_PER_ENDPOINT = 1  # one at a time keeps an endpoint's events in order and its load gentle
MAX_IN_FLIGHT_PER_ORGANISATION = 4  # an organisation's slow endpoints leave most senders to everyone else
IDLE_POLL_SECONDS = 0.2  # how often an idle worker looks for retries that have come due


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def publish(
    conn: sqlite3.Connection,
    organisation_id: int,
    event_type: str,
    data: dict[str, Any],
    now: float,
    *,
    endpoint_ids: list[int] | None = None,
) -> str | None:
    """Queue an event for the organisation's active endpoints that want it, in the caller's transaction.
    Returns the event's webhook-id, or None when no endpoint wants it (nothing is queued then)."""
    assert event_type in EVENT_TYPES
    rows = conn.execute(
        "SELECT id, event_types FROM webhook_endpoints WHERE organisation_id = ? AND state = 'active'",
        (organisation_id,),
    ).fetchall()
    if endpoint_ids is None:
        targets = [row["id"] for row in rows if event_type in row["event_types"].split()]
    else:  # an event for chosen endpoints (a test event), whatever types they subscribe to
        targets = [row["id"] for row in rows if row["id"] in endpoint_ids]
    if not targets:
        return None
    event_id = "msg_" + secrets.token_hex(16)
    payload = json.dumps({"type": event_type, "timestamp": iso_time(now), "data": data}, separators=(",", ":"))
    conn.execute(
        "INSERT INTO webhook_events (id, organisation_id, type, payload, created_at) VALUES (?, ?, ?, ?, ?)",
        (event_id, organisation_id, event_type, payload, now),
    )
    conn.executemany(
        "INSERT INTO webhook_deliveries (event_id, endpoint_id, state, next_attempt_at, created_at, updated_at)"
        " VALUES (?, ?, 'pending', ?, ?, ?)",
        [(event_id, endpoint_id, now, now, now) for endpoint_id in targets],
    )
    return event_id


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    endpoint_id: int
    organisation_id: int
    message_id: str
    payload: bytes
    url: str
    secrets: tuple[str, ...]
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: the endpoint's answer, or the error the delivery log shows."""

    status: int | None = None
    excerpt: str = ""
    error: str | None = None
    retry_after: float | None = None


# Each endpoint's first few due deliveries, numbered oldest first: taking every endpoint's first before anyone's
# second is what keeps a backlog of thousands for one endpoint from going ahead of another endpoint's single
# delivery. Each endpoint's few are read from the (state, endpoint_id, next_attempt_at, id) index, so a backlog is
# never scanned while the claim holds the write lock.
_DUE_IN_TURN = (
    "SELECT id, endpoint_id, organisation_id, endpoint_state FROM ("
    " SELECT d.id, d.endpoint_id, d.next_attempt_at, w.organisation_id, w.state AS endpoint_state,"
    "  ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id) AS turn"
    " FROM webhook_endpoints w JOIN webhook_deliveries d ON d.id IN ("
    "  SELECT id FROM webhook_deliveries WHERE state = 'pending' AND endpoint_id = w.id AND next_attempt_at <= ?1"
    "  ORDER BY next_attempt_at, id LIMIT ?2))"
    " ORDER BY turn, next_attempt_at, id"
)
_CLAIMED = (
    "SELECT d.id, d.endpoint_id, d.attempts, w.organisation_id, e.id AS message_id, e.payload, w.url,"
    " w.secret_encrypted, w.previous_secret_encrypted, w.previous_secret_expires_at"
    " FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id"
    " JOIN webhook_endpoints w ON w.id = d.endpoint_id WHERE d.id IN ({})"
)


def _fair_share(due: list[sqlite3.Row], slots: int, endpoints: Counter[int],
                organisations: Counter[int]) -> list[sqlite3.Row]:
    """Up to `slots` of the due deliveries, in turn, leaving out any whose endpoint or organisation already has its
    share of sends under way. `endpoints` and `organisations` count the sends under way; they are updated."""
    chosen: list[sqlite3.Row] = []
    for row in due:
        if len(chosen) == slots:
            break
        endpoint_id, organisation_id = row["endpoint_id"], row["organisation_id"]
        if endpoints[endpoint_id] >= MAX_IN_FLIGHT_PER_ENDPOINT:
            continue
        if organisations[organisation_id] >= MAX_IN_FLIGHT_PER_ORGANISATION:
            continue
        endpoints[endpoint_id] += 1
        organisations[organisation_id] += 1
        chosen.append(row)
    return chosen


class _InFlight:
    """The sends under way in this process, counted by endpoint and by organisation."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._endpoints: Counter[int] = Counter()
        self._organisations: Counter[int] = Counter()

    def counts(self) -> tuple[Counter[int], Counter[int]]:
        with self._changed:
            return Counter(self._endpoints), Counter(self._organisations)

    def free_senders(self) -> int:
        with self._changed:
            return SENDER_THREADS - self._endpoints.total()

    def add(self, claim: Claim) -> None:
        with self._changed:
            self._endpoints[claim.endpoint_id] += 1
            self._organisations[claim.organisation_id] += 1

    def remove(self, claim: Claim) -> None:
        with self._changed:
            self._endpoints[claim.endpoint_id] -= 1
            self._organisations[claim.organisation_id] -= 1
            self._changed.notify_all()

    def wait_until_none(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._endpoints.total() == 0, timeout)


class _SenderPool:
    """A fixed set of threads that attempt claimed deliveries. They are daemon threads, so neither stop() nor the
    end of the process waits for an endpoint that hangs: a send cut short keeps its lease and is retried."""

    def __init__(self, size: int, attempt: Callable[[Claim], None],
                 finished: Callable[[Claim, BaseException | None], None]):
        self._size = size
        self._attempt = attempt
        self._finished = finished  # called before the send's future is done, so its waiter sees the send ended
        self._jobs: queue.SimpleQueue[tuple[Claim, futures.Future[None]] | None] = queue.SimpleQueue()
        for number in range(size):
            threading.Thread(target=self._work, name=f"webhook-sender-{number}", daemon=True).start()

    def submit(self, claim: Claim) -> futures.Future[None]:
        done: futures.Future[None] = futures.Future()
        self._jobs.put((claim, done))
        return done

    def close(self) -> None:
        """Cancel the sends not yet started and let each thread end after the send it is on."""
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job[1].cancel()
                self._finished(job[0], None)
        for _ in range(self._size):
            self._jobs.put(None)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            claim, done = job
            if not done.set_running_or_notify_cancel():
                continue
            try:
                self._attempt(claim)
            except Exception as error:
                self._finished(claim, error)
                done.set_exception(error)
            else:
                self._finished(claim, None)
                done.set_result(None)


class DeliveryWorker:
    """Claims due deliveries fairly under short BEGIN IMMEDIATE transactions, leases them, and has a pool of sender
    threads post them, record each attempt and schedule the next. No transaction stays open during a send."""

    def __init__(self, db: Database, config: Config, secret_key: bytes):
        self.db, self.config, self.secret_key = db, config, secret_key
        self.resolver: webhook_urls.Resolver = webhook_urls.resolve
        self.tls_verify: ssl.SSLContext | None = None  # None: the public certificate authorities
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: _SenderPool | None = None
        self._pool_lock = threading.Lock()
        self._claiming = threading.Lock()
        self._in_flight = _InFlight()

    # -- running in the background

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="webhook-deliveries", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 20) -> None:
        """Stop claiming, without waiting for sends under way: one cut short is retried when its lease runs out."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def notify(self) -> None:
        self._wake.set()

    def wait_for_sends(self, timeout: float) -> bool:
        """Wait until no send of this worker's is under way (say after stop(), to have them recorded rather than
        retried); False if some still are after `timeout` seconds."""
        return self._in_flight.wait_until_none(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before claiming, so a send that ends meanwhile still wakes the next round
            try:
                started = self._send_due()
            except Exception:  # the worker must outlive a busy database or any one bad delivery
                log.exception("webhook worker error")
                started = []
            if not started:
                self._wake.wait(IDLE_POLL_SECONDS)

    # -- the work itself, also callable directly by tests

    def deliver_due(self, limit: int = 50) -> int:
        """Attempt up to `limit` due deliveries, fairly and at once, and wait for the outcomes; returns how many."""
        done = 0
        while done < limit:
            sends = self._send_due(limit - done)
            if not sends:
                break
            futures.wait(sends)
            for send in sends:
                if not send.cancelled():
                    send.result()  # a failure to record an attempt is the caller's to see
            done += len(sends)
        return done

    def claim(self) -> Claim | None:
        """The next due delivery in turn, leased to the caller, who attempts it; due deliveries of endpoints no
        longer active are cancelled on the way."""
        claims = self._claim_batch(1, *self._in_flight.counts())
        return claims[0] if claims else None

    def _send_due(self, limit: int = SENDER_THREADS) -> list[futures.Future[None]]:
        """Claim what is due for the idle senders and hand it to them; returns the sends started."""
        with self._claiming:  # one claimer at a time in this process, so the counts it goes by stay true
            claims = self._claim_batch(min(limit, self._in_flight.free_senders()), *self._in_flight.counts())
            for claim in claims:
                self._in_flight.add(claim)
        return [self._submit(claim) for claim in claims]

    def _submit(self, claim: Claim) -> futures.Future[None]:
        return self._senders().submit(claim)

    def _finished(self, claim: Claim, error: BaseException | None) -> None:
        self._in_flight.remove(claim)
        self._wake.set()
        if error is not None:
            log.error("could not record webhook delivery %s", claim.delivery_id, exc_info=error)

    def _senders(self) -> _SenderPool:
        with self._pool_lock:
            if self._pool is None:
                self._pool = _SenderPool(SENDER_THREADS, self.attempt, self._finished)
            return self._pool

    def _claim_batch(self, slots: int, endpoints_busy: Counter[int], organisations_busy: Counter[int]) -> list[Claim]:
        """Lease up to `slots` due deliveries, chosen fairly given the sends under way."""
        if slots <= 0:
            return []
        now = self.config.clock()
        with self.db.transaction() as conn:
            due = conn.execute(_DUE_IN_TURN, (now, MAX_IN_FLIGHT_PER_ENDPOINT)).fetchall()
            self._cancel_for_inactive_endpoints(conn, due, now)
            active = [row for row in due if row["endpoint_state"] == "active"]
            ids = [row["id"] for row in _fair_share(active, slots, endpoints_busy, organisations_busy)]
            if not ids:
                return []
            conn.executemany("UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?",
                             [(now + LEASE_SECONDS, delivery_id) for delivery_id in ids])
            rows = {row["id"]: row for row in conn.execute(_CLAIMED.format(",".join("?" * len(ids))), ids)}
        return [self._claim_from(rows[delivery_id], now) for delivery_id in ids]

    @staticmethod
    def _cancel_for_inactive_endpoints(conn: sqlite3.Connection, due: list[sqlite3.Row], now: float) -> None:
        for endpoint_id in {row["endpoint_id"] for row in due if row["endpoint_state"] != "active"}:
            cancel_pending(conn, endpoint_id, now)

    def _claim_from(self, row: sqlite3.Row, now: float) -> Claim:
        key = self.secret_key
        keys = [decrypt(key, row["secret_encrypted"], purpose=PURPOSE)]
        if row["previous_secret_encrypted"] and (row["previous_secret_expires_at"] or 0) > now:
            keys.append(decrypt(key, row["previous_secret_encrypted"], purpose=PURPOSE))
        return Claim(row["id"], row["endpoint_id"], row["organisation_id"], row["message_id"],
                     row["payload"].encode("utf-8"), row["url"], tuple(keys), row["attempts"])

    def attempt(self, claim: Claim) -> None:
        started = time.perf_counter()
        outcome = self._send(claim)
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        self.record(claim, outcome.status, duration_ms, outcome.excerpt, outcome.error, outcome.retry_after)

    def _send(self, claim: Claim) -> Outcome:
        """Post the delivery to an address its URL was just checked to have. Every failure becomes an outcome to
        record, never an exception, so no delivery stays pending for ever."""
        try:
            addresses = webhook_urls.check(claim.url, development=self.config.development, resolver=self.resolver)
            return post(claim.url, addresses, claim.payload, self._headers(claim), verify=self.tls_verify)
        except webhook_urls.UnsafeUrl as refused:
            return Outcome(error=f"not sent: {refused}")
        except (httpx.HTTPError, httpx.InvalidURL) as failed:
            log.debug("webhook delivery %s to endpoint %s failed: %r", claim.delivery_id, claim.endpoint_id, failed)
            return Outcome(error=public_error(failed))
        except Exception as failed:  # the portal's fault, not the endpoint's; recorded all the same
            log.warning("webhook delivery %s could not be sent: %r", claim.delivery_id, failed)
            return Outcome(error="not sent: internal error")

    def _headers(self, claim: Claim) -> dict[str, str]:
        timestamp = int(self.config.clock())
        return {
            "content-type": "application/json",
            "user-agent": "developer-portal-webhooks/1",
            "webhook-id": claim.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(sign(s, claim.message_id, timestamp, claim.payload) for s in claim.secrets),
        }

    def record(self, claim: Claim, status: int | None, duration_ms: float, excerpt: str, error: str | None,
               retry_after: float | None) -> None:
        now = self.config.clock()
        scale = self.config.webhook_retry_scale
        attempts = claim.attempts + 1
        with self.db.transaction() as conn:
            logged = conn.execute(
                "INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, duration_ms, response_excerpt,"
                " error) SELECT id, ?, ?, ?, ?, ? FROM webhook_deliveries WHERE id = ?",
                (now, status, duration_ms, excerpt, error, claim.delivery_id),
            ).rowcount
            if not logged:  # the endpoint was deleted, and its deliveries with it, while this one was being sent
                return
            if status is not None and 200 <= status < 300:
                self._finish(conn, claim, "delivered", attempts, status, now)
                conn.execute("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ?", (claim.endpoint_id,))
                return
            if status == 410:
                self._finish(conn, claim, "failed", attempts, status, now)
                self._disable(conn, claim.endpoint_id, "The endpoint answered 410 Gone.", now)
                return
            conn.execute(
                "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ?) WHERE id = ?",
                (now, claim.endpoint_id),
            )
            failing_since = conn.execute(
                "SELECT failing_since FROM webhook_endpoints WHERE id = ?", (claim.endpoint_id,)
            ).fetchone()[0]
            if attempts >= len(RETRY_SCHEDULE):
                self._finish(conn, claim, "failed", attempts, status, now)
            else:
                delay = RETRY_SCHEDULE[attempts] * random.uniform(0.9, 1.1) * scale
                if status in (429, 503) and retry_after is not None:
                    delay = max(delay, retry_after)  # the receiver's own word, never scaled down
                conn.execute(
                    "UPDATE webhook_deliveries SET attempts = ?, last_status = ?, next_attempt_at = ?, updated_at = ?"
                    " WHERE id = ?",
                    (attempts, status, now + delay, now, claim.delivery_id),
                )
            if now - failing_since >= DISABLE_AFTER_SECONDS * scale:
                self._disable(conn, claim.endpoint_id, "Every delivery failed for 5 days.", now)

    @staticmethod
    def _finish(conn: sqlite3.Connection, claim: Claim, state: str, attempts: int, status: int | None, now: float) -> None:
        conn.execute(
            "UPDATE webhook_deliveries SET state = ?, attempts = ?, last_status = ?, next_attempt_at = NULL,"
            " updated_at = ? WHERE id = ?",
            (state, attempts, status, now, claim.delivery_id),
        )

    @staticmethod
    def _disable(conn: sqlite3.Connection, endpoint_id: int, reason: str, now: float) -> None:
        conn.execute(
            "UPDATE webhook_endpoints SET state = 'disabled', disabled_reason = ? WHERE id = ?", (reason, endpoint_id)
        )
        cancel_pending(conn, endpoint_id, now)


def cancel_pending(conn: sqlite3.Connection, endpoint_id: int, now: float) -> None:
    """Nothing still waiting for this endpoint is sent: it was deactivated, disabled or deleted."""
    conn.execute(
        "UPDATE webhook_deliveries SET state = 'cancelled', next_attempt_at = NULL, updated_at = ?"
        " WHERE endpoint_id = ? AND state = 'pending'",
        (now, endpoint_id),
    )


def post(url: str, addresses: list[str], payload: bytes, headers: dict[str, str], *,
         verify: ssl.SSLContext | None = None, deadline_seconds: float | None = None) -> Outcome:
    """POST to the first of the given (checked) addresses that takes the connection, never to a fresh lookup of
    the URL's host; the Host header, TLS server name and certificate check still go by the URL's host name. The
    whole call, every address tried included, ends within `deadline_seconds` (httpx.TimeoutException)."""
    until = outbound.deadline(SEND_DEADLINE_SECONDS if deadline_seconds is None else deadline_seconds)
    *others, last = addresses
    for address in others:
        try:
            return _post_to(url, address, payload, headers, verify, until)
        except (httpx.ConnectError, httpx.ConnectTimeout) as failed:  # nothing was sent: on to the next address
            log.debug("webhook to %s via %s: %r", url, address, failed)
    return _post_to(url, last, payload, headers, verify, until)


def _post_to(url: str, address: str, payload: bytes, headers: dict[str, str], verify: ssl.SSLContext | None,
             until: outbound.Deadline) -> Outcome:
    named = httpx.URL(url)
    pinned = named.copy_with(host=address)
    headers = {**headers, "host": named.netloc.decode("ascii")}
    with outbound.client(until, connect_seconds=CONNECT_TIMEOUT_SECONDS,
                         verify=verify or _public_authorities()) as client:
        with client.stream("POST", pinned, content=payload, headers=headers,
                           extensions={"sni_hostname": named.raw_host.decode("ascii")}) as answer:
            retry_after = _retry_after(answer.headers.get("retry-after"))
            return Outcome(answer.status_code, _excerpt(answer), retry_after=retry_after)


@functools.cache
def _public_authorities() -> ssl.SSLContext:
    """One TLS context for every send (building one per send costs more than many a send)."""
    return httpx.create_ssl_context(trust_env=False)


def _excerpt(answer: httpx.Response) -> str:
    """The start of the answer's body, read no further: an endless body cannot hold a sender."""
    text = ""
    for chunk in answer.iter_text():
        text += chunk
        if len(text) >= EXCERPT_LENGTH:
            break
    return text[:EXCERPT_LENGTH]


def public_error(failure: Exception) -> str:
    """The delivery log's words for a failed send. The URL check keeps private addresses out, but any public one
    can be entered: refused, filtered, reset and TLS failures read alike, so the log is no port scanner. The
    details go to the server log at debug level."""
    if isinstance(failure, httpx.InvalidURL):
        return "not sent: invalid URL"
    if isinstance(failure, (httpx.ConnectError, httpx.ConnectTimeout)):
        return "connection failed"
    if isinstance(failure, httpx.TimeoutException):
        return "timed out"
    return "invalid response"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def encrypt_secret(secret_key: bytes, secret: str) -> bytes:
    return encrypt(secret_key, secret, purpose=PURPOSE)
