"""The family registry: detection tables, each record's settings, and the registry's rules."""

from __future__ import annotations

import pkgutil
from dataclasses import replace

import pytest

import models.families
from models.errors import ModelError
from models.families import (
    Family,
    detect_family,
    family_names,
    get_family,
    register,
    registered,
)


@pytest.mark.parametrize(
    ("model_type", "tokenizer", "family"),
    [
        ("marian", "MarianTokenizer", "marian"),
        ("marian", None, "marian"),  # opus-mt repositories often name no tokenizer class
        ("m2m_100", "NllbTokenizer", "nllb"),
        ("m2m_100", "NllbTokenizerFast", "nllb"),
        ("m2m_100", "M2M100Tokenizer", "m2m100"),
        ("m2m_100", None, "m2m100"),
        # A CTranslate2 directory converted elsewhere: the tokenizer alone tells.
        (None, "MarianTokenizer", "marian"),
        (None, "NllbTokenizerFast", "nllb"),
        (None, "M2M100Tokenizer", "m2m100"),
    ],
)
def test_detect_family(model_type, tokenizer, family):
    assert detect_family(model_type, tokenizer).name == family


@pytest.mark.parametrize(
    ("model_type", "tokenizer"),
    [
        ("t5", "T5Tokenizer"),
        ("m2m_100", "T5Tokenizer"),  # the right architecture, a tokenizer no family claims
        ("marian", "NllbTokenizer"),
        ("mbart", "MBart50Tokenizer"),  # a real architecture no shipped record claims
        ("", None),
        (None, None),  # nothing to go on
        (None, ""),
    ],
)
def test_unsupported_model_is_a_clear_error(model_type, tokenizer):
    with pytest.raises(ModelError, match=f"model_type={model_type!r}") as error:
        detect_family(model_type, tokenizer)
    assert "Marian (opus-mt)" in str(error.value) and "NLLB-200" in str(error.value)


@pytest.mark.parametrize(
    ("family", "tokenizer_kwargs", "target_token", "ct2_loader"),
    [
        ("marian", {}, None, "MarianConfig"),
        ("nllb", {"src_lang": "tha_Thai", "tgt_lang": "eng_Latn"}, "eng_Latn", "M2M100Config"),
        ("m2m100", {"src_lang": "th", "tgt_lang": "en"}, "__en__", "M2M100Config"),
    ],
)
def test_language_settings_and_conversion(family, tokenizer_kwargs, target_token, ct2_loader):
    record = get_family(family)
    assert dict(record.tokenizer_kwargs) == tokenizer_kwargs
    assert record.target_token == target_token
    assert record.ct2_loader == ct2_loader
    assert record.build is not None and "tiny" in record.sizes


def test_every_module_in_the_package_is_one_registered_family():
    modules = {m.name for m in pkgutil.iter_modules(models.families.__path__)}
    assert set(family_names()) == modules == {"marian", "nllb", "m2m100"}


def test_unknown_family_names_the_known_ones():
    with pytest.raises(ModelError, match=r"unknown model family 't5'.*marian"):
        get_family("t5")


def test_a_family_cannot_claim_what_another_claims():
    nllb = get_family("nllb")
    with pytest.raises(ValueError, match="registered twice"):
        register(replace(nllb))
    rival = Family("rival", "Rival", ("m2m_100",), ("NllbTokenizer",))
    with pytest.raises(ValueError, match="already claimed by 'nllb'"):
        register(rival)
    assert "rival" not in family_names()


def test_a_registered_family_is_gone_after_its_block():
    extra = Family("extra", "Extra", ("extra_type",), ("ExtraTokenizer",))
    with registered(extra):
        assert detect_family("extra_type", "ExtraTokenizerFast") is extra
        assert "extra" in family_names()
    assert "extra" not in family_names()
    with pytest.raises(ModelError):
        detect_family("extra_type", "ExtraTokenizer")


@pytest.mark.parametrize(
    ("ct2_loader", "says"),
    [(None, "does not convert Fake models"), ("NoSuchConfig", "no converter for NoSuchConfig")],
)
def test_a_family_ctranslate2_cannot_convert_is_refused_before_converting(ct2_loader, says):
    import ctranslate2

    from models.convert import convertible_family

    fake = Family("fake", "Fake", ("fake_type",), ("FakeTokenizer",), ct2_loader=ct2_loader)
    with registered(fake), pytest.raises(ModelError, match=says):
        convertible_family("fake_type", "FakeTokenizer", ctranslate2)
    assert convertible_family("marian", None, ctranslate2) is get_family("marian")


def test_auto_uses_torch_for_a_family_without_a_conversion(tmp_path):
    from models.loading import ModelSpec, ct2_unsuitable

    (tmp_path / "config.json").write_text('{"model_type": "fake_type"}', encoding="utf-8")
    (tmp_path / "tokenizer_config.json").write_text(
        '{"tokenizer_class": "FakeTokenizerFast"}', encoding="utf-8"
    )
    with registered(Family("fake", "Fake", ("fake_type",), ("FakeTokenizer",))):
        reason = ct2_unsuitable(ModelSpec(model=str(tmp_path), backend="auto"))
    assert reason == "thaimt has no CTranslate2 conversion for Fake models"
