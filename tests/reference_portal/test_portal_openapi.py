"""The OpenAPI document is valid, documents every API route the portal serves, and nothing it does not serve."""

import pytest
from openapi_spec_validator import validate

from reference_portal.apidoc import doc_of, example_path, openapi_path
from reference_portal.routes import ROUTES
from reference_portal.routing import Router

API_PREFIXES = ("/api/", "/oauth/")


@pytest.fixture
def document(client):
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_served_api_route_is_documented(document):
    for rule in ROUTES:
        if rule.pattern.startswith(API_PREFIXES):
            assert doc_of(rule) is not None, f"{rule.method} {rule.pattern} has no documentation"
            assert rule.method.lower() in document["paths"].get(openapi_path(rule.pattern), {}), rule.pattern


def test_every_documented_operation_is_served(document):
    router = Router(ROUTES)
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            concrete = path
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    concrete = concrete.replace("{" + parameter["name"] + "}", str(parameter["example"]))
            rule, _ = router.match(method.upper(), concrete)
            assert openapi_path(rule.pattern) == path


def test_examples_fill_every_path_parameter():
    for rule in ROUTES:
        if doc_of(rule) is not None:
            assert "<" not in example_path(rule) and "example" not in example_path(rule), rule.pattern


def test_operations_document_their_errors_and_security(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert "401" in operation["responses"], f"{method} {path}"
            assert operation["security"], f"{method} {path}"
            assert operation["tags"][0] in {tag["name"] for tag in document["tags"]}


def test_the_server_is_the_address_the_client_used(client):
    assert client.get("/openapi.json").json()["servers"] == [{"url": "http://portal.test"}]
