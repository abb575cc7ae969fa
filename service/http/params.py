"""LibreTranslate parameters: from the query string, a JSON body, a URL-encoded form or a
multipart form, merged (the body wins). Text is UTF-8 everywhere, strictly: bytes that are not
UTF-8, raw or percent-escaped (``q=%FF``), are a 400 whichever way they came, never a U+FFFD.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser

from service.http.errors import ApiError
from service.text.jsonsafe import JsonInputError, loads


async def read_params(request: Request) -> dict[str, Any]:
    """The request's parameters from a JSON body or a form, plus the query string."""
    params = urlencoded_params(request.scope.get("query_string", b""), "query string")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        params.update(_json_params(await request.body()))
    elif content_type == "application/x-www-form-urlencoded":
        params.update(urlencoded_params(await request.body(), "form body"))
    elif content_type == "multipart/form-data":
        params.update(_form_params(await _multipart(request)))
    return params


async def read_form(request: Request) -> tuple[dict[str, Any], FormData]:
    """A multipart form's fields (plus the query string), and the form itself for its files
    (close it when done). Any other body is a 400 saying to send the form."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        raise ApiError(
            400, "Invalid request: send a multipart/form-data body with the document as 'file'"
        )
    params = urlencoded_params(request.scope.get("query_string", b""), "query string")
    form = await _multipart(request)
    params.update(_form_params(form))
    return params, form


def _json_params(body: bytes) -> dict[str, Any]:
    try:
        parsed = loads(body)
    except JsonInputError as exc:
        raise ApiError(400, f"Invalid request: body is not valid JSON ({exc})") from None
    if not isinstance(parsed, dict):
        raise ApiError(400, "Invalid request: the JSON body must be an object")
    return parsed


def urlencoded_params(data: bytes, where: str) -> dict[str, Any]:
    """``name=value&...`` as UTF-8, raw and percent-escaped bytes alike (Starlette reads raw
    bytes as Latin-1, which garbles Thai sent unescaped, as ``curl -d 'q=สวัสดี'`` does, and
    turns invalid escapes into U+FFFD). A repeated name gives a list."""
    try:
        text = data.decode("utf-8")
        parsed = parse_qs(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"Invalid request: the {where} is not UTF-8 ({exc.reason})") from None
    return {name: values if len(values) > 1 else values[0] for name, values in parsed.items()}


class StrictMultiPartParser(MultiPartParser):
    """Starlette's parser, except that a field that is not valid in its charset is refused
    (Starlette falls back to Latin-1)."""

    def on_part_end(self) -> None:
        part = self._current_part
        if part.file is None:
            try:
                bytes(part.data).decode(self._charset)
            except UnicodeDecodeError as exc:
                raise MultiPartException(
                    f"Invalid request: form field {part.field_name!r} is not {self._charset} "
                    f"({exc.reason})"
                ) from None
        super().on_part_end()


async def _multipart(request: Request) -> FormData:
    try:
        return await StrictMultiPartParser(request.headers, request.stream()).parse()
    except MultiPartException as exc:
        message = exc.message
        if not message.startswith("Invalid request"):
            message = f"Invalid request: {message}"
        raise ApiError(400, message) from None


def _form_params(form: FormData) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name in form:
        values = [v for v in form.getlist(name) if isinstance(v, str)]
        if values:
            params[name] = values if len(values) > 1 else values[0]
    return params
