"""The modules import each other one way: no module imports one that imports it back, counting
the imports made only for type checking and those inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "nianbao"


def _sources() -> dict[str, tuple[str, bool]]:
    """Return each module of the package by dotted name, with its source and whether it is a
    package's ``__init__``."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if package else parts)] = (path.read_text("utf-8"), package)
    return modules


def _graph(sources: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
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


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
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


def test_no_module_imports_one_that_imports_it_back():
    assert _cycles(_graph(_sources())) == []


def test_an_import_for_types_or_in_a_function_closes_a_cycle_too():
    sources = {
        "app": ("", True),
        "app.page": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .window import W\n",
            False,
        ),
        "app.window": ("def make():\n    from . import page\n", False),
        "app.pages": ("", True),
        "app.pages.one": ("from ..page import Page\nfrom .. import window\n", False),
    }
    graph = _graph(sources)
    assert graph["app.pages.one"] == {"app.page", "app.window"}
    assert _cycles(graph) == [["app.page", "app.window"]]


def test_pages_know_the_window_only_as_a_page_host():
    """The window loads the pages with importlib, which the graph does not see: a page that
    imported the window would close a cycle all the same."""
    graph = _graph(_sources())
    gui = "nianbao.desktop.gui"
    pages = [m for m in graph if m == f"{gui}.page" or m.startswith(f"{gui}.pages.")]
    assert len(pages) >= 5
    assert [m for m in pages if f"{gui}.window" in graph[m]] == []
