"""The web page: GET / and its static files under /web/, shipped inside the package.

Plain HTML, CSS and JavaScript (``service/web/static``): no build step, no CDN, no external
font, so it works air-gapped. ``THAIMT_WEB_UI=false`` turns it off (404). The page talks to the
same API as every client (``/frontend/settings``, ``/v1/translate/stream``,
``/v1/translate/file``, ``/v1/documents`` for files over ``THAIMT_PAGE_JOB_BYTES`` (whose
progress it shows), and the desk's ``/v1/team``, ``/v1/glossaries``, ``/v1/memory``,
``/v1/export``); ``/web/config.json`` adds what only the page needs: the words for each segment
flag and span kind, whether the desk is on, the alternatives bound, the default review
threshold for confidence, and the job size.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from service.http.errors import ApiError
from service.http.schemas import MAX_GLOSSARY_ENTRIES, MAX_TERM_CHARS, MAX_TERMS
from service.http.state import get_state
from service.text.confidence import REVIEW_THRESHOLD
from service.text.flags import FLAG_REASONS

router = APIRouter(tags=["web page"], include_in_schema=False)

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# The page loads only its own files and talks only to this server.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # revalidate, so an upgraded server serves its own page
}
SPAN_KINDS = {
    "latin": "English term",
    "number": "number",
    "url": "URL",
    "email": "e-mail",
    "handle": "handle",
    "hashtag": "hashtag",
    "emoji": "emoji",
    "glossary": "glossary term",
    "keep": "do-not-translate term",
    "markup": "inline markup",
}


@cache
def static_files() -> dict[str, bytes]:
    """Every file of the page, by name (read once)."""
    folder = resources.files("service.web") / "static"
    return {
        entry.name: entry.read_bytes()
        for entry in folder.iterdir()
        if entry.is_file() and any(entry.name.endswith(ext) for ext in MEDIA_TYPES)
    }


def _page_file(request: Request, name: str) -> Response:
    if not get_state(request).settings.web_ui:
        raise ApiError(404, "the web page is turned off on this server (THAIMT_WEB_UI=false)")
    data = static_files().get(name)
    if data is None:
        raise ApiError(404, f"no such file: /web/{name}")
    media_type = MEDIA_TYPES[name[name.rindex(".") :]]
    return Response(data, media_type=media_type, headers=SECURITY_HEADERS)


@router.get("/")
async def index(request: Request) -> Response:
    return _page_file(request, "index.html")


@router.get("/web/config.json")
async def page_config(request: Request) -> dict[str, Any]:
    state = get_state(request)
    if not state.settings.web_ui:
        raise ApiError(404, "the web page is turned off on this server (THAIMT_WEB_UI=false)")
    return {
        "flags": FLAG_REASONS,
        "spanKinds": SPAN_KINDS,
        "confidence": {"threshold": REVIEW_THRESHOLD},
        # Files larger than this go as a document job (progress, behind interactive work).
        "jobBytes": get_state(request).settings.page_job_bytes,
        "limits": {
            "glossaryEntries": MAX_GLOSSARY_ENTRIES,
            "terms": MAX_TERMS,
            "termChars": MAX_TERM_CHARS,
        },
        "desk": state.desk is not None,  # server glossaries, memory, editing
        "maxAlternatives": state.settings.max_alternatives,
    }


@router.get("/web/{name}")
async def page_file(name: str, request: Request) -> Response:
    return _page_file(request, name)
