"""Adding a family is one record: a made-up fourth family, end to end through the registry.

The record (tests/unit/models/mbart50_family.py, mBART-50) is registered for this module only.
Nothing else in thaimt names it: the CLI builds it, detection finds it, the torch backend runs
it with its language codes, ``auto`` converts it for CTranslate2 and runs that, and the pipeline
translates an article line with it, each through the record alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from models.backend import DecodeOptions
from models.ct2_backend import Ct2Backend
from models.families import family_of, registered
from models.loading import ModelSpec, load_backend
from models.torch_backend import TorchBackend
from service.cli.main import main as thaimt
from service.engine import Engine
from service.pipeline import TranslateOptions
from service.workflow import translate_document
from tests.standins import translate_texts
from tests.unit.models.mbart50_family import LANGS, MBART50

TEXTS = ["สวัสดีครับ วันนี้อากาศดีมาก", "ราคา 1,299 บาท สำหรับ iPhone", "แมว"]
OPTIONS = DecodeOptions(beam_size=1, max_output_tokens=16)


@pytest.fixture(scope="module")
def fourth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The record registered, and a tiny model of it built by ``thaimt make-test-model``."""
    with registered(MBART50):
        out = tmp_path_factory.mktemp("fourth") / "tiny-mbart50"
        assert thaimt(["make-test-model", str(out), "--family", "mbart50"]) == 0
        yield out


@pytest.fixture(scope="module")
def fourth_torch(fourth: Path) -> TorchBackend:
    backend = load_backend(ModelSpec(model=str(fourth), backend="torch", device="cpu", threads=1))
    assert isinstance(backend, TorchBackend)
    return backend


def test_the_built_model_is_recognised_as_the_fourth_family(fourth: Path) -> None:
    assert (fourth / "model.safetensors").is_file()
    assert family_of(fourth) is MBART50


def test_torch_tags_thai_and_forces_english(fourth_torch: TorchBackend) -> None:
    backend = fourth_torch
    assert backend.family == "mbart50"
    source_id, target_id = (backend.tokenizer.convert_tokens_to_ids(c) for c in LANGS)
    assert backend.encode(TEXTS[:1])[0][0] == source_id  # th_TH leads the input
    kwargs = backend.generation_kwargs(longest_input=20, options=OPTIONS)
    assert kwargs["forced_bos_token_id"] == target_id
    batch = backend.tokenizer(TEXTS, return_tensors="pt", padding=True)
    with torch.inference_mode():
        output = backend.model.generate(**batch, **kwargs)
    assert output[:, 1].tolist() == [target_id] * len(TEXTS)  # en_XX starts every output
    texts = translate_texts(backend, TEXTS, OPTIONS)
    assert len(set(texts)) > 1 and texts == translate_texts(backend, TEXTS, OPTIONS)
    assert not any(code in text for text in texts for code in LANGS)


def test_auto_converts_it_for_ctranslate2_and_matches_torch(
    fourth: Path, fourth_torch: TorchBackend, tmp_path: Path
) -> None:
    spec = ModelSpec(
        model=str(fourth), backend="auto", dtype="float32", threads=1, cache_dir=tmp_path
    )
    ct2 = load_backend(spec)
    assert isinstance(ct2, Ct2Backend) and ct2.family == "mbart50"
    assert list((tmp_path / "ct2").glob("tiny-mbart50-*-float32/model.bin"))
    assert translate_texts(ct2, TEXTS, OPTIONS) == translate_texts(fourth_torch, TEXTS, OPTIONS)


def test_the_pipeline_translates_with_it(fourth_torch: TorchBackend) -> None:
    page = "สัมมนา Startup Digital Hub CLMVT ที่กรุงเทพ\n\nราคา 1,299 บาท ดูที่ https://example.com/th"
    result = translate_document(Engine(fourth_torch), page, TranslateOptions())
    lines = result.text.split("\n")
    assert len(lines) == 3 and lines[1] == ""
    assert "Startup Digital Hub CLMVT" in lines[0]
    assert "https://example.com/th" in lines[2] and "1,299" in lines[2]
