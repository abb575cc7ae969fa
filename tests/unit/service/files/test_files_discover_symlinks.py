"""One symlink policy for inputs (issue 12, point 7): a walk or a glob never follows a link out
of the input tree; by default it follows none and lists each as skipped with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.files.discover import discover_all


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """in/ with a file, a file link and a folder link inside the tree, and links to outside."""
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "passwd.txt").write_text("ไม่ใช่ของคุณ", encoding="utf-8")
    root = tmp_path / "in"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.txt").write_text("ไทย", encoding="utf-8")
    (root / "b.txt").symlink_to(root / "docs" / "a.txt")  # inside the tree
    (root / "mirror").symlink_to(root / "docs", target_is_directory=True)  # inside
    (root / "leak.txt").symlink_to(tmp_path / "secret" / "passwd.txt")  # outside
    (root / "leakdir").symlink_to(tmp_path / "secret", target_is_directory=True)  # outside
    (root / "loop").symlink_to(root, target_is_directory=True)  # a cycle
    (root / "broken.txt").symlink_to(tmp_path / "missing.txt")
    return root


def names(paths: list[Path], root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in paths)


def test_by_default_no_symlink_is_followed(tree: Path) -> None:
    found = discover_all([str(tree)], tree.parent / "out")
    assert [j.output_rel for j in found.jobs] == ["docs/a.txt"]
    reasons = {p.relative_to(tree).as_posix(): r for p, r in found.skipped}
    assert set(reasons) == {"b.txt", "mirror", "leak.txt", "leakdir", "loop", "broken.txt"}
    assert all(r == "symlink, not followed (use --follow-symlinks)" for r in reasons.values())
    assert all(j.nofollow for j in found.jobs)  # read without following, too


def test_followed_symlinks_stay_inside_the_input_tree(tree: Path) -> None:
    found = discover_all([str(tree)], tree.parent / "out", follow_symlinks=True)
    assert sorted(j.output_rel for j in found.jobs) == ["b.txt", "docs/a.txt"]
    reasons = {p.relative_to(tree).as_posix(): r for p, r in found.skipped}
    assert reasons == {
        "leak.txt": "symlink to outside the input tree, not followed",
        "leakdir": "symlink to outside the input tree, not followed",
        "broken.txt": "broken or looping symlink",
        # A folder is walked once, however many links lead to it (a cycle ends there).
        "loop": "a folder already walked (reached again by a symlink)",
        "mirror": "a folder already walked (reached again by a symlink)",
    }
    assert not any(j.nofollow for j in found.jobs)


def test_globs_follow_the_same_policy(tree: Path) -> None:
    found = discover_all([str(tree / "*.txt")], tree.parent / "out")
    assert found.jobs == []
    assert names([p for p, _ in found.skipped], tree) == ["b.txt", "broken.txt", "leak.txt"]
    followed = discover_all([str(tree / "*.txt")], tree.parent / "out", follow_symlinks=True)
    assert [j.output_rel for j in followed.jobs] == ["b.txt"]


def test_a_file_named_on_the_command_line_is_read_as_given(tree: Path) -> None:
    found = discover_all([str(tree / "leak.txt")], tree.parent / "out")
    assert [(j.output_rel, j.nofollow) for j in found.jobs] == [("leak.txt", False)]


def test_unknown_extensions_in_a_walk_are_listed_as_skipped(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("ไทย", encoding="utf-8")
    (tmp_path / "in" / "report.exe").write_bytes(b"%PDF")
    (tmp_path / "in" / "README").write_text("x")
    found = discover_all([str(tmp_path / "in")], tmp_path / "out")
    assert [j.output_rel for j in found.jobs] == ["a.txt"]
    assert {p.name: r for p, r in found.skipped} == {
        "README": "no format for the extension (none) (name one with --format)",
        "report.exe": "no format for the extension .exe (name one with --format)",
    }
