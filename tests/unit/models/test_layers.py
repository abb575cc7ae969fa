"""``models/`` imports one way: each module imports only from the layers below its own.

Every import statement counts, function-level and ``TYPE_CHECKING`` ones included. A new module
must be given a layer here; a new family module (``models/families/<name>.py``) needs nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "models"

# Bottom to top.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("models", "models.errors", "models.spec", "models.backend", "models.testbuild"),
    ("models.scoring", "models.torch_scoring"),  # the model's own score for an output
    ("models.download", "models.corpus", "models.hf"),  # hub access, shipped text, transformers
    ("models.source",),  # where a model's files are, which revision, what its config says
    ("models.families",),  # the registry
    ("models.families.*",),  # the records (one may build on another's architecture)
    ("models.convert",),
    ("models.torch_backend", "models.ct2_backend"),
    ("models.loading", "models.testmodel"),  # which backend runs a model; test models
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    for rank, names in enumerate(LAYERS):
        for name in names:
            if module == name or (name.endswith(".*") and module.startswith(name[:-1])):
                return rank
    raise AssertionError(f"{module} has no layer in tests/unit/models/test_layers.py")


def _imported(tree: ast.AST, known: set[str]) -> set[str]:
    """The package's modules named by any import statement (``from a import b``: ``a``, and
    ``a.b`` when that is a module)."""
    found = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        found |= {name for name in names if name in known}
    return found


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    assert not any(isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(tree))
    own = _layer(module)
    for target in _imported(tree, set(MODULES)) - {module}:
        same_layer_records = own == _layer(target) == _layer("models.families.x")
        assert _layer(target) < own or same_layer_records, f"{module} imports {target}"
