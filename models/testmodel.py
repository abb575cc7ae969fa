"""Random-weight translation models with real tokenizers, for tests and benchmarks.

No model weights can be downloaded where thaimt is developed and tested, so the project builds its
own: a real architecture (Marian, or M2M100 with an NLLB or M2M100 tokenizer) with random weights,
saved with ``save_pretrained`` so ``transformers`` loads it exactly like a hub model. The
tokenizers are real SentencePiece models trained on the Thai and English text shipped in
``eval/data``. Random weights give gibberish English, but every step of the real code path runs and
the compute per token is that of the real model.

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

Building is deterministic: the same size, family and seed give byte-identical files.
"""

from __future__ import annotations

import io
import json
import string
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.backend import ModelFamily
from models.corpus import english_lines, thai_lines

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

# Language codes of the multilingual families (source, target).
NLLB_LANGS = ("tha_Thai", "eng_Latn")
M2M100_LANGS = ("th", "en")


def build_test_model(
    out_dir: Path, size: str = "tiny", family: str = "marian", seed: int = 0
) -> Path:
    """Build a random-weight model and its trained tokenizer into ``out_dir``; returns it."""
    if size not in SIZES:
        raise ValueError(f"unknown test model size {size!r}; choose one of {sorted(SIZES)}")
    try:
        fam = ModelFamily(family)
    except ValueError:
        names = [f.value for f in ModelFamily]
        raise ValueError(f"unknown model family {family!r}; choose one of {names}") from None
    if size != "tiny" and fam is not ModelFamily.MARIAN:
        raise ValueError(f"size {size!r} is only built for family 'marian'; use size 'tiny'")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    builders = {
        ModelFamily.MARIAN: _build_marian,
        ModelFamily.NLLB: _build_nllb,
        ModelFamily.M2M100: _build_m2m100,
    }
    from models.torch_backend import quiet_transformers

    with quiet_transformers():
        builders[fam](out_dir, SIZES[size], seed)
    return out_dir


# --- tokenizers -----------------------------------------------------------------------------


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


def _spm_pieces(model: bytes) -> Iterator[str]:
    """The ordinary pieces of a SentencePiece model, in id order (no <unk>, <s>, </s>)."""
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_proto=model)
    for i in range(processor.get_piece_size()):
        if not (processor.is_control(i) or processor.is_unknown(i)):
            yield processor.id_to_piece(i)


def _marian_vocab(source: bytes, target: bytes, size: int | None) -> dict[str, int]:
    """Shared Marian vocabulary: ``</s>`` 0, ``<unk>`` 1, source then target pieces, padding
    ``<reserved_N>`` entries up to ``size``, and ``<pad>`` last (as in opus-mt)."""
    tokens = ["</s>", "<unk>"]
    seen = set(tokens)
    for piece in [*_spm_pieces(source), *_spm_pieces(target)]:
        if piece not in seen:
            seen.add(piece)
            tokens.append(piece)
    if size is not None:
        if len(tokens) + 1 > size:
            raise ValueError(f"tokenizer has {len(tokens) + 1} entries, more than {size}")
        tokens += [f"<reserved_{i}>" for i in range(size - len(tokens) - 1)]
    tokens.append("<pad>")
    return {token: i for i, token in enumerate(tokens)}


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --- models ---------------------------------------------------------------------------------


def _init_and_save(
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


def _build_marian(out: Path, size: ModelSize, seed: int) -> None:
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    source = train_sentencepiece(thai_lines(), size.spm_vocab, "unigram", seed)
    target = train_sentencepiece(english_lines(), size.spm_vocab, "unigram", seed)
    vocab = _marian_vocab(source, target, size.vocab_size)
    (out / "source.spm").write_bytes(source)
    (out / "target.spm").write_bytes(target)
    _write_json(out / "vocab.json", vocab)
    tokenizer = MarianTokenizer(
        source_spm=str(out / "source.spm"),
        target_spm=str(out / "target.spm"),
        vocab=str(out / "vocab.json"),
        source_lang="th",
        target_lang="en",
        model_max_length=size.max_positions,
    )
    tokenizer.save_pretrained(out)
    pad_id = vocab["<pad>"]
    config = MarianConfig(
        vocab_size=len(vocab),
        decoder_vocab_size=len(vocab),
        **_dimensions(size),
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
    generation = {
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
    _init_and_save(MarianMTModel, config, generation, out, seed, never_generate=never)


def _dimensions(size: ModelSize) -> dict[str, Any]:
    """The architecture sizes shared by the Marian and M2M100 configs."""
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


def _m2m100_config(size: ModelSize, vocab_size: int) -> Any:
    from transformers import M2M100Config

    return M2M100Config(
        vocab_size=vocab_size,
        **_dimensions(size),
        activation_function="relu",
        scale_embedding=True,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
    )


_M2M100_GENERATION = {
    "max_length": 200,
    "num_beams": 5,
    "pad_token_id": 1,
    "bos_token_id": 0,
    "eos_token_id": 2,
    "decoder_start_token_id": 2,
}


def _build_nllb(out: Path, size: ModelSize, seed: int) -> None:
    from transformers import M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    model = train_sentencepiece(thai_lines() + english_lines(), 2 * size.spm_vocab, "bpe", seed)
    with tempfile.TemporaryDirectory() as tmp:
        # NllbTokenizer is tokenizers-backed; from_pretrained converts the SentencePiece model.
        (Path(tmp) / "sentencepiece.bpe.model").write_bytes(model)
        tokenizer = NllbTokenizer.from_pretrained(
            tmp,
            src_lang=NLLB_LANGS[0],
            tgt_lang=NLLB_LANGS[1],
            extra_special_tokens=list(FAIRSEQ_LANGUAGE_CODES),
            model_max_length=1024,
        )
    tokenizer.save_pretrained(out)
    vocab_size = max(tokenizer.get_vocab().values()) + 1
    config = _m2m100_config(size, vocab_size)
    _init_and_save(M2M100ForConditionalGeneration, config, _M2M100_GENERATION, out, seed)


def _build_m2m100(out: Path, size: ModelSize, seed: int) -> None:
    from transformers import M2M100ForConditionalGeneration, M2M100Tokenizer

    model = train_sentencepiece(thai_lines() + english_lines(), 2 * size.spm_vocab, "bpe", seed)
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in _spm_pieces(model):
        vocab.setdefault(piece, len(vocab))
    (out / "sentencepiece.bpe.model").write_bytes(model)
    _write_json(out / "vocab.json", vocab)
    tokenizer = M2M100Tokenizer(
        vocab_file=str(out / "vocab.json"),
        spm_file=str(out / "sentencepiece.bpe.model"),
        src_lang=M2M100_LANGS[0],
        tgt_lang=M2M100_LANGS[1],
        model_max_length=1024,
    )
    tokenizer.save_pretrained(out)
    # As in facebook/m2m100_418M: pieces, then language codes, then the made-up words.
    vocab_size = max(tokenizer.lang_token_to_id.values()) + 1 + tokenizer.num_madeup_words
    config = _m2m100_config(size, vocab_size)
    _init_and_save(M2M100ForConditionalGeneration, config, _M2M100_GENERATION, out, seed)
