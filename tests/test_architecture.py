"""The shape docs/architecture.md promises: layers that cover every module, no import circles
(lazy imports included), small classes. ``lint-imports`` (run by .ci/run) checks the direction
of each import between the layers; these tests check what it cannot."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the layers test needs Python 3.11's tomllib
    tomllib = None

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tutor"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def app_modules() -> dict[str, Path]:
    """Every module of the app (``tutor.checks`` is ``checks/`` through a link)."""
    return {module_name(p): p for p in PACKAGE.rglob("*.py") if "datasets" not in p.parts}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The app modules ``name`` imports anywhere in its file, inside functions too."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = app_modules()
    known = set(modules)
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle, as the list of modules around it; [] when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_no_module_imports_itself_in_a_circle_even_lazily() -> None:
    graph = import_graph()
    # A package imports its own modules to re-export them; that is not a circle between layers.
    for name in graph:
        graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    assert find_cycle(graph) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


@pytest.mark.skipif(tomllib is None, reason="reading pyproject.toml needs Python 3.11")
def test_every_module_sits_in_one_of_the_five_layers() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    layers = [[m.strip() for m in layer.split(":")] for layer in contract["layers"]]
    assert len(layers) <= 5
    placed = [m for layer in layers for m in layer]
    for name in app_modules():
        if name in ("tutor", "tutor.kernel"):
            continue  # the packages themselves hold no code
        assert any(name == m or name.startswith(m + ".") for m in placed), name


def test_no_class_is_longer_than_about_two_hundred_lines() -> None:
    long = []
    for name, path in app_modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            lines = (
                (node.end_lineno or 0) - node.lineno + 1 if isinstance(node, ast.ClassDef) else 0
            )
            if lines > 200:
                long.append(f"{name}.{node.name}")
    assert long == []
