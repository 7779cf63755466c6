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
    Variant("sandbox-newest-first", "sandbox credentials listed newest first", ("DPF-16", "DPF-17", "DPF-18", "DPF-31"),
            templates=(("sandbox/list.html", "{% for a in accounts %}", "{% for a in accounts|reverse %}"),)),
]
