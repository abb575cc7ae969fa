"""The CTranslate2 backend against the torch backend on the tiny test models."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from models.backend import Backend, DecodeOptions
from models.convert import SIDECAR, convert_model, tokenizer_files
from models.corpus import thai_lines
from models.ct2_backend import Ct2Backend, ThreadLayout, resolve_compute_type, thread_layout
from models.errors import BackendNotInstalledError, ModelError
from models.loading import ModelSpec, load_backend, runtime_of
from tests.standins import translate_texts

GREEDY = DecodeOptions(beam_size=1)


def _converted(source: Path, root: Path, quantization: str = "float32") -> Path:
    """Convert once per session: pytest's base temp dir is shared by every test file."""
    out = root / f"ct2-{source.name}-{quantization}"
    if not (out / "model.bin").is_file():
        convert_model(str(source), out, quantization=quantization, force=True)
    return out


@pytest.fixture(scope="session")
def tiny_ct2_dir(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _converted(tiny_model_dir, tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def ct2_backend(tiny_ct2_dir: Path) -> Backend:
    return load_backend(ModelSpec(model=str(tiny_ct2_dir), backend="ct2", device="cpu"))


def _translate(backend: Backend, texts: list[str], options: DecodeOptions, batch: int) -> list[str]:
    out: list[str] = []
    for start in range(0, len(texts), batch):
        out += translate_texts(backend, texts[start : start + batch], options)
    return out


def test_converted_directory_is_self_contained(tiny_model_dir: Path, tiny_ct2_dir: Path) -> None:
    assert (tiny_ct2_dir / "model.bin").is_file()
    for name in tokenizer_files(tiny_model_dir):
        assert (tiny_ct2_dir / name).read_bytes() == (tiny_model_dir / name).read_bytes()
    info = json.loads((tiny_ct2_dir / SIDECAR).read_text(encoding="utf-8"))
    assert info["model_type"] == "marian"
    assert info["quantization"] == "float32"


def test_loads_through_the_registry(ct2_backend: Backend, tiny_backend: Backend) -> None:
    assert isinstance(ct2_backend, Ct2Backend)
    assert isinstance(ct2_backend, Backend)
    assert ct2_backend.name == "ct2"
    assert ct2_backend.family == "marian"
    assert ct2_backend.compute_type == "float32"
    assert ct2_backend.precision == "float32"
    assert ct2_backend.max_input_tokens == tiny_backend.max_input_tokens


def test_token_lengths_match_torch(ct2_backend: Backend, tiny_backend: Backend) -> None:
    texts = [*thai_lines()[:50], "", "ABC 123", "สวัสดี https://example.com"]
    assert ct2_backend.encode(texts) == tiny_backend.encode(texts)


def test_greedy_float32_matches_torch_on_flores(
    ct2_backend: Backend, tiny_backend: Backend
) -> None:
    """Acceptance: ct2 float32 and torch, greedy, identical for >= 95% of 100 FLORES segments."""
    texts = thai_lines()[:100]
    options = DecodeOptions(beam_size=1, max_output_tokens=48)
    torch_out = _translate(tiny_backend, texts, options, batch=16)
    ct2_out = _translate(ct2_backend, texts, options, batch=16)
    same = sum(a == b for a, b in zip(torch_out, ct2_out, strict=True))
    print(f"ct2 float32 vs torch greedy: {same}/{len(texts)} identical")
    assert same >= 95


def test_output_does_not_depend_on_batch_mates(ct2_backend: Backend) -> None:
    texts = thai_lines()[:12]
    alone = [translate_texts(ct2_backend, [t], GREEDY)[0] for t in texts]
    assert translate_texts(ct2_backend, texts, GREEDY) == alone


def test_forced_output_length(ct2_backend: Ct2Backend) -> None:
    options = DecodeOptions(forced_output_tokens=7)
    kwargs = ct2_backend.translation_kwargs(ct2_backend.output_bound(30, options), options)
    assert kwargs["min_decoding_length"] == kwargs["max_decoding_length"] == 7
    assert kwargs["max_input_length"] == 0  # CTranslate2 must never truncate silently
    source = [
        ct2_backend.tokenizer.convert_ids_to_tokens(row)
        for row in ct2_backend.encode(thai_lines()[:3])
    ]
    results = ct2_backend.translator.translate_batch(source, **kwargs)
    assert [len(r.hypotheses[0]) for r in results] == [7, 7, 7]


def test_input_over_budget_raises_instead_of_truncating(tiny_ct2_dir: Path) -> None:
    backend = load_backend(
        ModelSpec(model=str(tiny_ct2_dir), backend="ct2", device="cpu", max_input_tokens=8)
    )
    with pytest.raises(ValueError, match="8-token budget"):
        translate_texts(backend, [thai_lines()[0]], GREEDY)


def test_beam_search_runs(ct2_backend: Backend) -> None:
    out = translate_texts(ct2_backend, thai_lines()[:3], DecodeOptions(beam_size=4))
    assert len(out) == 3 and all(isinstance(t, str) for t in out)


def test_int8_conversion_loads_as_int8(tiny_model_dir: Path, tmp_path: Path) -> None:
    from service.cli.main import main

    out = tmp_path / "int8"
    assert main(["convert", str(tiny_model_dir), str(out), "--quantization", "int8"]) == 0
    backend = load_backend(ModelSpec(model=str(out), backend="ct2", device="cpu"))
    assert backend.compute_type.startswith("int8")
    assert len(translate_texts(backend, thai_lines()[:2], GREEDY)) == 2


def test_convert_refuses_to_overwrite_without_force(
    tiny_model_dir: Path, tiny_ct2_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from service.cli.main import main

    assert main(["convert", str(tiny_model_dir), str(tiny_ct2_dir)]) == 1
    assert "--force" in capsys.readouterr().err
    with pytest.raises(ModelError, match="already a CTranslate2 model"):
        convert_model(str(tiny_ct2_dir), tiny_ct2_dir.parent / "again")
    with pytest.raises(ModelError, match="quantization"):
        convert_model(str(tiny_model_dir), tiny_ct2_dir.parent / "x", quantization="int4")


def test_transformers_dir_is_converted_on_the_fly(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # the conversion cache lives under ~/.cache
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)  # ... unless XDG_CACHE_HOME moves it
    backend = load_backend(ModelSpec(model=str(tiny_model_dir), backend="ct2", device="cpu"))
    assert backend.compute_type.startswith("int8")  # "auto" on CPU for an on-the-fly model
    assert list((tmp_path / ".cache" / "thaimt" / "ct2").glob("*/model.bin"))


def test_missing_ctranslate2_says_how_to_install(
    tiny_ct2_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ctranslate2", None)  # makes `import ctranslate2` fail
    with pytest.raises(BackendNotInstalledError, match=r"thaimt\[ct2\]"):
        load_backend(ModelSpec(model=str(tiny_ct2_dir), backend="ct2", device="cpu"))


@pytest.mark.parametrize(
    ("dtype", "device", "on_the_fly", "expected"),
    [
        ("auto", "cpu", False, "default"),
        ("auto", "cpu", True, "int8"),
        ("auto", "cuda", True, "float16"),
        ("fp16", "cuda", False, "float16"),
        ("int8_float16", "cuda", False, "int8_float16"),
    ],
)
def test_compute_type(dtype: str, device: str, on_the_fly: bool, expected: str) -> None:
    assert resolve_compute_type(dtype, device, on_the_fly) == expected


def test_unknown_compute_type_is_a_clear_error() -> None:
    with pytest.raises(ModelError, match="not a CTranslate2 compute type"):
        resolve_compute_type("int3", "cpu", False)


@pytest.mark.parametrize("family", ["nllb", "m2m100"])
def test_multilingual_families_match_torch(
    family: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """NLLB and M2M100 need the target-language token as a target prefix."""
    source: Path = request.getfixturevalue(f"tiny_{family}_dir")
    converted = _converted(source, tmp_path_factory.getbasetemp())
    ct2 = load_backend(ModelSpec(model=str(converted), backend="ct2", device="cpu"))
    torch = load_backend(ModelSpec(model=str(source), device="cpu"))
    assert ct2.family == torch.family
    texts = thai_lines()[:16]
    options = DecodeOptions(max_output_tokens=24)
    assert translate_texts(ct2, texts, options) == translate_texts(torch, texts, options)


@pytest.mark.parametrize(
    ("threads", "inter", "device", "expected"),
    [
        (2, 0, "cpu", ThreadLayout(intra=1, inter=2)),  # measured: 1.5x one replica on both
        (1, 0, "cpu", ThreadLayout(intra=1, inter=1)),
        (16, 0, "cpu", ThreadLayout(intra=4, inter=4)),  # at most four replicas
        (6, 0, "cpu", ThreadLayout(intra=1, inter=4)),
        (8, 0, "cuda", ThreadLayout(intra=8, inter=1)),  # one call at a time on a GPU
        (4, 1, "cpu", ThreadLayout(intra=4, inter=1)),  # the setting wins
        (4, 8, "cpu", ThreadLayout(intra=1, inter=8)),
    ],
)
def test_thread_layout(threads: int, inter: int, device: str, expected: ThreadLayout) -> None:
    assert thread_layout(threads, inter, device) == expected


def test_replicas_split_a_batch_without_changing_any_output(tiny_ct2_dir: Path) -> None:
    """A batch shared out between replicas (each part decoding to its own longest bound) gives
    exactly what one replica gives for the whole batch, row for row (greedy: a row's output
    does not depend on its batch mates; a beam's can, through the batch's longest bound, as it
    always could); n-best lists keep their length. Scores agree to float rounding: a runaway row
    cut back to its bound is scored on its kept tokens alone."""
    texts = thai_lines()[:13]  # parts of unequal size
    beam = DecodeOptions(beam_size=3, alternatives=2)
    outputs = {}
    for inter in (1, 2, 3):
        spec = ModelSpec(str(tiny_ct2_dir), backend="ct2", device="cpu", threads=inter)
        backend = load_backend(replace(spec, inter_threads=inter))
        assert isinstance(backend, Ct2Backend) and backend.layout.inter == inter
        outputs[inter] = backend.translate_batch(backend.encode(texts), GREEDY)
        n_best = backend.translate_batch(backend.encode(texts), beam)
        assert [len(o.alternatives) for o in n_best] == [2] * len(texts)
    for inter in (2, 3):
        assert [replace(o, score=None) for o in outputs[inter]] == [
            replace(o, score=None) for o in outputs[1]
        ]
        for mine, one in zip(outputs[inter], outputs[1], strict=True):
            assert mine.score == pytest.approx(one.score, abs=1e-4)
    assert runtime_of(backend, 3).replicas == 3
    assert str(runtime_of(backend, 3)).endswith("3 threads in 3 replicas")
