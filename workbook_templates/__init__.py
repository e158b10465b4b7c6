"""The official formats as data, the template builder and the reader of filled workbooks."""

from .builder import TemplateRequest, build_template, default_year
from .errors import NianbaoError, WorkbookError
from .reader import FilledWorkbook, read_workbook
from .spec import CellKey, FormatSpec, available_formats, load_spec, spec_for_year

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
