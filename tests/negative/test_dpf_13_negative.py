"""DPF-13 must fail when the catalog miscounts endpoints, loses a product, or leaves one unexplained."""

import pytest

FAULTS = {
    "endpoint-count-off-by-one": ('{{ product.endpoint_count }}', '{{ product.endpoint_count + 1 }}'),
    "first-product-of-each-category-missing": ("{% for product in items %}", "{% for product in items[1:] %}"),
    "description-missing": ('<p data-testid="product-description">{{ product.description }}</p>',
                            '<p data-testid="product-description"></p>'),
}


@pytest.mark.parametrize("old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_the_catalog_is_wrong(old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-13", start_portal(templates=patched_template("products/index.html", old, new)))
    assert outcome.outcome == "failed", str(outcome)
