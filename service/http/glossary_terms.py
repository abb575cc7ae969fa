"""Stored glossaries named by id in a request (DeepL's ``glossary_id`` / ``glossary_ids``),
as the terms the pipeline takes: ``{Thai: English}`` entries and do-not-translate terms.

The glossaries live in the translation desk's store (issue 22), reached through
:class:`GlossaryBook`; until a server has one, any glossary id is "not found".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from starlette.requests import Request

from service.http.auth import Caller
from service.http.errors import ApiError


class StoredGlossary(Protocol):
    glossary_id: str
    entries: Mapping[str, str]
    do_not_translate: tuple[str, ...]


class GlossaryBook(Protocol):
    """What the DeepL routes need of the desk's glossary store."""

    def find(self, caller: Caller, glossary_id: str) -> StoredGlossary | None: ...


def glossary_book(request: Request) -> GlossaryBook | None:
    book: Any = getattr(request.app.state, "thaimt_glossaries", None)
    return book


async def stored_terms(
    request: Request, caller: Caller, ids: Sequence[str]
) -> tuple[dict[str, str], tuple[str, ...]]:
    """The entries and terms of the glossaries ``ids`` (the first listed wins where two have a
    term); 404 for an id that is not the caller's."""
    entries: dict[str, str] = {}
    keep: list[str] = []
    book = glossary_book(request) if ids else None
    for glossary_id in ids:
        found = book.find(caller, glossary_id) if book is not None else None
        if found is None:
            raise ApiError(404, f"Glossary not found: {glossary_id}")
        for source, target in found.entries.items():
            entries.setdefault(source, target)
        keep += found.do_not_translate
    return entries, tuple(dict.fromkeys(keep))
