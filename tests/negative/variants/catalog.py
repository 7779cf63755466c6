"""Benign variants of the catalog, docs, testing guide and sandbox pages (DPF-13 to DPF-18)."""

from __future__ import annotations

import json
from typing import Any, Callable

from reference_portal.areas import applications
from reference_portal.core.http import Response, json_response

from . import Variant


def without_examples(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_examples(v) for k, v in value.items() if k not in ("example", "examples")}
    if isinstance(value, list):
        return [without_examples(v) for v in value]
    return value


def openapi_without_examples(endpoint: Callable[..., Response]) -> Callable[..., Response]:
    def document(request: Any, **values: Any) -> Response:
        return json_response(without_examples(json.loads(endpoint(request, **values).encoded_body())))

    return document


def postman_in_folders(endpoint: Callable[..., Response]) -> Callable[..., Response]:
    """The same requests, each inside a folder named after its first path segment."""

    def collection_in_folders(request: Any, **values: Any) -> Response:
        collection = json.loads(endpoint(request, **values).encoded_body())
        folders: dict[str, list[Any]] = {}
        for item in collection["item"]:
            url = item["request"]["url"]
            raw = url["raw"] if isinstance(url, dict) else url
            folders.setdefault(raw.split("}}", 1)[-1].strip("/").split("/")[0] or "root", []).append(item)
        collection["item"] = [{"name": name, "item": items} for name, items in folders.items()]
        return json_response(collection)

    return collection_in_folders


VARIANTS = [
    Variant("openapi-without-examples", "an OpenAPI description with no example values",
            ("DPF-13", "DPF-14", "DPF-15", "DPF-31"),
            routes={("GET", "/openapi.json"): openapi_without_examples}),
    Variant("postman-in-folders", "a Postman collection whose requests sit in folders", ("DPF-15", "DPF-31"),
            routes={("GET", "/app/how-to-test/postman.json"): postman_in_folders}),
    Variant("no-automatic-subscription", "a new application is subscribed to nothing until it asks",
            ("DPF-06", "DPF-10", "DPF-11", "DPF-12", "DPF-13", "DPF-25", "DPF-26", "DPF-31", "DPF-32", "DPF-34"),
            patches=((applications, "subscribe_to_automatic_products", lambda *args, **kwargs: None),)),
    Variant("catalog-headings-in-capitals", "level-1 headings in other capitals: API Products, DOCS, How To Test, "
            "Delivery Logs", ("DPF-13", "DPF-14", "DPF-15", "DPF-23"),
            templates=(("products/index.html", "<h1>API products</h1>", "<h1>API Products</h1>"),
                       ("docs/reference.html", "<h1>Docs</h1>", "<h1>DOCS</h1>"),
                       ("docs/how_to_test.html", "<h1>How to test</h1>", "<h1>How To Test</h1>"),
                       ("webhooks/deliveries.html", "<h1>Delivery logs</h1>", "<h1>Delivery Logs</h1>"))),
    Variant("docs-sections-in-other-order", "the reference's sections, and its contents list, in the other order",
            ("DPF-14",),
            templates=(("docs/reference.html", "{% for section in sections %}",
                        "{% for section in sections|reverse %}"),)),
    Variant("sandbox-newest-first", "sandbox credentials listed newest first", ("DPF-16", "DPF-17", "DPF-18", "DPF-31"),
            templates=(("sandbox/list.html", "{% for a in accounts %}", "{% for a in accounts|reverse %}"),)),
]
