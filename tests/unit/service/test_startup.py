"""One way to load an engine from settings, for every front end."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from service.settings import Settings
from service.startup import CachePathError, load_engine
from tests.standins import StandInBackend

REPO = Path(__file__).resolve().parents[3]


def test_an_unwritable_cache_is_refused_before_the_model_loads(tmp_path: Path) -> None:
    # The model does not exist: had loading started, this would be a ModelError instead.
    settings = Settings(model=str(tmp_path / "no-model"), cache=True, cache_path=tmp_path)
    with pytest.raises(CachePathError, match=r"THAIMT_CACHE_PATH\) is a directory"):
        load_engine(settings)


def test_a_loaded_backend_gets_the_settings_limits_and_cache(tmp_path: Path) -> None:
    backend = StandInBackend()
    settings = Settings(
        model="unused", cache=True, cache_path=tmp_path / "c.sqlite3", max_batch_size=3
    )
    engine = load_engine(settings, backend=backend)
    assert engine.backend is backend and engine.max_batch_size == 3
    assert engine.cache is not None


def test_no_front_end_builds_an_engine_from_settings_another_way() -> None:
    """``Engine.from_settings`` is called by service/startup.py alone, and no other module
    defines a ``load_engine``."""
    callers, definers = [], []
    for folder in ("service", "eval", "bench"):
        for path in sorted((REPO / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr == "from_settings"
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "Engine"
                ):
                    callers.append(path.relative_to(REPO).as_posix())
                if isinstance(node, ast.FunctionDef) and node.name == "load_engine":
                    definers.append(path.relative_to(REPO).as_posix())
    assert callers == ["service/startup.py"]
    assert definers == ["service/startup.py"]
