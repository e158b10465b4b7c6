"""The import graph of the ``nianbao`` package, read from the sources: every import counts, those
made only for type checking and those inside functions included (tests/test_layers.py)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "nianbao"


def sources() -> dict[str, tuple[str, bool]]:
    """Return each module of the package by dotted name, with its source and whether it is a
    package's ``__init__``."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if package else parts)] = (path.read_text("utf-8"), package)
    return modules


def graph(sources: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """Return the modules among ``sources`` each one imports, wherever the import is."""
    graph: dict[str, set[str]] = {}
    for name, (source, package) in sources.items():
        here = name.split(".") if package else name.split(".")[:-1]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = here[: len(here) - node.level + 1]
                    base = ".".join([*parent, *([node.module] if node.module else [])])
                for alias in node.names:
                    # ``from pkg import mod`` needs the module, ``from pkg import name`` pkg.
                    full = f"{base}.{alias.name}"
                    targets.add(full if full in sources else base)
        graph[name] = {t for t in targets if t in sources and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the groups of modules that import each other, each sorted (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                group.append(other)
                if other == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups
