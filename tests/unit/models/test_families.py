"""Family detection and the language settings of each family."""

from __future__ import annotations

import pytest

from models.backend import ModelFamily
from models.errors import ModelError
from models.families import detect_family, family_info, tokenizer_kwargs


@pytest.mark.parametrize(
    ("model_type", "tokenizer", "family"),
    [
        ("marian", "MarianTokenizer", ModelFamily.MARIAN),
        ("m2m_100", "NllbTokenizer", ModelFamily.NLLB),
        ("m2m_100", "NllbTokenizerFast", ModelFamily.NLLB),
        ("m2m_100", "M2M100Tokenizer", ModelFamily.M2M100),
    ],
)
def test_detect_family(model_type, tokenizer, family):
    assert detect_family(model_type, tokenizer) is family


def test_unsupported_model_is_a_clear_error():
    with pytest.raises(ModelError, match="model_type='t5'"):
        detect_family("t5", "T5Tokenizer")


def test_language_settings():
    assert tokenizer_kwargs(ModelFamily.MARIAN) == {}
    assert tokenizer_kwargs(ModelFamily.NLLB)["src_lang"] == "tha_Thai"
    assert family_info(ModelFamily.NLLB).target_token == "eng_Latn"
    assert tokenizer_kwargs(ModelFamily.M2M100)["src_lang"] == "th"
    assert family_info(ModelFamily.M2M100).target_token == "__en__"
