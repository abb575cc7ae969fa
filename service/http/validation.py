"""What a JSON body that FastAPI could not read or validate is told: what was wrong and what to
send instead (the native API's messages; other API styles map them in ``styles.py``)."""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.requests import Request

from service.http.errors import ApiError

WHAT_TO_SEND = (
    'a JSON object with "text" (a string) or "texts" (a list of strings), sent with '
    "Content-Type: application/json"
)
# LibreTranslate's field names, which a client of /v1 may send by mistake.
LIBRE_FIELDS = ("q", "source", "target", "api_key")


def body_refusal(exc: RequestValidationError, request: Request) -> ApiError:
    """400 for a body that is not JSON (or not sent as JSON), 422 for wrong fields."""
    errors = list(exc.errors())
    invalid = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if invalid is not None:
        return ApiError(400, f"invalid JSON body: {_json_problem(invalid, exc.body)}")
    if _not_an_object(errors) and not _is_json(request.headers.get("content-type")):
        return ApiError(400, _not_sent_as_json(request, exc.body))
    return ApiError(422, _field_problems(errors, request.url.path))


def _json_problem(error: dict[str, Any], doc: Any) -> str:
    """``Expecting value at line 2, column 5``: the parser's words and where."""
    reason = str((error.get("ctx") or {}).get("error", "cannot parse"))
    loc = tuple(error.get("loc") or ())
    pos = loc[-1] if len(loc) > 1 and isinstance(loc[-1], int) else None
    if pos is None or not isinstance(doc, str):
        return reason
    line = doc.count("\n", 0, pos) + 1
    column = pos - (doc.rfind("\n", 0, pos) + 1) + 1
    return f"{reason} at line {line}, column {column}"


def _not_an_object(errors: list[dict[str, Any]]) -> bool:
    return any(tuple(e.get("loc", ())) == ("body",) for e in errors)


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _not_sent_as_json(request: Request, body: Any) -> str:
    content_type = request.headers.get("content-type")
    sent = f"Content-Type: {content_type}" if content_type else "no Content-Type"
    path = request.url.path
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    if text.lstrip().startswith(("{", "[")):
        return (
            f"{path} got a body that looks like JSON with {sent}; send it with "
            "Content-Type: application/json (curl: -H 'Content-Type: application/json')"
        )
    return (
        f"{path} takes {WHAT_TO_SEND} (this body came with {sent}); for example: curl -H "
        "'Content-Type: application/json' -d '{\"text\": \"สวัสดี\"}'. Form fields (q, source, "
        "target) are LibreTranslate's: POST /translate takes them"
    )


def _field_problems(errors: list[dict[str, Any]], path: str) -> str:
    parts = []
    for err in errors[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    message = "invalid request: " + "; ".join(parts)
    unknown = [
        str(e["loc"][-1])
        for e in errors
        if e.get("type") == "extra_forbidden" and e.get("loc") and e["loc"][-1] in LIBRE_FIELDS
    ]
    if unknown:
        message += (
            f". {path} takes 'text' (a string) or 'texts' (a list of strings), not "
            f"{', '.join(repr(u) for u in unknown)}; LibreTranslate's fields (q, source, target, "
            "api_key) go to POST /translate"
        )
    return message
