"""Health, version, the form's options, the error shape everywhere, and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import httpx
from http_helpers import assert_error
from live import LiveServer

from mixcoach import __version__
from mixcoach.analysis import SCHEMA_VERSION
from mixcoach.config import Settings
from mixcoach.findings.model import FEEDBACK_TYPES


def test_health_and_version(client: httpx.Client) -> None:
    health = client.get("/api/health")
    assert health.status_code == 200
    assert health.json() == {
        "status": "ok",
        "database": "ok",
        "storage": "ok",
        "storage_problem": None,
        "jobs": "running",
        "jobs_problem": None,
    }
    assert client.get("/api/version").json() == {
        "version": __version__,
        "analysis_schema_version": SCHEMA_VERSION,
    }


def test_health_says_503_when_the_job_runner_is_down(
    client: httpx.Client, server: LiveServer
) -> None:
    server.state.runner.stop()
    health = client.get("/api/health")
    assert health.status_code == 503
    body = health.json()
    assert {k: body[k] for k in ("status", "database", "storage", "jobs")} == {
        "status": "degraded",
        "database": "ok",
        "storage": "ok",
        "jobs": "stopped",
    }


def test_the_options_are_what_the_upload_accepts(client: httpx.Client, settings: Settings) -> None:
    from mixcoach.knowledge.genres import list_profiles

    options = client.get("/api/options").json()
    assert options["feedback_types"] == list(FEEDBACK_TYPES)
    assert options["detail_levels"] == ["simple", "detailed", "pro"]
    assert options["max_file_mb"] == settings.uploads.max_file_mb
    assert options["max_duration_minutes"] == settings.audio.max_duration_minutes
    listed = {(g["genre"], None) for g in options["genres"]} | {
        (g["genre"], s["subgenre"]) for g in options["genres"] for s in g["subgenres"]
    }
    assert listed == {(p.genre, p.subgenre) for p in list_profiles()}
    assert all(g["label"] for g in options["genres"])


def test_unknown_routes_and_methods_answer_in_the_error_shape(client: httpx.Client) -> None:
    assert_error(client.get("/api/nothing-here"), 404, "not_found", "nothing at /api/nothing-here")
    assert_error(client.put("/api/health"), 405, "method_not_allowed", "not allowed")


def test_every_operation_documents_its_errors_in_the_one_shape(client: httpx.Client) -> None:
    schema: dict[str, Any] = client.get("/openapi.json").json()
    error_ref = "#/components/schemas/ErrorResponse"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("422", "500"):
                content = responses[status]["content"]["application/json"]["schema"]
                assert content == {"$ref": error_ref}, (method, path, status)
            needs_token = any("SessionToken" in s for s in operation.get("security", []))
            if needs_token:
                assert responses["401"]["content"]["application/json"]["schema"]["$ref"] == (
                    error_ref
                )
    upload = schema["paths"]["/api/reviews"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    fields = {"track", "reference", "feedback_type", "genre", "subgenre", "detail_level"}
    assert fields | {"version_of"} == set(form["properties"])
    assert form["required"] == ["track", "feedback_type"]
    assert {"413", "415"} <= set(upload["responses"])
    events = schema["paths"]["/api/reviews/{review_id}/events"]["get"]["responses"]["200"]
    assert "text/event-stream" in events["content"]


def test_an_unexpected_error_is_a_500_in_the_shape_without_details() -> None:
    import asyncio
    import json

    from starlette.requests import Request

    from mixcoach.api.errors import INTERNAL_ERROR, handle_error

    request = Request({"type": "http", "method": "GET", "path": "/api/x", "headers": []})
    response = asyncio.run(handle_error(request, RuntimeError("secret internals")))
    assert response.status_code == 500
    body = json.loads(bytes(response.body))
    assert body == {"error": {"code": "internal_error", "message": INTERNAL_ERROR, "details": []}}


def test_each_kind_of_error_has_its_status() -> None:
    from mixcoach.api.errors import (
        FieldError,
        NotReady,
        TooLarge,
        Unauthorized,
        UnsupportedMediaType,
        status_for,
    )
    from mixcoach.errors import AudioError, FeedbackUnavailable, InputError, NotFound

    expected = {
        AudioError("x"): 415,
        InputError("x"): 422,
        FieldError("x", []): 422,
        TooLarge("x"): 413,
        NotFound("x"): 404,
        FeedbackUnavailable("x"): 503,
        Unauthorized("x"): 401,
        UnsupportedMediaType("x"): 415,
        NotReady("x"): 409,
    }
    assert {type(e).__name__: status_for(e) for e in expected} == {
        type(e).__name__: s for e, s in expected.items()
    }


def test_every_field_the_api_defines_is_described(client: httpx.Client) -> None:
    """The Analysis document is described in docs/analysis-schema.md; the rest is here."""
    from mixcoach.analysis import Analysis

    schema: dict[str, Any] = client.get("/openapi.json").json()
    from_analysis = set(Analysis.model_json_schema().get("$defs", {})) | {"Analysis"}
    ours = {n: m for n, m in schema["components"]["schemas"].items() if n not in from_analysis}
    assert {"ReviewOut", "JobOut", "TrackOut", "Options", "ErrorResponse"} <= set(ours)
    undescribed = [
        f"{name}.{field}"
        for name, model in ours.items()
        for field, spec in model.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert undescribed == []
    form = schema["paths"]["/api/reviews"]["post"]["requestBody"]["content"]
    fields = form["multipart/form-data"]["schema"]["properties"]
    assert [name for name, spec in fields.items() if not spec.get("description")] == []
