"""DeepL's request parameters, read as DeepL reads them: from a JSON body or a form (``text``
repeated), case-insensitive language codes, booleans as ``true``/``false`` or ``1``/``0``, tag
lists as JSON lists or comma-separated strings. Every bad value is a 400 in DeepL's words
(``Value for 'X' not supported.``) naming what this server takes. Fields DeepL does not know
are ignored, as DeepL ignores them.

What each accepted field means on this server is in ``docs/deepl.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from service.formats.base import TagOptions
from service.formats.registry import output_suffix
from service.http.errors import ApiError
from service.http.schemas import find_lone_surrogate
from service.http.uploads import choose_format

SOURCE_LANGS = ("TH",)
TARGET_LANGS = ("EN", "EN-US", "EN-GB")
SPLIT_SENTENCES = ("0", "1", "nonewlines")
TAG_HANDLING = ("html", "xml")
TAG_HANDLING_VERSIONS = ("v1", "v2")
# English has no formality in DeepL: ``prefer_*`` and ``default`` are taken, the others refused.
FORMALITY_TAKEN = ("default", "prefer_more", "prefer_less")
FORMALITY_REFUSED = ("more", "less", "formal", "informal")
MODEL_TYPES = ("quality_optimized", "prefer_quality_optimized", "latency_optimized")
GREEDY = 1  # latency_optimized: the beam of one (the fastest decoding)
MAX_GLOSSARIES = 5  # glossary_ids, as DeepL allows
TRUE, FALSE = ("1", "true", "on", "yes"), ("0", "false", "off", "no", "")


def bad_value(name: str, taken: tuple[str, ...] | str) -> ApiError:
    choices = taken if isinstance(taken, str) else ", ".join(taken)
    return ApiError(400, f"Value for '{name}' not supported. This server takes: {choices}")


def missing(name: str) -> ApiError:
    return ApiError(400, f"Parameter '{name}' not specified.")


@dataclass(frozen=True)
class DeepLTranslate:
    """A ``/v2/translate`` request as this server runs it."""

    texts: list[str]
    target_lang: str  # EN, EN-US or EN-GB, upper case
    source_given: bool  # source_lang TH was sent (else: detected)
    text_format: str = "text"  # text, html or xml: the format layer's name
    tags: TagOptions = field(default_factory=TagOptions)
    beam_size: int | None = None  # None: the server's (THAIMT_BEAM_SIZE)
    model_type: str | None = None  # echoed as model_type_used when sent
    show_billed_characters: bool = False
    glossary_ids: tuple[str, ...] = ()
    context: str | None = None  # accepted, never translated nor charged


def translate_request(params: Mapping[str, Any]) -> DeepLTranslate:
    """The request's fields, or a 400 naming the first bad one."""
    source = language(params, "source_lang", SOURCE_LANGS, required=False)
    model_type = choice(params, "model_type", MODEL_TYPES)
    check_common(params)
    choice(params, "split_sentences", SPLIT_SENTENCES)  # accepted: see docs/deepl.md
    choice(params, "tag_handling_version", TAG_HANDLING_VERSIONS)
    flag(params, "preserve_formatting")
    return DeepLTranslate(
        texts=texts_param(params),
        target_lang=language(params, "target_lang", TARGET_LANGS, required=True) or "EN",
        source_given=source is not None,
        text_format=choice(params, "tag_handling", TAG_HANDLING) or "text",
        tags=tag_options(params),
        beam_size=GREEDY if model_type == "latency_optimized" else None,
        model_type=model_type,
        show_billed_characters=flag(params, "show_billed_characters"),
        glossary_ids=glossary_ids(params),
        context=string(params, "context"),
    )


@dataclass(frozen=True)
class DeepLDocument:
    """A ``/v2/document`` upload as this server runs it (a document job)."""

    filename: str  # ``filename``, else the file part's own name
    format_name: str  # from the name's extension, as /v1/documents reads it
    glossary_ids: tuple[str, ...] = ()


