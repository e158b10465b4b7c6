"""What the county sends back: an annotated copy of each failing unit's workbook and one
退回清单 listing every unit that must act (fix, re-send, or send at all).

The copies are written from what the rollup read (``FileEntry.content``): a unit's file is never
opened again. A copy that cannot be written is that unit's problem alone: the 退回清单 says why,
and every other unit still gets its copy. ``check_returns_folder`` (before anything is read) and
``plan_returns`` (before the summary is written) find a folder that cannot be used while nothing
is written yet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nianbao.applog import Fault, guarded
from nianbao.errors import NianbaoError, OutputExistsError, OutputWriteError, UsageError
from nianbao.files import (
    MAX_NAME_BYTES,
    atomic_output,
    make_output_folder,
    real_path,
    unit_annotated_name,
)
from nianbao.workbook_templates.spec import Severity
from nianbao.workbook_templates.stamp import output_properties
from nianbao.workbook_templates.text_fit import lines_needed, lines_that_fit, row_height

from .dates import date_text
from .deadlines import late_units, timeliness_text
from .model import RollupResult, Status, Timely, UnitEntry, status_rank

LIST_NAME = "退回清单.xlsx"
MAX_LISTED = 12  # problems per unit in the list; the annotated copy has all of them
# 序号, 单位名称, 联系人, 联系电话, 状态, 是否按时, 文件, 问题（错误）, 怎么改, 批注副本
LIST_WIDTHS = (6, 24, 10, 15, 10, 18, 26, 60, 44, 26)
PROBLEMS_WIDTH = LIST_WIDTHS[7]

# What a unit must do, by status, when its file cannot carry annotations.
_ACTIONS = {
    Status.MISSING: "尚未报送，请尽快报送填报表。",
    Status.UNREADABLE: "文件无法读取，请在 WPS/Excel 中打开确认后重新另存为 .xlsx 再报送。",
    Status.WRONG_YEAR: "报送的不是本年度的填报表，请按本年度下发的填报表填写后重新报送。",
    Status.WRONG_FORMAT: "报送的填报表格式版本不对，请按本年度下发的填报表填写后重新报送。",
}


@dataclass(frozen=True)
class ReturnsPlan:
    """What the returns will be: the units listed, each failing unit's copy, the list itself."""

    folder: Path
    units: list[UnitEntry]
    copies: list[tuple[UnitEntry, Path]]
    listing: Path


def annotated_name(unit: UnitEntry) -> str:
    """Return the file name of a unit's annotated copy in the returns folder."""
    return unit_annotated_name(unit.name)


def _to_return(result: RollupResult) -> list[UnitEntry]:
    """Return the units on the list, in the order the office works through it: the units that
    sent nothing first (they are chased by phone, with the roster's contact on the list), then
    the units that must correct or re-send, by status as the summary sorts them (有错误, 无法读取,
    年度不对, 格式不对, 疑似空表), then the units that only sent late; within a group in roster
    order (the sort is stable)."""
    missing, failing = result.missing, result.failing
    units = missing + [u for u in failing if u not in missing]
    units += [u for u in late_units(result.units) if u not in units]
    return sorted(units, key=lambda u: (u.sent, u not in failing, status_rank(u.status)))


