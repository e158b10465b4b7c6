"""The layers hold: the import graph of ``nianbao`` has no cycle (imports inside functions and
type-only imports count too), no package imports one above it, the core never imports Qt, the
command line or the window, and the window never imports the command line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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
    ("nianbao.desktop",),
    ("nianbao.__main__",),
)
CORE = tuple(p for layer in LAYERS[:-2] for p in layer)
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imported(module: str) -> set[str]:
    """Return every name a module imports, anywhere in it (in functions, under TYPE_CHECKING),
    as absolute dotted names: ``from package import name`` gives ``package.name`` when that is a
    module of ours, else ``package``."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            prefix = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{prefix}.{alias.name}"
                names.add(full if full in MODULES else prefix)
    return names


def _project_imports(module: str) -> set[str]:
    """Return the modules of ours that ``module`` imports."""
    found = set()
    for name in _imported(module):
        parts = name.split(".")
        while parts and ".".join(parts) not in MODULES:
            parts.pop()
        if parts and ".".join(parts) != module:
            found.add(".".join(parts))
    return found


GRAPH = {m: _project_imports(m) for m in MODULES}


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
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert cycles == []


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
    top = {name.split(".")[0] for name in _imported(module)}
    assert not top & set(QT)
    assert not any(t.startswith("nianbao.desktop") for t in GRAPH[module])


def test_only_the_window_imports_qt():
    offenders = [
        m
        for m in MODULES
        if not m.startswith("nianbao.desktop.gui")
        and {name.split(".")[0] for name in _imported(m)} & set(QT)
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
