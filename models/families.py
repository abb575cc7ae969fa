"""What differs between model families: how to recognise them and how to ask for Thai→English.

Marian models (opus-mt) are single-direction and need nothing. NLLB and M2M100 are multilingual:
the tokenizer must know the source language (it adds a language code token to the input) and the
decoder must be forced to start with the target language code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.backend import ModelFamily
from models.errors import ModelError


@dataclass(frozen=True)
class FamilyInfo:
    family: ModelFamily
    src_lang: str | None  # tokenizer src_lang; None = the tokenizer has no language setting
    tgt_lang: str | None
    target_token: str | None  # token the decoder is forced to start with (forced BOS)


FAMILIES: dict[ModelFamily, FamilyInfo] = {
    ModelFamily.MARIAN: FamilyInfo(ModelFamily.MARIAN, None, None, None),
    ModelFamily.NLLB: FamilyInfo(ModelFamily.NLLB, "tha_Thai", "eng_Latn", "eng_Latn"),
    ModelFamily.M2M100: FamilyInfo(ModelFamily.M2M100, "th", "en", "__en__"),
}


def detect_family(model_type: str, tokenizer_class: str | None) -> ModelFamily:
    """The family from ``config.model_type`` and the tokenizer's class name.

    NLLB reuses the M2M100 architecture, so only the tokenizer tells them apart.
    """
    if model_type == "marian":
        return ModelFamily.MARIAN
    if model_type == "m2m_100":
        name = (tokenizer_class or "").lower()
        if name.startswith("nllb"):
            return ModelFamily.NLLB
        if name.startswith("m2m100") or name == "":
            return ModelFamily.M2M100
    raise ModelError(
        f"unsupported model (model_type={model_type!r}, tokenizer={tokenizer_class!r}); "
        "thaimt supports Marian (opus-mt), NLLB and M2M100 translation models"
    )


def family_info(family: ModelFamily) -> FamilyInfo:
    return FAMILIES[family]


def tokenizer_kwargs(family: ModelFamily) -> dict[str, Any]:
    """Extra arguments for ``AutoTokenizer.from_pretrained`` so inputs are tagged as Thai."""
    info = FAMILIES[family]
    if info.src_lang is None:
        return {}
    return {"src_lang": info.src_lang, "tgt_lang": info.tgt_lang}


def forced_bos_token_id(family: ModelFamily, tokenizer: Any) -> int | None:
    """Id of the target-language token the decoder must start with, or None for Marian."""
    token = FAMILIES[family].target_token
    if token is None:
        return None
    token_id = tokenizer.convert_tokens_to_ids(token)
    if token_id is None or token_id == tokenizer.unk_token_id:
        raise ModelError(
            f"the tokenizer has no language token {token!r}; is this a {family} model?"
        )
    return int(token_id)


# Upper bound on the default token budget per segment; longer inputs translate badly anyway.
DEFAULT_MAX_INPUT_TOKENS = 512


def default_max_input_tokens(max_position_embeddings: int | None, tokenizer: Any) -> int:
    """The token budget a backend uses when none is configured: the smallest of 512, the
    model's positions and the tokenizer's own limit (when it is set)."""
    limits = [DEFAULT_MAX_INPUT_TOKENS]
    if max_position_embeddings:
        limits.append(int(max_position_embeddings))
    model_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(model_max, int) and 0 < model_max < 100_000:  # huge = "not set"
        limits.append(model_max)
    return min(limits)


def output_skip_ids(tokenizer: Any) -> set[int]:
    """Token ids never shown in a translation: special tokens and language codes (M2M100's
    are not "special" to its tokenizer's decode)."""
    ids = set(tokenizer.all_special_ids)
    ids.update(getattr(tokenizer, "lang_token_to_id", {}).values())
    return ids
