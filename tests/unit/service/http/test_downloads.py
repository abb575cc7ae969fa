"""The download folder of /translate_file: names, expiry, size and file caps (a fake clock)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.http.downloads import DownloadStore, StoreFull, is_stored_name, safe_file_name


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


def store(folder: Path, clock: Clock, **limits: int) -> DownloadStore:
    options = {"ttl_s": 60, "max_bytes": 1000, "max_files": 10, **limits}
    return DownloadStore(folder, clock=clock, **options)


def test_put_then_get(tmp_path: Path, clock: Clock) -> None:
    s = store(tmp_path / "d", clock)
    name = s.put("ข่าว_en.html", b"<p>hi</p>")
    assert is_stored_name(name) and name.endswith(".ข่าว_en.html")
    got = s.get(name)
    assert got is not None and (got.download_name, got.data) == ("ข่าว_en.html", b"<p>hi</p>")
    assert not list((tmp_path / "d").glob("*.partial"))


def test_files_expire(tmp_path: Path, clock: Clock) -> None:
    s = store(tmp_path, clock)
    name = s.put("a_en.txt", b"x")
    clock.now += 61
    assert s.get(name) is None
    assert not (tmp_path / name).exists()


def test_oldest_go_first_when_full(tmp_path: Path, clock: Clock) -> None:
    s = store(tmp_path, clock, max_bytes=10, max_files=2)
    first = s.put("a.txt", b"1234")
    clock.now += 1
    second = s.put("b.txt", b"1234")
    clock.now += 1
    third = s.put("c.txt", b"1234")  # 12 bytes would not fit: the oldest goes
    assert s.get(first) is None and s.get(second) and s.get(third)
    clock.now += 1
    fourth = s.put("d.txt", b"1")  # a third file would exceed max_files
    assert s.get(second) is None and s.get(third) and s.get(fourth)
    with pytest.raises(StoreFull, match="THAIMT_DOWNLOAD_MAX_BYTES"):
        s.put("e.txt", b"x" * 11)


def test_other_files_in_the_folder_are_never_touched(tmp_path: Path, clock: Clock) -> None:
    mine = tmp_path / "notes.txt"
    mine.write_text("keep me")
    os.utime(mine, (0, 0))  # very old
    s = store(tmp_path, clock, max_files=1)
    s.put("a.txt", b"1")
    s.put("b.txt", b"2")
    assert mine.read_text() == "keep me"


@pytest.mark.parametrize(
    "name",
    ["../etc/passwd", "0" * 32, "0" * 31 + ".x", "G" * 32 + ".txt", "0" * 32 + "./x", ".."],
)
def test_only_stored_names_are_read(tmp_path: Path, clock: Clock, name: str) -> None:
    assert not is_stored_name(name)
    assert store(tmp_path, clock).get(name) is None


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("report.txt", "report.txt"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\ข่าว วันนี้.html", "ข่าว_วันนี้.html"),
        (".hidden", "hidden"),
        ("a<b>|c.md", "a_b_c.md"),
        ("", "file"),
    ],
)
def test_safe_file_names(given: str, safe: str) -> None:
    assert safe_file_name(given) == safe
