"""Why a job request is refused, for every front end to answer in its own shape. ``kind``
names the case; the HTTP status each API style gives it is the style's choice (``/v1``: the
``status`` here)."""

from __future__ import annotations


class JobError(Exception):
    kind = "job"
    status = 500


class BadDocument(JobError):
    """The file cannot be read as its format (corrupt, encrypted, the wrong kind, empty)."""

    kind, status = "bad_document", 400


class DocumentTooLarge(JobError):
    """Over the upload size, the characters per job, or a document limit (zip bomb)."""

    kind, status = "too_large", 413


class StorageFull(JobError):
    """The jobs' disk quota (in all, or the caller's) has no room for this upload."""

    kind, status = "storage_full", 507


class JobNotFound(JobError):
    """No such job for this caller: never made, expired, deleted, or someone else's."""

    kind, status = "not_found", 404


class JobNotReady(JobError):
    """The result was asked for before the job is done (or the job failed)."""

    kind, status = "not_ready", 409


class StoreUnavailable(JobError):
    """The job store (Redis, or the disk) cannot be reached now."""

    kind, status = "unavailable", 503
