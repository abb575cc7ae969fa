"""Marian (opus-mt, e.g. Helsinki-NLP/opus-mt-th-en): single-direction, so no language settings.

The tokenizer pairs two SentencePiece models (source, target) with one shared vocabulary. Real
opus-mt repositories often name no tokenizer class; ``config.model_type`` "marian" suffices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models.corpus import english_lines, thai_lines
from models.families import Family, register
from models.testbuild import (
    ModelSize,
    dimensions,
    init_and_save,
    spm_pieces,
    train_sentencepiece,
    write_json,
)


def _vocab(source: bytes, target: bytes, size: int | None) -> dict[str, int]:
    """Shared Marian vocabulary: ``</s>`` 0, ``<unk>`` 1, source then target pieces, padding
    ``<reserved_N>`` entries up to ``size``, and ``<pad>`` last (as in opus-mt)."""
    tokens = ["</s>", "<unk>"]
    seen = set(tokens)
    for piece in [*spm_pieces(source), *spm_pieces(target)]:
        if piece not in seen:
            seen.add(piece)
            tokens.append(piece)
    if size is not None:
        if len(tokens) + 1 > size:
            raise ValueError(f"tokenizer has {len(tokens) + 1} entries, more than {size}")
        tokens += [f"<reserved_{i}>" for i in range(size - len(tokens) - 1)]
    tokens.append("<pad>")
    return {token: i for i, token in enumerate(tokens)}


def _tokenizer(out: Path, size: ModelSize, seed: int) -> dict[str, int]:
    """Train and save the source and target SentencePiece models; the shared vocabulary."""
    from transformers import MarianTokenizer

    source = train_sentencepiece(thai_lines(), size.spm_vocab, "unigram", seed)
    target = train_sentencepiece(english_lines(), size.spm_vocab, "unigram", seed)
    vocab = _vocab(source, target, size.vocab_size)
    (out / "source.spm").write_bytes(source)
    (out / "target.spm").write_bytes(target)
    write_json(out / "vocab.json", vocab)
    tokenizer = MarianTokenizer(
        source_spm=str(out / "source.spm"),
        target_spm=str(out / "target.spm"),
        vocab=str(out / "vocab.json"),
        source_lang="th",
        target_lang="en",
        model_max_length=size.max_positions,
    )
    tokenizer.save_pretrained(out)
    return vocab


def build(out: Path, size: ModelSize, seed: int) -> None:
    """A random-weight opus-mt-like model (``base`` has opus-mt-th-en's dimensions)."""
    from transformers import MarianConfig, MarianMTModel

    vocab = _tokenizer(out, size, seed)
    pad_id = vocab["<pad>"]
    config = MarianConfig(
        vocab_size=len(vocab),
        decoder_vocab_size=len(vocab),
        **dimensions(size),
        activation_function="swish",
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        pad_token_id=pad_id,
        eos_token_id=0,
        forced_eos_token_id=0,
        decoder_start_token_id=pad_id,
        bos_token_id=0,
    )
    generation: dict[str, Any] = {
        "max_length": size.max_positions,
        "num_beams": 4,
        "bad_words_ids": [[pad_id]],
        "pad_token_id": pad_id,
        "eos_token_id": 0,
        "forced_eos_token_id": 0,
        "decoder_start_token_id": pad_id,
    }
    reserved = [i for token, i in vocab.items() if token.startswith("<reserved_")]
    never = range(min(reserved), max(reserved) + 1) if reserved else range(0)
    init_and_save(MarianMTModel, config, generation, out, seed, never_generate=never)


MARIAN = register(
    Family(
        name="marian",
        description="Marian (opus-mt)",
        model_types=("marian",),
        tokenizer_classes=("MarianTokenizer", ""),
        ct2_loader="MarianConfig",
        build=build,
        sizes=("tiny", "base"),
    )
)
