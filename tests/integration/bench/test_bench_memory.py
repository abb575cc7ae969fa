"""``thaimt bench --memory`` on the tiny model: two real servers (trimming off, then on) read
their RSS around the same large requests. No size is asserted — memory is what it is measured
to be — only that both configurations were measured and the report adds up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.memory import large_texts


def test_large_texts_are_distinct_and_long_enough() -> None:
    texts = large_texts(3, 2_000)
    assert all(len(t) >= 2_000 for t in texts)
    lines = [set(t.split("\n")) for t in texts]
    assert not (lines[0] & lines[1]) and not (lines[1] & lines[2])


def test_memory_stage_measures_trimming_off_and_on(
    tiny_model_dir: Path, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    command = [sys.executable, "-m", "service.cli.main", "bench", "--memory", "--quick-memory"]
    command += ["--json", "--model", str(tiny_model_dir), "--threads", "1", "--out", str(tmp_path)]
    done = subprocess.run(command, env=cli_env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    for name in ("trim_off", "trim_on"):
        assert summary[f"memory_{name}_baseline_mb"] > 0
        assert summary[f"memory_{name}_peak_mb"] >= summary[f"memory_{name}_baseline_mb"]
    runs = json.loads((tmp_path / "memory.json").read_text())["runs"]
    assert [r["trim"] for r in runs] == [False, True]
    assert all(len(r["per_request_mb"]) == 3 for r in runs)
    assert "| on |" in (tmp_path / "memory.md").read_text()