def check_returns_folder(folder: str | os.PathLike) -> Path:
    """Return the returns folder after checking that it can be made and written in; raise a
    Chinese error if not. Nothing is written."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} 不是文件夹。", "请用 --returns 给出一个文件夹。")
    if len(os.fsencode(folder.name)) > MAX_NAME_BYTES:
        raise UsageError(f"退回文件夹的名字 {folder.name[:20]}… 太长。", "请换一个短一些的名字。")
    parent = folder if folder.is_dir() else folder.parent
    if not parent.is_dir():
        raise UsageError(f"文件夹 {folder.parent} 不存在。", "请先建立它，或换一个位置。")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputWriteError(
            f"文件夹 {parent} 不允许写入，退回材料没有写出。",
            "请用 --returns 换一个可以写入的文件夹。",
        )
    return folder


def plan_returns(
    result: RollupResult, folder: str | os.PathLike, *, force: bool = False
) -> ReturnsPlan:
    """Return what the returns will write into ``folder``, after checking every target: nothing
    is overwritten unasked, and never a file this rollup read as a unit's (also with --force).

    Only our own outputs found among the inputs (an unchanged 批注副本, an earlier 退回清单) may
    be replaced, and only with ``force``.
    """
    folder = check_returns_folder(folder)
    units = _to_return(result)
    copies: list[tuple[UnitEntry, Path]] = []
    taken = {LIST_NAME.lower()}
    for unit in units:
        if unit.file is None or unit.file.content is None or not unit.file.errors:
            continue
        name = annotated_name(unit)
        n = 2
        while name.lower() in taken:  # two names that differ only in characters a file cannot hold
            name = f"{Path(annotated_name(unit)).stem}-{n}.xlsx"
            n += 1
        taken.add(name.lower())
        copies.append((unit, folder / name))
    listing = folder / LIST_NAME
    targets = [path for _, path in copies] + [listing]
    inputs = {real_path(f.path): f for f in result.files if f.status != Status.OWN_OUTPUT}
    read = [p for p in targets if real_path(p) in inputs]
    if read:
        raise UsageError(
            f"退回文件夹 {folder} 中的 {read[0].name} 是本次汇总读取的文件，不能覆盖"
            "（即使加上 --force）。",
            "请用 --returns 另给一个文件夹（不要放在收表文件夹中）。",
        )
    existing = [p.name for p in targets if p.exists()]
    if existing and not force:
        shown = "、".join(existing[:5]) + (
            f" 等 {len(existing)} 个文件" if len(existing) > 5 else ""
        )
        raise OutputExistsError(
            f"退回文件夹 {folder} 中已有 {shown}，没有覆盖。",
            "请换一个空文件夹，或确认要覆盖时加上 --force。",
        )
    return ReturnsPlan(folder, units, copies, listing)


def write_returns(
    result: RollupResult, folder: str | os.PathLike, *, force: bool = False
) -> list[Path]:
    """Write the annotated copies and the 退回清单 into ``folder``; return the paths written
    (the copies, then the list). A copy that cannot be written is listed in the 退回清单 with
    why (``result.returns_failed``); the others are written all the same."""
    from nianbao.validation.annotate import annotate_workbook

    plan = plan_returns(result, folder, force=force)
    make_output_folder(plan.folder)
    written: list[Path] = []
    failed: dict[str, str] = {}
    for unit, target in plan.copies:
        file = unit.file
        assert file is not None and file.content is not None and file.report is not None

        def work(file=file, target=target) -> str:
            try:
                annotate_workbook(file.content, file.report, target, force=force)
            except NianbaoError as exc:
                return str(exc)
            return ""

        def fault(fault: Fault) -> str:
            return f"{fault.message}{fault.action}"

        reason = guarded(work, fault, file=file.path)
        if reason:
            failed[unit.name] = reason
        else:
            written.append(target)
    result.returns_failed = failed
    copies = {unit.name: target.name for unit, target in plan.copies if target in written}
    written.append(_write_list(result, plan.units, copies, plan.listing, force=force))
    return written


def _problems(result: RollupResult, unit: UnitEntry) -> tuple[str, str]:
    """Return (problems, what to do) of a unit, one line each: as many problems as a row of
    the list shows whole (``PROBLEMS_WIDTH``), then how many there are in all; for a unit listed
    only because it sent late, that it need not change anything."""
    if unit not in result.failing and unit.sent:
        standing = unit.timeliness
        if standing is not None and standing.code == Timely.LATE:
            words = result.spec.summary.timeliness
            deadline = date_text(standing.deadline)
            return "", words.late_action.format(days=standing.days, deadline=deadline)
    report = unit.report
    if unit.file is None or report is None:
        reason = unit.others[0].reason if unit.others else ""
        return reason, _ACTIONS.get(unit.status, "")
    errors = report.roots(Severity.ERROR)  # a sum a typed cell breaks is that cell's problem
    room = lines_that_fit() - 1  # a line kept for the count
    lines, actions = [], []
    for f in errors[:MAX_LISTED]:
        where = f"{f.where} " if f.where else ""
        line = f"{where}{f.text}" + (f"（{f.pack_label}）" if f.pack else "")
        room -= lines_needed(line, PROBLEMS_WIDTH)
        if room < 0:
            break
        lines.append(line)
        if f.action and f.action not in actions:
            actions.append(f.action)
    if len(lines) < len(errors):
        lines.append(f"……共 {len(errors)} 项，详见批注副本。")
    if not errors and unit.status == Status.EMPTY:
        lines.append(unit.file.reason)
        actions.append("请填写全部数字（没有发生的填 0）后重新报送。")
    return "\n".join(lines), "\n".join(actions)


def _copy_cell(result: RollupResult, unit: UnitEntry, copies: dict[str, str]) -> str:
    """Return what the list says in a unit's 批注副本 column: the copy, or why there is none."""
    if unit.name in copies:
        return copies[unit.name]
    if unit.name in result.returns_failed:
        return f"未能生成批注副本：{result.returns_failed[unit.name]}"
    return ""


def _write_list(
    result: RollupResult,
    units: list[UnitEntry],
    copies: dict[str, str],
    target: Path,
    *,
    force: bool,
) -> Path:
    import xlsxwriter

    from nianbao.workbook_templates.styles import make_list_formats

    text = result.spec.summary
    with atomic_output(target, force=force) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_urls": False})
        for key, value in output_properties("returns_list"):
            wb.set_custom_property(key, value)
        fm = make_list_formats(wb)
        ws = wb.add_worksheet("退回清单")
        for c, w in enumerate(LIST_WIDTHS):
            ws.set_column(c, c, w)
        title = text.returns_title.format(unit=result.request.unit, year=result.year)
        ws.write_string(0, 0, title, fm.title)
        for c, h in enumerate(text.returns_heading):
            ws.write_string(2, c, h, fm.heading)
        ws.set_row(2, row_height(*_pairs(text.returns_heading)))
        for i, unit in enumerate(units, 1):
            problems, actions = _problems(result, unit)
            cells = [
                unit.name,
                unit.person,
                unit.phone,
                result.status_label(unit.status),
                timeliness_text(unit.timeliness, text.timeliness),
                unit.file.path.name if unit.file else "",
                problems,
                actions,
                _copy_cell(result, unit, copies),
            ]
            ws.write_number(2 + i, 0, i, fm.number)
            for c, value in enumerate(cells, 1):
                ws.write_string(2 + i, c, value, fm.text)
            # Spreadsheet programs do not grow a row for wrapped text written by a program.
            ws.set_row(2 + i, row_height(*_pairs([str(i), *cells])))
        ws.freeze_panes(3, 2)
        ws.autofilter(2, 0, 2 + max(len(units), 1), len(text.returns_heading) - 1)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(2)
        wb.close()
    return target


def _pairs(texts: list[str] | tuple[str, ...]) -> list[str | float]:
    """Return the texts of a list row alternating with their column widths (for row_height)."""
    return [x for pair in zip(texts, LIST_WIDTHS, strict=True) for x in pair]
