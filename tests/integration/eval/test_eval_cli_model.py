"""``thaimt eval`` translating FLORES-200 with a tiny random-weight model through the pipeline.

The model's output is gibberish; these tests check the wiring: every output written, every field
filled, one table row and one chart group per system, article mode's paired rows. Output length
is capped (--max-output-tokens) so that a random model cannot make the run slow.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sacrebleu.metrics import BLEU

from eval.report import ReportContext, write_report
from eval.runner import EvalConfig, evaluate_model
from eval.testsets import BUILTIN_TESTSETS, DATA_DIR, group_spans, join_groups, load_testset
from service.cli.main import main
from service.engine import Engine

FLORES_REF = DATA_DIR / BUILTIN_TESTSETS["flores200"][1]
FAST = ["--backend", "torch", "--device", "cpu", "--max-output-tokens", "8", "--batch-size", "64"]


@pytest.fixture(scope="module")
def two_systems(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run: the tiny model on the first 50 FLORES lines, next to the references as hyps."""
    out = tmp_path_factory.mktemp("eval-two")
    argv = [
        "eval",
        "--model",
        str(tiny_model_dir),
        "--testset",
        "flores200",
        "--limit",
        "50",
        "--hyps",
        str(FLORES_REF),
        "--name",
        "reference",
        "--out",
        str(out),
        "--quiet",
        *FAST,
    ]
    assert main(argv) == 0
    return out


def _report(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return data


def _nulls(value: Any, path: str = "") -> list[str]:
    """Paths of every null inside a JSON value."""
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nulls(v, f"{path}.{k}")]
    return []


def test_all_four_outputs_are_written(two_systems: Path) -> None:
    for name in ("report.md", "report.json", "report.png"):
        assert (two_systems / name).stat().st_size > 0, name
    assert (two_systems / "report.png").read_bytes()[:4] == b"\x89PNG"
    hyps = sorted((two_systems / "hyps").iterdir())
    assert len(hyps) == 2
    assert all(len(p.read_text(encoding="utf-8").splitlines()) == 50 for p in hyps)


def test_model_system_has_every_field(two_systems: Path, tiny_model_dir: Path) -> None:
    data = _report(two_systems)
    assert (data["testset"], data["lines"], data["limit"], data["mode"]) == (
        "flores200",
        50,
        50,
        "sentence",
    )
    model = data["systems"][0]
    # A translated system knows everything (decode options may hold None: "not forced").
    assert _nulls({k: v for k, v in model.items() if k != "decode"}) == []
    assert model["model_id"] == str(tiny_model_dir)
    assert (model["backend"], model["beam"], model["mode"]) == ("torch", 1, "sentence")
    assert model["decode"]["max_output_tokens"] == 8 and model["decode"]["beam_size"] == 1
    assert set(model["signatures"]) == {"BLEU", "chrF++", "TER"}
    assert model["throughput"]["sentences"] == 50
    assert model["throughput"]["sentences_per_s"] > 0 and model["throughput"]["tokens_per_s"] > 0
    assert model["throughput"]["model_calls"] >= 1
    assert model["term_keeping"]["needed"] > 0  # FLORES lines 1–50 carry Latin terms
    flags = model["flags"]  # gibberish from random weights: flagged, and counted per flag
    assert flags["segments"] >= 50 and 0 < flags["flagged"] <= flags["segments"]
    assert sum(flags["by_flag"].values()) >= flags["flagged"]
    assert 0 <= model["bleu"] <= 100 and 0 <= model["chrf"] <= 100 and model["ter"] >= 0
    hyps = (two_systems / model["hypotheses_file"]).read_text(encoding="utf-8").splitlines()
    assert len(hyps) == 50 and any(hyps)


def test_two_systems_give_two_rows_and_two_bar_groups(two_systems: Path) -> None:
    md = (two_systems / "report.md").read_text(encoding="utf-8")
    table = md[md.index("| system |") :].split("\n\n")[0]  # the first table: one row per system
    rows = [ln for ln in table.splitlines() if ln.startswith("| ")][1:]
    assert len(rows) == 2
    assert "## Paired significance" in md  # two systems: the model against the references
    assert rows[1].startswith("| reference | 100.0 | 100.0 | 0.0 |")
    chart = _report(two_systems)["chart"]
    assert len(chart["systems"]) == 2
    assert list(chart["series"]) == ["BLEU", "chrF++"]
    assert all(len(bars) == 2 for bars in chart["series"].values())
    assert chart["series"]["BLEU"][1] == pytest.approx(100.0)


def test_article_mode_pairs_article_and_sentence_rows(
    tiny_backend: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = EvalConfig(mode="article", article_size=4, max_output_tokens=8, progress=True)
    testset = load_testset(["flores200"], limit=10)
    article, sentence = evaluate_model("tiny", Engine(tiny_backend), testset, config)
    assert "seg" in capsys.readouterr().err  # the tqdm bar went to stderr
    assert (article.mode, sentence.mode) == ("article", "sentence (joined)")
    assert (article.name, sentence.name) == ("tiny [article]", "tiny [sentence]")
    assert len(article.hypotheses) == len(sentence.hypotheses) == 3  # 4 + 4 + 2 test lines
    assert article.throughput and sentence.throughput
    assert article.throughput.sentences == sentence.throughput.sentences == 10
    # Both rows are scored against the same paragraph references.
    refs = join_groups(testset.references, group_spans(10, 4))
    assert article.scores.bleu.detail.endswith(f"ref_len = {_ref_len(refs)})")
    assert sentence.scores.bleu.detail.endswith(f"ref_len = {_ref_len(refs)})")
    context = ReportContext(
        testset="flores200",
        source_path=None,
        reference_path="ref",
        lines=10,
        total_lines=1012,
        limit=10,
        mode="article",
        granularity="paragraph",
        article_size=4,
    )
    md = write_report([article, sentence], context, tmp_path)["md"].read_text(encoding="utf-8")
    assert "## Article mode" in md and "| article |" in md and "| sentence (joined) |" in md


def _ref_len(references: list[str]) -> int:
    return int(BLEU().corpus_score(references, [references]).ref_len)


def test_runs_are_deterministic(tiny_backend: Any) -> None:
    config = EvalConfig(device="cpu", max_output_tokens=8, progress=False)
    testset = load_testset(["flores200"], limit=6)
    first = evaluate_model("tiny", Engine(tiny_backend), testset, config)[0]
    second = evaluate_model("tiny", Engine(tiny_backend), testset, config)[0]
    assert first.hypotheses == second.hypotheses
    assert first.scores.bleu.score == second.scores.bleu.score
