"""NLLB-200 (facebook/nllb-200-distilled-600M, ...): the M2M100 architecture with its own
tokenizer and FLORES-200 language codes: the source is tagged ``tha_Thai`` and the decoder is
forced to start with ``eng_Latn``. Only the tokenizer class tells it from M2M100."""

from __future__ import annotations

import tempfile
from pathlib import Path

from models.corpus import english_lines, thai_lines
from models.families import Family, register
from models.families.m2m100 import GENERATION, architecture
from models.testbuild import ModelSize, init_and_save, train_sentencepiece

LANGS = ("tha_Thai", "eng_Latn")  # source, target


def build(out: Path, size: ModelSize, seed: int) -> None:
    """A random-weight NLLB model with a trained SentencePiece tokenizer."""
    from transformers import M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    model = train_sentencepiece(thai_lines() + english_lines(), 2 * size.spm_vocab, "bpe", seed)
    with tempfile.TemporaryDirectory() as tmp:
        # NllbTokenizer is tokenizers-backed; from_pretrained converts the SentencePiece model.
        (Path(tmp) / "sentencepiece.bpe.model").write_bytes(model)
        tokenizer = NllbTokenizer.from_pretrained(
            tmp,
            src_lang=LANGS[0],
            tgt_lang=LANGS[1],
            extra_special_tokens=list(FAIRSEQ_LANGUAGE_CODES),
            model_max_length=1024,
        )
    tokenizer.save_pretrained(out)
    vocab_size = max(tokenizer.get_vocab().values()) + 1
    config = architecture(size, vocab_size)
    init_and_save(M2M100ForConditionalGeneration, config, GENERATION, out, seed)


NLLB = register(
    Family(
        name="nllb",
        description="NLLB-200",
        model_types=("m2m_100",),
        tokenizer_classes=("NllbTokenizer",),
        tokenizer_kwargs={"src_lang": LANGS[0], "tgt_lang": LANGS[1]},
        target_token=LANGS[1],
        ct2_loader="M2M100Config",  # NLLB's vocabulary already holds its language codes
        build=build,
    )
)
