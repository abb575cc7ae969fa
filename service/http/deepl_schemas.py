"""The DeepL-compatible routes in the OpenAPI schema: request bodies (the routes read them by
hand, as JSON or a form: ``deepl_params.py``), answers, and DeepL's refusals, whose body is
``{"message": ...}``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from service.http.errors import ERROR_STATUSES, RETRY_AFTER


class DeepLError(BaseModel):
    message: str = Field(description="What was wrong, in words")


DEEPL_STATUSES: dict[int, str] = {
    **ERROR_STATUSES,
    400: "Bad parameters (DeepL answers every bad field with 400)",
    403: "No API key, or a wrong one (Authorization: DeepL-Auth-Key KEY, or auth_key)",
    404: "No such glossary (or not this key's), or no such document (or a wrong document_key, "
    "or already downloaded)",
    415: "Glossary entries asked for in a format other than TSV (Accept)",
    429: "Too many requests: the queue is full; retry after Retry-After seconds",
    456: "Quota exceeded: the key's character budget (THAIMT_KEY_CHAR_LIMIT) is spent for now",
}


def deepl_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for DeepL refusals, with the body deadline's 408 and the
    connection cap's 503 that any route can meet."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*statuses, 408, 503}):
        doc: dict[str, Any] = {"model": DeepLError, "description": DEEPL_STATUSES[status]}
        if status in (429, 503):
            doc["headers"] = RETRY_AFTER
        responses[status] = doc
    return responses


TEXT: JsonDict = {
    "anyOf": [
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}, "minItems": 1},
    ],
    "description": "A text, or a list of texts (a form repeats the field)",
}
TAGS: JsonDict = {
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
    "description": "Tag names: a list, or comma-separated",
}


class DeepLTranslateRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"description": "Also as a form (text repeated). docs/deepl.md."}
    )

    text: str | list[str] = Field(json_schema_extra=TEXT)
    target_lang: Literal["EN", "EN-US", "EN-GB"] = Field(description="Case-insensitive")
    source_lang: Literal["TH"] | None = Field(None, description="Absent: detected")
    split_sentences: Literal["0", "1", "nonewlines"] | None = None
    preserve_formatting: bool | None = None
    tag_handling: Literal["html", "xml"] | None = None
    tag_handling_version: Literal["v1", "v2"] | None = None
    outline_detection: bool | None = None
    ignore_tags: str | list[str] | None = Field(None, json_schema_extra=TAGS)
    splitting_tags: str | list[str] | None = Field(None, json_schema_extra=TAGS)
    non_splitting_tags: str | list[str] | None = Field(None, json_schema_extra=TAGS)
    context: str | None = Field(None, description="Accepted; neither translated nor charged")
    glossary_id: str | None = None
    glossary_ids: list[str] | None = Field(None, max_length=5)
    formality: Literal["default", "prefer_more", "prefer_less"] | None = Field(
        None, description="more, less, formal and informal are refused for English (400)"
    )
    model_type: (
        Literal["quality_optimized", "prefer_quality_optimized", "latency_optimized"] | None
    ) = Field(None, description="latency_optimized: greedy decoding (beam 1)")
    show_billed_characters: bool | None = None
    auth_key: str | None = Field(None, description="Legacy; prefer the Authorization header")


class DeepLTranslation(BaseModel):
    detected_source_language: str
    text: str
    billed_characters: int | None = Field(None, description="With show_billed_characters")
    model_type_used: str | None = Field(None, description="With model_type")


class DeepLTranslateResponse(BaseModel):
    translations: list[DeepLTranslation]


class DeepLLanguage(BaseModel):
    language: str
    name: str
    supports_formality: bool | None = Field(None, description="Target languages")


class DeepLUsage(BaseModel):
    character_count: int = Field(description="Characters charged in the key's current window")
    character_limit: int = Field(
        description="THAIMT_KEY_CHAR_LIMIT, or 1000000000000 without a budget (as DeepL "
        "reports an account without a limit)"
    )
    start_time: str | None = Field(None, description="When the current window began")
    end_time: str | None = Field(None, description="When it ends (the count starts again)")


class DeepLLanguagePair(BaseModel):
    source_lang: str
    target_lang: str


class DeepLLanguagePairs(BaseModel):
    supported_languages: list[DeepLLanguagePair]


class DeepLLanguagesRequest(BaseModel):
    type: Literal["source", "target"] | None = None
    auth_key: str | None = None


class DeepLKeyOnly(BaseModel):
    auth_key: str | None = None


class DeepLDocumentUpload(BaseModel):
    model_config = ConfigDict(json_schema_extra={"description": "A multipart form"})

    file: bytes = Field(description="The document; its name (or 'filename') names its format")
    filename: str | None = Field(None, description="The document's name, if the part has none")
    target_lang: Literal["EN", "EN-US", "EN-GB"] = Field(description="Case-insensitive")
    source_lang: Literal["TH"] | None = Field(None, description="Absent: detected")
    output_format: str | None = Field(
        None, description="Only the format the document comes back in (docx for docx)"
    )
    formality: Literal["default", "prefer_more", "prefer_less"] | None = None
    glossary_id: str | None = None
    glossary_ids: str | None = Field(None, description="Comma-separated, at most 5")
    auth_key: str | None = Field(None, description="Legacy; prefer the Authorization header")


class DeepLDocumentKey(BaseModel):
    document_key: str = Field(description="The key the upload answered with")
    auth_key: str | None = None


class DeepLDocumentHandle(BaseModel):
    document_id: str
    document_key: str = Field(description="Send it with every request about this document")


class DeepLDocumentStatus(BaseModel):
    document_id: str
    status: Literal["queued", "translating", "done", "error"]
    seconds_remaining: int | None = Field(None, description="While translating: an estimate")
    billed_characters: int | None = Field(
        None, description="When done: the characters charged (at upload) for the document"
    )
    error_message: str | None = Field(None, description="When the status is error: why")


DEEPL_MODELS: tuple[type[BaseModel], ...] = (
    DeepLTranslateRequest,
    DeepLLanguagesRequest,
    DeepLKeyOnly,
    DeepLDocumentUpload,
    DeepLDocumentKey,
)
FORM_TYPES = ("application/json", "application/x-www-form-urlencoded")


def deepl_body(
    model: type[BaseModel], types: tuple[str, ...] = FORM_TYPES, required: bool = False
) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads ``model``'s fields by hand (JSON or a form;
    ``openapi.py`` adds the schema to the components)."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": required, "content": {t: {"schema": ref} for t in types}}}
