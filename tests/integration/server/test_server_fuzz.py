"""Schema-driven fuzzing of every route (schemathesis) against the real ``main`` server.

Requests are generated from the server's own /openapi.json, valid and invalid ones; every
answer must be no 5xx, a documented status with a documented content type, and a body and
headers that match the schema. Bounded: a fixed number of examples per route and a fixed seed,
derandomised under CI=true (like the property tests), so a run is reproducible and about a
minute long on two cores.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis import BaseSchema, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from serverkit import Server

EXAMPLES_PER_ROUTE = 50
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# DeepL's glossary routes: fewer examples (on the desk's store, as /v1/glossaries; the store's
# own tests and tests/integration/server/test_server_desk.py cover the stored glossaries).
GLOSSARY_ROUTES = [
    ("POST", "/v2/glossaries"),
    ("GET", "/v2/glossaries"),
    ("GET", "/v2/glossaries/{glossary_id}"),
    ("GET", "/v2/glossaries/{glossary_id}/entries"),
    ("DELETE", "/v2/glossaries/{glossary_id}"),
    ("POST", "/v3/glossaries"),
    ("GET", "/v3/glossaries"),
    ("GET", "/v3/glossaries/{glossary_id}"),
    ("PATCH", "/v3/glossaries/{glossary_id}"),
    ("GET", "/v3/glossaries/{glossary_id}/entries"),
    ("DELETE", "/v3/glossaries/{glossary_id}"),
]
FEW_EXAMPLES = 10

ROUTES = [
    ("POST", "/v1/translate"),
    ("POST", "/v1/translate/stream"),
    ("POST", "/translate"),
    ("POST", "/detect"),
    ("POST", "/translate_file"),
    ("POST", "/v1/translate/file"),
    ("GET", "/download_file/{name}"),
    ("POST", "/v1/documents"),
    ("GET", "/v1/documents/{job_id}"),
    ("GET", "/v1/documents/{job_id}/result"),
    ("DELETE", "/v1/documents/{job_id}"),
    ("GET", "/languages"),
    ("GET", "/frontend/settings"),
    ("POST", "/v2/translate"),
    ("GET", "/v2/languages"),
    ("POST", "/v2/languages"),
    ("GET", "/v2/usage"),
    ("POST", "/v2/usage"),
    ("GET", "/v2/glossary-language-pairs"),
    *GLOSSARY_ROUTES,
    ("POST", "/v2/document"),
    ("GET", "/v2/document/{document_id}"),
    ("POST", "/v2/document/{document_id}"),
    ("POST", "/v2/document/{document_id}/result"),
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/metrics"),
    # The desk (an open server: one team, write access).
    ("GET", "/v1/team"),
    ("POST", "/v1/glossaries"),
    ("GET", "/v1/glossaries"),
    ("POST", "/v1/glossaries/import"),
    ("GET", "/v1/glossaries/{glossary_id}"),
    ("PUT", "/v1/glossaries/{glossary_id}"),
    ("DELETE", "/v1/glossaries/{glossary_id}"),
    ("GET", "/v1/glossaries/{glossary_id}/entries"),
    ("GET", "/v1/memory"),
    ("POST", "/v1/memory"),
    ("DELETE", "/v1/memory"),
    ("POST", "/v1/memory/lookup"),
    ("DELETE", "/v1/memory/units/{unit_id}"),
    ("GET", "/v1/memory/export"),
    ("POST", "/v1/memory/import"),
    ("POST", "/v1/export"),
]
DESK_PREFIXES = ("/v1/glossaries", "/v1/memory", "/v1/team", "/v1/export")
DESK = {p for _, p in ROUTES if p.startswith(DESK_PREFIXES)}
DESK_EXAMPLES = 15  # fewer: the desk's checks are its own tests' subject, the fuzz its shape
# Invalid input only where the schema describes a body (a path parameter that is any string has
# no invalid value; the file routes read their multipart form by hand and describe none).
WITH_INPUT = {
    ("POST", "/v1/translate"), ("POST", "/v1/translate/stream"), ("POST", "/translate"),
    ("POST", "/detect"), ("POST", "/v2/translate"), ("POST", "/v1/glossaries"),
    ("PUT", "/v1/glossaries/{glossary_id}"), ("POST", "/v1/memory"), ("POST", "/v1/memory/lookup"),
    ("POST", "/v1/export"), ("POST", "/v2/document"), ("POST", "/v2/document/{document_id}"),
    ("POST", "/v2/document/{document_id}/result"),
}  # fmt: skip


def examples(method: str, path: str) -> int:
    if (method, path) in GLOSSARY_ROUTES:
        return FEW_EXAMPLES
    return DESK_EXAMPLES if path in DESK else EXAMPLES_PER_ROUTE


CASES = [(m, p, GenerationMode.POSITIVE) for m, p in ROUTES] + [
    (m, p, GenerationMode.NEGATIVE) for m, p in ROUTES if (m, p) in WITH_INPUT
]


@pytest.fixture(scope="module")
def api_schema(main_server: Server) -> BaseSchema:
    return schemathesis.openapi.from_url(f"{main_server.url}/openapi.json")


def test_the_fuzz_covers_every_route(api_schema: BaseSchema) -> None:
    operations = {(r.ok().method.upper(), r.ok().path) for r in api_schema.get_all_operations()}
    assert operations == set(ROUTES)


@pytest.mark.parametrize(
    ("method", "path", "mode"), CASES, ids=[f"{m} {p} {g.value}" for m, p, g in CASES]
)
def test_every_route_survives_schema_fuzzing(
    api_schema: BaseSchema, method: str, path: str, mode: GenerationMode
) -> None:
    @seed(20261201)
    @settings(
        max_examples=examples(method, path),
        derandomize=bool(os.environ.get("CI")),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=api_schema[path][method].as_strategy(generation_mode=mode))
    def fuzz(case: Case) -> None:
        case.call_and_validate(checks=CHECKS, timeout=120)

    fuzz()
