"""``--backend ct2`` end to end: the same pipeline, spans and glossary as the torch backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from models.backend import Backend, DecodeOptions
from models.convert import convert_model
from models.loading import ModelSpec, load_backend
from service.engine import Engine
from service.pipeline import DocumentResult, TranslateOptions
from service.workflow import translate_document

ARTICLE = (
    "บริษัท Alibaba Cloud เปิดตัวศูนย์ข้อมูลแห่งใหม่ในกรุงเทพมหานคร เมื่อวันที่ 12 มีนาคม 2567\n"
    "\n"
    "ดูรายละเอียดได้ที่ https://www.alibabacloud.com/th หรือส่งอีเมลถึง press@example.co.th "
    "ราคาเริ่มต้น 1,250 บาทต่อเดือน"
)
GLOSSARY = {"ศูนย์ข้อมูล": "data centre", "กรุงเทพมหานคร": "Bangkok"}
KEPT = ("Alibaba Cloud", "https://www.alibabacloud.com/th", "press@example.co.th", "1,250")


@pytest.fixture(scope="module")
def ct2_int8_backend(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    out = tmp_path_factory.mktemp("ct2-int8") / "model"
    convert_model(str(tiny_model_dir), out, quantization="int8")
    return load_backend(ModelSpec(model=str(out), backend="ct2", device="cpu"))


def test_document_through_ct2_keeps_spans_and_glossary(ct2_int8_backend: Backend) -> None:
    options = TranslateOptions(glossary=GLOSSARY, decode=DecodeOptions(max_output_tokens=32))
    result = translate_document(Engine(ct2_int8_backend), ARTICLE, options)
    for kept in (*KEPT, "data centre", "Bangkok"):
        assert result.text.count(kept) == 1, kept
    assert result.text.count("\n") == ARTICLE.count("\n")  # lines and the blank line kept


def test_document_translation_is_the_same_with_both_backends(
    tiny_model_dir: Path, tiny_backend: Backend, tmp_path_factory: pytest.TempPathFactory
) -> None:
    out = tmp_path_factory.mktemp("ct2-f32") / "model"
    convert_model(str(tiny_model_dir), out, quantization="float32")
    ct2 = load_backend(ModelSpec(model=str(out), backend="ct2", device="cpu"))
    options = TranslateOptions(glossary=GLOSSARY, decode=DecodeOptions(max_output_tokens=32))
    with_ct2 = translate_document(Engine(ct2), ARTICLE, options)
    with_torch = translate_document(Engine(tiny_backend), ARTICLE, options)
    ct2_confidences, torch_confidences = confidences(with_ct2), confidences(with_torch)
    assert without_confidence(with_ct2.to_dict()) == without_confidence(with_torch.to_dict())
    assert ct2_confidences == pytest.approx(torch_confidences, abs=1e-5)  # float rounding apart


def confidences(result: DocumentResult) -> list[float]:
    """Every confidence of a result (the document's, then each translated paragraph's and its
    segments'); all are known (each segment here has Thai for the model)."""
    found = [result.confidence]
    for paragraph in result.paragraphs:
        if paragraph.segments:  # not the blank line
            found += [paragraph.confidence, *(s.confidence for s in paragraph.segments)]
    assert all(c is not None for c in found)
    return [c for c in found if c is not None]


def without_confidence(value: Any) -> Any:
    """A result's dict with every confidence removed."""
    if isinstance(value, dict):
        return {k: without_confidence(v) for k, v in value.items() if k != "confidence"}
    if isinstance(value, list):
        return [without_confidence(v) for v in value]
    return value
