"""What the DeepL routes need of the translation desk's glossary store (issue 22), and stored
glossaries named in a request (``glossary_id`` / ``glossary_ids``) as the terms the pipeline
takes: ``{Thai: English}`` entries and do-not-translate terms.

The store is the desk's (one store, every API shape: ``/v1``, DeepL's ``/v2`` and ``/v3``, the
page); a server hands it to the routes as ``app.state.thaimt_glossaries``, an object with the
calls of :class:`DeskGlossaries` (over the desk's ``GlossaryBook``, the caller's team on every
call). Until a server has one, every glossary id is "not found" and the glossary routes answer 403
saying they are turned off (as file translation is when turned off).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from starlette.requests import Request

from service.http.auth import Caller
from service.http.errors import ApiError

T = TypeVar("T")


class StoredGlossary(Protocol):
    """One glossary as the store keeps it (the desk's ``GlossaryRecord``)."""

    glossary_id: str
    name: str
    source_lang: str  # "th"
    target_lang: str  # "en"
    entries: Mapping[str, str]
    do_not_translate: tuple[str, ...]
    creation_time: float  # time.time()

    @property
    def entry_count(self) -> int: ...


class DeskGlossaries(Protocol):
    """The store's calls, each for the caller's team only (another team's glossary is not
    found). Bad entries or names raise ValueError (400, its message saying what to send); a
    caller that may only read raises PermissionError (403)."""

    def find(self, caller: Caller, glossary_id: str) -> StoredGlossary | None: ...

    def list(self, caller: Caller) -> Sequence[StoredGlossary]: ...

    def create(
        self, caller: Caller, name: str, entries: str, entries_format: str
    ) -> StoredGlossary: ...

    def replace(
        self,
        caller: Caller,
        glossary_id: str,
        name: str | None,
        entries: str | None,
        entries_format: str,
    ) -> StoredGlossary | None: ...

    def delete(self, caller: Caller, glossary_id: str) -> bool: ...

    def entries_tsv(self, glossary: StoredGlossary) -> str:
        """``Thai<TAB>English`` lines; a do-not-translate term as ``term<TAB>term``."""
        ...


def glossary_book(request: Request) -> DeskGlossaries | None:
    book: Any = getattr(request.app.state, "thaimt_glossaries", None)
    return book


def required_book(request: Request) -> DeskGlossaries:
    book = glossary_book(request)
    if book is None:  # as a turned-off feature is answered (file translation: 403)
        raise ApiError(403, "glossaries are turned off on this server (no glossary store)")
    return book


async def on_book(call: Callable[..., T], *args: Any) -> T:
    """A store call off the event loop (SQLite or Redis), its refusals as 400 and 403."""
    try:
        return await asyncio.to_thread(call, *args)
    except PermissionError as exc:
        raise ApiError(403, f"this key may read glossaries but not change them ({exc})") from None
    except ValueError as exc:
        raise ApiError(400, f"Invalid glossary entries provided: {exc}") from None


async def stored_terms(
    request: Request, caller: Caller, ids: Sequence[str]
) -> tuple[dict[str, str], tuple[str, ...]]:
    """The entries and terms of the glossaries ``ids`` (the first listed wins where two have a
    term); 404 for an id that is not the caller's."""
    entries: dict[str, str] = {}
    keep: list[str] = []
    book = glossary_book(request) if ids else None
    for glossary_id in ids:
        found = await on_book(book.find, caller, glossary_id) if book is not None else None
        if found is None:
            raise ApiError(404, f"Glossary not found: {glossary_id}")
        for source, target in found.entries.items():
            entries.setdefault(source, target)
        keep += found.do_not_translate
    return entries, tuple(dict.fromkeys(keep))
