"""DPF-13 API products catalog: every product, by category, with endpoint counts that match the OpenAPI document."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from playwright.sync_api import expect

from playbooks.harness.api_calls import operations

FLOW_ID = "DPF-13"
APPROVAL_MODE = re.compile(r"^\s*(automatic|manual)\s*$")


@pytest.mark.dpf(FLOW_ID)
def test_api_products_catalog(flow, open_page, developer, api):
    openapi = api.get("/openapi.json").json()
    counted = Counter(op["tags"][0] for _, _, op in operations(openapi) if op.get("tags"))
    product_tags = {op["tags"][0] for _, _, op in operations(openapi) if op.get("x-scope")}
    page = open_page(developer)
    products = page.get_by_test_id("product")

    with flow.step("Open API products page."):
        response = page.goto("/app/products")
        assert response is not None and response.status == 200, f"/app/products answered HTTP {response and response.status}"
        expect(page.get_by_role("heading", level=1, name="API products", exact=True)).to_be_visible()

    with flow.step("Review product categories and endpoint counts."):
        categories = page.get_by_test_id("product-category")
        expect(categories.first).to_be_visible()
        for category in categories.all():
            expect(category.get_by_role("heading", level=2)).not_to_be_empty()
            expect(category.get_by_test_id("product").first).to_be_visible()
        shown = {}
        for product in products.all():
            slug = product.get_attribute("data-product") or ""
            shown[slug] = int(product.get_by_test_id("endpoint-count").inner_text().strip())
            assert shown[slug] == counted[slug], (
                f"{slug} shows {shown[slug]} endpoints; /openapi.json documents {counted[slug]}"
            )

    with flow.expected_result("product catalog is complete and understandable."):
        missing = product_tags - set(shown)
        assert not missing, f"documented products missing from the catalog: {sorted(missing)}"
        for product in products.all():
            expect(product.get_by_role("heading", level=3)).not_to_be_empty()
            expect(product.get_by_test_id("product-description")).not_to_be_empty()
            expect(product.get_by_test_id("environments")).not_to_be_empty()
            expect(product.get_by_test_id("approval-mode")).to_have_text(APPROVAL_MODE)
