"""What the job store keeps about a document job, as plain JSON-able records.

A record names its owner and secret only by their SHA-256 (an API key or a secret never lands
on disk or in Redis), and holds what the uploader asked (:class:`JobRequest`) so the job can
be run again after a restart. Times are wall-clock seconds (``time.time()``): replicas sharing
a store compare them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

QUEUED, TRANSLATING, DONE, ERROR = "queued", "translating", "done", "error"
STATUSES = (QUEUED, TRANSLATING, DONE, ERROR)
FINISHED = (DONE, ERROR)
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")


def is_job_id(text: str) -> bool:
    """A job id as :func:`new_job_id` makes them (also what keeps ids safe as folder names)."""
    return bool(_JOB_ID.match(text))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class JobRequest:
    """What the uploader asked for: how to read the file and how to translate it."""

    filename: str
    format_name: str
    fields: tuple[str, ...] = ()  # JSONL
    columns: tuple[str, ...] = ()  # CSV/TSV
    overwrite_targets: bool = False  # XLIFF/PO
    glossary: dict[str, str] = field(default_factory=dict)
    do_not_translate: tuple[str, ...] = ()
    beam_size: int | None = None  # None: the server's default

    @property
    def term_chars(self) -> int:
        """Characters of the glossary and do-not-translate terms (charged like /v1's)."""
        pairs = sum(len(k) + len(v) for k, v in self.glossary.items())
        return pairs + sum(len(t) for t in self.do_not_translate)


@dataclass
class JobRecord:
    id: str
    owner: str  # digest of the caller's identity
    secret: str  # digest of the job's secret
    request: JobRequest
    created: float
    expires: float  # the job and its files are removed after this
    characters: int  # charged when the job was accepted
    upload_bytes: int
    result_name: str  # the file's name for the download (``<stem>_en<ext>``)
    media_type: str
    status: str = QUEUED
    started: float | None = None  # this run's start
    finished: float | None = None
    segments_total: int = 0
    segments_done: int = 0
    done_at_start: int = 0  # segments done (cached) when this run started: for the estimate
    flags: dict[str, int] = field(default_factory=dict)
    least_confident: list[dict[str, Any]] = field(default_factory=list)  # service/review.py
    result_bytes: int = 0
    error: str | None = None
    runner: str | None = None  # the replica that runs it (None: anyone may take it)
    heartbeat: float = 0.0  # when that replica last said it still runs it
    attempts: int = 0  # runs started

    @property
    def disk_bytes(self) -> int:
        return self.upload_bytes + self.result_bytes

    @property
    def finished_ok(self) -> bool:
        return self.status == DONE

    def expired(self, now: float, lease_s: float) -> bool:
        """Past its expiry; an unfinished job only once no replica holds it any more (a
        running job is never removed from under its run, whatever the expiry)."""
        if self.expires > now:
            return False
        return self.status in FINISHED or self.heartbeat < now - lease_s

    def seconds_remaining(self, now: float) -> float | None:
        """At this run's pace so far; None before any segment of it is done (or when done)."""
        if self.status != TRANSLATING or self.started is None:
            return 0.0 if self.status == DONE else None
        done_here = self.segments_done - self.done_at_start
        if done_here <= 0 or self.segments_total <= 0:
            return None
        pace = (now - self.started) / done_here
        return round(max(0.0, (self.segments_total - self.segments_done) * pace), 1)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobRecord:
        request = data["request"]
        for name in ("fields", "columns", "do_not_translate"):
            request[name] = tuple(request.get(name, ()))
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["request"] = JobRequest(**request)
        return cls(**values)


@dataclass(frozen=True)
class JobView:
    """A job's status as front ends show it."""

    id: str
    status: str
    filename: str
    result_filename: str
    format: str
    segments_done: int
    segments_total: int
    seconds_remaining: float | None
    flags: dict[str, int]
    least_confident: list[dict[str, Any]]  # ReviewItem.to_dict(), least confident first
    characters: int
    created: float
    finished: float | None
    expires: float
    error: str | None

    @classmethod
    def of(cls, record: JobRecord, now: float) -> JobView:
        return cls(
            record.id,
            record.status,
            record.request.filename,
            record.result_name,
            record.request.format_name,
            record.segments_done,
            record.segments_total,
            record.seconds_remaining(now),
            dict(record.flags),
            list(record.least_confident),
            record.characters,
            record.created,
            record.finished,
            record.expires,
            record.error,
        )
