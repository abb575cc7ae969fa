"""The desk's glossary store as DeepL's glossary routes take it (:class:`DeskGlossaries`).

One store for every API shape: a glossary created through ``/v2/glossaries`` or
``/v3/glossaries`` is the team's ``/v1/glossaries`` record (and the other way round), applied by
``glossary_id`` on ``/v1/translate``, ``/v2/translate``, the page and ``thaimt batch``. The
caller's team is named on every call; another team's glossary is not found. A read key may list,
read and use glossaries; creating, replacing or deleting one raises PermissionError (403). The
store's fault is a 503 with Retry-After, as on ``/v1``.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from service.desk.books import GlossaryBook
from service.desk.glossaries import GlossaryInvalid, GlossaryNotFound, GlossaryRecord
from service.desk.glossary_files import read_terms
from service.desk.store import DeskUnavailable
from service.http.auth import Caller
from service.http.errors import ApiError
from service.http.glossary_terms import StoredGlossary

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_S = 5


def _answered(call: Callable[[], T]) -> T:
    try:
        return call()
    except DeskUnavailable as exc:
        log.debug("desk unavailable: %s", exc)
        message = "glossaries cannot be read or written now (a fault on the server)"
        raise ApiError(503, message, {"Retry-After": str(RETRY_S)}) from None


def _writer(caller: Caller) -> str:
    access = caller.access
    if not access.can_write:
        raise PermissionError(f"team {access.team}'s role for this key is read")
    return access.team


class DeepLGlossaries:
    """:class:`~service.http.glossary_terms.DeskGlossaries` over the desk's GlossaryBook."""

    def __init__(self, book: GlossaryBook) -> None:
        self.book = book

    def find(self, caller: Caller, glossary_id: str) -> GlossaryRecord | None:
        """The record, read once per version (what a translation by id uses, too)."""
        team = caller.access.team
        try:
            return _answered(lambda: self.book.for_translation(team, glossary_id))
        except GlossaryNotFound:
            return None

    def list(self, caller: Caller) -> list[GlossaryRecord]:
        return _answered(lambda: self.book.list(caller.access.team))

    def create(
        self, caller: Caller, name: str, entries: str, entries_format: str
    ) -> GlossaryRecord:
        team = _writer(caller)
        terms = deepl_terms(entries, entries_format)
        return _answered(lambda: self.book.create(team, name, terms.entries, terms.keep))

    def replace(
        self,
        caller: Caller,
        glossary_id: str,
        name: str | None,
        entries: str | None,
        entries_format: str,
    ) -> GlossaryRecord | None:
        """A new name and/or new entries (DeepL's PATCH: what is not sent is kept)."""
        team = _writer(caller)

        def patch() -> GlossaryRecord:
            held = self.book.get(team, glossary_id)
            if entries is None:
                terms, keep = dict(held.entries), held.do_not_translate
            else:
                read = deepl_terms(entries, entries_format)
                terms, keep = read.entries, read.keep
            return self.book.replace(team, glossary_id, terms, keep, name)

        try:
            return _answered(patch)
        except GlossaryNotFound:
            return None

    def delete(self, caller: Caller, glossary_id: str) -> bool:
        team = _writer(caller)
        try:
            _answered(lambda: self.book.delete(team, glossary_id))
        except GlossaryNotFound:
            return False
        return True

    def entries_tsv(self, glossary: StoredGlossary) -> str:
        """``Thai<TAB>English`` lines; a do-not-translate term as ``term<TAB>term``."""
        data = GlossaryBook.entries_file(_record(glossary), "tsv", keep_as_pairs=True)
        return data.decode("utf-8")


@dataclass(frozen=True)
class DeepLTerms:
    entries: dict[str, str]
    keep: tuple[str, ...]  # term<TAB>term: kept exactly as written


def deepl_terms(entries: str, entries_format: str) -> DeepLTerms:
    """DeepL's entries: a source and a target on every line (GlossaryInvalid, a ValueError,
    otherwise); a line whose target is its source is a do-not-translate term."""
    if entries_format == "csv":
        entries = _two_columns(entries)
    read = read_terms(entries, entries_format)
    if read.do_not_translate:
        raise GlossaryInvalid(
            f"every line needs a source and a target ({read.do_not_translate[0]!r} has one; "
            "to keep a term as written send it as term<TAB>term)"
        )
    same = tuple(source for source, target in read.entries.items() if source == target)
    kept = {source: target for source, target in read.entries.items() if source != target}
    return DeepLTerms(kept, same)


def _two_columns(text: str) -> str:
    """DeepL's CSV may add each row's language pair (``source,target,th,en``): dropped once
    checked."""
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise GlossaryInvalid(f"entries: not CSV ({exc})") from None
    for number, row in enumerate(rows, start=1):
        if len(row) == 4:
            if [cell.strip().lower() for cell in row[2:]] != ["th", "en"]:
                raise GlossaryInvalid(f"entries:{number}: this server's language pair is th,en")
            del row[2:]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _record(glossary: StoredGlossary) -> GlossaryRecord:
    if isinstance(glossary, GlossaryRecord):
        return glossary
    raise TypeError("entries_tsv takes a glossary this store returned")
