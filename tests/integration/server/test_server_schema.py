"""The OpenAPI schema states what the server enforces, and the server does what it states."""

from __future__ import annotations

from typing import Any

import pytest
from serverkit import Server

LT = {"source": "th", "target": "en"}
FORM = {"content-type": "application/x-www-form-urlencoded"}

# Route -> the refusals it documents.
REFUSALS = {
    # 404: a glossary_id the key's team does not have
    ("post", "/v1/translate"): {400, 401, 403, 404, 408, 413, 422, 429, 500, 503, 504},
    ("post", "/v1/translate/stream"): {400, 401, 403, 404, 408, 413, 422, 429, 500, 503, 504},
    ("post", "/translate"): {400, 403, 408, 413, 429, 500, 503, 504},
    ("post", "/detect"): {400, 403, 408, 413, 503},
    ("get", "/languages"): {408, 503},
    ("get", "/frontend/settings"): {408, 503},
    ("get", "/metrics"): {401, 403, 408},  # answered even at the connection cap; keyed
}


@pytest.fixture(scope="module")
def schema(main_server: Server) -> dict[str, Any]:
    return main_server.client.get("/openapi.json").json()


def component(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return schema["components"]["schemas"][name]


def of_type(prop: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for s in prop["anyOf"] if s.get("type") == kind)


def test_the_v1_schema_states_every_request_constraint(schema: dict[str, Any]) -> None:
    request = component(schema, "TranslateRequest")
    assert request["additionalProperties"] is False
    assert {"required": ["text"], "properties": {"text": {"type": "string"}}} in request["oneOf"]
    assert {"required": ["texts"], "properties": {"texts": {"type": "array"}}} in request["oneOf"]
    props = request["properties"]
    glossary = props["glossary"]
    assert glossary["maxProperties"] == 1000
    assert glossary["propertyNames"] == {"maxLength": 200, "pattern": r"\S"}
    assert glossary["additionalProperties"] == {"type": "string", "maxLength": 200}
    assert props["do_not_translate"]["maxItems"] == 1000
    assert props["do_not_translate"]["items"] == {"type": "string", "maxLength": 200}
    # The main server's own limits: 8 texts, 4,000 characters.
    assert of_type(props["text"], "string")["maxLength"] == 4000
    texts = of_type(props["texts"], "array")
    assert texts["maxItems"] == 8 and texts["items"]["maxLength"] == 4000
    beam = of_type(props["beam_size"], "integer")
    assert (beam["minimum"], beam["maximum"]) == (1, 16)
    assert props["format"]["enum"] == ["text", "html"]
    assert props["detail"]["type"] == "boolean"


@pytest.mark.parametrize(("method", "path"), list(REFUSALS))
def test_every_route_documents_its_refusals(schema: dict[str, Any], method: str, path: str) -> None:
    responses = schema["paths"][path][method]["responses"]
    statuses = {int(s) for s in responses if s != "200"}
    assert statuses == REFUSALS[method, path]
    for status in statuses:
        body = responses[str(status)]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/ErrorBody"}, (status, body)
    for status in statuses & {429, 503}:
        assert "Retry-After" in responses[str(status)]["headers"]


def test_ready_documents_its_503(schema: dict[str, Any]) -> None:
    responses = schema["paths"]["/ready"]["get"]["responses"]
    assert responses["503"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReadyStatus"
    }


@pytest.mark.parametrize(
    ("path", "model"), [("/translate", "LibreTranslateRequest"), ("/detect", "LibreDetectRequest")]
)
def test_libretranslate_routes_have_a_body_schema(
    schema: dict[str, Any], path: str, model: str
) -> None:
    content = schema["paths"][path]["post"]["requestBody"]["content"]
    kinds = {"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}
    assert set(content) == kinds
    for kind in kinds:
        assert content[kind]["schema"] == {"$ref": f"#/components/schemas/{model}"}
    body = component(schema, model)
    assert "q" in body["required"]
    q = body["properties"]["q"]
    assert of_type(q, "string") == {"type": "string", "minLength": 1, "maxLength": 4000}
    assert of_type(q, "array")["maxItems"] == 8
    if model == "LibreTranslateRequest":
        assert body["properties"]["source"]["enum"] == ["th", "auto"]
        assert body["properties"]["target"]["const"] == "en"


def test_libretranslate_response_schema_matches_an_answer(
    main_server: Server, schema: dict[str, Any]
) -> None:
    ref = schema["paths"]["/translate"]["post"]["responses"]["200"]["content"]["application/json"]
    assert ref["schema"] == {"$ref": "#/components/schemas/LibreTranslateResponse"}
    r = main_server.client.post("/translate", json={"q": ["แมว"], "source": "auto", "target": "en"})
    assert r.status_code == 200
    assert set(r.json()) <= set(component(schema, "LibreTranslateResponse")["properties"])


@pytest.mark.parametrize(
    "body",
    [
        {"text": "แมว", "beam_size": "4"},
        {"text": "แมว", "beam_size": 4.0},
        {"text": "แมว", "beam_size": True},
        {"text": "แมว", "detail": "true"},
        {"text": "แมว", "detail": 1},
        {"texts": "แมว"},
        {"text": ["แมว"]},
    ],
    ids=repr,
)
def test_v1_types_are_strict(main_server: Server, body: dict[str, Any]) -> None:
    r = main_server.client.post("/v1/translate", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"].startswith("invalid request: ")


def test_what_the_schema_allows_is_served(main_server: Server) -> None:
    c = main_server.client
    assert c.post("/v1/translate", json={"text": "แมว", "beam_size": 4}).status_code == 200
    assert c.post("/v1/translate", json={"text": None, "texts": ["แมว"]}).status_code == 200
    body = {"text": "แมว", "glossary": {" แมว ": ""}, "do_not_translate": ["x" * 200]}
    assert c.post("/v1/translate", json=body).status_code == 200


def test_invalid_utf8_is_400_however_it_comes(main_server: Server) -> None:
    """Percent-escaped in the query string or a form, raw in a form, in a multipart field:
    the same 400 (before: the query string and escapes gave 200 with U+FFFD)."""
    c = main_server.client
    cases = {
        "query string": c.post("/translate?q=%FF&source=th&target=en"),
        "escaped form": c.post("/translate", content=b"q=%FF&source=th&target=en", headers=FORM),
        "raw form": c.post("/translate", content=b"q=\xff&source=th&target=en", headers=FORM),
        "multipart": c.post("/translate", files={"q": (None, b"\xff")}, data=LT),
        "detect query": c.post("/detect?q=%E0%B8"),  # a Thai letter cut short
    }
    for where, r in cases.items():
        assert r.status_code == 400, (where, r.text)
        assert "UTF-8" in r.json()["error"] or "utf-8" in r.json()["error"], (where, r.text)


def test_thai_arrives_the_same_by_query_json_form_and_multipart(main_server: Server) -> None:
    text = "แมวนอนอยู่บนโต๊ะ"
    c = main_server.client
    by_json = c.post("/translate", json={"q": text, **LT}).json()
    by_query = c.post("/translate", params={"q": text, **LT}).json()
    by_form = c.post("/translate", data={"q": text, **LT}).json()
    by_multipart = c.post("/translate", files={"q": (None, text.encode())}, data=LT).json()
    assert by_json == by_query == by_form == by_multipart
    assert isinstance(by_json["translatedText"], str)
