"""Comparing two workbook files as ``nianbao diff`` and the 校验 page's 与另一版本比较 do: each is
read and checked as ``check`` does, then compared (``validation.compare``)."""

from __future__ import annotations

from pathlib import Path

from nianbao.errors import WorkbookError
from nianbao.validation.compare import Comparison, compare
from nianbao.validation.findings import Report
from nianbao.workbook_templates.reader import FilledWorkbook

from .checking import check_file, is_internal


def _read(path: Path) -> tuple[Report, FilledWorkbook]:
    """Return one side's report and workbook; raise WorkbookError when it cannot be read."""
    report, wb = check_file(path)
    if wb is None or is_internal(report):
        first = report.findings[0]
        raise WorkbookError(first.text, first.action)
    return report, wb


def compare_files(old: str | Path, new: str | Path) -> Comparison:
    """Return what differs between two workbook files; raise WorkbookError (exit 2) when one
    cannot be read."""
    old_report, old_wb = _read(Path(old))
    new_report, new_wb = _read(Path(new))
    return compare(old_wb, old_report, new_wb, new_report)
