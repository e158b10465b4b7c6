"""What changed between the versions a unit sent: each version compared with the one before it
(``validation.compare``), for the summary's 汇总情况 and 修订记录 and the rollup's JSON.

Only units that sent more than one different workbook are compared; their files are read again
here (a worker kept their numbers and reports, not the whole workbook): a handful of files in a
season, not the county's hundreds.
"""

from __future__ import annotations

from collections.abc import Iterable

from nianbao.errors import WorkbookError
from nianbao.validation.compare import Comparison, change_lines, compare
from nianbao.workbook_templates.reader import read_workbook

from .model import FileEntry, UnitEntry

SHOWN_CHANGES = 3  # changes named in the 汇总情况 cell; the 修订记录 sheet lists them all


def compare_versions(units: Iterable[UnitEntry]) -> dict[tuple[str, str], Comparison]:
    """Compare each version of every unit with several with the version before it; return the
    comparisons by (older sha256, newer sha256) and set each unit's ``revision`` (its used
    version against the one before) or ``revision_note`` (why there is none)."""
    out: dict[tuple[str, str], Comparison] = {}
    for unit in units:
        if len(unit.versions) < 2:
            continue
        for older, newer in zip(unit.versions, unit.versions[1:], strict=False):
            try:
                out[(older.sha256, newer.sha256)] = compare_pair(older, newer)
            except WorkbookError as exc:
                if newer is unit.file:
                    unit.revision_note = f"无法与上一版比较：{exc.message}"
        if unit.file is not None and unit.version > 1:
            before = unit.versions[unit.version - 2]
            unit.revision = out.get((before.sha256, unit.file.sha256))
    return out


def compare_pair(older: FileEntry, newer: FileEntry) -> Comparison:
    """Return what ``newer`` changes from ``older`` (both read again); raise WorkbookError
    when one cannot be read."""
    if older.report is None or newer.report is None:
        raise WorkbookError("版本没有校验结果。", "")
    return compare(read_workbook(older.path), older.report, read_workbook(newer.path), newer.report)


def changes_text(comparison: Comparison | None, note: str = "") -> str:
    """Return a short account of a revision: how many changes and the first few."""
    if comparison is None:
        return note or "无法比较"
    if comparison.identical:
        return "内容与上一版相同"
    lines = change_lines(comparison)
    shown = "；".join(lines[:SHOWN_CHANGES])
    more = "……" if len(lines) > SHOWN_CHANGES else ""
    return f"改动 {len(lines)} 处：{shown}{more}"
