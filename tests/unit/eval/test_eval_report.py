"""Report outputs from constructed results (no model): files, fields, table and chart data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.metrics import score_corpus
from eval.report import ReportContext, plot_scores, sanitise_name, write_report
from eval.runner import SystemResult, Throughput

REFS = ["The cat sat on the mat.", "NASA sent 2 probes."]
SOURCES = ["แมวนั่งบนเสื่อ", "NASA ส่งยาน 2 ลำ"]


def _result(name: str, hyps: list[str], throughput: Throughput | None) -> SystemResult:
    return SystemResult(
        name=name,
        mode="sentence" if throughput else "hypotheses",
        model_id="some/model" if throughput else None,
        backend="torch" if throughput else None,
        beam=2 if throughput else None,
        device="cpu" if throughput else None,
        decode={"beam_size": 2} if throughput else None,
        hypotheses=hyps,
        scores=score_corpus(hyps, REFS, SOURCES),
        throughput=throughput,
    )


@pytest.fixture()
def results() -> list[SystemResult]:
    run = Throughput(seconds=2.0, sentences=2, target_tokens=9, model_calls=1, segments=2)
    return [
        _result("model A", ["A cat sits on the mat.", "NASA sent two probes."], run),
        _result("ext/sys|B", ["แมว", "NASA sent 2 probes."], None),
    ]


def _context() -> ReportContext:
    return ReportContext(
        testset="toy",
        source_path="toy.th",
        reference_path="toy.en",
        lines=2,
        total_lines=2,
        limit=None,
        mode="sentence",
        granularity="sentence",
        article_size=None,
    )


def test_write_report_outputs(tmp_path: Path, results: list[SystemResult]) -> None:
    paths = write_report(results, _context(), tmp_path)
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    a, b = data["systems"]
    assert a["throughput"]["sentences_per_s"] == pytest.approx(1.0)
    assert a["throughput"]["tokens_per_s"] == pytest.approx(4.5)
    assert a["throughput"]["token_unit"] == "whitespace"
    assert a["term_keeping"] == {"kept": 1, "needed": 2, "share": 0.5}
    assert b["untranslated"] == {"count": 1, "lines": 2, "share": 0.5, "indices": [0]}
    assert b["throughput"]["sentences_per_s"] is None and b["model_id"] is None
    assert set(a) == set(b)  # same fields for every system; unknown ones are null
    hyp_file = tmp_path / b["hypotheses_file"]
    assert hyp_file.read_text(encoding="utf-8") == "แมว\nNASA sent 2 probes.\n"
    assert hyp_file.name == "ext_sys_B.txt"


def test_markdown_table_has_one_row_per_system(tmp_path: Path, results: list[SystemResult]) -> None:
    md = write_report(results, _context(), tmp_path)["md"].read_text(encoding="utf-8")
    rows = [ln for ln in md.splitlines() if ln.startswith("| ")]
    assert rows[0].startswith("| system | BLEU | chrF++ | TER | term keeping | untranslated")
    assert len(rows) == 3
    assert "| model A |" in rows[1] and "| 50.0% (1/2) |" in rows[1] and "| torch | 2 |" in rows[1]
    assert rows[2].startswith("| ext/sys\\|B |")  # a "|" in a name cannot break the table
    assert "| 1 (50.0%) |" in rows[2]
    assert "nw:2" in md and "tok:13a" in md and "tok:tercom" in md


def test_chart_has_one_group_per_system(tmp_path: Path, results: list[SystemResult]) -> None:
    chart = plot_scores(results, tmp_path / "chart.png")
    assert chart.systems == ["model A", "ext/sys|B"]
    assert list(chart.series) == ["BLEU", "chrF++"]
    assert chart.series["BLEU"] == pytest.approx([r.scores.bleu.score for r in results])
    assert chart.series["chrF++"] == pytest.approx([r.scores.chrf.score for r in results])


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("Helsinki-NLP/opus-mt-th-en", "Helsinki-NLP_opus-mt-th-en"),
        ("/tmp/tiny [article]", "tmp_tiny_article"),
        ("google.txt", "google.txt"),
        ("...", "system"),
    ],
)
def test_sanitise_name(name: str, safe: str) -> None:
    assert sanitise_name(name) == safe


def test_hypotheses_files_get_unique_names(tmp_path: Path, results: list[SystemResult]) -> None:
    twins = [results[0], results[0]]
    data = json.loads(write_report(twins, _context(), tmp_path)["json"].read_text("utf-8"))
    assert [s["hypotheses_file"] for s in data["systems"]] == [
        "hyps/model_A.txt",
        "hyps/model_A-2.txt",
    ]


def test_flags_are_counted_per_system(tmp_path: Path, results: list[SystemResult]) -> None:
    from dataclasses import replace

    from service.text.flags import FLAG_NAMES, summarize_flags

    flags = summarize_flags([("thai_left",), (), ("thai_left", "invented_number")])
    flagged = [replace(results[0], flags=flags), results[1]]
    paths = write_report(flagged, _context(), tmp_path)
    a, b = json.loads(paths["json"].read_text(encoding="utf-8"))["systems"]
    assert a["flags"]["segments"] == 3 and a["flags"]["flagged"] == 2
    assert a["flags"]["by_flag"] == {
        **dict.fromkeys(FLAG_NAMES, 0),
        "thai_left": 2,
        "invented_number": 1,
    }
    assert b["flags"] == {"segments": None, "flagged": None, "share": None, "by_flag": None}
    rows = [
        ln for ln in paths["md"].read_text(encoding="utf-8").splitlines() if ln.startswith("| ")
    ]
    assert "| flagged |" in rows[0]
    assert "| 2/3 (66.7%): invented_number 1, thai_left 2 |" in rows[1]


def test_without_matplotlib_the_report_is_written_without_its_chart(
    tmp_path: Path, results: list[SystemResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    """matplotlib is an extra (thaimt[plot]): without it the tables still come out."""
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # "import matplotlib" now fails
    paths = write_report(results, _context(), tmp_path)
    assert "png" not in paths and not (tmp_path / "report.png").exists()
    data = json.loads(paths["json"].read_text("utf-8"))
    assert data["chart"] is None and len(data["systems"]) == 2
    assert paths["md"].read_text(encoding="utf-8").count("\n|") >= 3


def test_significance_calibration_and_title(tmp_path: Path, results: list[SystemResult]) -> None:
    """Two systems with confidences: the pair's p-values, the calibration tables, and a chart
    titled with the test set, its lines and the model."""
    from dataclasses import replace

    from eval.calibration import calibrate
    from eval.significance import paired_significance

    rated = replace(
        results[0],
        confidences=[0.3, 0.9],
        calibration=calibrate([0.3, 0.9], results[0].hypotheses, REFS),
    )
    systems = [rated, results[1]]
    significance = paired_significance([(r.name, r.hypotheses) for r in systems], REFS, samples=50)
    paths = write_report(systems, _context(), tmp_path, significance)
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["chart"]["title"] == "toy · 2 lines · some/model"
    assert data["significance"]["test"] == "bs" and len(data["significance"]["pairs"]) == 3
    a, b = data["systems"]
    assert a["confidence"]["mean"] == pytest.approx(0.6) and a["confidence"]["units"] == 2
    assert a["confidence"]["auc_poor"] == pytest.approx(1.0)  # the poor line is the unsure one
    assert b["confidence"]["mean"] is None and b["confidence"]["thresholds"] == []
    assert a["invented_numbers"]["count"] == 0 and b["invented_numbers"]["lines"] == 2
    md = paths["md"].read_text(encoding="utf-8")
    assert "## Paired significance" in md and "(p = " in md
    assert "| ext/sys\\|B | model A | " in md  # the later system against the earlier one
    assert "## Calibration" in md and "| model A | 2 | 0.600 |" in md
    assert "| 0.5 | 1 | 50.0% |" in md  # one of the two lines below 0.5
