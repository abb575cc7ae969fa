"""The repository itself: no file carries the markers of an unresolved merge."""

from __future__ import annotations

import ast
import itertools
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MARKERS = ("<<<<<<< ", ">>>>>>> ")


def test_no_unresolved_merge_markers() -> None:
    files = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    found = []
    for name in files:
        path = REPO / name
        if not path.is_file() or path.suffix in {".png", ".bin", ".model", ".spm"}:
            continue
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            continue
        found += [f"{name}:{n}" for n, line in enumerate(lines, 1) if line.startswith(MARKERS)]
    assert not found


# Import cycles. Every import statement counts wherever it stands: at the top, inside a function
# (a lazy import still ties the two modules together), and under ``if TYPE_CHECKING:`` (a
# type-only import is a dependency too; the files/progress ↔ files/runner circle was one).
# What does not count is a package's ``__init__`` running before its submodules: importing
# ``a.b`` needs ``a`` on every import, so that edge is implied, never a design choice.
PACKAGES = ("service", "models", "eval", "bench")


def _our_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _imported_names(module: str, path: Path, node: ast.AST) -> list[str]:
    """The dotted names an import statement asks for (``from a import b``: ``a.b``, which is
    the submodule when there is one, else a name in ``a``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:  # relative: from the module's package, one level up per extra dot
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([node.module] if node.module else [])])
    return [f"{base}.{alias.name}" for alias in node.names]


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module of ours that ``name`` lands in (its longest prefix that is one), or None."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in modules:
            return ".".join(parts)
        parts.pop()
    return None


def import_graph() -> dict[str, dict[str, int]]:
    """module → {module it imports: line of the first such import}."""
    modules = _our_modules()
    graph: dict[str, dict[str, int]] = {m: {} for m in modules}
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for name in _imported_names(module, path, node):
                target = _resolve(name, modules)
                if target is not None and target != module:
                    graph[module].setdefault(target, getattr(node, "lineno", 0))
    return graph


def _strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's components with more than one module (iterative: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            step = next(edges, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph[step]))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _one_cycle(graph: dict[str, dict[str, int]], component: list[str]) -> str:
    """A shortest cycle through the component's first module, with the line of each import."""
    start, members = component[0], set(component)
    came_from: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for step in sorted(graph[node]):
            if step == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                hops = itertools.pairwise([*reversed(path), start])
                return " -> ".join(f"{a} (line {graph[a][b]})" for a, b in hops) + f" -> {start}"
            if step in members and step not in came_from:
                came_from[step] = node
                queue.append(step)
    return " <-> ".join(component)


def test_no_import_cycles_function_level_imports_included() -> None:
    graph = import_graph()
    cycles = [f"{', '.join(c)}: {_one_cycle(graph, c)}" for c in _strongly_connected(graph)]
    assert not cycles, "import cycles (every import statement counts):\n" + "\n".join(cycles)


def test_the_cycle_check_sees_lazy_and_type_only_imports() -> None:
    """The check is only as good as its graph: imports inside functions and under
    TYPE_CHECKING are edges, and a cycle made of them is found."""
    graph = import_graph()
    assert "service.engine" in graph["service.http.app"]  # a top-level import
    assert "models.loading" in graph["service.engine"]  # inside load_engine
    assert "service.engine" in graph["service.workflow"]  # under TYPE_CHECKING
    fake = {"a": {"b": 3}, "b": {"c": 7}, "c": {"a": 9}, "d": {"a": 1}}
    [component] = _strongly_connected(fake)
    assert _one_cycle(fake, component) == "a (line 3) -> b (line 7) -> c (line 9) -> a"
