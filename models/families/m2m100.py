"""M2M100 (facebook/m2m100_418M, ...): multilingual, so the tokenizer is told the source
language (it adds ``__th__`` to the input) and the decoder is forced to start with ``__en__``.

Two quirks: its language tokens are not "special" to its tokenizer's decode, so they are dropped
by id; and CTranslate2 4.x misses them under transformers 5 (:func:`vocabulary_fix`).

The architecture helpers here serve NLLB too (:mod:`models.families.nllb`), which reuses it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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

LANGS = ("th", "en")  # source, target

GENERATION: dict[str, Any] = {
    "max_length": 200,
    "num_beams": 5,
    "pad_token_id": 1,
    "bos_token_id": 0,
    "eos_token_id": 2,
    "decoder_start_token_id": 2,
}


def language_token_ids(tokenizer: Any) -> Iterable[int]:
    return getattr(tokenizer, "lang_token_to_id", {}).values()


@contextmanager
def vocabulary_fix() -> Iterator[None]:
    """Let CTranslate2 4.x convert M2M100 models under transformers 5.

    CTranslate2's M2M100 loader finds the language tokens (``__en__`` …) in the tokenizer's
    ``additional_special_tokens``; transformers 5 no longer lists them there, so the vocabulary
    comes out 100 entries short and the conversion fails. This loader adds them from
    ``lang_token_to_id`` (their ids follow the pieces), then the made-up words up to the model's
    vocabulary size, exactly as in the original model.
    """
    from ctranslate2.converters import transformers as ct2_transformers

    registry = ct2_transformers._MODEL_LOADERS
    original = registry.get("M2M100Config")
    if original is None:
        yield
        return

    class M2M100Loader(type(original)):  # type: ignore[misc]
        def get_vocabulary(self, model: Any, tokenizer: Any) -> list[str]:
            tokens = super().get_vocabulary(model, tokenizer)
            languages = getattr(tokenizer, "lang_token_to_id", None)
            if not languages or set(languages) <= set(tokens):
                return list(tokens)
            tokens = [t for t in tokens if not t.startswith("madeupword")]
            for token, token_id in sorted(languages.items(), key=lambda item: item[1]):
                if token_id != len(tokens):
                    raise ValueError(
                        f"language token {token!r} has id {token_id}, expected {len(tokens)}"
                    )
                tokens.append(token)
            missing = model.config.vocab_size - len(tokens)
            return tokens + [f"madeupword{i}" for i in range(max(0, missing))]

    registry["M2M100Config"] = M2M100Loader()
    try:
        yield
    finally:
        registry["M2M100Config"] = original


def architecture(size: ModelSize, vocab_size: int) -> Any:
    """An M2M100 config of ``size`` (NLLB's architecture too)."""
    from transformers import M2M100Config

    return M2M100Config(
        vocab_size=vocab_size,
        **dimensions(size),
        activation_function="relu",
        scale_embedding=True,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
    )


def build(out: Path, size: ModelSize, seed: int) -> None:
    """A random-weight M2M100 model with a trained SentencePiece tokenizer."""
    from transformers import M2M100ForConditionalGeneration, M2M100Tokenizer

    model = train_sentencepiece(thai_lines() + english_lines(), 2 * size.spm_vocab, "bpe", seed)
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in spm_pieces(model):
        vocab.setdefault(piece, len(vocab))
    (out / "sentencepiece.bpe.model").write_bytes(model)
    write_json(out / "vocab.json", vocab)
    tokenizer = M2M100Tokenizer(
        vocab_file=str(out / "vocab.json"),
        spm_file=str(out / "sentencepiece.bpe.model"),
        src_lang=LANGS[0],
        tgt_lang=LANGS[1],
        model_max_length=1024,
    )
    tokenizer.save_pretrained(out)
    # As in facebook/m2m100_418M: pieces, then language codes, then the made-up words.
    vocab_size = max(tokenizer.lang_token_to_id.values()) + 1 + tokenizer.num_madeup_words
    config = architecture(size, vocab_size)
    init_and_save(M2M100ForConditionalGeneration, config, GENERATION, out, seed)


M2M100 = register(
    Family(
        name="m2m100",
        description="M2M100",
        model_types=("m2m_100",),
        # Older M2M100 checkpoints name no tokenizer class (NLLB's always do).
        tokenizer_classes=("M2M100Tokenizer", ""),
        tokenizer_kwargs={"src_lang": LANGS[0], "tgt_lang": LANGS[1]},
        target_token="__en__",
        extra_skip_ids=language_token_ids,
        ct2_loader="M2M100Config",
        conversion_hook=vocabulary_fix,
        build=build,
    )
)
