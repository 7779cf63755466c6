"""The API keys page: each application's credential, its rotation, deactivation and revocation."""

from __future__ import annotations

import sqlite3

from ..core.audit import record_event
from ..core.handlers import owned_row, requires_recent_sign_in, secret_page, signed_in_user
from ..core.http import BadRequest, Forbidden, Request, Response, redirect
from ..core.numbers import whole_number
from . import credentials, webhooks


def find_credential(request: Request, credential_id: int) -> sqlite3.Row:
    return owned_row(
        request,
        "SELECT c.*, a.name AS application_name, a.environment, a.organisation_id FROM credentials c"
        " JOIN applications a ON a.id = c.application_id WHERE c.id = ? AND a.organisation_id = ?",
        credential_id,
        missing="There is no such credential in your organisation.",
    )


def _event_data(row: sqlite3.Row, grace_seconds: int | None = None) -> dict[str, object]:
    data: dict[str, object] = {"client_id": row["client_id"], "application": row["application_name"]}
    if grace_seconds is not None:
        data["old_secret_valid_for_seconds"] = grace_seconds
    return data


def index(request: Request) -> Response:
    user = signed_in_user(request)
    rows = request.app.db.query(
        "SELECT c.*, a.name AS application_name, a.environment FROM credentials c"
        " JOIN applications a ON a.id = c.application_id WHERE a.organisation_id = ? ORDER BY a.created_at, a.id",
        (user.organisation_id,),
    )
    grace = request.app.db.scalar(
        "SELECT rotation_grace_seconds FROM organisations WHERE id = ?", (user.organisation_id,)
    )
    return request.app.render(
        request,
        "keys/list.html",
        credentials=rows,
        grace=grace,
        grace_choices=credentials.ROTATION_GRACE_CHOICES,
        now=request.app.config.clock(),
        can_set_policy=user.organisation_role == "admin",
    )


def set_policy(request: Request) -> Response:
    user = signed_in_user(request)
    if user.organisation_role != "admin":
        raise Forbidden("Only an organisation admin can change the rotation policy.")
    grace = whole_number(request.field("rotation_grace_seconds"))
    if grace not in credentials.ROTATION_GRACE_CHOICES:
        raise BadRequest("Choose one of the offered rotation policies.")
    with request.app.db.transaction() as conn:
        conn.execute("UPDATE organisations SET rotation_grace_seconds = ? WHERE id = ?", (grace, user.organisation_id))
    return redirect("/app/keys")


@requires_recent_sign_in
def rotate(request: Request, credential_id: int) -> Response:
    row = find_credential(request, credential_id)
    if row["state"] != "active":
        raise BadRequest("Only an active credential can be rotated. Reactivate it first.")
    app = request.app
    with app.db.transaction() as conn:
        grace = conn.execute(
            "SELECT rotation_grace_seconds FROM organisations WHERE id = ?", (row["organisation_id"],)
        ).fetchone()[0]
        now = app.config.clock()
        secret = credentials.rotate(conn, credential_id, row["environment"], grace, now)
        webhooks.publish(conn, row["organisation_id"], "credential.rotated", _event_data(row, grace), now)
        record_event(conn, user_id=signed_in_user(request).id, kind="api_secret_rotated", request=request,
                     detail=f"{row['application_name']} ({row['client_id']})")
    app.deliveries.notify()
    return secret_page(
        request, "apps/secret.html", title="Client secret rotated", application_name=row["application_name"], client_id=row["client_id"],
        secret=secret,
    )


STATE_EVENTS = {"revoked": "api_key_revoked", "deactivated": "api_key_deactivated", "active": "api_key_reactivated"}


def _change_state(request: Request, credential_id: int, allowed_from: tuple[str, ...], state: str) -> Response:
    row = find_credential(request, credential_id)
    if row["state"] not in allowed_from:
        raise BadRequest(f"A {row['state']} credential cannot be made {state}.")
    with request.app.db.transaction() as conn:
        credentials.set_state(conn, credential_id, state)
        record_event(conn, user_id=signed_in_user(request).id, kind=STATE_EVENTS[state], request=request,
                     detail=f"{row['application_name']} ({row['client_id']})")
        if state == "revoked":
            webhooks.publish(conn, row["organisation_id"], "credential.revoked", _event_data(row), request.app.config.clock())
    request.app.deliveries.notify()
    return redirect("/app/keys")


@requires_recent_sign_in
def deactivate(request: Request, credential_id: int) -> Response:
    return _change_state(request, credential_id, ("active",), "deactivated")


def reactivate(request: Request, credential_id: int) -> Response:
    return _change_state(request, credential_id, ("deactivated",), "active")


@requires_recent_sign_in
def confirm_revoke(request: Request, credential_id: int) -> Response:
    return request.app.render(request, "keys/confirm_revoke.html", credential=find_credential(request, credential_id))


@requires_recent_sign_in
def revoke(request: Request, credential_id: int) -> Response:
    if request.field("confirm") != "revoke":
        raise BadRequest("Revoking is permanent and needs confirming.")
    return _change_state(request, credential_id, ("active", "deactivated"), "revoked")
