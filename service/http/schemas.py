"""Request and response bodies of the /v1 API."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.config import JsonDict, JsonValue


def find_lone_surrogate(text: str) -> int | None:
    """Index of the first unpaired UTF-16 surrogate (JSON allows "\\ud800"; UTF-8 cannot carry
    it, so no tokenizer or response could)."""
    for index, char in enumerate(text):
        if "\ud800" <= char <= "\udfff":
            return index
    return None


def reject_lone_surrogates(text: str, field: str) -> str:
    index = find_lone_surrogate(text)
    if index is not None:
        raise ValueError(
            f"{field} contains an unpaired surrogate U+{ord(text[index]):04X} at character "
            f"{index}; send valid Unicode"
        )
    return text


# Each glossary entry and do-not-translate term is matched against every segment: bound them.
MAX_GLOSSARY_ENTRIES = 1000
MAX_TERMS = 1000
MAX_TERM_CHARS = 200
GLOSSARY_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def check_term(term: str, field: str) -> None:
    if len(term) > MAX_TERM_CHARS:
        raise ValueError(
            f"{field} term of {len(term)} characters (starting {term[:20]!r}); "
            f"the limit is {MAX_TERM_CHARS}"
        )


TERM_SCHEMA: JsonDict = {"type": "string", "maxLength": MAX_TERM_CHARS}
# A JSON Schema "exactly one of": a branch holds when its field is there and not null.
ONE_OF_TEXT_OR_TEXTS: list[JsonValue] = [
    {"required": ["text"], "properties": {"text": {"type": "string"}}},
    {"required": ["texts"], "properties": {"texts": {"type": "array"}}},
]


class TranslateRequest(BaseModel):
    """The limits are stated in the schema; the validators enforce them with messages that say
    what was wrong. Types are strict: ``"beam_size": "4"`` or ``"detail": 1`` are refused."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "oneOf": ONE_OF_TEXT_OR_TEXTS,
            "description": "Give exactly one of text or texts (a field sent as null counts as "
            "absent). Strings must be valid Unicode (no unpaired surrogates).",
        },
    )

    text: str | None = Field(None, description="One text (paragraphs separated by newlines)")
    texts: list[str] | None = Field(None, description="Several texts, translated together")
    glossary: dict[str, str] = Field(
        default_factory=dict,
        description=f"Thai term -> English, at most {MAX_GLOSSARY_ENTRIES} entries; terms of "
        f"1-{MAX_TERM_CHARS} characters, not only whitespace",
        json_schema_extra={
            "maxProperties": MAX_GLOSSARY_ENTRIES,
            "propertyNames": {"maxLength": MAX_TERM_CHARS, "pattern": r"\S"},
            "additionalProperties": TERM_SCHEMA,
        },
    )
    do_not_translate: list[str] = Field(
        default_factory=list,
        description=f"Terms kept verbatim, at most {MAX_TERMS} of at most {MAX_TERM_CHARS} "
        "characters",
        json_schema_extra={"maxItems": MAX_TERMS, "items": TERM_SCHEMA},
    )
    beam_size: int | None = Field(None, ge=1, le=16, description="Default: server setting")
    alternatives: int = Field(
        0,
        ge=0,
        strict=True,
        description="Alternative translations to return besides the best (n-best of the beam "
        "search, which is widened to 1 + alternatives), at most THAIMT_MAX_ALTERNATIVES "
        "(default 3); plain text only. Each is unlike the translation, so there may be fewer.",
    )
    format: Literal["text", "html"] = "text"
    detail: bool = Field(False, description="Include segments and protected spans")
    glossary_id: str | None = Field(
        None,
        description="A stored glossary of the key's team (/v1/glossaries), under this "
        "request's glossary and do_not_translate (the request's entries win on a conflict)",
        json_schema_extra={"maxLength": 64, "pattern": r"^[A-Za-z0-9-]+$"},
    )
    memory: bool = Field(
        True,
        description="Use the team's translation memory: an approved translation replaces the "
        "machine's (detail marks it origin memory); false: the machine translation only",
    )
    suggestions: bool = Field(
        False,
        description="With detail: each segment's closest memory unit as its suggestion "
        "(score at least THAIMT_MEMORY_FUZZY_THRESHOLD)",
    )

    @model_validator(mode="after")
    def _one_of_text_or_texts(self) -> TranslateRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of 'text' (a string) or 'texts' (a list)")
        if self.suggestions and not self.detail:
            raise ValueError("suggestions are given per segment in detail: send detail true")
        return self

    @field_validator("glossary_id")
    @classmethod
    def _glossary_id_valid(cls, value: str | None) -> str | None:
        if value is not None and not GLOSSARY_ID.fullmatch(value):
            raise ValueError("glossary_id: an id from GET /v1/glossaries (letters, digits, '-')")
        return value

    @field_validator("text")
    @classmethod
    def _text_valid(cls, value: str | None) -> str | None:
        return None if value is None else reject_lone_surrogates(value, "text")

    @field_validator("texts")
    @classmethod
    def _texts_valid(cls, value: list[str] | None) -> list[str] | None:
        for number, text in enumerate(value or []):
            reject_lone_surrogates(text, f"item {number}")
        return value

    @field_validator("do_not_translate")
    @classmethod
    def _terms_valid(cls, value: list[str]) -> list[str]:
        if len(value) > MAX_TERMS:
            raise ValueError(f"{len(value)} do_not_translate terms; the limit is {MAX_TERMS}")
        for number, term in enumerate(value):
            reject_lone_surrogates(term, f"item {number}")
            check_term(term, "do_not_translate")
        return value

    @field_validator("glossary")
    @classmethod
    def _glossary_valid(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_GLOSSARY_ENTRIES:
            raise ValueError(f"{len(value)} glossary entries; the limit is {MAX_GLOSSARY_ENTRIES}")
        for source, target in value.items():
            reject_lone_surrogates(source + target, "glossary")
            if not source.strip():
                raise ValueError("glossary terms must not be empty")
            check_term(source, "glossary")
            check_term(target, "glossary")
        return value

    def all_texts(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])

    def term_chars(self) -> int:
        """Characters of glossary and do-not-translate terms (they count toward the limits)."""
        glossary = sum(len(source) + len(target) for source, target in self.glossary.items())
        return glossary + sum(len(term) for term in self.do_not_translate)


