"""Where job records live: ``job.json`` in each job's folder (one replica), or Redis (any
number of replicas: every one answers status and result of every job).

Both offer the same small interface. ``update`` is a read-modify-write that is atomic for that
record (a process lock on disk; a WATCH transaction in Redis): a progress update cannot bring
back a job that was just deleted, and two replicas cannot both take over the same job.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from service.jobs.errors import StoreUnavailable
from service.jobs.records import JobRecord
from service.jobs.storage import RECORD, JobFiles, write_atomically
from service.state.redis_link import RedisFailed, RedisUnavailable

if TYPE_CHECKING:
    from redis import Redis

    from service.state.redis_link import RedisLink

Change = Callable[[JobRecord], JobRecord | None]  # the new record, or None: leave it


class JobIndex(Protocol):
    shared: bool  # whether other replicas see these records

    def put(self, record: JobRecord) -> None: ...

    def get(self, job_id: str) -> JobRecord | None: ...

    def update(self, job_id: str, change: Change) -> JobRecord | None: ...

    def delete(self, job_id: str) -> None: ...

    def all(self) -> list[JobRecord]: ...


class FileIndex:
    """Records as ``<id>/job.json`` next to the job's files."""

    shared = False

    def __init__(self, files: JobFiles) -> None:
        self.files = files
        self._lock = threading.RLock()

    def put(self, record: JobRecord) -> None:
        with self._lock:
            self.files.write(record.id, RECORD, _dump(record))

    def get(self, job_id: str) -> JobRecord | None:
        with self._lock:
            raw = self.files.read(job_id, RECORD)
        return _load(raw) if raw is not None else None

    def update(self, job_id: str, change: Change) -> JobRecord | None:
        with self._lock:
            record = self.get(job_id)
            new = change(record) if record is not None else None
            if new is not None:
                write_atomically(self.files.folder(job_id) / RECORD, _dump(new))
            return new

    def delete(self, job_id: str) -> None:
        with self._lock:
            self.files.remove(job_id)

    def all(self) -> list[JobRecord]:
        records = [self.get(job_id) for job_id in self.files.job_ids()]
        return [r for r in records if r is not None]


class RedisIndex:
    """Records as JSON under ``thaimt:job:<id>``, their ids in the set ``thaimt:jobs``. A
    record has no Redis expiry: the runners remove it when the job expires (with its files),
    and a Redis that evicts only keys with an expiry (``volatile-lru``, as the deploy examples
    run it) evicts cache entries, never a job."""

    shared = True
    PREFIX = "thaimt:job:"
    IDS = "thaimt:jobs"

    def __init__(self, link: RedisLink) -> None:
        self.link = link

    def _call(self, operation: Callable[[Redis], Any]) -> Any:
        try:
            return self.link.call(operation)
        except (RedisUnavailable, RedisFailed) as exc:
            raise StoreUnavailable(f"the job store (Redis) cannot be reached: {exc}") from None

    def _key(self, job_id: str) -> str:
        return self.PREFIX + job_id

    def put(self, record: JobRecord) -> None:
        def run(client: Redis) -> None:
            pipe = client.pipeline()
            pipe.set(self._key(record.id), _dump(record))
            pipe.sadd(self.IDS, record.id)
            pipe.execute()

        self._call(run)

    def get(self, job_id: str) -> JobRecord | None:
        raw = self._call(lambda client: client.get(self._key(job_id)))
        return _load(raw) if raw is not None else None

    def update(self, job_id: str, change: Change) -> JobRecord | None:
        key = self._key(job_id)

        def transaction(pipe: Any) -> JobRecord | None:
            raw = pipe.get(key)
            new = change(_load(raw)) if raw is not None else None
            pipe.multi()
            if new is not None:
                pipe.set(key, _dump(new))
            return new

        result: JobRecord | None = self._call(
            lambda client: client.transaction(
                transaction,  # type: ignore[arg-type]
                key,
                value_from_callable=True,
            )
        )
        return result

    def delete(self, job_id: str) -> None:
        def run(client: Redis) -> None:
            pipe = client.pipeline()
            pipe.delete(self._key(job_id))
            pipe.srem(self.IDS, job_id)
            pipe.execute()

        self._call(run)

    def all(self) -> list[JobRecord]:
        def run(client: Redis) -> list[JobRecord]:
            ids = sorted(
                i.decode() if isinstance(i, bytes) else i for i in client.smembers(self.IDS)
            )
            raws = client.mget([self._key(i) for i in ids]) if ids else []
            gone = [i for i, raw in zip(ids, raws, strict=True) if raw is None]
            if gone:
                client.srem(self.IDS, *gone)  # deleted meanwhile
            return [_load(raw) for raw in raws if raw is not None]

        records: list[JobRecord] = self._call(run)
        return records


def _dump(record: JobRecord) -> bytes:
    return json.dumps(record.to_json(), ensure_ascii=False).encode("utf-8")


def _load(raw: bytes | str) -> JobRecord:
    return JobRecord.from_json(json.loads(raw))
