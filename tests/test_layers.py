"""The layout is the architecture: layers import downward only, nothing imports in a circle, and the
core (with the service catalog's data) loads no Pulumi.

Imports are read from the source (module level, under ``TYPE_CHECKING`` and inside functions alike),
so a shortcut hidden in a function or a type-checking block counts as an import.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aifactory"

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ("aifactory.core",)),
    ("catalog", ("aifactory.services",)),
    ("components", ("aifactory.components",)),
    ("build", ("aifactory.build",)),
    ("tools", ("aifactory.tools", "aifactory.cli", "aifactory.__main__")),
    ("provider", ("aifactory.provider",)),
)
"""Bottom to top: a module may import its own layer and the layers below it."""
PURE_LAYERS = ("core", "catalog")
"""Layers that must not import Pulumi (nor anything that does)."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, name: str) -> set[str]:
    """Every module this file imports, wherever the import statement stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def layer_of(name: str) -> int | None:
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(name == p or name.startswith(f"{p}.") for p in prefixes):
            return index
    return None


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        edges[name] = {target for target in imports_of(path, name) if target in known and target != name}
    return edges


def test_every_module_belongs_to_a_layer():
    unplaced = [name for name in modules() if name != "aifactory" and layer_of(name) is None]
    assert unplaced == [], f"modules outside every layer: {unplaced}"


def test_imports_point_downward_only():
    upward = []
    for source, targets in graph().items():
        source_layer = layer_of(source)
        for target in targets:
            target_layer = layer_of(target)
            if source_layer is not None and target_layer is not None and target_layer > source_layer:
                upward.append(f"{source} ({LAYERS[source_layer][0]}) imports {target} ({LAYERS[target_layer][0]})")
    assert upward == []


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that import each other, directly or not."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycles():
    cycles = [group for group in strongly_connected(graph()) if len(group) > 1]
    assert cycles == []


def test_the_cycle_finder_finds_cycles():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"], ["d"]]


def test_pure_layers_import_no_pulumi_in_source():
    offenders = []
    for name, path in modules().items():
        layer = layer_of(name)
        if layer is None or LAYERS[layer][0] not in PURE_LAYERS:
            continue
        for target in imports_of(path, name):
            if target.split(".")[0] in ("pulumi", "pulumi_azure_native", "pulumi_policy", "pulumi_random"):
                offenders.append(f"{name} imports {target}")
    assert offenders == []


@pytest.mark.parametrize("module", ["aifactory.core.factory", "aifactory.services", "aifactory.core.limits", "aifactory.core.policies"])
def test_importing_the_core_loads_no_pulumi(module):
    code = f"import sys, {module}; bad = sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi')); print(bad); sys.exit(1 if bad else 0)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_says_it_is_typed():
    """PEP 561: without py.typed, mypy ignores aifactory's annotations in programs that import it."""
    from importlib.resources import files

    from tests.conftest import REPO

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    assert files("aifactory").joinpath("py.typed").is_file()
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "py.typed" in pyproject["tool"]["setuptools"]["package-data"]["aifactory"]
