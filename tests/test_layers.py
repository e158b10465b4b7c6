"""The layers hold: the import graph of ``nianbao`` has no cycle (imports inside functions and
type-only imports count too), no package imports one above it, the core never imports Qt, the
command line or the window, and the window never imports the command line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from . import import_graph

REPO = Path(__file__).resolve().parent.parent
ROOT = REPO / "nianbao"

# From the bottom of the import graph up; a package may import its own layer's modules and any
# layer below. converters, importer and county are siblings: importer and county may use the
# document converters, never each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("nianbao", "nianbao.errors", "nianbao.files", "nianbao.applog", "nianbao.jobs"),
    ("nianbao.workbook_templates",),
    ("nianbao.validation",),
    ("nianbao.converters",),
    ("nianbao.importer", "nianbao.county"),
    ("nianbao.services",),
    ("nianbao.analysis",),  # nianbao data / trends: read inputs as services does, then pandas
    ("nianbao.desktop",),
    ("nianbao.__main__",),
)
CORE = tuple(p for layer in LAYERS[:-2] for p in layer)
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6")


MODULES = import_graph.sources()
GRAPH = import_graph.graph(MODULES)


def _imported(module: str) -> set[str]:
    """Return the top-level names of the packages a module imports (PySide6, nianbao …)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[module][0])):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def _layer(module: str) -> tuple[int, str]:
    """Return the layer index of a module and the package that puts it there."""
    best = (-1, "")
    for index, layer in enumerate(LAYERS):
        for package in layer:
            if (module == package or module.startswith(package + ".")) and len(package) > len(
                best[1]
            ):
                best = (index, package)
    return best


def test_every_module_has_a_layer():
    assert [m for m in MODULES if _layer(m)[0] < 0] == []


def test_no_import_cycles_not_even_inside_functions():
    assert import_graph.cycles(GRAPH) == []


def test_an_import_for_types_or_in_a_function_closes_a_cycle_too():
    example = {
        "app": ("", True),
        "app.page": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .window import W\n",
            False,
        ),
        "app.window": ("def make():\n    from . import page\n", False),
        "app.pages": ("", True),
        "app.pages.one": ("from ..page import Page\nfrom .. import window\n", False),
    }
    found = import_graph.graph(example)
    assert found["app.pages.one"] == {"app.page", "app.window"}
    assert import_graph.cycles(found) == [["app.page", "app.window"]]


def test_pages_know_the_window_only_as_a_page_host():
    """The window loads the pages with importlib, which the graph does not see: a page that
    imported the window would close a cycle all the same."""
    modules = GRAPH
    gui = "nianbao.desktop.gui"
    pages = [m for m in modules if m == f"{gui}.page" or m.startswith(f"{gui}.pages.")]
    assert len(pages) >= 5
    assert [m for m in pages if f"{gui}.window" in modules[m]] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_the_layers(module):
    here, package = _layer(module)
    wrong = []
    for target in sorted(GRAPH[module]):
        there, other = _layer(target)
        if there > here or (there == here and other != package and here > 0):
            wrong.append(target)
    assert wrong == [], f"{module} (layer {package}) imports {wrong}"


def test_the_spec_types_import_nothing_of_the_project():
    assert GRAPH["nianbao.workbook_templates.spec"] == set()


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m)[1] in CORE))
def test_the_core_imports_neither_qt_nor_a_shell(module):
    assert not _imported(module) & set(QT)
    assert not any(t.startswith("nianbao.desktop") for t in GRAPH[module])


def test_only_the_window_imports_qt():
    offenders = [
        m for m in MODULES if not m.startswith("nianbao.desktop.gui") and _imported(m) & set(QT)
    ]
    assert offenders == []


def test_the_window_never_imports_the_command_line():
    shells = ("nianbao.desktop.cli", "nianbao.desktop.commands", "nianbao.desktop.console")
    shells += ("nianbao.desktop.county_commands", "nianbao.desktop.import_command")
    offenders = {
        m: sorted(GRAPH[m] & set(shells))
        for m in MODULES
        if m.startswith(("nianbao.desktop.gui", "nianbao.desktop.viewmodels"))
        and GRAPH[m] & set(shells)
    }
    assert offenders == {}
