"""A bounded folder of translated files waiting to be downloaded (LibreTranslate's file API).

``POST /translate_file`` answers with a URL, and the client fetches the file from it later; the
result is kept here in between. A result's name in the URL is ``<32 hex digits>.<name>``: the
random part (uuid4) is the only key, so a name cannot be guessed or chosen by a client, and the
name tells the download its file name. On disk the file also carries a tag of its owner (a hash
of the API key or client address that asked for it): ``<32 hex>.<16 hex>.<name>``.

Files live at most ``ttl_s`` seconds. Each owner may keep ``client_max_files`` files and
``client_max_bytes`` bytes: past that its own oldest go, so one client cannot push out the
others' results. When the whole folder would exceed ``max_bytes`` or ``max_files``, the oldest
file of the owner holding the largest share goes first. Names are cut to fit a file system's
255 bytes (UTF-8: a Thai letter is 3 bytes), at a character boundary. The folder may be shared
by several server processes on one machine (files are written under a temporary name and
renamed, so a reader never sees half a file); each enforces the same limits on it. Nothing else
in the folder is ever touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import regex

if TYPE_CHECKING:
    from service.settings import Settings

MAX_NAME_BYTES = 255  # a file name on ext4, XFS, btrfs, APFS, NTFS (UTF-16 units there)
_PARTIAL = ".partial"
_ID_CHARS = 32
_OWNER_CHARS = 16
# What is left of 255 bytes for the client's name: the id, the owner tag, two dots, ".partial".
NAME_BYTES = MAX_NAME_BYTES - _ID_CHARS - _OWNER_CHARS - 2 - len(_PARTIAL)
_NAME = r"[\p{L}\p{M}\p{N}._-]+"
_STORED_NAME = regex.compile(rf"([0-9a-f]{{{_ID_CHARS}}})\.({_NAME})")
_DISK_NAME = regex.compile(
    rf"([0-9a-f]{{{_ID_CHARS}}})\.(?:([0-9a-f]{{{_OWNER_CHARS}}})\.)?({_NAME})"
)
_UNSAFE = regex.compile(r"[^\p{L}\p{M}\p{N}._-]+")
_GRAPHEME = regex.compile(r"\X")
_MAX_SUFFIX_BYTES = 16


class StoreFull(Exception):
    """The file is larger than the whole store (or one client's share of it) may hold."""


@dataclass(frozen=True)
class StoredFile:
    download_name: str  # the file name the client is offered
    data: bytes


@dataclass(frozen=True)
class _Entry:
    mtime: float
    size: int
    path: Path
    owner: str


def safe_file_name(name: str, max_bytes: int = NAME_BYTES) -> str:
    """A file name of letters (with their marks), digits, ``.``, ``_`` and ``-`` only (no
    folders, no dot files), of at most ``max_bytes`` bytes of UTF-8: a long name keeps its
    beginning and its extension, cut between two characters as a reader sees them."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip("._") or "file"
    if len(cleaned.encode("utf-8")) <= max_bytes:
        return cleaned
    stem, dot, suffix = cleaned.rpartition(".")
    keep_suffix = bool(dot and stem) and len(suffix.encode("utf-8")) < _MAX_SUFFIX_BYTES
    extension = "." + suffix if keep_suffix else ""
    stem = stem if keep_suffix else cleaned
    kept = cut_to_bytes(stem, max_bytes - len(extension.encode("utf-8")))
    return (kept.rstrip("._") or "file") + extension


def cut_to_bytes(text: str, max_bytes: int) -> str:
    """The longest beginning of ``text`` of at most ``max_bytes`` bytes of UTF-8 that ends
    between two characters as a reader sees them (a Thai vowel or tone mark stays with its
    consonant)."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    kept, used = [], 0
    for grapheme in _GRAPHEME.findall(text):
        used += len(grapheme.encode("utf-8"))
        if used > max_bytes:
            break
        kept.append(grapheme)
    return "".join(kept)


def owner_tag(owner: str) -> str:
    """16 hex digits naming an owner on disk (never in a URL)."""
    return hashlib.blake2b(owner.encode("utf-8"), digest_size=8, person=b"thaimt-dl").hexdigest()


class DownloadStore:
    def __init__(
        self,
        folder: Path,
        ttl_s: float,
        max_bytes: int,
        max_files: int,
        client_max_bytes: int | None = None,
        client_max_files: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.folder = folder
        self.ttl_s = ttl_s
        self.max_bytes = max_bytes
        self.max_files = max_files
        self.client_max_bytes = min(max_bytes, client_max_bytes or max_bytes)
        self.client_max_files = min(max_files, client_max_files or max_files)
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> DownloadStore:
        return cls(
            settings.download_dir,
            settings.download_ttl_s,
            settings.download_max_bytes,
            settings.download_max_files,
            settings.download_client_max_bytes,
            settings.download_client_max_files,
        )

    def put(self, download_name: str, data: bytes, owner: str = "") -> str:
        """Store ``data`` for ``owner``; returns its stored name (what goes into the URL)."""
        self._check_fits(len(data))
        self.folder.mkdir(parents=True, exist_ok=True)
        tag = owner_tag(owner)
        self._make_room(len(data), tag)
        key = uuid.uuid4().hex
        name = f"{key}.{safe_file_name(download_name)}"
        partial = self.folder / f"{key}.{tag}.{safe_file_name(download_name)}{_PARTIAL}"
        partial.write_bytes(data)
        now = self._clock()
        os.utime(partial, (now, now))
        partial.replace(partial.with_name(partial.name.removesuffix(_PARTIAL)))
        return name

    def get(self, name: str) -> StoredFile | None:
        """The file stored as ``name``, or None when it never existed or has expired."""
        path = self._find(name)
        if path is None:
            return None
        try:
            if self._expired(path.stat().st_mtime):
                path.unlink(missing_ok=True)
                return None
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        return StoredFile(name.split(".", 1)[1], data)

    def _check_fits(self, size: int) -> None:
        for limit, setting in (
            (self.max_bytes, "THAIMT_DOWNLOAD_MAX_BYTES"),
            (self.client_max_bytes, "THAIMT_DOWNLOAD_CLIENT_MAX_BYTES"),
        ):
            if size > limit:
                raise StoreFull(
                    f"the translated file has {size} bytes; the download store holds {limit} "
                    f"({setting})"
                )

    def _find(self, name: str) -> Path | None:
        wanted = _STORED_NAME.fullmatch(name)
        if wanted is None or len(name.encode("utf-8")) > _ID_CHARS + 1 + NAME_BYTES:
            return None
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            return None
        for entry in entries:
            found = _DISK_NAME.fullmatch(entry.name)
            if found and (found[1], found[3]) == (wanted[1], wanted[2]):
                return Path(entry.path)
        return None

    def _expired(self, mtime: float) -> bool:
        return self._clock() - mtime > self.ttl_s

    def _make_room(self, incoming: int, tag: str) -> None:
        """Remove expired files; then the owner's oldest past its share; then, while the
        folder is over its caps, the oldest of whoever holds the largest share."""
        entries = self._entries()
        own = [e for e in entries if e.owner == tag]
        while own and (
            len(own) + 1 > self.client_max_files
            or sum(e.size for e in own) + incoming > self.client_max_bytes
        ):
            self._remove(own.pop(0), entries)
        while entries and (
            len(entries) + 1 > self.max_files
            or sum(e.size for e in entries) + incoming > self.max_bytes
        ):
            self._remove(self._largest_share(entries)[0], entries)

    def _largest_share(self, entries: list[_Entry]) -> list[_Entry]:
        """The entries (oldest first) of the owner holding the largest share of the caps."""
        owners: dict[str, list[_Entry]] = defaultdict(list)
        for entry in entries:
            owners[entry.owner].append(entry)

        def share(held: list[_Entry]) -> float:
            return max(len(held) / self.max_files, sum(e.size for e in held) / self.max_bytes)

        return max(owners.values(), key=share)

    def _entries(self) -> list[_Entry]:
        """Our complete files, oldest first; expired ones (and stale partial files) removed."""
        entries = []
        for path in self.folder.iterdir():
            found = _DISK_NAME.fullmatch(path.name.removesuffix(_PARTIAL))
            with contextlib.suppress(FileNotFoundError):  # another process removed it
                stat = path.stat()
                if found and self._expired(stat.st_mtime):
                    path.unlink(missing_ok=True)  # (a partial file left by a crash, too)
                elif found and not path.name.endswith(_PARTIAL):
                    entries.append(_Entry(stat.st_mtime, stat.st_size, path, found[2] or ""))
        entries.sort(key=lambda e: (e.mtime, e.path.name))
        return entries

    @staticmethod
    def _remove(entry: _Entry, entries: list[_Entry]) -> None:
        entries.remove(entry)
        entry.path.unlink(missing_ok=True)


def is_stored_name(name: str) -> bool:
    return (
        _STORED_NAME.fullmatch(name) is not None
        and len(name.encode("utf-8")) <= _ID_CHARS + 1 + NAME_BYTES
    )


def attachment_headers(filename: str) -> dict[str, str]:
    """A download under its own name: an ASCII fallback and the UTF-8 name (RFC 5987/6266)."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return {
        "Content-Disposition": f'attachment; filename="{fallback}"; '
        f"filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff",
    }
