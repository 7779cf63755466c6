"""The webhooks pages: endpoints, their one-time signing secrets, toggling, rotation, delivery logs and deletion."""

from __future__ import annotations

import sqlite3

from ..core.audit import record_event
from ..core.handlers import organisation_of, owned_row, public_id, requires_recent_sign_in, secret_page, signed_in_user
from ..core.http import BadRequest, NotFound, Request, Response, redirect
from ..core.text import has_control_characters
from . import webhook_urls, webhooks

MAX_DESCRIPTION = 300


def _find(request: Request, endpoint_id: int) -> sqlite3.Row:
    return owned_row(
        request,
        "SELECT * FROM webhook_endpoints WHERE id = ? AND organisation_id = ?",
        endpoint_id,
        missing="There is no such webhook endpoint in your organisation.",
    )


def _page(request: Request, *, form: dict[str, object] | None = None, errors: dict[str, str] | None = None,
          status: int = 200) -> Response:
    endpoints = request.app.db.query(
        "SELECT w.*, (SELECT d.state || ' ' || COALESCE(d.last_status, '') FROM webhook_deliveries d"
        "  WHERE d.endpoint_id = w.id AND d.state != 'pending' ORDER BY d.updated_at DESC, d.id DESC LIMIT 1)"
        " AS last_result FROM webhook_endpoints w WHERE w.organisation_id = ? ORDER BY w.created_at, w.id",
        (organisation_of(request),),
    )
    return request.app.render(
        request, "webhooks/list.html", status=status, endpoints=endpoints, event_types=webhooks.EVENT_TYPES,
        form=form or {"url": "", "event_types": [], "description": ""}, errors=errors or {},
        deleted=request.arg("deleted") == "1",
    )


def index(request: Request) -> Response:
    return _page(request)


def create(request: Request) -> Response:
    app = request.app
    url = request.field("url").strip()
    chosen = request.form.get("event_types", [])
    description = request.field("description").strip()
    errors: dict[str, str] = {}
    try:
        webhook_urls.check(url, development=app.config.development, resolver=app.deliveries.resolver)
    except webhook_urls.UnsafeUrl as refused:
        errors["url"] = str(refused)
    unknown = [t for t in chosen if t not in webhooks.EVENT_TYPES]
    if not chosen or unknown:
        errors["event_types"] = "Choose one or more of the listed event types." if not unknown else (
            f"Unknown event type: {unknown[0][:60]}")
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = f"The description may have at most {MAX_DESCRIPTION} characters."
    elif has_control_characters(description, multiline=True):
        errors["description"] = "The description may not contain control characters."
    if errors:
        return _page(request, form={"url": url, "event_types": chosen, "description": description}, errors=errors,
                     status=422)
    secret = webhooks.new_secret()
    now = app.config.clock()
    with app.db.transaction() as conn:
        conn.execute(
            "INSERT INTO webhook_endpoints (organisation_id, url, description, event_types, state, secret_encrypted,"
            " created_at) VALUES (?, ?, ?, ?, 'active', ?, ?)",
            (organisation_of(request), url, description, " ".join(sorted(set(chosen))),
             webhooks.encrypt_secret(app.secret_key, secret), now),
        )
    return secret_page(request, "webhooks/secret.html", title="Webhook endpoint created", url=url, secret=secret)


@requires_recent_sign_in
def toggle(request: Request, endpoint_id: int) -> Response:
    row = _find(request, endpoint_id)
    new_state = "inactive" if row["state"] == "active" else "active"
    with request.app.db.transaction() as conn:
        conn.execute(
            "UPDATE webhook_endpoints SET state = ?, disabled_reason = NULL, failing_since = NULL WHERE id = ?",
            (new_state, endpoint_id),
        )
        if new_state == "inactive":
            webhooks.cancel_pending(conn, endpoint_id, request.app.config.clock())
    return redirect("/app/webhooks")


