"""A job's files under ``THAIMT_JOBS_DIR``: ``<id>/upload`` (the document as sent),
``<id>/result`` (the translated file, only once it is whole) and, without Redis,
``<id>/job.json`` (the record).

Every write goes to a temporary file in the same folder, is flushed to disk (``fsync``) and
renamed over its name (``os.replace``, atomic on POSIX): a crash leaves the old file or the new
one, never half of one. Job ids are checked hex strings, so a path is never built from text a
client chose.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path

from service.jobs.records import is_job_id

UPLOAD, RESULT, RECORD = "upload", "result", "job.json"


class JobFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, job_id: str) -> Path:
        if not is_job_id(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return self.root / job_id

    def write(self, job_id: str, name: str, data: bytes) -> None:
        folder = self.folder(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / name, data)

    def read(self, job_id: str, name: str) -> bytes | None:
        try:
            return (self.folder(job_id) / name).read_bytes()
        except FileNotFoundError:
            return None

    def remove(self, job_id: str) -> None:
        shutil.rmtree(self.folder(job_id), ignore_errors=True)

    def job_ids(self) -> list[str]:
        """The ids of the job folders on disk."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and is_job_id(p.name))


def write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """The rename itself on disk (a crash right after it keeps the new name)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
