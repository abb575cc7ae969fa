"""What a desk store keeps, per team: glossaries by id, and memory units by key, with a change
feed so that every replica's close-match index can follow the units incrementally.

Two stores implement it: :class:`~service.desk.sqlite.SqliteDesk` (one file, on one machine;
several processes may share it) and :class:`~service.desk.redis.RedisDesk` (every replica).
Reads that fail are answered as "nothing there" by the lookups on the translation path (a
memory lookup never fails a translation) and raise :class:`DeskUnavailable` where the caller
must know (a glossary a request names, any write); the faults are counted by kind.

The sequence numbers of the change feed are per team and grow with every write; a removed unit
leaves a tombstone in the feed (its key with no unit), so an index learns of the removal.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from service.desk.glossaries import GlossaryRecord
from service.desk.memory import MemoryUnit
from service.state.faults import FaultTracker


class DeskUnavailable(Exception):
    """The store could not be read or written (the service answers 503 and goes on
    translating)."""


@dataclass(frozen=True)
class Changes:
    """Units changed after a sequence number: ``(key, unit or None when removed)``, and the
    sequence number to ask from next time."""

    seq: int
    units: list[tuple[str, MemoryUnit | None]]


class DeskStore(ABC):
    """Glossaries and memory units of every team (each call names one team)."""

    def __init__(self, faults: FaultTracker) -> None:
        self.faults = faults

    @property
    @abstractmethod
    def status(self) -> str:
        """``ok``, or ``degraded`` after recent faults."""

    def close(self) -> None:  # noqa: B027 - a store without resources has nothing to close
        """Release the store's resources."""

    # Glossaries

    @abstractmethod
    def put_glossary(self, record: GlossaryRecord) -> None:
        """Create or replace ``record`` (in its team)."""

    @abstractmethod
    def glossary(self, team: str, glossary_id: str) -> GlossaryRecord | None: ...

    @abstractmethod
    def glossary_version(self, team: str, glossary_id: str) -> str | None:
        """The stored record's version, without reading its entries (None: not there)."""

    @abstractmethod
    def glossaries(self, team: str) -> list[GlossaryRecord]:
        """The team's glossaries, oldest first."""

    @abstractmethod
    def delete_glossary(self, team: str, glossary_id: str) -> bool:
        """Whether there was one to delete."""

    # Translation memory

    @abstractmethod
    def put_units(self, team: str, units: Sequence[MemoryUnit]) -> None:
        """Add or replace units (by key); one change-feed step for all of them."""

    @abstractmethod
    def units(self, team: str, keys: Sequence[str]) -> dict[str, MemoryUnit]:
        """The units with these keys (DeskUnavailable when the store cannot answer)."""

    @abstractmethod
    def delete_units(self, team: str, keys: Sequence[str]) -> int:
        """Remove units; how many there were."""

    @abstractmethod
    def unit_count(self, team: str) -> int: ...

    @abstractmethod
    def all_units(self, team: str) -> Iterator[MemoryUnit]:
        """Every unit of the team (an export), in no particular order."""

    @abstractmethod
    def changes(self, team: str, since: int) -> Changes:
        """Units written or removed after ``since`` (0: everything there is)."""

    def clear_units(self, team: str) -> int:
        """Remove every unit of the team; how many there were."""
        keys = [unit.key for unit in self.all_units(team)]
        return self.delete_units(team, keys) if keys else 0
