"""The OpenAPI document is valid, documents every API route the portal serves, and nothing it does not serve."""

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from reference_portal.areas.apidoc import Doc, Schema, doc_of, documented, example_path, openapi_document, openapi_path
from reference_portal.core.routing import Router, Rule
from reference_portal.routes import ROUTES

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


# --- The schemas: complete, and true of their own examples ----------------------------------------------------

# Operations whose success answer has no schema yet: sandbox.py's Doc declares only an example.
SUCCESS_WITHOUT_SCHEMA = {"api_account"}


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def assert_valid(document, schema, instance, where):
    """Validate with the document's components in reach, so #/components/schemas/... references resolve."""
    validator = Draft202012Validator({**schema, "components": document["components"]},
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [error.message for error in validator.iter_errors(instance)]
    assert not errors, f"{where}: the example {instance!r} does not match its schema: {errors}"


def test_every_parameter_body_and_answer_has_a_schema(document):
    for name, operation in operations(document):
        for parameter in operation.get("parameters", []):
            assert "schema" in parameter, f"{name}: parameter {parameter['name']}"
        for media in operation.get("requestBody", {}).get("content", {}).values():
            assert "schema" in media, f"{name}: request body"
        for status, response in operation["responses"].items():
            if operation["operationId"] in SUCCESS_WITHOUT_SCHEMA and status.startswith("2"):
                continue
            assert "schema" in response["content"]["application/json"], f"{name}: answer {status}"
            assert "X-Request-Id" in response["headers"], f"{name}: answer {status}"


def test_every_example_matches_its_schema(document):
    for name, operation in operations(document):
        for parameter in operation.get("parameters", []):
            assert_valid(document, parameter["schema"], parameter["example"], f"{name} {parameter['name']}")
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            assert_valid(document, media["schema"], media["example"], f"{name} {media_type} body")
        for status, response in operation["responses"].items():
            media = response["content"]["application/json"]
            if "schema" in media:
                assert_valid(document, media["schema"], media["example"], f"{name} answer {status}")


def test_the_tight_parts_of_the_contract(document):
    schemas = document["components"]["schemas"]
    assert schemas["Currency"]["enum"] == ["GBP", "EUR", "USD"]
    new_payment = schemas["NewPayment"]
    assert (new_payment["required"], new_payment["additionalProperties"]) == (["amount", "currency"], False)
    assert (new_payment["properties"]["amount"]["minimum"], new_payment["properties"]["amount"]["maximum"]) == (
        1, 100_000_000)

    limit = document["paths"]["/api/v1/payments"]["get"]["parameters"][0]["schema"]
    assert (limit["type"], limit["minimum"], limit["maximum"]) == ("integer", 1, 100)
    fx = {p["name"]: p for p in document["paths"]["/api/v1/fx/quotes"]["get"]["parameters"]}
    assert fx["from"]["schema"] == fx["to"]["schema"] == {"$ref": "#/components/schemas/Currency"}

    token = document["paths"]["/oauth/token"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
    assert token["schema"]["required"] == ["grant_type"]
    assert token["schema"]["properties"]["grant_type"]["enum"] == ["client_credentials"]


def test_the_scope_list_allows_the_products_scopes_and_nothing_else(document):
    pattern = re.compile(document["components"]["schemas"]["ScopeList"]["pattern"])
    for allowed in ("payments", "fx accounts payments", ""):
        assert pattern.fullmatch(allowed), allowed
    for refused in ("admin", "payments  accounts", " payments", "payments,fx", "payment"):
        assert not pattern.fullmatch(refused), refused


def test_links_name_documented_operations_and_parameters(document):
    by_id = {operation["operationId"]: operation for _, operation in operations(document)}
    for name, operation in operations(document):
        for response in operation["responses"].values():
            for link in response.get("links", {}).values():
                target = by_id[link["operationId"]]
                assert set(link["parameters"]) <= {p["name"] for p in target.get("parameters", [])}, name


def test_named_schemas_are_published_once_and_referenced():
    payment = Schema("Payment", {"type": "object"})
    rule = Rule("GET", "/x", documented(Doc("X", "x", response_schema={"type": "array", "items": payment}))(
        lambda request: None))
    document = openapi_document([rule], server_url="http://portal.test", products=[])
    answer = document["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"type": "array", "items": {"$ref": "#/components/schemas/Payment"}}
    assert document["components"]["schemas"]["Payment"] == {"type": "object"}

    clash = Rule("GET", "/y", documented(Doc("Y", "y", response_schema=Schema("Payment", {"type": "string"})))(
        lambda request: None))
    with pytest.raises(ValueError, match="Payment"):
        openapi_document([rule, clash], server_url="http://portal.test", products=[])
