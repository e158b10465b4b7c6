"""Default names of what both shells write, where they depend on a file's content."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from nianbao.errors import NianbaoError
from nianbao.files import stem_report_path, unit_file_stem
from nianbao.workbook_templates.reader import read_identity

REPORT_SUFFIX = ".docx"


def default_report_path(workbook: Path) -> Path:
    """Return where a workbook's report goes when no name is given: beside it, named by the
    report's own title ("青禾镇人民政府2025年政府信息公开工作年度报告.docx") when its 基本信息
    gives the unit and year, else "<workbook name>-年度报告.docx" (also for a file that cannot
    be read: the export then says why)."""
    workbook = Path(workbook)
    try:
        stat = os.stat(workbook)
    except OSError:
        return stem_report_path(workbook)
    if not workbook.is_file():  # a folder, a pipe or a device is never opened to name it
        return stem_report_path(workbook)
    title = _report_title(workbook, stat.st_mtime_ns, stat.st_size)
    return workbook.with_name(title + REPORT_SUFFIX) if title else stem_report_path(workbook)


@lru_cache(maxsize=32)
def _report_title(workbook: Path, mtime_ns: int, size: int) -> str:
    """Return the report title of a workbook as a file name stem, "" when it has none; cached
    per version of the file (the window asks on every keystroke in the name field)."""
    try:
        identity = read_identity(workbook)
    except (NianbaoError, OSError):
        return ""
    if not identity.unit.strip() or not identity.year:
        return ""
    return unit_file_stem(identity.spec.report_title(identity.unit.strip(), identity.year))
