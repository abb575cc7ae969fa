"""`thaimt batch` on hostile ground (issues 12 and 10): a full disk, planted symlinks, a umask,
files with nothing to translate, a model that loses inline markers; summaries that are true."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup

from service.engine import Engine
from service.files.manifest import MANIFEST_NAME
from service.files.runner import TEMP_SUFFIX
from service.formats.html import INLINE_TAGS
from tests.standins import PlaceholderDroppingBackend

THAIMT = [str(Path(sys.executable).parent / "thaimt")]
WORDS = ["ข่าว", "กรุงเทพ", "เศรษฐกิจ", "ราคา", "ตลาด", "ฝน", "รถไฟ", "โรงเรียน", "ทะเล", "ภูเขา"]


def batch(args: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*THAIMT, "batch", *args], env=env, capture_output=True, text=True, timeout=300, **kwargs
    )


def corpus(root: Path, count: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (root / f"f{i}.txt").write_text(f"{WORDS[i % 10]}{WORDS[i // 10]}ดี\n", encoding="utf-8")
    return root


def outputs(outdir: Path) -> dict[str, bytes]:
    return {
        p.relative_to(outdir).as_posix(): p.read_bytes()
        for p in sorted(outdir.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME
    }


def manifest_lines(outdir: Path) -> list[dict[str, Any]]:
    text = (outdir / MANIFEST_NAME).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]  # every line whole


def earlier_records(outdir: Path, size: int) -> None:
    """A manifest of exactly ``size`` bytes of whole records from an earlier run (of outputs
    since deleted), so the next record crosses into a new page of the disk."""
    outdir.mkdir()
    record = {"output": "old.txt", "source": "", "sha256": "0" * 64, "model": "m", "options": "o",
              "encoding": "utf-8", "characters": 1, "finished_at": 1.0}  # fmt: skip
    empty = len(json.dumps(record)) + 1
    lines = []
    while size - sum(map(len, lines)) >= 2 * empty + 100:
        lines.append(json.dumps(dict(record, source="x" * 100)) + "\n")
    rest = size - sum(map(len, lines))
    lines.append(json.dumps(dict(record, source="x" * (rest - empty))) + "\n")
    (outdir / MANIFEST_NAME).write_text("".join(lines), encoding="utf-8")
    assert (outdir / MANIFEST_NAME).stat().st_size == size


def test_a_full_disk_fails_files_not_the_run(  # type: ignore[no-untyped-def]
    tmp_path, small_disk, cli_batch_env, tiny_model_dir, run_batch
) -> None:
    src = corpus(tmp_path / "in", 4)
    reference = tmp_path / "reference"
    assert len(run_batch([src], reference).ok) == 4
    out = small_disk.path / "out"
    earlier_records(out, small_disk.PAGE - 10)
    earlier = (out / MANIFEST_NAME).read_bytes()
    args = [str(src), "-o", str(out), "--model", str(tiny_model_dir), "--chunk-chars", "1"]
    # One free page: the first output takes it, and its record then finds 10 bytes of room
    # in the manifest's page and no page for the rest (a short write, then ENOSPC).
    small_disk.fill(leave_pages=1)
    full = batch(args, cli_batch_env)
    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr
    failed = dict(re.findall(r"  failed: (\S+): (.*)", full.stderr))
    assert sorted(Path(s).name for s in failed) == ["f0.txt", "f1.txt", "f2.txt", "f3.txt"]
    assert all("No space left on device" in reason for reason in failed.values())
    assert "cannot record it in the manifest" in failed[str(src / "f0.txt")]
    assert "0 ok, 4 failed" in full.stderr
    assert (out / MANIFEST_NAME).read_bytes() == earlier  # no torn line
    assert not list(out.rglob(f"*{TEMP_SUFFIX}"))

    small_disk.free()
    resumed = batch(args, cli_batch_env)
    assert resumed.returncode == 0, resumed.stderr
    assert "4 ok, 0 failed" in resumed.stderr
    assert outputs(out) == outputs(reference)
    assert len(manifest_lines(out)) == len(earlier.splitlines()) + 4


def test_a_planted_manifest_symlink_stops_the_run(  # type: ignore[no-untyped-def]
    tmp_path, cli_batch_env, tiny_model_dir
) -> None:
    src = corpus(tmp_path / "in", 2)
    victim = tmp_path / "victim.jsonl"
    victim.write_text("precious\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST_NAME).symlink_to(victim)
    result = batch([str(src), "-o", str(out), "--model", str(tiny_model_dir)], cli_batch_env)
    assert result.returncode == 1
    assert "symlink; refusing to read or write through it" in result.stderr
    assert "Traceback" not in result.stderr
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME]


def test_summary_lists_what_was_skipped_and_why(  # type: ignore[no-untyped-def]
    tmp_path, cli_batch_env, tiny_model_dir
) -> None:
    (tmp_path / "secret.txt").write_text("ความลับของคนอื่น\n", encoding="utf-8")
    src = corpus(tmp_path / "in", 2)
    (src / "empty.txt").write_bytes(b"")
    (src / "report.exe").write_bytes(b"MZ")
    (src / "alias.txt").symlink_to(src / "f0.txt")
    (src / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (tmp_path / "notes.data").write_text("ไทย\n", encoding="utf-8")
    out = tmp_path / "out"
    args = [str(src), str(tmp_path / "notes.data"), "-o", str(out), "--model", str(tiny_model_dir)]
    result = batch(args, cli_batch_env, preexec_fn=lambda: os.umask(0o002))
    assert result.returncode == 0, result.stderr  # nothing failed: skipped is not failed
    assert "2 ok, 0 failed, 5 skipped" in result.stderr
    for name, reason in [
        ("in/empty.txt", "empty file"),
        ("in/report.exe", "no format for the extension .exe (name one with --format)"),
        ("notes.data", "no format for the extension .data (name one with --format)"),
        ("in/alias.txt", "symlink, not followed (use --follow-symlinks)"),
        ("in/leak.txt", "symlink, not followed (use --follow-symlinks)"),
    ]:
        assert f"skipped: {tmp_path / name}: {reason}" in result.stderr
    assert sorted(outputs(out)) == ["f0.txt", "f1.txt"]
    # Outputs and the manifest honour the umask (they were 0600 whatever it was).
    for path in (out / "f0.txt", out / MANIFEST_NAME):
        assert stat.S_IMODE(path.stat().st_mode) == 0o664
    # The time is the command's, model loading included.
    total, loading = map(
        float,
        re.search(r"in ([\d.]+)s \(([\d.]+)s of it loading the model\)", result.stderr).groups(),
    )
    assert total >= loading > 0

    again = batch([*args, "--follow-symlinks"], cli_batch_env)
    assert again.returncode == 0, again.stderr
    assert f"skipped: {src / 'leak.txt'}: symlink to outside the input tree" in again.stderr
    assert "2 file(s) unchanged since the last run" in again.stderr
    assert sorted(outputs(out)) == ["alias.txt", "f0.txt", "f1.txt"]  # the inside link
    assert "ความลับ" not in (out / "alias.txt").read_text(encoding="utf-8")


def test_bad_encodings_and_late_nul_bytes_fail_with_a_reason(tmp_path, run_batch) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "in"
    src.mkdir()
    (src / "cafe.txt").write_bytes("café au lait\n".encode("latin-1"))
    (src / "marks.txt").write_bytes(b"\xe8\xe9\xea\xeb\n")
    (src / "late-nul.txt").write_bytes(("สวัสดีครับ\n" * 10_000).encode() + b"\x00tail\n")
    summary = run_batch([src], tmp_path / "out")
    reasons = {Path(s).name: r for s, r in summary.failed}
    assert [Path(s).name for s in summary.ok] == ["cafe.txt"]
    assert (tmp_path / "out" / "cafe.txt").read_text(encoding="utf-8") == "café au lait\n"
    assert "unknown encoding" in reasons["marks.txt"]
    assert reasons["late-nul.txt"].startswith("binary file (NUL byte at offset 310000)")
    assert manifest_lines(tmp_path / "out")[0]["encoding"] != "cp874"


def test_html_inline_elements_keep_their_text_in_batch_files(  # type: ignore[no-untyped-def]
    tmp_path, run_batch, batch_backend
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "page.html").write_text(
        '<p>ผม <b>กวิน</b> อ่าน <a href="/x">ข่าวล่าสุด</a> ทุกวัน</p>', encoding="utf-8"
    )
    engine = Engine(PlaceholderDroppingBackend(batch_backend))  # type: ignore[arg-type]
    summary = run_batch([src], tmp_path / "out", engine=engine)
    assert [Path(s).name for s in summary.ok] == ["page.html"]
    soup = BeautifulSoup((tmp_path / "out" / "page.html").read_text("utf-8"), "html.parser")
    inline = [t for t in soup.find_all(True) if t.name in INLINE_TAGS]
    assert [t.name for t in inline] == ["b", "a"]
    assert all(t.get_text().strip() for t in inline), str(soup)
