"""A fourth family, made up for the tests: mBART-50 (facebook/mbart-large-50-many-to-many-mmt).

thaimt does not ship it; this module is written exactly like one in ``models/families/`` (the
only difference: the test registers :data:`MBART50` for its own duration instead of the module
registering it on import). Nothing else in thaimt knows of it, so a test that builds, loads,
converts and translates it through the registry shows that a family is one record.

mBART-50 is multilingual with its own codes: the source is tagged ``th_TH`` and the decoder is
forced to start with ``en_XX``. Builder quirks: transformers 5's MBart50Tokenizer made from a
SentencePiece file has no BOS token, which CTranslate2's converter needs; and CTranslate2 reads
``normalize_before`` (pre-norm) from the config, which real checkpoints carry and
``MBartConfig`` no longer sets by default.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from models.corpus import english_lines, thai_lines
from models.families import Family
from models.testbuild import ModelSize, dimensions, init_and_save, train_sentencepiece

LANGS = ("th_TH", "en_XX")  # source, target


def build(out: Path, size: ModelSize, seed: int) -> None:
    """A random-weight mBART-50 model with a trained SentencePiece (unigram) tokenizer."""
    from transformers import MBart50Tokenizer, MBartConfig, MBartForConditionalGeneration

    text = thai_lines() + english_lines()
    pieces = train_sentencepiece(text, 2 * size.spm_vocab, "unigram", seed)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "sentencepiece.bpe.model").write_bytes(pieces)
        tokenizer = MBart50Tokenizer.from_pretrained(
            tmp, src_lang=LANGS[0], tgt_lang=LANGS[1], bos_token="<s>", model_max_length=1024
        )
    tokenizer.save_pretrained(out)
    config = MBartConfig(
        vocab_size=max(tokenizer.get_vocab().values()) + 1,
        **dimensions(size),
        activation_function="gelu",
        scale_embedding=True,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        tokenizer_class="MBart50Tokenizer",
        normalize_before=True,
        add_final_layer_norm=True,
    )
    generation = {"pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2}
    init_and_save(MBartForConditionalGeneration, config, generation, out, seed)


MBART50 = Family(
    name="mbart50",
    description="mBART-50",
    model_types=("mbart",),
    tokenizer_classes=("MBart50Tokenizer",),
    tokenizer_kwargs={"src_lang": LANGS[0], "tgt_lang": LANGS[1]},
    target_token=LANGS[1],
    ct2_loader="MBartConfig",
    build=build,
)
