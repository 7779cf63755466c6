"""DPF-13 API products catalog: every product, by category, with endpoint counts that match the OpenAPI document.

Faults of a broken portal this flow must catch:
- a product's endpoint count differs from its operations in /openapi.json (or a product lists no operation at all);
- a product the API offers is missing from the catalog, also when /openapi.json carries no `x-scope` (the products
  are then found from the contract's product API routes, never silently left unchecked);
- a product, a category or a description with no name or a placeholder (blank, or the same text on every card);
- an approval mode that does not hold: a product shown as `automatic` whose subscription waits, or `manual` whose
  subscription is approved at once (the flow subscribes its own application and looks at the state);
- environments other than `sandbox`/`production`, or a product offered in sandbox that a sandbox application
  cannot subscribe to.
It must not rely on which products exist, their slugs or order, or the letter case of approval modes and environments.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import operations
from playbooks.harness.contract import contract
from playbooks.harness.controls import heading

FLOW_ID = "DPF-13"
APPROVAL_MODE = re.compile(r"^\s*(automatic|manual)\s*$", re.IGNORECASE)  # in any letter case
ENVIRONMENTS = {"sandbox", "production"}
EXPECTED_STATE = {"automatic": "approved", "manual": "pending"}
# The contract's routes of the product APIs (bearer tokens with a scope): their OpenAPI tags are the products.
PRODUCT_ROUTES = ("payments_create", "payments_list", "payment", "balances", "fx_quote")
WORDS = re.compile(r"\w{2,}")


def _openapi_path_pattern(path: str) -> re.Pattern[str]:
    """A contract route path (/api/v1/payments/<id>) as a pattern over OpenAPI paths (/api/v1/payments/{payment_id})."""
    parts = re.split(r"<[a-z_]+>", path)
    return re.compile(r"\{[^/]+\}".join(re.escape(part) for part in parts))


def product_tags(openapi: dict) -> set[str]:
    """The products the API document offers: the tags of the contract's product API routes, and of every operation
    that names a scope (`x-scope`, or a scope in its security requirement)."""
    documented = operations(openapi)
    tags: set[str] = set()
    for name in PRODUCT_ROUTES:
        route = contract().route(name)
        pattern = _openapi_path_pattern(route.path)
        found = [op for method, path, op in documented if method == route.method and pattern.fullmatch(path)]
        assert found, f"/openapi.json does not document the contract's {route.method} {route.path}"
        for op in found:
            assert op.get("tags"), f"/openapi.json gives {route.method} {route.path} no tag (its product)"
            tags.add(op["tags"][0])
    for _, _, op in documented:
        scoped = op.get("x-scope") or any(scopes for requirement in op.get("security", []) for scopes in requirement.values())
        if scoped and op.get("tags"):
            tags.add(op["tags"][0])
    return tags


@pytest.mark.dpf(FLOW_ID)
def test_api_products_catalog(flow, open_page, developer, api, applications, developer_portal):
    openapi = api.get("/openapi.json").json()
    counted = Counter(op["tags"][0] for _, _, op in operations(openapi) if op.get("tags"))
    expected_products = product_tags(openapi)
    assert expected_products, "/openapi.json offers no product"
    # The flow's own sandbox application, subscribed by the flow itself to every product offered in sandbox, so
    # that each product's approval mode is proven by the state its subscription takes.
    app = applications.create(scopes=())
    offered = developer_portal.products()
    for slug, product in offered.items():
        if "sandbox" in WORDS.findall(str(product["environments"]).lower()):
            developer_portal.subscribe(app.id, slug)
    page = open_page(developer)
    products = page.get_by_test_id("product")

    with flow.step("Open API products page."):
        response = page.goto("/app/products")
        assert response is not None and response.status == 200, f"/app/products answered HTTP {response and response.status}"
        expect(heading(page, "API products")).to_be_visible()

    with flow.step("Review product categories and endpoint counts."):
        categories = page.get_by_test_id("product-category")
        expect(categories.first).to_be_visible()
        category_names = []
        for category in categories.all():
            category_heading = category.get_by_role("heading", level=2)
            expect(category_heading).to_have_count(1)
            category_names.append(category_heading.inner_text().strip())
            expect(category.get_by_test_id("product").first).to_be_visible()
        assert all(WORDS.search(name) for name in category_names), f"a category has no name: {category_names}"
        assert len(set(category_names)) == len(category_names), f"categories repeat: {category_names}"
        shown = {}
        for product in products.all():
            slug = product.get_attribute("data-product") or ""
            assert slug not in shown, f"the product {slug!r} is shown twice"
            shown[slug] = int(product.get_by_test_id("endpoint-count").inner_text().strip())
            assert shown[slug] == counted[slug], (
                f"{slug} shows {shown[slug]} endpoints; /openapi.json documents {counted[slug]}"
            )
            assert counted[slug] > 0, f"the product {slug!r} has no operation in /openapi.json"

    with flow.expected_result("product catalog is complete and understandable."):
        missing = expected_products - set(shown)
        assert not missing, f"documented products missing from the catalog: {sorted(missing)}"
        names, descriptions = {}, {}
        for product in products.all():
            slug = product.get_attribute("data-product") or ""
            product_heading = product.get_by_role("heading", level=3)
            expect(product_heading).to_have_count(1)
            names[slug] = product_heading.inner_text().strip()
            descriptions[slug] = product.get_by_test_id("product-description").inner_text().strip()
            assert WORDS.search(names[slug]), f"the product {slug!r} has no name: {names[slug]!r}"
            assert len(WORDS.findall(descriptions[slug])) >= 3 and descriptions[slug] != names[slug], (
                f"the product {slug!r} is not described: {descriptions[slug]!r}"
            )
            environments = set(WORDS.findall(product.get_by_test_id("environments").inner_text().lower()))
            assert environments and environments <= ENVIRONMENTS, f"{slug} is offered in {sorted(environments)}"
            expect(product.get_by_test_id("approval-mode")).to_have_text(APPROVAL_MODE)
            mode = product.get_by_test_id("approval-mode").inner_text().strip().lower()
            if "sandbox" in environments:
                row = product.get_by_test_id("subscription-row").filter(has_text=app.name)
                state = row.get_by_test_id("subscription-state")
                expect(state, f"{slug} ({mode}): the flow's subscription").to_have_attribute(
                    "data-state", EXPECTED_STATE[mode]
                )
        assert len(set(names.values())) == len(names), f"products share a name: {names}"
        assert len(set(descriptions.values())) == len(descriptions), "products share one description"
