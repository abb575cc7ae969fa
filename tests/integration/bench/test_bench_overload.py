"""``thaimt bench --overload`` on the tiny model: a real server with a small queue under more
clients than it can serve; every request is tallied by kind. No timing or share is asserted —
only that every answer was a translation or a refusal, and that the figures add up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.config import BenchConfig
from bench.overload import KindTally, OverloadResult, markdown, run_overload


def test_overload_tallies_every_request(tiny_model_dir: Path) -> None:
    config = BenchConfig(model=tiny_model_dir, threads=1)
    result = run_overload(config, clients=24, seconds=4, queue_size=4, log=lambda _line: None)

    assert set(result.kinds) <= {"sentence", "libre", "article"} and "sentence" in result.kinds
    for tally in result.kinds.values():
        accounted = tally.served + tally.refused + tally.server_errors + tally.no_answer
        assert tally.sent == accounted + tally.other
    summary = result.summary()
    assert summary["overload_5xx"] == 0 and summary["overload_no_answer"] == 0
    assert summary["overload_refused_without_retry_after"] == 0
    assert summary["overload_requests"] == sum(t.sent for t in result.kinds.values()) > 0
    assert "| sentence |" in markdown(result)


def test_fairness_is_the_ratio_of_served_shares() -> None:
    kinds = {
        "sentence": KindTally(sent=10, served=6),
        "libre": KindTally(sent=10, served=2),
        "article": KindTally(sent=4, served=1),
    }
    summary = OverloadResult(8, 1.0, 5, kinds).summary()
    assert summary["overload_short_served_share"] == 0.4  # 8 of 20
    assert summary["overload_article_served_share"] == 0.25
    assert summary["overload_fairness"] == 0.625


def test_the_cli_writes_the_overload_report(
    tiny_model_dir: Path, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    command = [sys.executable, "-m", "service.cli.main", "bench", "--overload", "--json"]
    command += ["--model", str(tiny_model_dir), "--threads", "1", "--out", str(tmp_path)]
    command += ["--clients", "8", "--seconds", "2", "--queue-size", "4"]
    done = subprocess.run(command, env=cli_env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["overload_5xx"] == 0 and summary["overload_requests"] > 0
    assert (tmp_path / "overload.md").is_file()
    assert json.loads((tmp_path / "overload.json").read_text())["clients"] == 8
