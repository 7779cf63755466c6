"""Applications: register, list, edit and delete an organisation's apps; creating one issues its credential."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from ..core.handlers import organisation_of, owned_row, public_id, requires_recent_sign_in, secret_page
from ..core.http import Request, Response, redirect
from ..core.text import has_control_characters
from ..core.urls import parse_url
from . import credentials

ENVIRONMENTS = ("sandbox", "production")
NAME_LENGTH = (3, 80)
MAX_DESCRIPTION = 500
MAX_CALLBACKS = 5
MAX_URL = 2000
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass
class AppForm:
    name: str = ""
    callback_urls: str = ""
    environment: str = "sandbox"
    description: str = ""

    @classmethod
    def from_request(cls, request: Request) -> AppForm:
        return cls(
            name=request.field("name").strip(),
            callback_urls=request.field("callback_url").replace("\r\n", "\n").strip(),
            environment=request.field("environment", "sandbox").strip(),
            description=request.field("description").strip(),
        )

    @property
    def urls(self) -> list[str]:
        return [line.strip() for line in self.callback_urls.split("\n") if line.strip()]


def callback_url_error(url: str, environment: str) -> str | None:
    if len(url) > MAX_URL:
        return f"A callback URL may have at most {MAX_URL} characters."
    parsed = parse_url(url)
    if parsed is None:  # e.g. an unclosed [IPv6 address
        return f"{url} is not an absolute http(s) URL."
    parts = parsed.parts
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return f"{url} is not an absolute http(s) URL."
    if parts.username or parts.password:
        return "Callback URLs may not carry a user name or password."
    if parts.fragment:
        return "Callback URLs may not have a #fragment."
    if parts.scheme == "http":
        if environment == "production":
            return "Production callback URLs must use https."
        if parts.hostname not in LOCAL_HOSTS:
            return "http is allowed only for localhost or 127.0.0.1 in the sandbox; use https."
    return None


def validate(form: AppForm, conn: sqlite3.Connection, organisation_id: int, *, application_id: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    low, high = NAME_LENGTH
    if not low <= len(form.name) <= high:
        errors["name"] = f"Enter a name of {low} to {high} characters."
    elif has_control_characters(form.name):
        errors["name"] = "The name may not contain control characters."
    else:
        clash = conn.execute(
            "SELECT id FROM applications WHERE organisation_id = ? AND name = ? AND id IS NOT ?",
            (organisation_id, form.name, application_id),
        ).fetchone()
        if clash:
            errors["name"] = "Your organisation already has an application with this name."
    if form.environment not in ENVIRONMENTS:
        errors["environment"] = "Choose sandbox or production."
    urls = form.urls
    if not urls:
        errors["callback_url"] = "Enter at least one callback URL."
    elif len(urls) > MAX_CALLBACKS:
        errors["callback_url"] = f"Enter at most {MAX_CALLBACKS} callback URLs."
    else:
        problem = next((e for url in urls if (e := callback_url_error(url, form.environment))), None)
        if problem:
            errors["callback_url"] = problem
    if len(form.description) > MAX_DESCRIPTION:
        errors["description"] = f"The description may have at most {MAX_DESCRIPTION} characters."
    elif has_control_characters(form.description, multiline=True):
        errors["description"] = "The description may not contain control characters."
    return errors


def find_application(request: Request, application_id: int) -> sqlite3.Row:
    return owned_row(
        request,
        "SELECT a.*, c.client_id FROM applications a LEFT JOIN credentials c ON c.application_id = a.id"
        " WHERE a.id = ? AND a.organisation_id = ?",
        application_id,
        missing="There is no such application in your organisation.",
    )


def index(request: Request) -> Response:
    rows = request.app.db.query(
        "SELECT a.*, c.client_id, c.state AS credential_state FROM applications a"
        " LEFT JOIN credentials c ON c.application_id = a.id WHERE a.organisation_id = ? ORDER BY a.created_at, a.id",
        (organisation_of(request),),
    )
    deleted = request.arg("deleted") == "1"
    return request.app.render(request, "apps/list.html", applications=rows, deleted=deleted)


def new(request: Request) -> Response:
    return request.app.render(request, "apps/new.html", form=AppForm(), errors={})


def create(request: Request) -> Response:
    app = request.app
    form = AppForm.from_request(request)
    organisation_id = organisation_of(request)
    now = app.config.clock()
    with app.db.transaction() as conn:
        errors = validate(form, conn, organisation_id, application_id=None)
        if not errors:
            application_id = conn.execute(
                "INSERT INTO applications (organisation_id, name, description, environment, callback_urls,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (organisation_id, form.name, form.description, form.environment, "\n".join(form.urls), now, now),
            ).lastrowid
            assert application_id is not None
            client_id, secret = credentials.issue(conn, application_id, form.environment, now)
            subscribe_to_automatic_products(conn, application_id, form.environment, now)
    if errors:
        return app.render(request, "apps/new.html", status=422, form=form, errors=errors)
    return secret_page(
        request, "apps/secret.html", title="Application created", application_name=form.name, client_id=client_id, secret=secret
    )


def subscribe_to_automatic_products(conn: sqlite3.Connection, application_id: int, environment: str, now: float) -> None:
    """New sandbox apps get the sandbox products that need no approval."""
    if environment != "sandbox":
        return
    conn.execute(
        "INSERT INTO subscriptions (application_id, product_id, state, created_at, decided_at)"
        " SELECT ?, id, 'approved', ?, ? FROM products WHERE approval_mode = 'automatic'"
        " AND instr(environments, 'sandbox') > 0",
        (application_id, now, now),
    )


def show(request: Request, application_id: int) -> Response:
    row = find_application(request, application_id)
    form = AppForm(row["name"], row["callback_urls"], row["environment"], row["description"])
    saved = request.arg("saved") == "1"
    return request.app.render(request, "apps/detail.html", application=row, form=form, errors={}, saved=saved)


def update(request: Request, application_id: int) -> Response:
    app = request.app
    row = find_application(request, application_id)
    form = AppForm.from_request(request)
    form.environment = row["environment"]  # fixed at creation: its secrets' prefix depends on it
    with app.db.transaction() as conn:
        errors = validate(form, conn, row["organisation_id"], application_id=application_id)
        if not errors:
            conn.execute(
                "UPDATE applications SET name = ?, description = ?, callback_urls = ?, updated_at = ? WHERE id = ?",
                (form.name, form.description, "\n".join(form.urls), app.config.clock(), application_id),
            )
    if errors:
        return app.render(request, "apps/detail.html", status=422, application=row, form=form, errors=errors, saved=False)
    return redirect(f"/app/apps/{public_id(request, 'app', application_id)}?saved=1")


@requires_recent_sign_in
def confirm_delete(request: Request, application_id: int) -> Response:
    return request.app.render(request, "apps/confirm_delete.html", application=find_application(request, application_id))


@requires_recent_sign_in
def delete(request: Request, application_id: int) -> Response:
    find_application(request, application_id)
    with request.app.db.transaction() as conn:
        conn.execute("DELETE FROM applications WHERE id = ?", (application_id,))
    return redirect("/app/apps?deleted=1")
