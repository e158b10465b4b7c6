"""``nianbao export … --data``: the three tables of one report as open data beside the Word
file, ``<报告>-数据.csv`` (UTF-8 with BOM) and ``<报告>-数据.json``: the tidy rows of
``nianbao data`` for the report's own tables, the computed totals included (recomputed from the
inputs, never the cached results), unknown cells empty and flagged."""

from __future__ import annotations

from pathlib import Path

from nianbao.files import check_target, file_sha256
from nianbao.workbook_templates.reader import read_workbook

from .sources import LEVEL_WHOLE, workbook_records
from .tidy import tidy_frame, write_frame

DATA_SUFFIX = "-数据"


def report_data_paths(report: Path, *, force: bool = False) -> tuple[Path, Path]:
    """Return the CSV and JSON written beside ``report`` after checking they may be written."""
    base = report.with_name(f"{report.stem}{DATA_SUFFIX}")
    paths = (base.with_suffix(".csv"), base.with_suffix(".json"))
    for path in paths:
        check_target(path, force=force)
    return paths


def write_report_data(workbook: Path, paths: tuple[Path, Path], *, force: bool = False) -> None:
    """Write the workbook's tables (a summary's own totals, not its unit sheets) to ``paths``."""
    records = workbook_records(read_workbook(workbook), file_sha256(workbook))
    own = [r for r in records if r.level == LEVEL_WHOLE] or records[:1]
    frame = tidy_frame(own, totals=True)
    for path in paths:
        write_frame(frame, path, force=force)
