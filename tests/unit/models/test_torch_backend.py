"""TorchBackend on the tiny random-weight models of every family."""

from __future__ import annotations

import pytest
import torch

from models.backend import Backend, DecodeOptions
from models.errors import ModelError
from models.families import family_names
from models.loading import ModelSpec, load_backend
from models.torch_backend import resolve_device, resolve_dtype
from tests.standins import token_lengths, translate_texts

TEXTS = [
    "สวัสดีครับ วันนี้อากาศดีมาก",
    "ราคา 1,299 บาท สำหรับ iPhone",
    "แมว",
    "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย",
]
GREEDY = DecodeOptions(beam_size=1, max_output_tokens=24)

LANGUAGE_TOKENS = {  # family -> (source code token, forced target token)
    "nllb": ("tha_Thai", "eng_Latn"),
    "m2m100": ("__th__", "__en__"),
}


@pytest.mark.parametrize("family", family_names())
def test_translate_batch_one_string_per_input_deterministic(family, family_backends):
    backend = family_backends[family]
    assert isinstance(backend, Backend)
    assert backend.family == family and backend.name == "torch"
    first = translate_texts(backend, TEXTS, GREEDY)
    assert len(first) == len(TEXTS) and all(isinstance(t, str) for t in first)
    assert translate_texts(backend, TEXTS, GREEDY) == first
    assert backend.translate_batch([], GREEDY) == []
    assert backend.precision == "float32"


@pytest.mark.parametrize("family", family_names())
def test_results_follow_input_order(family, family_backends):
    backend = family_backends[family]
    forward = translate_texts(backend, TEXTS, GREEDY)
    backward = translate_texts(backend, TEXTS[::-1], GREEDY)
    assert backward == forward[::-1]
    # The random weights are scaled so that different inputs give different outputs.
    assert len(set(forward)) > 1


def test_beam_search_runs(family_backends):
    backend = family_backends["marian"]
    result = translate_texts(backend, TEXTS[:2], DecodeOptions(beam_size=3, max_output_tokens=12))
    assert len(result) == 2


@pytest.mark.parametrize("family", family_names())
def test_forced_output_tokens_fix_the_generated_length(family, family_backends):
    backend = family_backends[family]
    options = DecodeOptions(forced_output_tokens=7)
    kwargs = backend.generation_kwargs(longest_input=30, options=options)
    assert kwargs["min_new_tokens"] == kwargs["max_new_tokens"] == 7
    batch = backend.tokenizer(TEXTS, return_tensors="pt", padding=True)
    with torch.inference_mode():
        output = backend.model.generate(**batch, **kwargs)
    assert output.shape == (len(TEXTS), 1 + 7)  # decoder start token + 7 new tokens


def test_output_length_is_bounded_by_the_input(family_backends):
    backend = family_backends["marian"]
    options = DecodeOptions(length_ratio=1.0, length_extra=2, max_output_tokens=100)
    assert backend.generation_kwargs(longest_input=5, options=options)["max_new_tokens"] == 7
    assert "min_new_tokens" not in backend.generation_kwargs(5, options)


@pytest.mark.parametrize("family", ["nllb", "m2m100"])
def test_multilingual_models_get_thai_source_and_english_target(family, family_backends):
    backend = family_backends[family]
    source_token, target_token = LANGUAGE_TOKENS[family]
    source_id = backend.tokenizer.convert_tokens_to_ids(source_token)
    target_id = backend.tokenizer.convert_tokens_to_ids(target_token)
    assert source_id != backend.tokenizer.unk_token_id
    assert target_id != backend.tokenizer.unk_token_id
    encoded = backend.tokenizer(TEXTS[0])["input_ids"]
    assert encoded[0] == source_id  # the source language code leads the input
    kwargs = backend.generation_kwargs(longest_input=len(encoded), options=GREEDY)
    assert kwargs["forced_bos_token_id"] == target_id
    batch = backend.tokenizer(TEXTS, return_tensors="pt", padding=True)
    with torch.inference_mode():
        output = backend.model.generate(**batch, **kwargs)
    assert output[:, 1].tolist() == [target_id] * len(TEXTS)
    # ...and the language token does not leak into the text.
    assert all(target_token not in text for text in translate_texts(backend, TEXTS, GREEDY))


def test_marian_has_no_forced_target_language(family_backends):
    backend = family_backends["marian"]
    assert "forced_bos_token_id" not in backend.generation_kwargs(10, GREEDY)


@pytest.mark.parametrize("family", family_names())
def test_token_lengths_count_special_tokens(family, family_backends):
    backend = family_backends[family]
    lengths = token_lengths(backend, TEXTS)
    plain = [len(backend.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in TEXTS]
    extra = 1 if family == "marian" else 2  # </s>, plus the language code
    assert lengths == [n + extra for n in plain]
    assert backend.encode([]) == []


def test_default_budget_and_over_budget_input_raises(family_dirs):
    path = str(family_dirs["marian"])
    assert load_backend(ModelSpec(model=path, threads=1)).max_input_tokens == 512
    small = load_backend(ModelSpec(model=path, max_input_tokens=5, threads=1))
    assert small.max_input_tokens == 5
    with pytest.raises(ValueError, match="5-token budget"):
        translate_texts(small, ["แมว", TEXTS[3]], GREEDY)


def test_device_and_dtype_resolution():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto") == expected
    assert resolve_dtype("auto", "cpu") == torch.float32
    assert resolve_dtype("auto", "cuda") == torch.float16
    assert resolve_dtype("bf16", "cuda") == torch.bfloat16
    with pytest.raises(ModelError, match="unknown device"):
        resolve_device("tpu")
    with pytest.raises(ModelError, match="int8"):
        resolve_dtype("int8", "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ModelError, match="CUDA is not available"):
            resolve_device("cuda")


@pytest.mark.parametrize("family", family_names())
def test_outputs_hold_no_control_characters_or_newlines(family, family_backends):
    # The pipeline rebuilds lines from segment translations; a newline inside one would break it.
    options = DecodeOptions(forced_output_tokens=40, no_repeat_ngram_size=0)
    for text in translate_texts(family_backends[family], TEXTS, options):
        assert text.isprintable(), repr(text)
