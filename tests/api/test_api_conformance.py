"""The API answers as its OpenAPI document says, over real HTTP: unknown /api paths and methods
in the error shape (with an ``Allow`` header naming the path's real methods, even with the web
page served at /), event streams declared as events, and a body that is not JSON answered 422
like any other invalid body."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from http_helpers import assert_error

from mixcoach.api.app import WEB_DIR

UNKNOWN_ID = "0" * 32
#: Methods no route of the API has.
UNUSED = ("PUT", "PATCH", "OPTIONS")  # each tried on the paths that do not take it


def openapi(client: httpx.Client) -> dict[str, Any]:
    schema: dict[str, Any] = client.get("/openapi.json").json()
    return schema


def test_the_page_does_not_swallow_the_api(client: httpx.Client) -> None:
    if not (WEB_DIR / "index.html").exists():
        pytest.skip(f"the web page is not built ({WEB_DIR})")
    assert "text/html" in client.get("/").headers["content-type"]  # the page is still at /
    options = client.options("/api/sessions")
    assert_error(options, 405, "method_not_allowed", "OPTIONS", "/api/sessions")
    assert options.headers["allow"] == "POST"
    get = client.get("/api/sessions")
    assert_error(get, 405, "method_not_allowed", "GET", "/api/sessions")
    assert get.headers["allow"] == "POST"
    for path in ("/api", "/api/", "/api/nothing-here", "/api/reviews/x/nothing"):
        assert_error(client.get(path), 404, "not_found", f"nothing at {path}")


def test_every_path_names_all_its_methods_in_allow(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    paths = openapi(client)["paths"]
    assert len(paths) >= 15
    for template, operations in paths.items():
        path = re.sub(r"\{[^}]+\}", UNKNOWN_ID, template)
        documented = {method.upper() for method in operations}
        for method in (m for m in UNUSED if m not in documented):
            response = client.request(method, path, headers=auth)
            assert_error(response, 405, "method_not_allowed", method, path)
            assert set(response.headers["allow"].split(", ")) == documented, template


def test_a_path_with_two_routes_lists_both(client: httpx.Client, auth: dict[str, str]) -> None:
    response = client.put(f"/api/reviews/{UNKNOWN_ID}", headers=auth)
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH"


STREAMS = {
    ("/api/reviews/{review_id}/feedback", "post"): {"chunk", "done", "error"},
    ("/api/reviews/{review_id}/chat", "post"): {"chunk", "done", "error"},
    ("/api/reviews/{review_id}/events", "get"): {"progress"},
}


def resolve(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = schema
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    assert isinstance(node, dict)
    return node


def test_event_streams_are_declared_event_by_event(client: httpx.Client) -> None:
    schema = openapi(client)
    for (path, method), names in STREAMS.items():
        ok = schema["paths"][path][method]["responses"]["200"]
        assert list(ok["content"]) == ["text/event-stream"], path  # no JSON body besides
        stream = ok["content"]["text/event-stream"]
        # The whole body is text; what it is made of is declared event by event.
        assert stream.get("schema", {"type": "string"}) == {"type": "string"}, path
        events = {
            item["properties"]["event"]["const"]: item for item in stream["itemSchema"]["oneOf"]
        }
        assert set(events) == names, path
        for name, item in events.items():
            assert item["required"] == ["event", "data"]
            data = item["properties"]["data"]
            assert data["contentMediaType"] == "application/json"
            content = data["contentSchema"]
            if "$ref" in content:
                assert "properties" in resolve(schema, content["$ref"]), (path, name)
            else:
                assert content["properties"], (path, name)
        for name in names:
            assert f"`{name}`" in ok["description"], (path, name)
    for path, model in {
        "/api/reviews/{review_id}/feedback": "Feedback",
        "/api/reviews/{review_id}/chat": "ChatMessageOut",
    }.items():
        content = schema["paths"][path]["post"]["responses"]["200"]["content"]
        assert set(content) == {"text/event-stream"}, path  # no JSON answer to expect
        items = content["text/event-stream"]["itemSchema"]["oneOf"]
        by_name = {item["properties"]["event"]["const"]: item for item in items}
        ref = by_name["done"]["properties"]["data"]["contentSchema"]["$ref"]
        assert ref == f"#/components/schemas/{model}", path


def test_every_reference_in_the_document_resolves(client: httpx.Client) -> None:
    schema = openapi(client)
    refs = set(re.findall(r'"\$ref": ?"([^"]+)"', client.get("/openapi.json").text))
    assert refs
    for ref in refs:
        resolve(schema, ref)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"question": ', "Expecting value"),
        (b'{"question": "\xff\xfe"}', "not UTF-8"),
        (b'{"question": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested too deeply"),
    ],
    ids=["truncated", "not-utf8", "too-deep"],
)
def test_a_body_that_is_not_json_is_a_422_naming_the_body(
    client: httpx.Client, auth: dict[str, str], body: bytes, reason: str
) -> None:
    response = client.post(
        f"/api/reviews/{UNKNOWN_ID}/chat",
        headers={**auth, "Content-Type": "application/json"},
        content=body,
    )
    error = assert_error(response, 422, "invalid_request", "not valid JSON", reason)
    assert [d["field"] for d in error["error"]["details"]] == ["body"]
    documented = openapi(client)["paths"]["/api/reviews/{review_id}/chat"]["post"]["responses"]
    assert "422" in documented and "400" not in documented


def test_the_new_statuses_are_documented_and_mapped(client: httpx.Client) -> None:
    from mixcoach.api.errors import TooManyRequests, status_for
    from mixcoach.errors import StorageFull

    assert status_for(StorageFull("x")) == 507
    assert status_for(TooManyRequests("x", retry_after_s=1)) == 429
    paths = openapi(client)["paths"]
    create = paths["/api/sessions"]["post"]["responses"]
    assert {"413", "429", "507"} <= set(create)
    assert "Retry-After" in create["429"]["headers"]
    assert {"413", "507"} <= set(paths["/api/reviews"]["post"]["responses"])
