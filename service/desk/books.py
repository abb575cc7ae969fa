"""The desk's Python API: a team's glossaries and translation memory over a store.

Every front end calls these (``/v1/glossaries``, ``/v1/memory``, a DeepL-shaped glossary
route, the batch client): they check what they are given, name the team on every call, and
raise :class:`~service.desk.glossaries.GlossaryNotFound`,
:class:`~service.desk.glossaries.GlossaryInvalid`, :class:`~service.desk.memory.UnitInvalid`
or :class:`~service.desk.store.DeskUnavailable`, which each API maps to its own answer.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.desk.fuzzy import FuzzyIndex, Match
from service.desk.glossaries import (
    GlossaryNotFound,
    GlossaryRecord,
    new_glossary,
    replaced,
)
from service.desk.glossary_files import read_terms, write_terms
from service.desk.memory import MemoryUnit, make_unit, unit_key
from service.desk.store import DeskStore, DeskUnavailable
from service.desk.tmx import Imported, export_tmx, import_tmx

log = logging.getLogger(__name__)

MAX_TEAM_INDEXES = 16  # close-match indexes held in one process (least recently used go)
FIRST_LOAD_WAIT_S = 2.0  # how long a request waits for a team's index to load the first time


class GlossaryBook:
    """Create, list, read, replace and delete a team's glossaries."""

    def __init__(self, store: DeskStore) -> None:
        self.store = store
        self._cache: dict[tuple[str, str], GlossaryRecord] = {}  # for translations
        self._lock = threading.Lock()

    def create(
        self,
        team: str,
        name: str,
        entries: Mapping[str, str],
        do_not_translate: Sequence[str] = (),
        source_lang: str = "th",
        target_lang: str = "en",
    ) -> GlossaryRecord:
        record = new_glossary(team, name, entries, do_not_translate, source_lang, target_lang)
        self.store.put_glossary(record)
        return record

    def create_from_file(
        self, team: str, name: str, data: bytes | str, fmt: str, **langs: str
    ) -> GlossaryRecord:
        """A glossary from TSV, CSV or TBX content (GlossaryInvalid naming the bad line)."""
        terms = read_terms(data, fmt)
        return self.create(team, name, terms.entries, terms.do_not_translate, **langs)

    def list(self, team: str) -> list[GlossaryRecord]:
        return self.store.glossaries(team)

    def get(self, team: str, glossary_id: str) -> GlossaryRecord:
        record = self.store.glossary(team, glossary_id)
        if record is None:
            raise GlossaryNotFound(glossary_id)
        return record

    def replace(
        self,
        team: str,
        glossary_id: str,
        entries: Mapping[str, str],
        do_not_translate: Sequence[str] = (),
        name: str | None = None,
    ) -> GlossaryRecord:
        record = replaced(self.get(team, glossary_id), name, entries, do_not_translate)
        self.store.put_glossary(record)
        return record

    def delete(self, team: str, glossary_id: str) -> None:
        if not self.store.delete_glossary(team, glossary_id):
            raise GlossaryNotFound(glossary_id)

    @staticmethod
    def entries_file(record: GlossaryRecord, fmt: str, keep_as_pairs: bool = False) -> bytes:
        """The record's entries as ``tsv``, ``csv`` or ``tbx``."""
        return write_terms(record.entries, record.do_not_translate, fmt, keep_as_pairs)

    def for_translation(self, team: str, glossary_id: str) -> GlossaryRecord:
        """The glossary a translation names, read once per version (one small read per
        request). While the store cannot answer, the last copy read is used; without one,
        DeskUnavailable (a translation is not done without the glossary it asked for)."""
        cache_key = (team, glossary_id)
        with self._lock:
            held = self._cache.get(cache_key)
        try:
            version = self.store.glossary_version(team, glossary_id)
            if version is None:
                raise GlossaryNotFound(glossary_id)
            if held is None or held.version != version:
                held = self.get(team, glossary_id)
        except DeskUnavailable:
            if held is None:
                raise
            return held  # the store's fault is counted and logged by the store
        with self._lock:
            self._cache[cache_key] = held
        return held


@dataclass(frozen=True)
class Suggestion:
    """A close match for a segment: the unit and how alike the masked sources are."""

    unit: MemoryUnit
    score: float


class _TeamIndex:
    def __init__(self) -> None:
        self.index = FuzzyIndex()
        self.seq = 0
        self.ready = threading.Event()
        self.lock = threading.Lock()  # one catch-up at a time


