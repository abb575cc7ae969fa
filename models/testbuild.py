"""Parts for building random-weight test models: sizes, tokenizer training, saving.

Each family's record (:mod:`models.families`) builds its own architecture and tokenizer from
these parts; :func:`models.testmodel.build_test_model` picks the record.

Sizes:

* ``tiny`` — d_model 64, 2+2 layers, 4 heads, FFN 256, a few thousand tokens; builds in seconds.
* ``base`` (Marian only) — the dimensions of Helsinki-NLP/opus-mt-th-en: d_model 512, 6 encoder
  and 6 decoder layers, 8 heads, FFN 2048, 512 positions, static sinusoidal positions, embeddings
  shared between encoder, decoder and output projection, and a vocabulary of 62,000 entries
  (opus-mt-th-en has about that many; the exact count was not checkable offline). The shipped
  text is far too small to train a SentencePiece vocabulary that large, so each side trains the
  largest vocabulary the text supports (about 4-6k pieces) and ``vocab.json`` is padded with
  never-produced ``<reserved_N>`` entries up to 62,000. The embedding and output projection
  therefore have the real sizes (that is where much of the decoding compute goes), while the
  tokenizer segments text into more, shorter pieces than the real one would.
"""

from __future__ import annotations

import io
import json
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Characters every tokenizer must know, so English words, digits and ASCII symbols inside Thai
# text never become <unk> (character_coverage=1.0 keeps every character of the training text).
REQUIRED_CHARS = string.ascii_letters + string.digits + string.punctuation


@dataclass(frozen=True)
class ModelSize:
    d_model: int
    layers: int  # encoder layers = decoder layers
    heads: int
    ffn_dim: int
    spm_vocab: int  # SentencePiece pieces per tokenizer model (a ceiling: hard_vocab_limit=False)
    vocab_size: int | None  # pad the model vocabulary up to this; None = what the tokenizer has
    # Weight init std. Larger than the usual 0.02 so a random model's output depends on its
    # input (with 0.02 every input decodes to the same string, which hides batching bugs).
    init_std: float
    max_positions: int = 512


SIZES: dict[str, ModelSize] = {
    "tiny": ModelSize(
        d_model=64, layers=2, heads=4, ffn_dim=256, spm_vocab=1500, vocab_size=None, init_std=0.3
    ),
    "base": ModelSize(
        d_model=512, layers=6, heads=8, ffn_dim=2048, spm_vocab=8000, vocab_size=62000, init_std=0.1
    ),
}


def train_sentencepiece(
    lines: list[str], vocab_size: int, model_type: str, seed: int, byte_fallback: bool = False
) -> bytes:
    """Train a SentencePiece model in memory, deterministically; returns the serialized model.

    Training from an iterator (not a file) keeps temporary paths out of the saved trainer spec.
    ``byte_fallback`` would spell unseen characters as UTF-8 byte pieces; it is off, as in
    opus-mt, NLLB and M2M100 (NLLB's tokenizers-backed decoder cannot decode byte pieces, and a
    random model would emit control characters and newlines through them). Unseen characters
    become <unk>, as they do with the real models.
    """
    import sentencepiece as spm

    spm.set_random_generator_seed(seed)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,
        byte_fallback=byte_fallback,
        required_chars=REQUIRED_CHARS,
        hard_vocab_limit=False,
        num_threads=1,
        shuffle_input_sentence=False,
        input_sentence_size=0,
        minloglevel=2,
    )
    return model.getvalue()


def spm_pieces(model: bytes) -> Iterator[str]:
    """The ordinary pieces of a SentencePiece model, in id order (no <unk>, <s>, </s>)."""
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_proto=model)
    for i in range(processor.get_piece_size()):
        if not (processor.is_control(i) or processor.is_unknown(i)):
            yield processor.id_to_piece(i)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def dimensions(size: ModelSize) -> dict[str, Any]:
    """The architecture sizes of a BART-like config (Marian, M2M100, mBART, ...)."""
    return {
        "d_model": size.d_model,
        "encoder_layers": size.layers,
        "decoder_layers": size.layers,
        "encoder_attention_heads": size.heads,
        "decoder_attention_heads": size.heads,
        "encoder_ffn_dim": size.ffn_dim,
        "decoder_ffn_dim": size.ffn_dim,
        "max_position_embeddings": size.max_positions,
        "init_std": size.init_std,
    }


def init_and_save(
    model_class: Any,
    config: Any,
    generation: dict[str, Any],
    out: Path,
    seed: int,
    never_generate: range = range(0),
) -> None:
    """Create the model with random weights from ``seed`` (global RNG untouched) and save it.

    ``never_generate`` ids (the padding ``<reserved_N>`` entries) get a -10,000 output bias, as
    if trained never to appear; the bias add is part of every real Marian step anyway.
    """
    import torch
    from transformers import GenerationConfig

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_class(config)
    if len(never_generate):
        with torch.no_grad():
            model.final_logits_bias[0, never_generate.start : never_generate.stop] = -1e4
    model.eval()
    model.generation_config = GenerationConfig.from_model_config(config)
    for key, value in generation.items():
        setattr(model.generation_config, key, value)
    model.save_pretrained(out)
