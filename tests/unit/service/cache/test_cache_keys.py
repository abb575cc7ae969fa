"""Cache keys: every part that decides a model output changes the key, and nothing else."""

from __future__ import annotations

import pytest

from models.backend import DecodeOptions
from service.cache.keys import backend_variant, make_key, segment_key

PARTS = ("model", "rev", "ct2:int8", DecodeOptions().cache_key(), "สวัสดีครับ")


@pytest.mark.parametrize("index", range(len(PARTS)))
def test_every_key_part_changes_the_key(index: int) -> None:
    changed = list(PARTS)
    changed[index] += "x"
    assert make_key(*PARTS) != make_key(*changed)


def test_key_parts_cannot_run_into_each_other() -> None:
    assert make_key("a\x1f", "b", "", "", "") != make_key("a", "\x1fb", "", "", "")
    assert make_key("ab", "", "", "", "") != make_key("a", "b", "", "", "")


def test_lone_surrogates_are_keyable() -> None:
    assert len(make_key("m", "r", "b", "d", "\ud800 bad")) == 64


def test_decode_options_change_the_engine_key() -> None:
    class FakeModel:  # only the identity attributes the key reads
        name, model_id, revision, precision = "ct2", "m", "r", "int8"

    a = segment_key(FakeModel(), DecodeOptions(), "x")  # type: ignore[arg-type]
    b = segment_key(FakeModel(), DecodeOptions(beam_size=4), "x")  # type: ignore[arg-type]
    assert a != b
    assert backend_variant(FakeModel()) == "ct2:int8"  # type: ignore[arg-type]