class MemoryBook:
    """A team's translation memory: add, look up, remove, export and import units; the
    close-match indexes of the teams this process has served."""

    def __init__(self, store: DeskStore, threshold: float = 0.8) -> None:
        self.store = store
        self.threshold = threshold
        self._indexes: OrderedDict[str, _TeamIndex] = OrderedDict()
        self._lock = threading.Lock()

    def add(
        self,
        team: str,
        pairs: Sequence[tuple[str, str]],
        glossary: Mapping[str, str] | None = None,
        do_not_translate: Sequence[str] = (),
    ) -> list[MemoryUnit]:
        """Units from (Thai, English) pairs, masked with the glossary the translation used;
        a later pair with the same masked source replaces an earlier one."""
        units = [make_unit(s, t, glossary, do_not_translate) for s, t in pairs]
        unique = list({u.key: u for u in units}.values())
        self.store.put_units(team, unique)
        return unique

    def put(self, team: str, units: Sequence[MemoryUnit]) -> None:
        self.store.put_units(team, units)

    def exact(self, team: str, masked: Sequence[str]) -> dict[str, MemoryUnit]:
        """Masked segment → its unit, for the segments that have one."""
        keys = {unit_key(m): m for m in masked}
        return {keys[k]: u for k, u in self.store.units(team, list(keys)).items()}

    def lookup(
        self,
        team: str,
        source: str,
        glossary: Mapping[str, str] | None = None,
        do_not_translate: Sequence[str] = (),
    ) -> tuple[str, MemoryUnit | None, Suggestion | None]:
        """One Thai sentence, masked as the pipeline masks it: its masked form, the unit with
        exactly that key (if any), and the closest other unit at or above the threshold."""
        probe = make_unit(source, "-", glossary, do_not_translate)
        exact = self.exact(team, [probe.masked_source]).get(probe.masked_source)
        close = self.close_matches(team, [probe.masked_source], wait=True)
        near = close.get(probe.masked_source)
        if near is not None and exact is not None and near.unit.key == exact.key:
            near = None  # the exact match is not also a suggestion
        return probe.masked_source, exact, near

    def get(self, team: str, unit_id: str) -> MemoryUnit | None:
        return self.store.units(team, [unit_id]).get(unit_id)

    def delete(self, team: str, unit_id: str) -> bool:
        return self.store.delete_units(team, [unit_id]) > 0

    def clear(self, team: str) -> int:
        return self.store.clear_units(team)

    def count(self, team: str) -> int:
        return self.store.unit_count(team)

    def export_tmx(self, team: str) -> bytes:
        return export_tmx(self.store.all_units(team))

    def import_tmx(self, team: str, data: bytes) -> Imported:
        imported = import_tmx(data)
        unique = list({u.key: u for u in imported.units}.values())
        self.store.put_units(team, unique)
        imported.units = unique
        return imported

    def close_matches(
        self, team: str, masked: Sequence[str], wait: bool = False
    ) -> dict[str, Suggestion]:
        """Masked segment → the closest unit at or above the threshold. A team's index is
        loaded in the background the first time: a request waits for it ``FIRST_LOAD_WAIT_S``
        at most (a small memory is there by then), or until it is loaded with ``wait``."""
        index = self.index(team, None if wait else FIRST_LOAD_WAIT_S)
        if index is None or not masked:
            return {}
        found: dict[str, Match] = {}
        for text in dict.fromkeys(masked):
            match = index.best(text, self.threshold)
            if match is not None:
                found[text] = match
        units = self.store.units(team, [m.key for m in found.values()])
        return {
            text: Suggestion(units[m.key], m.score) for text, m in found.items() if m.key in units
        }

    def index(self, team: str, wait_s: float | None = 0.0) -> FuzzyIndex | None:
        """The team's close-match index, caught up with the store's change feed; None while
        its first load runs after ``wait_s`` seconds (None: as long as it takes)."""
        held, fresh = self._held(team)
        if fresh:
            threading.Thread(target=self._load, args=(team, held), daemon=True).start()
        if wait_s is None or wait_s > 0:
            held.ready.wait(wait_s)
        if not held.ready.is_set():
            return None
        self._catch_up(team, held)
        return held.index

    def _held(self, team: str) -> tuple[_TeamIndex, bool]:
        with self._lock:
            held = self._indexes.get(team)
            if held is not None:
                self._indexes.move_to_end(team)
                return held, False
            held = self._indexes[team] = _TeamIndex()
            while len(self._indexes) > MAX_TEAM_INDEXES:
                self._indexes.popitem(last=False)
            return held, True

    def _load(self, team: str, held: _TeamIndex) -> None:
        try:
            self._catch_up(team, held)
        except Exception as exc:  # a store fault: the next request tries again
            log.warning("memory index of team %s not loaded: %s", team, exc)
            with self._lock:
                if self._indexes.get(team) is held:
                    del self._indexes[team]
        held.ready.set()

    def _catch_up(self, team: str, held: _TeamIndex) -> None:
        with held.lock:
            changes = self.store.changes(team, held.seq)
            held.index.update((k, None if u is None else u.masked_source) for k, u in changes.units)
            held.seq = changes.seq


@dataclass
class Desk:
    """What a server holds of the desk: the store and the two books over it."""

    store: DeskStore
    glossaries: GlossaryBook
    memory: MemoryBook

    @classmethod
    def over(cls, store: DeskStore, threshold: float = 0.8) -> Desk:
        return cls(store, GlossaryBook(store), MemoryBook(store, threshold))
