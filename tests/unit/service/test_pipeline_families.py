"""NLLB-200 and M2M100 models run through the same pipeline as Marian.

The language handling is checked where it happens: the encoded source starts with the Thai
language code, the first generated token is the English code (forced BOS), and no language code
leaks into the English text. The glossary and spans are kept as with Marian.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from models.backend import DecodeOptions
from models.loading import ModelSpec, load_backend
from service.engine import Engine
from service.pipeline import TranslateOptions, prepare_document
from service.text.normalize import has_thai
from service.workflow import translate_document

CASES = [
    ("tiny_nllb_dir", "nllb", "tha_Thai", "eng_Latn"),
    ("tiny_m2m100_dir", "m2m100", "__th__", "__en__"),
]
GLOSSARY = {"สมคิด จาตุศรีพิทักษ์": "Somkid Jatusripitak", "อาลีบาบา": "Alibaba"}


@pytest.mark.parametrize(("fixture", "family", "source_code", "target_code"), CASES)
def test_family_through_the_pipeline(
    request: pytest.FixtureRequest,
    fixture: str,
    family: str,
    source_code: str,
    target_code: str,
    example_page: str,
) -> None:
    model_dir: Path = request.getfixturevalue(fixture)
    backend = load_backend(ModelSpec(model=str(model_dir), device="cpu", threads=1))
    assert backend.family == family
    engine = Engine(backend)
    options = TranslateOptions(glossary=GLOSSARY)

    # Source side: the masked segments the pipeline produces are encoded with the Thai code.
    prepared = prepare_document(example_page, options, engine.backend)
    tokenizer = backend.tokenizer  # type: ignore[attr-defined]
    ids = tokenizer(prepared.requests[:1])["input_ids"][0]
    assert source_code in tokenizer.convert_ids_to_tokens(ids)

    # Target side: generation starts with the English code.
    encoded = tokenizer(prepared.requests[:2], return_tensors="pt", padding=True)
    kwargs = backend.generation_kwargs(encoded["input_ids"].shape[1], DecodeOptions())  # type: ignore[attr-defined]
    kwargs["max_new_tokens"] = 4
    with torch.inference_mode():
        out = backend.model.generate(**encoded, **kwargs)  # type: ignore[attr-defined]
    assert set(out[:, 1].tolist()) == {tokenizer.convert_tokens_to_ids(target_code)}

    # The whole article: structure, spans and glossary, and no language code in the text.
    result = translate_document(engine, example_page, options)
    src_lines, out_lines = example_page.split("\n"), result.text.split("\n")
    assert len(out_lines) == len(src_lines)
    for src, out in zip(src_lines, out_lines, strict=True):
        if not has_thai(src):
            assert out == src
    for term in ["Startup Digital Hub CLMVT", "Ms. Angel Zhao", "EEC", "Alibaba"]:
        assert term in result.text
    assert result.text.count("Somkid Jatusripitak") == example_page.count("สมคิด จาตุศรีพิทักษ์")
    assert target_code not in result.text and source_code not in result.text
