"""Benign variants: which products exist and how each is approved (the reference's seed, never the contract)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reference_portal import app as portal_app
from reference_portal import seed
from reference_portal.areas import products_api

from . import Variant

PAYMENT_ENDPOINTS = (products_api.create_payment, products_api.list_payments, products_api.get_payment)


class SeededProducts:
    """Changes to the seeded products table, each set (patched for the test's duration) by the variant making it."""

    payments_manual = ""
    payments_renamed = ""


def seed_then_change_products(db: Any, config: Any, secret_key: bytes) -> None:
    seed.seed_demo(db, config, secret_key)
    with db.transaction() as conn:
        for statement in (SeededProducts.payments_manual, SeededProducts.payments_renamed):
            if statement:
                conn.execute(statement)


CHANGED_SEED = (portal_app, "seed_demo", seed_then_change_products)
# The flows whose applications need the payments scope: the helper finds the product granting it and subscribes it.
PAYMENTS_SCOPE = ("DPF-12", "DPF-21", "DPF-24", "DPF-25", "DPF-26", "DPF-32", "DPF-34")

VARIANTS = [
    Variant("payments-manual", "the Payments product waits for the operator's approval (approval mode manual)",
            (*PAYMENTS_SCOPE, "DPF-13"),
            patches=((SeededProducts, "payments_manual",
                      "UPDATE products SET approval_mode = 'manual' WHERE scope = 'payments'"), CHANGED_SEED)),
    Variant("payments-renamed", "the product granting the payments scope is `payments-api`, named Card payments",
            (*PAYMENTS_SCOPE, "DPF-13", "DPF-14"),
            patches=((SeededProducts, "payments_renamed",
                      "UPDATE products SET slug = 'payments-api', name = 'Card payments' WHERE scope = 'payments'"),
                     CHANGED_SEED,
                     *((endpoint, "doc", replace(endpoint.doc, tag="payments-api")) for endpoint in PAYMENT_ENDPOINTS))),
    Variant("product-facts-capitalised", "approval modes and environments shown as Automatic, Manual, Sandbox",
            ("DPF-06", "DPF-10", "DPF-11", "DPF-13", "DPF-15", "DPF-31", "DPF-33", *PAYMENTS_SCOPE),
            templates=(("products/index.html", '<dd data-testid="approval-mode">{{ product.approval_mode }}</dd>',
                        '<dd data-testid="approval-mode">{{ product.approval_mode | capitalize }}</dd>'),
                       ("products/index.html", '{{ product.environment_list | join(", ") }}',
                        '{{ product.environment_list | map("capitalize") | join(", ") }}'))),
    Variant("products-reversed", "categories and the products in them listed in another order",
            ("DPF-13", "DPF-31", "DPF-34"),
            templates=(("products/index.html", "{% for category, items in catalog.items() %}",
                        "{% for category, items in catalog.items() | reverse %}"),
                       ("products/index.html", "{% for product in items %}", "{% for product in items | reverse %}"))),
]
