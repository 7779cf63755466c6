"""DPF-13 must fail when the catalog miscounts endpoints, loses a product (also when /openapi.json has no x-scope),
leaves one unexplained, or states an approval mode that subscriptions do not follow."""

import pytest

from reference_portal.areas import docs

FAULTS = {
    "endpoint-count-off-by-one": ('{{ product.endpoint_count }}', '{{ product.endpoint_count + 1 }}'),
    "first-product-of-each-category-missing": ("{% for product in items %}", "{% for product in items[1:] %}"),
    "description-missing": ('<p data-testid="product-description">{{ product.description }}</p>',
                            '<p data-testid="product-description"></p>'),
    "description-placeholder": ('<p data-testid="product-description">{{ product.description }}</p>',
                                '<p data-testid="product-description">An API product of this portal.</p>'),
    "approval-mode-always-automatic": ('<dd data-testid="approval-mode">{{ product.approval_mode }}</dd>',
                                       '<dd data-testid="approval-mode">automatic</dd>'),
}


@pytest.mark.parametrize("old, new", FAULTS.values(), ids=FAULTS.keys())
def test_fails_when_the_catalog_is_wrong(old, new, start_portal, run_playbook, patched_template):
    outcome = run_playbook("DPF-13", start_portal(templates=patched_template("products/index.html", old, new)))
    assert outcome.outcome == "failed", str(outcome)


def test_fails_when_a_product_is_missing_and_openapi_names_no_scope(monkeypatch, start_portal, run_playbook,
                                                                    patched_template):
    document = docs.openapi_document

    def without_scopes(*args, **kwargs):
        found = document(*args, **kwargs)
        for methods in found["paths"].values():
            for operation in methods.values():
                operation.pop("x-scope", None)
                operation["security"] = [{name: [] for name in requirement} for requirement in operation["security"]]
        return found

    monkeypatch.setattr(docs, "openapi_document", without_scopes)
    templates = patched_template("products/index.html", "{% for product in items %}",
                                 "{% for product in items if product.slug != 'fx' %}")
    outcome = run_playbook("DPF-13", start_portal(templates=templates))
    assert outcome.outcome == "failed", str(outcome)
