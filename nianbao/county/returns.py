"""What the county sends back: an annotated copy of each failing unit's workbook and one
退回清单 listing every unit that must act (fix, re-send, or send at all)."""

from __future__ import annotations

import os
from pathlib import Path

from nianbao.errors import OutputExistsError, UsageError
from nianbao.files import atomic_output, unit_annotated_name
from nianbao.workbook_templates.spec import Severity

from .model import RollupResult, Status, UnitEntry

LIST_NAME = "退回清单.xlsx"
MAX_LISTED = 12  # problems per unit in the list; the annotated copy has all of them

# What a unit must do, by status, when its file cannot carry annotations.
_ACTIONS = {
    Status.MISSING: "尚未报送，请尽快报送填报表。",
    Status.UNREADABLE: "文件无法读取，请在 WPS/Excel 中打开确认后重新另存为 .xlsx 再报送。",
    Status.WRONG_YEAR: "报送的不是本年度的填报表，请按本年度下发的填报表填写后重新报送。",
    Status.WRONG_FORMAT: "报送的填报表格式版本不对，请按本年度下发的填报表填写后重新报送。",
}


def annotated_name(unit: UnitEntry) -> str:
    """Return the file name of a unit's annotated copy in the returns folder."""
    return unit_annotated_name(unit.name)


def _to_return(result: RollupResult) -> list[UnitEntry]:
    """Return the units on the list: failing ones, then those that never sent anything."""
    failing = result.failing
    return failing + [u for u in result.missing if u not in failing]


def write_returns(
    result: RollupResult, folder: str | os.PathLike, *, force: bool = False
) -> list[Path]:
    """Write the annotated copies and the 退回清单 into ``folder``; return the paths written.

    Every target is checked before anything is written; inputs are never modified.
    """
    from nianbao.validation.annotate import annotate_workbook

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} 不是文件夹。", "请用 --returns 给出一个文件夹。")
    if not folder.parent.exists():
        raise UsageError(f"文件夹 {folder.parent} 不存在。", "请先建立它，或换一个位置。")
    units = _to_return(result)
    copies = [u for u in units if u.file is not None and u.report is not None and u.file.errors]
    targets = [folder / annotated_name(u) for u in copies] + [folder / LIST_NAME]
    existing = [p.name for p in targets if p.exists()]
    if existing and not force:
        shown = "、".join(existing[:5]) + (
            f" 等 {len(existing)} 个文件" if len(existing) > 5 else ""
        )
        raise OutputExistsError(
            f"退回文件夹 {folder} 中已有 {shown}，没有覆盖。",
            "请换一个空文件夹，或确认要覆盖时加上 --force。",
        )
    folder.mkdir(exist_ok=True)
    written: list[Path] = []
    for unit in copies:
        target = folder / annotated_name(unit)
        assert unit.file is not None and unit.report is not None  # as ``copies`` chose them
        annotate_workbook(unit.file.path, unit.report, result.spec, target, force=force)
        written.append(target)
    written.append(_write_list(result, units, folder / LIST_NAME, force=force))
    return written


def _problems(unit: UnitEntry) -> tuple[str, str]:
    """Return (problems, what to do) of a unit, one line each."""
    report = unit.report
    if unit.file is None or report is None:
        reason = unit.others[0].reason if unit.others else ""
        return reason, _ACTIONS.get(unit.status, "")
    errors = report.roots(Severity.ERROR)  # a sum a typed cell breaks is that cell's problem
    lines, actions = [], []
    for f in errors[:MAX_LISTED]:
        where = f"{f.where} " if f.where else ""
        lines.append(f"{where}{f.text}")
        if f.action and f.action not in actions:
            actions.append(f.action)
    if len(errors) > MAX_LISTED:
        lines.append(f"……共 {len(errors)} 项，详见批注副本。")
    if not errors and unit.status == Status.EMPTY:
        lines.append(unit.file.reason)
        actions.append("请填写全部数字（没有发生的填 0）后重新报送。")
    return "\n".join(lines), "\n".join(actions)


def _write_list(result: RollupResult, units: list[UnitEntry], target: Path, *, force: bool) -> Path:
    import xlsxwriter

    text = result.spec.summary
    with atomic_output(target, force=force) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_urls": False})
        title = wb.add_format({"bold": True, "font_size": 14, "font_name": "黑体"})
        head = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7", "text_wrap": True})
        cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        ws = wb.add_worksheet("退回清单")
        for c, w in enumerate((6, 26, 14, 30, 70, 50, 30)):
            ws.set_column(c, c, w)
        ws.write_string(
            0, 0, text.returns_title.format(unit=result.request.unit, year=result.year), title
        )
        for c, h in enumerate(text.returns_heading):
            ws.write_string(2, c, h, head)
        for i, unit in enumerate(units, 1):
            problems, actions = _problems(unit)
            copy = annotated_name(unit) if unit.file and unit.file.errors else ""
            row = [
                str(i),
                unit.name,
                result.status_label(unit.status),
                unit.file.path.name if unit.file else "",
                problems,
                actions,
                copy,
            ]
            for c, value in enumerate(row):
                ws.write_string(2 + i, c, value, cell)
        ws.freeze_panes(3, 2)
        ws.autofilter(2, 0, 2 + max(len(units), 1), len(text.returns_heading) - 1)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        wb.close()
    return target
