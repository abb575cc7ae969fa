"""Request parsing that more than one route needs: LibreTranslate's string parameters and
languages, multipart fields and the one uploaded file, JSON in a form field, and /v1's
options (``TranslateRequest`` → ``TranslateOptions``)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from service.http.errors import ApiError
from service.http.schemas import TranslateRequest
from service.http.state import ServerState
from service.pipeline import TranslateOptions
from service.text.jsonsafe import JsonInputError, loads

# LibreTranslate's language codes this server takes.
SOURCES = ("th", "auto")
TARGETS = ("en",)


def string_param(params: dict[str, Any], name: str, default: str | None = None) -> str:
    """A LibreTranslate string parameter (400 in its words when missing or not a string)."""
    value = params.get(name, default)
    if value is None or value == "":
        raise ApiError(400, f"Invalid request: missing {name} parameter")
    if not isinstance(value, str):
        raise ApiError(400, f"Invalid request: {name} must be a string")
    return value


def form_text(form: FormData, name: str) -> str | None:
    """A text field of a multipart form (None when absent or empty)."""
    value = form.get(name)
    return value if isinstance(value, str) and value != "" else None


def form_list(form: FormData | None, name: str) -> list[str]:
    """A comma-separated form field as its items (none when absent)."""
    raw = form_text(form, name) if form is not None else None
    return [item.strip() for item in (raw or "").split(",") if item.strip()]


def form_flag(form: FormData | None, name: str) -> bool:
    """A true/false form field (true: ``true``, ``1`` or ``yes``)."""
    return form is not None and form_text(form, name) in ("true", "1", "yes")


def form_upload(form: FormData, missing: str) -> UploadFile:
    """The one ``file`` of a multipart form: 400 ``missing`` without one, 400 with two or more
    (not the last of them, silently)."""
    fields = form.getlist("file")
    if len(fields) > 1:
        raise ApiError(
            400,
            f"Invalid request: the form has {len(fields)} 'file' fields; send one file per "
            "request (which one was meant cannot be guessed)",
        )
    upload = fields[0] if fields else None
    if not isinstance(upload, UploadFile):
        raise ApiError(400, missing)
    return upload


def form_json(form: FormData, name: str) -> Any:
    """A form field holding JSON (absent: None); 400 saying what is wrong with it."""
    raw = form_text(form, name)
    if raw is None:
        return None
    try:
        return loads(raw)
    except JsonInputError as exc:
        raise ApiError(400, f"{name} is not valid JSON: {exc}") from None


def v1_form_options(form: FormData) -> TranslateRequest:
    """The glossary, do-not-translate list, glossary id, memory switch and beam size of a
    form, validated as /v1/translate's are."""
    fields: dict[str, Any] = {"text": ""}
    for name in ("glossary", "do_not_translate"):
        value = form_json(form, name)
        if value is not None:
            fields[name] = value
    glossary_id = form_text(form, "glossary_id")
    if glossary_id is not None:
        fields["glossary_id"] = glossary_id
    memory = form_text(form, "memory")
    if memory is not None:
        fields["memory"] = memory.lower() not in ("false", "0", "no")
    beam = form_text(form, "beam_size")
    if beam is not None:  # a form field is a string; the schema's integer is strict
        fields["beam_size"] = (
            int(beam) if beam.isascii() and beam.isdigit() and len(beam) < 5 else beam
        )
    try:
        return TranslateRequest.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'form'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise ApiError(422, f"invalid request: {problems}") from None


def translate_options(body: TranslateRequest, state: ServerState) -> TranslateOptions:
    return TranslateOptions(
        glossary=dict(body.glossary),
        do_not_translate=tuple(body.do_not_translate),
        decode=state.settings.decode_options(body.beam_size, body.alternatives),
    )
