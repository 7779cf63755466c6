"""Webhooks: signing secrets, the outbox of events, and the worker that delivers them with retries and logs.

Signatures follow the Standard Webhooks specification: headers webhook-id, webhook-timestamp and
webhook-signature, "v1," + base64 HMAC-SHA256 over "id.timestamp.body", two signatures while a rotated secret
overlaps. Each event keeps its webhook-id on every retry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import random
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import httpx

from . import webhook_urls
from .security import decrypt, encrypt

if TYPE_CHECKING:
    from .app import Portal

log = logging.getLogger("reference_portal.webhooks")

EVENT_TYPES = ("payment.succeeded", "payment.failed", "credential.rotated", "credential.revoked", "webhook.test")
# Seconds before each attempt: the first at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
RETRY_SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
DISABLE_AFTER_SECONDS = 5 * 86400
SECRET_OVERLAP_SECONDS = 86400
SEND_TIMEOUT_SECONDS = 15
LEASE_SECONDS = 60  # a claimed delivery whose worker died is due again after this
EXCERPT_LENGTH = 500
PURPOSE = "webhook-secret"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


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
    payload = json.dumps({"type": event_type, "timestamp": _iso(now), "data": data}, separators=(",", ":"))
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
    message_id: str
    payload: bytes
    url: str
    secrets: tuple[str, ...]
    attempts: int


class DeliveryWorker:
    """Claims due deliveries under BEGIN IMMEDIATE, posts them, records each attempt and schedules the next."""

    def __init__(self, app: Portal):
        self.app = app
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.resolver: webhook_urls.Resolver = webhook_urls.resolve

    # -- running in the background

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="webhook-deliveries", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 20) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def notify(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.deliver_due()
            except Exception:  # the worker must outlive any one bad delivery
                log.exception("webhook worker error")
                worked = 0
            if not worked:
                self._wake.wait(0.2)
                self._wake.clear()

    # -- the work itself, also callable directly by tests

    def deliver_due(self, limit: int = 50) -> int:
        done = 0
        while done < limit and not self._stop.is_set():
            claim = self.claim()
            if claim is None:
                break
            self.attempt(claim)
            done += 1
        return done

    def claim(self) -> Claim | None:
        """The next due delivery, leased to this worker; deliveries of endpoints no longer active are cancelled."""
        while True:
            claim = self._claim_one()
            if claim is not False:
                return claim

    def _claim_one(self) -> Claim | None | bool:
        app = self.app
        now = app.config.clock()
        with app.db.transaction() as conn:
            row = conn.execute(
                "SELECT d.id, d.endpoint_id, d.attempts, e.id AS message_id, e.payload,"
                " w.url, w.state AS endpoint_state, w.secret_encrypted, w.previous_secret_encrypted,"
                " w.previous_secret_expires_at FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id"
                " JOIN webhook_endpoints w ON w.id = d.endpoint_id"
                " WHERE d.state = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT 1",
                (now,),
            ).fetchone()
            if row is None:
                return None
            if row["endpoint_state"] != "active":
                conn.execute("UPDATE webhook_deliveries SET state = 'cancelled', updated_at = ? WHERE id = ?", (now, row["id"]))
                cancelled = True
            else:
                cancelled = False
                conn.execute("UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?", (now + LEASE_SECONDS, row["id"]))
        if cancelled:
            return False
        keys = [decrypt(app.secret_key, row["secret_encrypted"], purpose=PURPOSE)]
        if row["previous_secret_encrypted"] and (row["previous_secret_expires_at"] or 0) > now:
            keys.append(decrypt(app.secret_key, row["previous_secret_encrypted"], purpose=PURPOSE))
        return Claim(row["id"], row["endpoint_id"], row["message_id"],
                     row["payload"].encode("utf-8"), row["url"], tuple(keys), row["attempts"])

    def attempt(self, claim: Claim) -> None:
        app = self.app
        started = time.perf_counter()
        timestamp = int(app.config.clock())
        headers = {
            "content-type": "application/json",
            "user-agent": "developer-portal-webhooks/1",
            "webhook-id": claim.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(sign(s, claim.message_id, timestamp, claim.payload) for s in claim.secrets),
        }
        status: int | None = None
        excerpt, error, retry_after = "", None, None
        try:
            webhook_urls.check(claim.url, development=app.config.development, resolver=self.resolver)
            with httpx.Client(timeout=SEND_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False) as client:
                answer = client.post(claim.url, content=claim.payload, headers=headers)
            status = answer.status_code
            excerpt = answer.text[:EXCERPT_LENGTH]
            retry_after = _retry_after(answer.headers.get("retry-after"))
        except webhook_urls.UnsafeUrl as refused:
            error = f"not sent: {refused}"
        except httpx.HTTPError as failed:
            error = f"{type(failed).__name__}: {str(failed)[:200]}"
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        self.record(claim, status, duration_ms, excerpt, error, retry_after)

    def record(self, claim: Claim, status: int | None, duration_ms: float, excerpt: str, error: str | None,
               retry_after: float | None) -> None:
        app = self.app
        now = app.config.clock()
        scale = app.config.webhook_retry_scale
        attempts = claim.attempts + 1
        with app.db.transaction() as conn:
            conn.execute(
                "INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, duration_ms, response_excerpt,"
                " error) VALUES (?, ?, ?, ?, ?, ?)",
                (claim.delivery_id, now, status, duration_ms, excerpt, error),
            )
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
        conn.execute(
            "UPDATE webhook_deliveries SET state = 'cancelled', next_attempt_at = NULL, updated_at = ?"
            " WHERE endpoint_id = ? AND state = 'pending'",
            (now, endpoint_id),
        )


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def encrypt_secret(app: Portal, secret: str) -> bytes:
    return encrypt(app.secret_key, secret, purpose=PURPOSE)
