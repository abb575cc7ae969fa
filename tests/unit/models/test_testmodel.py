"""Random-weight test models: every family builds, loads like a hub model, and is reproducible."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from safetensors import safe_open
from transformers import AutoConfig

from models.families import family_names, get_family
from models.testmodel import build_test_model
from service.cli.main import main as thaimt
from tests.standins import translate_texts

# MarianTokenizer asks for sacremoses on load; thaimt does not use it.
pytestmark = pytest.mark.filterwarnings("ignore:Recommended.*sacremoses")


def _file_hashes(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


@pytest.mark.parametrize("family", family_names())
def test_tiny_model_loads_like_a_hub_model(family, family_dirs):
    path = family_dirs[family]
    record = get_family(family)
    config = AutoConfig.from_pretrained(path)
    assert config.model_type in record.model_types
    assert config.d_model == 64 and config.encoder_layers == 2 and config.decoder_layers == 2
    tokenizer = record.load_tokenizer(path)
    # The builder and the record's recognition agree: a model built is a model recognised.
    assert record.recognises(config.model_type, type(tokenizer).__name__)
    assert (path / "model.safetensors").is_file()
    assert (path / "generation_config.json").is_file()
    # Every token id the tokenizer can produce has an embedding row.
    assert max(tokenizer.get_vocab().values()) < config.vocab_size


@pytest.mark.parametrize("family", family_names())
def test_latin_letters_and_digits_never_become_unk(family, family_dirs):
    tokenizer = get_family(family).load_tokenizer(family_dirs[family])
    text = "ราคา 1,299 บาท iPhone XYZ-42 qQzZ 0123456789"
    ids = tokenizer(text)["input_ids"]
    assert tokenizer.unk_token_id not in ids
    assert tokenizer.decode(ids, skip_special_tokens=True).strip().endswith("0123456789")


@pytest.mark.parametrize("family", family_names())
def test_same_seed_gives_identical_files_and_other_seed_other_weights(
    family, tmp_path, family_dirs
):
    first = build_test_model(tmp_path / "a", family=family, seed=7)
    second = build_test_model(tmp_path / "b", family=family, seed=7)
    assert _file_hashes(first) == _file_hashes(second)
    seed_0 = _file_hashes(family_dirs[family])  # the shared fixtures are built with seed 0
    assert seed_0["model.safetensors"] != _file_hashes(first)["model.safetensors"]


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory):
    """The base Marian model, built once through the real CLI command."""
    out = tmp_path_factory.mktemp("base") / "opus-base"
    assert thaimt(["make-test-model", str(out), "--size", "base", "--family", "marian"]) == 0
    return out


def test_base_model_has_opus_mt_th_en_dimensions(base_dir):
    config = json.loads((base_dir / "config.json").read_text())
    assert config["model_type"] == "marian"
    assert config["d_model"] == 512
    assert config["encoder_layers"] == config["decoder_layers"] == 6
    assert config["encoder_attention_heads"] == config["decoder_attention_heads"] == 8
    assert config["encoder_ffn_dim"] == config["decoder_ffn_dim"] == 2048
    assert config["max_position_embeddings"] == 512
    assert config["vocab_size"] >= 58000
    assert config["share_encoder_decoder_embeddings"] is True
    assert config["decoder_start_token_id"] == config["pad_token_id"] == config["vocab_size"] - 1
    # The saved tensors really have those sizes (not only the config).
    with safe_open(str(base_dir / "model.safetensors"), framework="pt") as weights:
        shapes = {name: tuple(weights.get_slice(name).get_shape()) for name in weights.keys()}  # noqa: SIM118
    assert shapes["model.shared.weight"] == (config["vocab_size"], 512)
    assert shapes["model.encoder.layers.5.fc1.weight"] == (2048, 512)
    assert shapes["model.decoder.layers.5.fc2.weight"] == (512, 2048)
    assert not any(".layers.6." in name for name in shapes)
    vocab = json.loads((base_dir / "vocab.json").read_text())
    assert len(vocab) == config["vocab_size"]
    assert vocab["<pad>"] == config["pad_token_id"]


def test_base_model_translates(base_dir):
    from models.backend import DecodeOptions
    from models.loading import ModelSpec, load_backend

    backend = load_backend(ModelSpec(model=str(base_dir), device="cpu", threads=1))
    result = translate_texts(backend, ["สวัสดีครับ"], DecodeOptions(forced_output_tokens=3))
    assert len(result) == 1 and isinstance(result[0], str)


def test_unknown_size_or_family_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="size"):
        build_test_model(tmp_path, size="huge")
    with pytest.raises(ValueError, match="family"):
        build_test_model(tmp_path, family="t5")
    with pytest.raises(ValueError, match="only built for family 'marian'"):
        build_test_model(tmp_path, size="base", family="nllb")
