"""The download folder of /translate_file: names (any script, any length), expiry, size and file
caps, per-client quotas (a fake clock)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.http.downloads import (
    MAX_NAME_BYTES,
    NAME_BYTES,
    DownloadStore,
    StoreFull,
    is_stored_name,
    safe_file_name,
)


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
    assert not list(tmp_path.iterdir())


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


LONG_THAI = "รายงานการประชุมคณะกรรมการส่งเสริมการลงทุนประจำไตรมาสที่สามของปีงบประมาณ"


def test_a_long_thai_name_is_cut_by_bytes_not_characters(tmp_path: Path, clock: Clock) -> None:
    """73 Thai characters are 219 bytes: cut to fit 255 with the store's prefix, between two
    characters, keeping the extension."""
    assert len(LONG_THAI) > 70 and len(LONG_THAI.encode()) > 200
    s = store(tmp_path, clock)
    name = s.put(f"{LONG_THAI}_en.txt", b"x")
    stored = s.get(name)
    assert stored is not None and stored.data == b"x"
    assert stored.download_name.endswith(".txt") and LONG_THAI.startswith(
        stored.download_name.removesuffix(".txt")
    )
    assert all(len(p.name.encode()) <= MAX_NAME_BYTES for p in tmp_path.iterdir())


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=0, max_size=400))
def test_any_name_in_any_script_is_stored_and_read_back(name: str) -> None:
    safe = safe_file_name(name)
    assert safe and len(safe.encode("utf-8")) <= NAME_BYTES
    assert "/" not in safe and not safe.startswith(".")
    with tempfile.TemporaryDirectory() as folder:
        s = DownloadStore(Path(folder), ttl_s=60, max_bytes=1000, max_files=10)
        stored = s.get(s.put(name, b"data"))
        assert stored is not None and (stored.download_name, stored.data) == (safe, b"data")
        assert all(len(n.encode("utf-8")) <= MAX_NAME_BYTES for n in os.listdir(folder))


def test_one_client_cannot_push_out_another_clients_results(tmp_path: Path, clock: Clock) -> None:
    s = store(tmp_path, clock, max_files=4, client_max_files=2)
    theirs = s.put("theirs.txt", b"1", owner="key:b")
    mine = []
    for number in range(6):
        clock.now += 1
        mine.append(s.put(f"mine{number}.txt", b"1", owner="key:a"))
    assert s.get(theirs) is not None  # 6 files later
    assert [s.get(n) is not None for n in mine] == [False] * 4 + [True] * 2


def test_a_full_folder_takes_from_the_largest_holder(tmp_path: Path, clock: Clock) -> None:
    s = store(tmp_path, clock, max_files=4, client_max_files=3)
    old = s.put("old.txt", b"1", owner="key:b")
    clock.now += 1
    many = []
    for number in range(3):
        clock.now += 1
        many.append(s.put(f"a{number}.txt", b"1", owner="key:a"))
    clock.now += 1
    s.put("new.txt", b"1", owner="key:c")  # full: key:a holds most, its oldest goes
    assert s.get(old) is not None and s.get(many[0]) is None and s.get(many[2]) is not None


def test_a_file_over_a_clients_share_is_refused(tmp_path: Path, clock: Clock) -> None:
    s = store(tmp_path, clock, max_bytes=100, client_max_bytes=10)
    with pytest.raises(StoreFull, match="THAIMT_DOWNLOAD_CLIENT_MAX_BYTES"):
        s.put("big.txt", b"x" * 11, owner="key:a")
