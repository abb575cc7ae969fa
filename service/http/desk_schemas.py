"""Request and response bodies of the desk's routes: /v1/glossaries, /v1/memory, /v1/team and
/v1/export (their limits are the desk's: :mod:`service.desk.glossaries`,
:mod:`service.desk.memory`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from service.desk.glossaries import MAX_ENTRIES, MAX_NAME_CHARS, MAX_TERM_CHARS
from service.desk.memory import MAX_UNIT_CHARS
from service.desk.teams import Role
from service.http.schemas import MAX_GLOSSARY_ENTRIES, MAX_TERMS, TERM_SCHEMA

MAX_UNITS_PER_REQUEST = 1000
MAX_EXPORT_ROWS = 20_000
GLOSSARY_ID_SCHEMA: JsonDict = {"maxLength": 64, "pattern": r"^[A-Za-z0-9-]+$"}


class GlossaryBody(BaseModel):
    """A glossary's contents: ``entries`` as an object, or ``entries_text`` in
    ``entries_format`` (TSV: ``Thai<TAB>English`` lines; CSV: ``Thai,English`` rows; a line with
    one term is a do-not-translate term), plus ``do_not_translate``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    entries: dict[str, str] = Field(
        default_factory=dict,
        description=f"Thai term -> English; with do_not_translate at most {MAX_ENTRIES}, terms "
        f"of at most {MAX_TERM_CHARS} characters",
        json_schema_extra={"maxProperties": MAX_ENTRIES},
    )
    entries_text: str | None = Field(
        None, description="Entries as TSV or CSV text (added to entries)"
    )
    entries_format: Literal["tsv", "csv"] = "tsv"
    do_not_translate: list[str] = Field(
        default_factory=list, json_schema_extra={"maxItems": MAX_ENTRIES}
    )
    source_lang: str = Field("th", description="th (the only source)")
    target_lang: str = Field("en", description="en (the only target)")


class GlossaryReplace(GlossaryBody):
    """New contents for a glossary; the name stays unless given."""

    name: str | None = Field(None, min_length=1, max_length=MAX_NAME_CHARS)  # type: ignore[assignment]


class GlossaryInfo(BaseModel):
    glossary_id: str
    name: str
    source_lang: str
    target_lang: str
    entry_count: int = Field(description="Entries plus do-not-translate terms")
    do_not_translate_count: int
    creation_time: str = Field(description="ISO 8601, UTC")
    update_time: str
    ready: bool


class Glossary(GlossaryInfo):
    entries: dict[str, str]
    do_not_translate: list[str]


class GlossaryList(BaseModel):
    glossaries: list[GlossaryInfo]


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    source: str = Field(min_length=1, max_length=MAX_UNIT_CHARS, description="Thai sentence")
    target: str = Field(min_length=1, max_length=MAX_UNIT_CHARS, description="Approved English")


class TermsUsed(BaseModel):
    """The glossary a translation used: the memory masks a sentence the way that translation
    did, so the unit matches it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    glossary_id: str | None = Field(None, json_schema_extra=GLOSSARY_ID_SCHEMA)
    glossary: dict[str, str] = Field(
        default_factory=dict,
        json_schema_extra={
            "maxProperties": MAX_GLOSSARY_ENTRIES,
            "additionalProperties": TERM_SCHEMA,
        },
    )
    do_not_translate: list[str] = Field(
        default_factory=list, json_schema_extra={"maxItems": MAX_TERMS, "items": TERM_SCHEMA}
    )


class MemoryAdd(TermsUsed):
    units: list[UnitIn] = Field(
        min_length=1,
        max_length=MAX_UNITS_PER_REQUEST,
        description="Thai sentences and their approved English (one sentence each); a unit "
        "with the same masked source replaces the stored one",
    )


class MemoryLookup(TermsUsed):
    source: str = Field(min_length=1, max_length=MAX_UNIT_CHARS, description="A Thai sentence")


class Unit(BaseModel):
    id: str = Field(description="SHA-256 of the masked source")
    source: str
    target: str
    created: float = Field(description="Unix time")
    changed: float


class SuggestionOut(BaseModel):
    id: str
    source: str
    target: str
    adapted: str | None = Field(
        None, description="The English with this sentence's names and numbers put in"
    )
    score: float = Field(description="Similarity of the masked sentences, 0-1")


class MemoryAdded(BaseModel):
    units: list[Unit]


class MemoryFound(BaseModel):
    masked: str = Field(description="The sentence as the memory keys it")
    exact: Unit | None
    suggestion: SuggestionOut | None


class MemoryInfo(BaseModel):
    team: str
    unit_count: int
    fuzzy_threshold: float


class Imported(BaseModel):
    imported: int
    skipped: int = Field(description="Units without Thai and English, or nothing to remember")


class TeamInfo(BaseModel):
    team: str
    role: Role
    can_write: bool
    desk: bool = Field(description="Whether this server keeps glossaries and memory")


class ExportRow(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    source: str = Field(max_length=MAX_UNIT_CHARS * 10)
    target: str = Field(max_length=MAX_UNIT_CHARS * 10)


class ExportBody(BaseModel):
    """Sentences side by side (the page sends what it shows, edits included)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    format: Literal["docx", "xlsx", "tmx"]
    rows: list[ExportRow] = Field(min_length=1, max_length=MAX_EXPORT_ROWS)
    title: str = Field("thaimt translation", max_length=MAX_NAME_CHARS)
