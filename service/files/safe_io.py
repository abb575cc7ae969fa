"""Writing inside OUTDIR that no symlink can redirect and no full disk can tear.

Every path below OUTDIR is walked one component at a time with ``O_NOFOLLOW`` relative to the
directory above it (``openat``), so a symlink planted anywhere in the output tree (a folder, the
manifest, an output file) makes that write fail instead of landing outside OUTDIR. OUTDIR itself
is the user's choice and is used as given.

Files are created with mode 0666 and directories with 0777, less the process umask, like any
other tool's outputs (``tempfile.mkstemp`` would make every output 0600).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

FILE_MODE = 0o666  # less the umask
DIR_MODE = 0o777
TEMP_SUFFIX = ".thaimt-tmp"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class UnsafePathError(OSError):
    """A symlink (or something else than a directory) where thaimt was about to write."""


@contextlib.contextmanager
def open_directory(root: Path, relative: str = "", create: bool = True) -> Iterator[int]:
    """A file descriptor of ``root / relative`` reached without following any symlink below
    ``root`` (missing folders are created when ``create``)."""
    fd = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        for part in PurePosixPath(relative).parts:
            child = _enter(fd, part, create, root / relative)
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _enter(parent: int, name: str, create: bool, target: Path) -> int:
    if name in ("", ".", ".."):
        raise UnsafePathError(errno.EINVAL, f"refusing the path component {name!r}", str(target))
    if create:
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, DIR_MODE, dir_fd=parent)
    try:
        return os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=parent)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            message = f"{name!r} is a symlink or not a folder; refusing to write through it"
            raise UnsafePathError(exc.errno, message, str(target)) from None
        raise


def write_file_atomic(root: Path, relative: str, data: bytes) -> None:
    """``root / relative`` gets ``data`` whole or not at all: a temporary file next to it (never
    following a symlink), written, fsynced, then renamed over the target (a symlink at the
    target is replaced, never followed)."""
    folder, name = _split(relative)
    with open_directory(root, folder) as directory:
        temp = f".{name}.{secrets.token_hex(6)}{TEMP_SUFFIX}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
        fd = os.open(temp, flags, FILE_MODE, dir_fd=directory)
        try:
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temp, name, src_dir_fd=directory, dst_dir_fd=directory)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=directory)
            raise
        with contextlib.suppress(OSError):
            os.fsync(directory)  # the rename itself survives a power cut


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def append_record(root: Path, name: str, line: bytes) -> None:
    """Append one line to ``root / name`` (never a symlink, never a file with other hard links)
    as one write; if the disk takes only part of it, the file is cut back to where it was, so a
    record is either whole or absent. A torn last line from an earlier kill is closed first."""
    with open_directory(root) as directory:
        fd = _open_manifest(name, directory, os.O_RDWR | os.O_APPEND | os.O_CREAT, root)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # after a torn line, start a fresh one
            try:
                written = os.write(fd, line)
                if written != len(line):
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(root / name))
                os.fsync(fd)
            except OSError:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, size)  # no torn record
                raise
        finally:
            os.close(fd)


def read_records(root: Path, name: str) -> bytes:
    """The whole of ``root / name`` (b"" when missing), read without following a symlink."""
    if not root.is_dir():
        return b""
    with open_directory(root, create=False) as directory:
        try:
            fd = _open_manifest(name, directory, os.O_RDONLY, root)
        except FileNotFoundError:
            return b""
        with os.fdopen(fd, "rb") as f:
            return f.read()


def read_nofollow(path: Path) -> bytes:
    """The bytes of ``path``, refused (ELOOP) if it is a symlink."""
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
    with os.fdopen(fd, "rb") as f:
        return f.read()


def _open_manifest(name: str, directory: int, flags: int, root: Path) -> int:
    try:
        fd = os.open(name, flags | _NOFOLLOW | _CLOEXEC, FILE_MODE, dir_fd=directory)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePathError(
                exc.errno, "is a symlink; refusing to read or write through it", str(root / name)
            ) from None
        raise
    if os.fstat(fd).st_nlink > 1:
        os.close(fd)
        raise UnsafePathError(
            errno.EMLINK, "has other hard links; refusing to write through it", str(root / name)
        )
    return fd


def _split(relative: str) -> tuple[str, str]:
    path = PurePosixPath(relative)
    if path.is_absolute() or not path.name:
        raise UnsafePathError(errno.EINVAL, "not a relative file path", relative)
    return str(path.parent) if str(path.parent) != "." else "", path.name


def remove_stale_temp_files(root: Path) -> int:
    """Temporary files a killed run left behind (a kill cannot clean up after itself); folders
    reached through symlinks are not entered, and only regular files are removed."""
    removed = 0
    if not root.is_dir():
        return 0
    for folder, _dirs, files in os.walk(root, followlinks=False):
        for name in files:
            path = Path(folder) / name
            if name.endswith(TEMP_SUFFIX) and path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
                removed += 1
    return removed