def document_request(params: Mapping[str, Any], part_name: str | None) -> DeepLDocument:
    """The upload's fields (its file is read by the route), or a 400 naming the first bad
    one. ``output_format`` may only name the format the document comes back in."""
    language(params, "source_lang", SOURCE_LANGS, required=False)
    language(params, "target_lang", TARGET_LANGS, required=True)
    check_common(params)
    filename = string(params, "filename") or part_name or ""
    format_name = choose_format(filename, None)
    wanted = string(params, "output_format")
    if wanted is not None:
        own = {PurePosixPath(filename).suffix.lower(), output_suffix(format_name)} - {""}
        if f".{wanted.lower().lstrip('.')}" not in own:
            names = ", ".join(sorted(suffix.lstrip(".") for suffix in own))
            raise bad_value("output_format", f"{names} (a document comes back in its format)")
    return DeepLDocument(filename, format_name, glossary_ids(params))


def check_common(params: Mapping[str, Any]) -> None:
    """The fields ``/v2/translate`` and ``/v2/document`` both take."""
    check_formality(params)
    flag(params, "enable_beta_languages")
    if params.get("style_id") not in (None, ""):
        raise ApiError(400, "Value for 'style_id' not supported: this server has no style rules")


def texts_param(params: Mapping[str, Any]) -> list[str]:
    value = params.get("text")
    texts = value if isinstance(value, list) else [] if value is None else [value]
    if not texts:
        raise missing("text")
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise ApiError(400, f"Value for 'text' not supported: text {index} is not a string")
        surrogate = find_lone_surrogate(text)
        if surrogate is not None:
            raise ApiError(400, f"Value for 'text' not supported: text {index} has an unpaired "
                           f"surrogate at {surrogate}")  # fmt: skip
    return texts


def string(params: Mapping[str, Any], name: str) -> str | None:
    """An optional string parameter (absent or empty: None)."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"Value for '{name}' not supported: send a string")
    return value


def language(
    params: Mapping[str, Any], name: str, taken: tuple[str, ...], *, required: bool
) -> str | None:
    code = string(params, name)
    if code is None:
        if required:
            raise missing(name)
        return None
    if code.upper() not in taken:
        raise bad_value(name, taken)
    return code.upper()


def choice(params: Mapping[str, Any], name: str, taken: tuple[str, ...]) -> str | None:
    value = params.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # split_sentences: 0 or 1 as a JSON number
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in taken:
        raise bad_value(name, taken)
    return value


def flag(params: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """A boolean: JSON true/false or 1/0, or the strings form bodies send."""
    value = params.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE + FALSE:
        return value.strip().lower() in TRUE
    raise bad_value(name, "true, false, 1 or 0")


def check_formality(params: Mapping[str, Any]) -> None:
    value = string(params, "formality")
    if value is None or value.lower() in FORMALITY_TAKEN:
        return
    if value.lower() in FORMALITY_REFUSED:
        raise ApiError(
            400,
            "'formality' is not supported for given 'target_lang' (English has none); send "
            "prefer_more or prefer_less to have it ignored",
        )
    raise bad_value("formality", FORMALITY_TAKEN + FORMALITY_REFUSED)


def tag_list(params: Mapping[str, Any], name: str) -> frozenset[str]:
    """A list of tag names: a JSON list and/or comma-separated strings."""
    value = params.get(name)
    items = value if isinstance(value, list) else [] if value is None else [value]
    if not all(isinstance(item, str) for item in items):
        raise bad_value(name, "tag names, as a list or comma-separated")
    return frozenset(tag.strip() for item in items for tag in item.split(",") if tag.strip())


def tag_options(params: Mapping[str, Any]) -> TagOptions:
    return TagOptions(
        ignore=tag_list(params, "ignore_tags"),
        splitting=tag_list(params, "splitting_tags"),
        non_splitting=tag_list(params, "non_splitting_tags"),
        outline_detection=flag(params, "outline_detection", default=True),
    )


def glossary_ids(params: Mapping[str, Any]) -> tuple[str, ...]:
    """``glossary_id``, then ``glossary_ids`` (a list, or comma-separated), at most 5."""
    ids = [string(params, "glossary_id")]
    many = params.get("glossary_ids")
    items = many if isinstance(many, list) else [] if many is None else [many]
    if not all(isinstance(item, str) for item in items):
        raise bad_value("glossary_ids", "glossary ids, as a list or comma-separated")
    ids += [part.strip() for item in items for part in item.split(",")]
    found = tuple(dict.fromkeys(i for i in ids if i))
    if len(found) > MAX_GLOSSARIES:
        raise ApiError(400, f"Value for 'glossary_ids' not supported: at most {MAX_GLOSSARIES}")
    return found