class Usage(BaseModel):
    characters: int = Field(description="Texts plus glossary and do-not-translate terms")
    segments: int = Field(description="Distinct segments translated (cache hits included)")
    milliseconds: float


class TranslateResponse(BaseModel):
    translation: str | None = None
    translations: list[str] | None = None
    model: str
    usage: Usage
    alternatives: list[str] | list[list[str]] | None = Field(
        None,
        description="When asked for: for `text` a list of alternative translations, for "
        "`texts` one such list per text (each segment's own alternatives are in `detail`)",
    )
    detail: list[dict[str, Any]] | None = Field(None, description="Per text, when requested")


# LibreTranslate routes read their parameters by hand (JSON, form or query string: see
# ``params.py``); these models only describe them in the OpenAPI schema.
LIBRE_Q: JsonDict = {
    "anyOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "items": {"type": "string"}, "minItems": 1},
    ],
    "description": "A text, or a list of texts (a form repeats the field)",
}


class LibreTranslateRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"description": "Also accepted in the query string (UTF-8)."}
    )

    q: str | list[str] = Field(json_schema_extra=LIBRE_Q)
    source: Literal["th", "auto"] = Field(description="th, or auto (detected; Thai → English)")
    target: Literal["en"]
    format: Literal["text", "html"] = "text"
    alternatives: int = Field(
        0,
        ge=0,
        description="Alternative translations (n-best of the beam search), at most "
        "THAIMT_MAX_ALTERNATIVES; a string of digits counts too (form fields are strings). The "
        "answer's alternatives is a list (a list of lists for a list q); none for html",
    )
    api_key: str | None = Field(None, description="Or the X-API-Key header")


class LibreDetectRequest(BaseModel):
    q: str | list[str] = Field(json_schema_extra=LIBRE_Q)
    api_key: str | None = Field(None, description="Or the X-API-Key header")


class DetectedLanguage(BaseModel):
    language: str
    confidence: float


class LibreTranslateResponse(BaseModel):  # LibreTranslate's field names
    translatedText: str | list[str]
    detectedLanguage: DetectedLanguage | list[DetectedLanguage] | None = Field(
        None, description="With source auto"
    )
    alternatives: list[str] | list[list[str]] | None = Field(
        None, description="With alternatives > 0 (a list of lists for a list q)"
    )


LIBRE_MODELS: tuple[type[BaseModel], ...] = (LibreTranslateRequest, LibreDetectRequest)
FORM_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")


def libre_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads ``model``'s fields by hand, as JSON or a form
    (the schema itself is added to the components by ``openapi.py``)."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": False, "content": {t: {"schema": ref} for t in FORM_TYPES}}}


class LanguageInfo(BaseModel):
    code: str
    name: str
    targets: list[str]


class ReadyStatus(BaseModel):
    status: Literal["ready", "loading", "failed"]
    model: str | None = Field(None, description="When ready")
    error: str | None = Field(None, description="Why the model failed to load")
    cache: str | None = Field(None, description="off, ok or degraded (translation goes on)")
    redis: str | None = Field(None, description="up or down, when configured")
    desk: str | None = Field(None, description="glossaries and memory: off, ok or degraded")


class SegmentProgress(BaseModel):
    done: int = Field(description="Distinct segments translated (cache hits included)")
    total: int = Field(description="Distinct segments of the document (0 until it is read)")


class ReviewSegment(BaseModel):
    """A segment to check first (service/review.py)."""

    confidence: float = Field(description="In [0, 1]; see the confidence rule in the docs")
    source: str
    target: str
    flags: list[str]
    document: int = Field(description="Always 0 for a job (one document)")
    paragraph: int = Field(description="The text's number in the document (0-based)")
    segment: int = Field(description="The sentence within it (0-based)")
    where: str = ""


class DocumentJob(BaseModel):
    """A document job's status (``GET /v1/documents/{id}``)."""

    id: str
    status: Literal["queued", "translating", "done", "error"]
    filename: str = Field(description="The uploaded file's name")
    result_filename: str = Field(description="The result's name (<stem>_en<ext>; .docx for PDF)")
    format: str
    segments: SegmentProgress
    progress: float = Field(description="segments.done / segments.total (0 to 1)")
    seconds_remaining: float | None = Field(
        description="At this run's pace so far; null until its first segments are done"
    )
    flags: dict[str, int] = Field(description="Flagged segments by flag (see /v1 detail)")
    least_confident: list[ReviewSegment] = Field(
        description="Once done: the document's least confident segments (at most 10), least "
        "first: what to check first"
    )
    characters: int = Field(description="Characters charged for the document")
    created: str = Field(description="ISO 8601, UTC")
    finished: str | None
    expires: str = Field(description="When the job and its result are removed")
    error: str | None = Field(description="Why the job failed (status error)")


class CreatedDocumentJob(DocumentJob):
    """``POST /v1/documents``: the job, with its secret (shown once)."""

    secret: str = Field(
        description="Shown once: whoever has it may read the job (X-Document-Secret header "
        "or secret parameter), as the uploader may with its own key"
    )
    status_url: str = Field(description="A path on this server (also the Location header)")
    result_url: str = Field(description="A path on this server")