@requires_recent_sign_in
def rotate(request: Request, endpoint_id: int) -> Response:
    row = _find(request, endpoint_id)
    app = request.app
    secret = webhooks.new_secret()
    now = app.config.clock()
    with app.db.transaction() as conn:
        conn.execute(
            "UPDATE webhook_endpoints SET previous_secret_encrypted = secret_encrypted, previous_secret_expires_at = ?,"
            " secret_encrypted = ? WHERE id = ?",
            (now + webhooks.SECRET_OVERLAP_SECONDS, webhooks.encrypt_secret(app.secret_key, secret), endpoint_id),
        )
        record_event(conn, user_id=signed_in_user(request).id, kind="webhook_secret_rotated", request=request,
                     detail=row["url"])
    return secret_page(request, "webhooks/secret.html", title="Signing secret rotated", url=row["url"], secret=secret)


def send_test(request: Request, endpoint_id: int) -> Response:
    row = _find(request, endpoint_id)
    if row["state"] != "active":
        raise BadRequest("Only an active endpoint can receive a test event. Activate it first.")
    with request.app.db.transaction() as conn:
        webhooks.publish(conn, row["organisation_id"], "webhook.test", {"endpoint_url": row["url"]},
                         request.app.config.clock(), endpoint_ids=[endpoint_id])
    request.app.deliveries.notify()
    return redirect(f"/app/webhooks/{public_id(request, 'wh', endpoint_id)}/deliveries?sent=1")


def deliveries(request: Request, endpoint_id: int) -> Response:
    row = _find(request, endpoint_id)
    events = request.app.db.query(
        "SELECT d.*, e.type, e.id AS message_id FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id"
        " WHERE d.endpoint_id = ? ORDER BY d.created_at DESC, d.id DESC LIMIT 100",
        (endpoint_id,),
    )
    attempts: dict[int, list[sqlite3.Row]] = {}
    for attempt in request.app.db.query(
        "SELECT a.* FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id"
        " WHERE d.endpoint_id = ? ORDER BY a.attempted_at, a.id",
        (endpoint_id,),
    ):
        attempts.setdefault(attempt["delivery_id"], []).append(attempt)
    return request.app.render(request, "webhooks/deliveries.html", endpoint=row, deliveries=events, attempts=attempts,
                              sent=request.arg("sent") == "1")


def redeliver(request: Request, endpoint_id: int, delivery_id: int) -> Response:
    row = _find(request, endpoint_id)
    if row["state"] != "active":
        raise BadRequest("Activate the endpoint before redelivering to it.")
    now = request.app.config.clock()
    with request.app.db.transaction() as conn:
        original = conn.execute(
            "SELECT event_id FROM webhook_deliveries WHERE id = ? AND endpoint_id = ?", (delivery_id, endpoint_id)
        ).fetchone()
        if original is None:
            raise NotFound("There is no such delivery for this endpoint.")
        conn.execute(
            "INSERT INTO webhook_deliveries (event_id, endpoint_id, state, next_attempt_at, created_at, updated_at)"
            " VALUES (?, ?, 'pending', ?, ?, ?)",
            (original["event_id"], endpoint_id, now, now, now),
        )
    request.app.deliveries.notify()
    return redirect(f"/app/webhooks/{public_id(request, 'wh', endpoint_id)}/deliveries")


@requires_recent_sign_in
def confirm_delete(request: Request, endpoint_id: int) -> Response:
    return request.app.render(request, "webhooks/confirm_delete.html", endpoint=_find(request, endpoint_id))


@requires_recent_sign_in
def delete(request: Request, endpoint_id: int) -> Response:
    _find(request, endpoint_id)
    with request.app.db.transaction() as conn:
        # Deliveries and their attempts go with it (ON DELETE CASCADE): nothing pending is left to send.
        conn.execute("DELETE FROM webhook_endpoints WHERE id = ?", (endpoint_id,))
    return redirect("/app/webhooks?deleted=1")
