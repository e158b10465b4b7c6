"""The official formats as data (``formats/*.toml``, read by ``loader`` into the types of
``spec``), the template builder (``builder`` with ``styles``, ``layout``, ``formulas``,
``checks``), and the reader of filled workbooks (``xlsx_reader``, ``reader``).

The builder (and xlsxwriter behind it) is imported on first use only, so that checking a
workbook starts quickly.
"""

from importlib import import_module

from nianbao.errors import NianbaoError, WorkbookError

from .loader import available_formats, load_spec, spec_for_year
from .reader import FilledWorkbook, read_workbook
from .spec import CellKey, FormatSpec

_LAZY = {
    "TemplateRequest": ".builder",
    "build_template": ".builder",
    "default_year": ".builder",
}

__all__ = [
    "CellKey",
    "FilledWorkbook",
    "FormatSpec",
    "NianbaoError",
    "TemplateRequest",
    "WorkbookError",
    "available_formats",
    "build_template",
    "default_year",
    "load_spec",
    "read_workbook",
    "spec_for_year",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
