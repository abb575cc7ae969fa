"""A bounded folder of translated files waiting to be downloaded (LibreTranslate's file API).

``POST /translate_file`` answers with a URL, and the client fetches the file from it later; the
result is kept here in between. Each file is named ``<32 hex digits>.<name>``: the random part
(uuid4) is the only key, so a name cannot be guessed or chosen by a client, and the name tells
the download its file name. Files live at most ``ttl_s`` seconds; when the folder would exceed
``max_bytes`` or ``max_files``, the oldest go first. The folder may be shared by several server
processes on one machine (files are written under a temporary name and renamed, so a reader never
sees half a file); each process enforces the same limits on it. Nothing else in the folder is
ever touched.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import regex

_STORED_NAME = regex.compile(r"[0-9a-f]{32}\.[\p{L}\p{M}\p{N}._-]{1,120}")
_UNSAFE = regex.compile(r"[^\p{L}\p{M}\p{N}._-]+")
_PARTIAL = ".partial"


class StoreFull(Exception):
    """The file is larger than the whole store may hold."""


@dataclass(frozen=True)
class StoredFile:
    download_name: str  # the file name the client is offered
    data: bytes


def safe_file_name(name: str) -> str:
    """A file name of letters (with their marks), digits, ``.``, ``_`` and ``-`` only (no
    folders, no dot files)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip("._") or "file"
    return cleaned[-120:]


class DownloadStore:
    def __init__(
        self,
        folder: Path,
        ttl_s: float,
        max_bytes: int,
        max_files: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.folder = folder
        self.ttl_s = ttl_s
        self.max_bytes = max_bytes
        self.max_files = max_files
        self._clock = clock

    def put(self, download_name: str, data: bytes) -> str:
        """Store ``data``; returns its stored name (what goes into the download URL)."""
        if len(data) > self.max_bytes:
            raise StoreFull(
                f"the translated file has {len(data)} bytes; the download store holds "
                f"{self.max_bytes} (THAIMT_DOWNLOAD_MAX_BYTES)"
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        self._make_room(len(data))
        name = f"{uuid.uuid4().hex}.{safe_file_name(download_name)}"
        partial = self.folder / (name + _PARTIAL)
        partial.write_bytes(data)
        now = self._clock()
        os.utime(partial, (now, now))
        partial.replace(self.folder / name)
        return name

    def get(self, name: str) -> StoredFile | None:
        """The file stored as ``name``, or None when it never existed or has expired."""
        if not is_stored_name(name):
            return None
        path = self.folder / name
        try:
            if self._expired(path.stat().st_mtime):
                path.unlink(missing_ok=True)
                return None
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        return StoredFile(name.split(".", 1)[1], data)

    def _expired(self, mtime: float) -> bool:
        return self._clock() - mtime > self.ttl_s

    def _make_room(self, incoming: int) -> None:
        """Remove expired files, then the oldest until ``incoming`` bytes and a file fit."""
        entries = []
        for path in self.folder.iterdir():
            ours = is_stored_name(path.name.removesuffix(_PARTIAL))
            with contextlib.suppress(FileNotFoundError):  # another process removed it
                stat = path.stat()
                if ours and self._expired(stat.st_mtime):
                    path.unlink(missing_ok=True)  # (a partial file left by a crash, too)
                elif ours and not path.name.endswith(_PARTIAL):
                    entries.append((stat.st_mtime, stat.st_size, path))
        entries.sort()
        total = sum(size for _, size, _ in entries)
        while entries and (total + incoming > self.max_bytes or len(entries) + 1 > self.max_files):
            _, size, path = entries.pop(0)
            path.unlink(missing_ok=True)
            total -= size


def is_stored_name(name: str) -> bool:
    return _STORED_NAME.fullmatch(name) is not None
