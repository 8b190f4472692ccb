"""Property-based tests generated from the OpenAPI schema (schemathesis): whatever the schema
allows, and whatever it does not, the server never answers 500, and every answer has a status,
content type and body the schema documents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from http_helpers import new_session, upload
from hypothesis import HealthCheck, given, settings
from live import LiveServer
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

#: Per operation; the suite must stay quick on two cores.
EXAMPLES_PER_OPERATION = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_no_request_makes_the_server_fail(
    client: httpx.Client, server: LiveServer, tone: Callable[..., Path]
) -> None:
    auth = new_session(client)
    upload(client, auth, tone(seconds=0.5))  # so that lists and deletes have rows to meet
    schema = schemathesis.openapi.from_dict(client.get("/openapi.json").json())
    tested = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the schema itself is valid
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Case[Any]) -> None:
            case.call_and_validate(base_url=server.url, headers=auth, checks=CHECKS, timeout=30)

        check()
        tested.append(operation.label)
    assert "POST /api/reviews" in tested and len(tested) >= 15
