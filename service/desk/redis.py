"""The desk in Redis (``THAIMT_REDIS_URL``): every replica sees the same glossaries and memory.

Keys, per team (team names are letters, digits, ``_ . -``)::

    thaimt:desk:<team>:gl      hash  glossary id → record (JSON)
    thaimt:desk:<team>:glv     hash  glossary id → version (read on every translation that
                                     names a glossary; the record only when it changed)
    thaimt:desk:<team>:tm      hash  unit key → unit (JSON)
    thaimt:desk:<team>:feed    zset  unit key → sequence number of its last write or removal
    thaimt:desk:<team>:seq     string, the team's last sequence number

A memory write is one Lua script (sequence number, units and feed together), so a replica
reading the feed never sees a later number before an earlier one. None of these keys has a TTL:
run Redis with ``maxmemory-policy volatile-lru`` (deploy/ does), which evicts only keys with a
TTL — the cache's — and never a team's glossaries or memory.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from service.desk.glossaries import GlossaryRecord
from service.desk.memory import MemoryUnit
from service.desk.store import Changes, DeskStore, DeskUnavailable
from service.state.faults import FaultTracker
from service.state.redis_link import RedisFailed, RedisLink, RedisUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
PREFIX = "thaimt:desk:"
_CHUNK = 500
# KEYS: units hash, feed zset, sequence. ARGV: key, unit JSON ("" removes it), key, unit ...
# Returns how many of the keys held a unit before. Removing a key that is not there writes
# nothing (and takes no sequence number).
_WRITE_UNITS = """
local seq = nil
local existed = 0
for i = 1, #ARGV, 2 do
  local was = redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1
  if was then existed = existed + 1 end
  if was or ARGV[i + 1] ~= '' then
    if not seq then seq = redis.call('INCR', KEYS[3]) end
    if ARGV[i + 1] == '' then
      redis.call('HDEL', KEYS[1], ARGV[i])
    else
      redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    end
    redis.call('ZADD', KEYS[2], seq, ARGV[i])
  end
end
return existed
"""


class RedisDesk(DeskStore):
    def __init__(self, link: RedisLink, prefix: str = PREFIX) -> None:
        super().__init__(FaultTracker("desk (Redis)", log))
        self.link = link
        self.prefix = prefix

    @property
    def status(self) -> str:
        return "ok" if self.link.up and not self.faults.degraded else "degraded"

    def _key(self, team: str, kind: str) -> str:
        return f"{self.prefix}{team}:{kind}"

    # Glossaries

    def put_glossary(self, record: GlossaryRecord) -> None:
        def put(client: Any) -> None:
            with client.pipeline(transaction=True) as pipe:
                pipe.hset(self._key(record.team, "gl"), record.glossary_id, _encode(record.dumps()))
                pipe.hset(self._key(record.team, "glv"), record.glossary_id, record.version)
                pipe.execute()

        self._call(put)

    def glossary(self, team: str, glossary_id: str) -> GlossaryRecord | None:
        value = self._call(lambda c: c.hget(self._key(team, "gl"), glossary_id))
        return None if value is None else GlossaryRecord.loads(_decode(value))

    def glossary_version(self, team: str, glossary_id: str) -> str | None:
        value = self._call(lambda c: c.hget(self._key(team, "glv"), glossary_id))
        return None if value is None else _decode(value)

    def glossaries(self, team: str) -> list[GlossaryRecord]:
        values = self._call(lambda c: c.hvals(self._key(team, "gl")))
        records = [GlossaryRecord.loads(_decode(v)) for v in values]
        return sorted(records, key=lambda r: (r.creation_time, r.glossary_id))

    def delete_glossary(self, team: str, glossary_id: str) -> bool:
        def delete(client: Any) -> int:
            with client.pipeline(transaction=True) as pipe:
                pipe.hdel(self._key(team, "gl"), glossary_id)
                pipe.hdel(self._key(team, "glv"), glossary_id)
                return int(pipe.execute()[0])

        return self._call(delete) > 0

    # Translation memory

    def put_units(self, team: str, units: Sequence[MemoryUnit]) -> None:
        pairs = [(u.key, u.dumps()) for u in units]
        for start in range(0, len(pairs), _CHUNK):
            self._write(team, pairs[start : start + _CHUNK])

    def delete_units(self, team: str, keys: Sequence[str]) -> int:
        pairs = [(k, "") for k in dict.fromkeys(keys)]
        return sum(self._write(team, pairs[s : s + _CHUNK]) for s in range(0, len(pairs), _CHUNK))

    def _write(self, team: str, pairs: list[tuple[str, str]]) -> int:
        keys = [self._key(team, "tm"), self._key(team, "feed"), self._key(team, "seq")]
        args = [_encode(part) for pair in pairs for part in pair]
        return int(self._call(lambda c: c.eval(_WRITE_UNITS, len(keys), *keys, *args)))

    def units(self, team: str, keys: Sequence[str]) -> dict[str, MemoryUnit]:
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        values = self._call(lambda c: c.hmget(self._key(team, "tm"), wanted))
        pairs = zip(wanted, values, strict=True)
        return {k: MemoryUnit.loads(_decode(v)) for k, v in pairs if v is not None}

    def unit_count(self, team: str) -> int:
        return int(self._call(lambda c: c.hlen(self._key(team, "tm"))))

    def all_units(self, team: str) -> Iterator[MemoryUnit]:
        cursor = 0
        while True:
            cursor, page = self._call(
                functools.partial(_hscan, key=self._key(team, "tm"), cursor=cursor)
            )
            for value in page.values():
                yield MemoryUnit.loads(_decode(value))
            if cursor == 0:
                return

    def changes(self, team: str, since: int) -> Changes:
        def read(client: Any) -> tuple[list[tuple[bytes, float]], list[Any]]:
            changed = client.zrangebyscore(
                self._key(team, "feed"), f"({since}", "+inf", withscores=True
            )
            keys = [k for k, _ in changed]
            values = []
            for start in range(0, len(keys), _CHUNK):
                values += client.hmget(self._key(team, "tm"), keys[start : start + _CHUNK])
            return changed, values

        changed, values = self._call(read)
        seq = int(max((score for _, score in changed), default=since))
        units = [
            (_decode(k), None if v is None else MemoryUnit.loads(_decode(v)))
            for (k, _), v in zip(changed, values, strict=True)
        ]
        return Changes(seq, units)

    def _call(self, operation: Callable[[Any], T]) -> T:
        try:
            return self.link.call(operation)
        except (RedisUnavailable, RedisFailed) as exc:
            self.faults.record(exc.kind, exc, "the desk answers 503")
            raise DeskUnavailable(f"the desk's Redis cannot be used: {exc}") from exc


def _hscan(client: Any, key: str, cursor: int) -> tuple[int, dict[bytes, bytes]]:
    next_cursor, page = client.hscan(key, cursor, count=1000)
    return int(next_cursor), page


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _decode(value: bytes | str) -> str:
    return value if isinstance(value, str) else value.decode("utf-8", "surrogatepass")
