"""``thaimt eval --testset ntrex --compare-raw --limit 100`` on the tiny model: the pipeline and
the raw model side by side, sacrebleu's paired p-values, confidence calibration, the titled chart.

The model is random, so the numbers mean nothing; the test checks that every part is there and
consistent with the hypotheses written. Outputs are capped at 8 tokens to keep the run short.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval.metrics import score_corpus
from eval.testsets import load_testset
from service.cli.main import main

FAST = ["--backend", "torch", "--device", "cpu", "--max-output-tokens", "8", "--batch-size", "64"]


@pytest.fixture(scope="module")
def side_by_side(
    tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("eval-raw")
    argv = ["eval", "--model", str(tiny_model_dir), "--testset", "ntrex", "--compare-raw"]
    argv += ["--limit", "100", "--out", str(out), "--quiet", *FAST]
    assert main(argv) == 0
    return out, str(tiny_model_dir)


def _report(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return data


def test_pipeline_and_raw_rows_on_the_same_lines(side_by_side: tuple[Path, str]) -> None:
    out, model = side_by_side
    data = _report(out)
    assert (data["testset"], data["lines"], data["total_lines"]) == ("ntrex", 100, 1997)
    pipeline, raw = data["systems"]
    assert (pipeline["name"], raw["name"]) == (f"{model} [pipeline]", f"{model} [raw]")
    assert (pipeline["mode"], raw["mode"]) == ("sentence", "raw")
    testset = load_testset(["ntrex"], limit=100)
    for system in (pipeline, raw):
        hyps = (out / system["hypotheses_file"]).read_text(encoding="utf-8").splitlines()
        assert len(hyps) == 100
        scores = score_corpus(hyps, testset.references, testset.sources)
        assert system["bleu"] == pytest.approx(scores.bleu.score)
        assert system["invented_numbers"]["count"] == scores.invented_numbers.count  # type: ignore[union-attr]
        assert system["term_keeping"]["needed"] > 0
    # The pipeline keeps every protected term by construction; the raw model has no such help.
    assert pipeline["term_keeping"]["share"] == 1.0
    assert raw["flags"]["segments"] is None  # flags need the pipeline's spans
    assert raw["throughput"]["segments"] >= 100  # every line went to the model


def test_side_by_side_table_with_p_values(side_by_side: tuple[Path, str]) -> None:
    out, model = side_by_side
    significance = _report(out)["significance"]
    assert significance["test"] == "bs" and significance["samples"] == 1000
    pairs = {(p["system"], p["baseline"], p["metric"]) for p in significance["pairs"]}
    assert pairs == {
        (f"{model} [raw]", f"{model} [pipeline]", m) for m in ("BLEU", "chrF++", "TER")
    }
    assert all(0 < p["p_value"] <= 1 for p in significance["pairs"])
    md = (out / "report.md").read_text(encoding="utf-8")
    rows = [ln for ln in md.splitlines() if ln.startswith("| ")]
    assert rows[0].startswith("| system | BLEU | chrF++ | TER | term keeping | untranslated")
    assert "invented numbers" in rows[0] and "confidence" in rows[0]
    assert any(r.startswith(f"| {model} [raw] | {model} [pipeline] | ") for r in rows)
    assert "## Paired significance" in md and "## The raw model" in md


def test_confidence_and_calibration_for_both_rows(side_by_side: tuple[Path, str]) -> None:
    out, model = side_by_side
    data = _report(out)
    for system in data["systems"]:
        confidence = system["confidence"]
        assert confidence["units"] == 100 and 0 < confidence["mean"] < 1
        assert confidence["spearman_chrf"] is not None and confidence["auc_poor"] is not None
        assert len(confidence["thresholds"]) == 7
    assert data["chart"]["title"] == f"ntrex · 100 lines · {model}"
    assert (out / "report.png").read_bytes()[:4] == b"\x89PNG"
