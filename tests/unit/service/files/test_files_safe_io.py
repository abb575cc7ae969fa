"""Writes inside OUTDIR (issue 12, point 7): a full disk never tears a manifest line or leaves a
temporary file, no planted symlink redirects a write, and outputs honour the umask.

The full disk is real: a 256 KiB tmpfs (fixture ``small_disk``) filled until ENOSPC.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest

from service.files.manifest import MANIFEST_NAME, FileRecord, Manifest
from service.files.runner import TEMP_SUFFIX, write_atomic
from service.files.safe_io import UnsafePathError, write_file_atomic


def record(output: str, source: str = "in/x.txt") -> FileRecord:
    """A record of a fixed length for a given source (its time is fixed too)."""
    return FileRecord(output, source, "0" * 64, "model@rev (torch)", "opts", "utf-8", 10, 1.0)


def line_of(rec: FileRecord) -> bytes:
    return (json.dumps(asdict(rec), ensure_ascii=False) + "\n").encode()


def test_a_full_disk_never_tears_a_manifest_line(small_disk) -> None:  # type: ignore[no-untyped-def]
    out = small_disk.path / "out"
    out.mkdir()
    manifest = Manifest(out)
    # A first record that leaves 10 bytes free in the manifest's page: the next record only
    # partly fits there, and the disk has no page for the rest.
    probe = len(line_of(record("a.txt", "")))
    manifest.record(record("a.txt", "x" * (small_disk.PAGE - 10 - probe)))
    before = (out / MANIFEST_NAME).read_bytes()
    assert len(before) == small_disk.PAGE - 10
    small_disk.fill()
    with pytest.raises(OSError) as raised:
        manifest.record(record("b.txt"))
    assert raised.value.errno == errno.ENOSPC
    assert (out / MANIFEST_NAME).read_bytes() == before  # nothing torn, nothing half-written
    small_disk.free()
    manifest.record(record("c.txt"))
    again = Manifest(out)
    assert sorted(again.records) == ["a.txt", "c.txt"]
    lines = (out / MANIFEST_NAME).read_bytes().splitlines()
    assert all(json.loads(line) for line in lines) and len(lines) == 2


def test_a_full_disk_leaves_the_old_output_and_no_temporary_file(small_disk) -> None:  # type: ignore[no-untyped-def]
    out = small_disk.path / "out"
    write_file_atomic(small_disk.path, "out/a.txt", b"old")
    small_disk.fill()
    with pytest.raises(OSError) as raised:
        write_file_atomic(small_disk.path, "out/a.txt", b"new" * 10_000)
    assert raised.value.errno == errno.ENOSPC
    assert (out / "a.txt").read_bytes() == b"old"
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"]


def test_a_torn_line_from_an_earlier_kill_is_still_tolerated(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path)
    manifest.record(record("a.txt"))
    with (tmp_path / MANIFEST_NAME).open("ab") as f:
        f.write(line_of(record("b.txt"))[:40])  # a kill in the middle of a write
    manifest = Manifest(tmp_path)
    assert sorted(manifest.records) == ["a.txt"]
    manifest.record(record("c.txt"))
    assert sorted(Manifest(tmp_path).records) == ["a.txt", "c.txt"]


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    place = tmp_path / "outside"
    place.mkdir()
    (place / "victim.jsonl").write_text("precious\n")
    return place


def test_a_planted_manifest_symlink_is_refused(tmp_path: Path, outside: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST_NAME).symlink_to(outside / "victim.jsonl")
    with pytest.raises(UnsafePathError, match="symlink"):
        Manifest(out)
    assert (outside / "victim.jsonl").read_text() == "precious\n"


def test_a_manifest_hard_link_is_refused(tmp_path: Path, outside: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    os.link(outside / "victim.jsonl", out / MANIFEST_NAME)
    with pytest.raises(UnsafePathError, match="hard links"):
        Manifest(out)


def test_a_planted_folder_symlink_is_never_written_through(tmp_path: Path, outside: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePathError, match="symlink"):
        write_atomic(out / "sub" / "a.txt", b"x", root=out)
    assert sorted(p.name for p in outside.iterdir()) == ["victim.jsonl"]


def test_a_symlink_at_the_output_is_replaced_not_followed(tmp_path: Path, outside: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").symlink_to(outside / "victim.jsonl")
    write_file_atomic(out, "a.txt", b"translated")
    assert not (out / "a.txt").is_symlink() and (out / "a.txt").read_bytes() == b"translated"
    assert (outside / "victim.jsonl").read_text() == "precious\n"


@pytest.mark.parametrize("bad", ["../escape.txt", "/abs.txt", "a/../../b.txt"])
def test_paths_leaving_outdir_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(UnsafePathError):
        write_file_atomic(tmp_path, bad, b"x")


@pytest.fixture()
def umask_002() -> Iterator[None]:
    previous = os.umask(0o002)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("umask_002")
def test_outputs_and_manifest_honour_the_umask(tmp_path: Path) -> None:
    write_atomic(tmp_path / "deep" / "a.txt", b"x", root=tmp_path)
    Manifest(tmp_path).record(record("deep/a.txt"))
    assert stat.S_IMODE((tmp_path / "deep" / "a.txt").stat().st_mode) == 0o664
    assert stat.S_IMODE((tmp_path / MANIFEST_NAME).stat().st_mode) == 0o664
    assert stat.S_IMODE((tmp_path / "deep").stat().st_mode) == 0o775
    assert not list(tmp_path.rglob(f"*{TEMP_SUFFIX}"))
