"""The translation cache knows a model by what it is, not by how its path was typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.backend import DecodeOptions
from service.engine import Engine, load_engine
from service.pipeline import TranslateOptions
from service.settings import Settings
from service.workflow import translate_documents

TEXTS = ["สวัสดีครับ วันนี้อากาศดีมาก", "ราคาน้ำมันลดลงเล็กน้อย"]


def _engine(model: str, cache_path: Path) -> Engine:
    settings = Settings(
        model=model, backend="torch", device="cpu", threads=1, cache=True, cache_path=cache_path
    )
    return load_engine(settings)


def test_relative_and_absolute_paths_share_cache_entries(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_path = tmp_path / "cache.sqlite3"
    monkeypatch.chdir(tiny_model_dir.parent)
    options = TranslateOptions(decode=DecodeOptions(max_output_tokens=12))

    relative = _engine(f"./{tiny_model_dir.name}", cache_path)
    first = [r.text for r in translate_documents(relative, TEXTS, options)]
    segments = relative.stats.segments
    assert relative.outputs.hits == 0 and segments >= len(TEXTS)

    absolute = _engine(str(tiny_model_dir.resolve()), cache_path)
    assert [r.text for r in translate_documents(absolute, TEXTS, options)] == first
    assert absolute.outputs.hits == segments  # every segment a hit
    assert absolute.stats.segments == 0  # the model was not asked again
