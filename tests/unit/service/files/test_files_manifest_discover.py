from __future__ import annotations

from pathlib import Path

import pytest

from service.files.discover import DiscoveryError, discover
from service.files.manifest import MANIFEST_NAME, Manifest, new_record
from service.files.runner import TEMP_SUFFIX, remove_stale_temp_files, write_atomic


def _touch(path: Path, text: str = "ไทย") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_manifest_round_trip_latest_wins_and_torn_line_ignored(tmp_path):
    m = Manifest(tmp_path)
    m.record(new_record("a.txt", "in/a.txt", "h1", "model", "opt", "utf-8", 3))
    m.record(new_record("a.txt", "in/a.txt", "h2", "model", "opt", "utf-8", 3))
    with (tmp_path / MANIFEST_NAME).open("a") as f:
        f.write('{"output": "b.txt", "sou')  # a kill in the middle of a write
    again = Manifest(tmp_path)
    assert again.is_finished("a.txt", "h2", "model", "opt")
    assert not again.is_finished("a.txt", "h1", "model", "opt")
    assert not again.is_finished("a.txt", "h2", "other-model", "opt")
    assert "b.txt" not in again.records
    again.record(new_record("c.txt", "in/c.txt", "h3", "model", "opt", "utf-8", 3))
    assert Manifest(tmp_path).is_finished("c.txt", "h3", "model", "opt")


def test_write_atomic_and_stale_temp_cleanup(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    write_atomic(target, b"ok")
    assert target.read_text() == "ok"
    stale = tmp_path / "sub" / f".out.txt.abc{TEMP_SUFFIX}"
    stale.write_text("partial")
    assert remove_stale_temp_files(tmp_path) == 1
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["out.txt"]


def test_directory_mirrors_tree_skips_hidden_unknown_and_outdir(tmp_path):
    root = tmp_path / "in"
    _touch(root / "a.txt")
    _touch(root / "deep" / "b.md")
    _touch(root / "deep" / "c.exe")
    _touch(root / ".git" / "x.txt")
    _touch(root / ".hidden.txt")
    outdir = root / "out"
    _touch(outdir / "old.txt")
    jobs = discover([str(root)], outdir)
    assert [(j.output_rel, j.format_name) for j in jobs] == [("a.txt", "txt"), ("deep/b.md", "md")]


def test_files_globs_and_forced_format(tmp_path):
    _touch(tmp_path / "in" / "x" / "a.txt")
    _touch(tmp_path / "in" / "y" / "b.txt")
    _touch(tmp_path / "notes.data")
    jobs = discover(
        [str(tmp_path / "in" / "*" / "*.txt"), str(tmp_path / "notes.data")], tmp_path / "out"
    )
    assert [(j.output_rel, j.format_name) for j in jobs] == [
        ("x/a.txt", "txt"),
        ("y/b.txt", "txt"),
        ("notes.data", None),
    ]
    forced = discover([str(tmp_path / "notes.data")], tmp_path / "out", forced_format="md")
    assert forced[0].format_name == "md"


def test_usage_errors(tmp_path):
    _touch(tmp_path / "a" / "same.txt")
    _touch(tmp_path / "b" / "same.txt")
    with pytest.raises(DiscoveryError, match="both be written"):
        discover([str(tmp_path / "a"), str(tmp_path / "b")], tmp_path / "out")
    with pytest.raises(DiscoveryError, match="not found"):
        discover([str(tmp_path / "missing.txt")], tmp_path / "out")
    with pytest.raises(DiscoveryError, match="is an input"):
        discover([str(tmp_path / "a" / "same.txt")], tmp_path / "a")
