"""The API documentation, the testing guide and the Postman collection: all made from the OpenAPI document,
which is made from the route table, so none of them can drift from what the portal serves."""

from __future__ import annotations

import json
import shlex
from typing import Any

from ..core.handlers import organisation_of
from ..core.http import Request, Response, json_response
from .apidoc import openapi_document
from .products import all_products

METHOD_ORDER = ("get", "post", "put", "patch", "delete")
POSTMAN_SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


def document(request: Request) -> dict[str, Any]:
    return openapi_document(request.app.router.rules, server_url=request.base_url, products=all_products(request))


def openapi_json(request: Request) -> Response:
    response = json_response(document(request))
    response.set_header("Access-Control-Allow-Origin", "*")
    return response


def _example_url(base: str, path: str, operation: dict[str, Any]) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(parameter["example"]))
    query = [f"{p['name']}={p['example']}" for p in operation.get("parameters", []) if p["in"] == "query" and p["required"]]
    return base + path + ("?" + "&".join(query) if query else "")


def curl_example(base: str, path: str, method: str, operation: dict[str, Any], client_id: str = "$CLIENT_ID") -> str:
    url = _example_url(base, path, operation)
    scheme = next(iter(operation["security"][0]))
    parts = ["curl", "-s", "-X", method.upper(), shlex.quote(url)]
    if scheme == "basic":
        parts += ["-u", f'"{client_id}:$CLIENT_SECRET"']
    elif scheme == "sandboxKey":
        parts += ["-H", '"Authorization: Bearer $SANDBOX_API_KEY"']
    else:
        parts += ["-H", '"Authorization: Bearer $ACCESS_TOKEN"']
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        parts += ["-H", shlex.quote("Content-Type: application/json"), "-d",
                  shlex.quote(json.dumps(content["application/json"]["example"]))]
    elif "application/x-www-form-urlencoded" in content:
        for name, value in content["application/x-www-form-urlencoded"]["example"].items():
            if name == "grant_type":
                parts += ["-d", shlex.quote(f"{name}={value}")]
    return " ".join(parts)


def operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation with its path, method and tag, in document order."""
    found = []
    for path, methods in doc["paths"].items():
        for method in sorted(methods, key=METHOD_ORDER.index):
            operation = methods[method]
            found.append({"path": path, "method": method, "tag": operation["tags"][0], **operation})
    return found


def reference(request: Request) -> Response:
    doc = document(request)
    base = request.base_url
    sections = []
    for tag in doc["tags"]:
        ops = [
            {**op, "curl": curl_example(base, op["path"], op["method"], op)}
            for op in operations(doc)
            if op["tag"] == tag["name"]
        ]
        if ops:
            sections.append({"tag": tag, "operations": ops})
    return request.app.render(request, "docs/reference.html", sections=sections, base_url=base, json=json)


def _sandbox_applications(request: Request) -> list[Any]:
    return request.app.db.query(
        "SELECT a.id, a.name, c.client_id FROM applications a JOIN credentials c ON c.application_id = a.id"
        " WHERE a.organisation_id = ? AND a.environment = 'sandbox' AND c.state = 'active'"
        " ORDER BY a.created_at DESC, a.id DESC",
        (organisation_of(request),),
    )


def how_to_test(request: Request) -> Response:
    applications = _sandbox_applications(request)
    chosen = applications[0] if applications else None
    wanted = request.arg("application")
    if wanted:
        number = request.app.ids.decode("app", wanted)
        chosen = next((a for a in applications if a["id"] == number), chosen)
    base = request.base_url
    commands = []
    if chosen is not None:
        commands = [
            {
                "step": "token",
                "title": "Get an access token",
                "command": f"curl -s -X POST {base}/oauth/token -u \"{chosen['client_id']}:$CLIENT_SECRET\" "
                "-d grant_type=client_credentials",
                "expected_status": 200,
            },
            {
                "step": "call",
                "title": "Call an API with the token",
                "command": f"curl -s {base}/api/v1/accounts/balances -H \"Authorization: Bearer $ACCESS_TOKEN\"",
                "expected_status": 200,
            },
        ]
    return request.app.render(
        request, "docs/how_to_test.html", applications=applications, chosen=chosen, commands=commands, base_url=base
    )


def postman_collection(request: Request) -> Response:
    doc = document(request)
    items = []
    for op in operations(doc):
        path = op["path"]
        for parameter in op.get("parameters", []):
            if parameter["in"] == "path":
                path = path.replace("{" + parameter["name"] + "}", str(parameter["example"]))
        scheme = next(iter(op["security"][0]))
        auth = (
            {"type": "basic", "basic": [{"key": "username", "value": "{{clientId}}", "type": "string"},
                                        {"key": "password", "value": "{{clientSecret}}", "type": "string"}]}
            if scheme == "basic"
            else {"type": "bearer", "bearer": [{"key": "token", "type": "string",
                                                "value": "{{sandboxApiKey}}" if scheme == "sandboxKey" else "{{accessToken}}"}]}
        )
        query = [{"key": p["name"], "value": str(p["example"])} for p in op.get("parameters", []) if p["in"] == "query"]
        item_request: dict[str, Any] = {
            "method": op["method"].upper(),
            "auth": auth,
            "header": [],
            "url": {"raw": "{{baseUrl}}" + path, "host": ["{{baseUrl}}"], "path": path.strip("/").split("/"),
                    "query": query},
        }
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            item_request["header"].append({"key": "Content-Type", "value": "application/json"})
            item_request["body"] = {"mode": "raw", "raw": json.dumps(content["application/json"]["example"], indent=2)}
        elif "application/x-www-form-urlencoded" in content:
            item_request["body"] = {
                "mode": "urlencoded",
                "urlencoded": [{"key": k, "value": v} for k, v in content["application/x-www-form-urlencoded"]["example"].items()],
            }
        items.append({"name": op["summary"], "request": item_request})
    collection = {
        "info": {"name": doc["info"]["title"], "schema": POSTMAN_SCHEMA, "description": doc["info"]["description"]},
        "item": items,
        "variable": [
            {"key": "baseUrl", "value": request.base_url},
            {"key": "clientId", "value": ""},
            {"key": "clientSecret", "value": ""},
            {"key": "accessToken", "value": ""},
            {"key": "sandboxApiKey", "value": ""},
        ],
    }
    response = json_response(collection)
    response.set_header("Content-Disposition", 'attachment; filename="developer-portal.postman_collection.json"')
    return response
