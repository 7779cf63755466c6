"""API products: the catalog, subscriptions of applications to products, and the operator's approvals."""

from __future__ import annotations

import sqlite3
from collections import Counter

from ..core.handlers import id_from, signed_in_user
from ..core.http import BadRequest, HTTPError, NotFound, Request, Response, redirect
from .apidoc import doc_of


class Conflict(HTTPError):
    status, title = 409, "Already done"
    description = "That has already been done."


def all_products(request: Request) -> list[dict[str, str]]:
    return [dict(row) for row in request.app.db.query("SELECT * FROM products ORDER BY category, name")]


def endpoint_counts(request: Request) -> Counter[str]:
    """Endpoints per product tag, counted from the same route table the OpenAPI document is made from."""
    return Counter(doc.tag for rule in request.app.router.rules if (doc := doc_of(rule)) is not None)


def index(request: Request) -> Response:
    user = signed_in_user(request)
    apps = request.app.db.query(
        "SELECT id, name, environment FROM applications WHERE organisation_id = ? ORDER BY created_at, id",
        (user.organisation_id,),
    )
    states = {
        (row["application_id"], row["product_id"]): row["state"]
        for row in request.app.db.query(
            "SELECT s.application_id, s.product_id, s.state FROM subscriptions s"
            " JOIN applications a ON a.id = s.application_id WHERE a.organisation_id = ?",
            (user.organisation_id,),
        )
    }
    catalog: dict[str, list[dict[str, object]]] = {}
    counts = endpoint_counts(request)
    for product in all_products(request):
        catalog.setdefault(str(product["category"]), []).append(
            {**product, "endpoint_count": counts.get(str(product["slug"]), 0),
             "environment_list": str(product["environments"]).split(",")}
        )
    return request.app.render(
        request, "products/index.html", catalog=catalog, applications=apps, states=states,
        subscribed=request.arg("subscribed"),
    )


def subscribe(request: Request, slug: str) -> Response:
    user = signed_in_user(request)
    product = request.app.db.one("SELECT * FROM products WHERE slug = ?", (slug,))
    if product is None:
        raise NotFound("There is no such API product.")
    application_id = id_from(request, "app", request.field("application_id"), refused="Choose one of your applications.")
    application = request.app.db.one(
        "SELECT * FROM applications WHERE id = ? AND organisation_id = ?", (application_id, user.organisation_id)
    )
    if application is None:
        raise NotFound("There is no such application in your organisation.")
    if application["environment"] not in product["environments"].split(","):
        raise BadRequest(f"{product['name']} is not offered to {application['environment']} applications.")
    now = request.app.config.clock()
    state = "approved" if product["approval_mode"] == "automatic" else "pending"
    with request.app.db.transaction() as conn:
        try:
            conn.execute(
                "INSERT INTO subscriptions (application_id, product_id, state, created_at, decided_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (application_id, product["id"], state, now, now if state == "approved" else None),
            )
        except sqlite3.IntegrityError:
            raise Conflict(f"{application['name']} is already subscribed to {product['name']}.") from None
    return redirect(f"/app/products?subscribed={slug}")


def pending(request: Request) -> Response:
    rows = request.app.db.query(
        "SELECT s.id, s.state, s.created_at, s.application_id, a.name AS application_name, a.environment,"
        " o.name AS organisation_name, p.name AS product_name, p.slug AS product_slug FROM subscriptions s"
        " JOIN applications a ON a.id = s.application_id JOIN organisations o ON o.id = a.organisation_id"
        " JOIN products p ON p.id = s.product_id WHERE s.state = 'pending' ORDER BY s.created_at, s.id"
    )
    return request.app.render(request, "products/approvals.html", subscriptions=rows)


def _decide(request: Request, subscription_id: int, state: str) -> Response:
    with request.app.db.transaction() as conn:
        changed = conn.execute(
            "UPDATE subscriptions SET state = ?, decided_at = ? WHERE id = ? AND state = 'pending'",
            (state, request.app.config.clock(), subscription_id),
        ).rowcount
        if not changed:
            exists = conn.execute("SELECT 1 FROM subscriptions WHERE id = ?", (subscription_id,)).fetchone()
            if exists is None:
                raise NotFound("There is no such subscription.")
            raise Conflict("That subscription has already been decided.")
    return redirect("/admin/subscriptions")


def approve(request: Request, subscription_id: int) -> Response:
    return _decide(request, subscription_id, "approved")


def reject(request: Request, subscription_id: int) -> Response:
    return _decide(request, subscription_id, "rejected")
