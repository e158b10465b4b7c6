"""Hand out (下发) the workbooks: one stamped workbook and narrative template per roster unit,
and a list (下发清单) of what was sent to whom.

Everything is checked before the first file is written, so a refusal leaves the folder as it
was; each file is then written atomically, so a cancel or a fault leaves only whole files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nianbao.errors import Cancelled, OutputExistsError, UsageError
from nianbao.files import (
    atomic_output,
    make_output_folder,
    narrative_template_path,
    refuse_overwriting_inputs,
    unit_file_stem,
    workbook_name,
)
from nianbao.jobs import IsCancelled, Progress
from nianbao.workbook_templates.loader import load_spec, spec_for_year
from nianbao.workbook_templates.spec import FormatSpec
from nianbao.workbook_templates.stamp import output_properties

from .roster import Roster, RosterError, RosterUnit

if TYPE_CHECKING:
    from nianbao.workbook_templates.builder import TemplateRequest

LIST_NAME = "下发清单.xlsx"
LIST_HEADER = ("序号", "单位名称", "单位类型", "填报表文件", "正文模板文件", "报告年度", "格式版本")
SHOWN_NAMES = 5


@dataclass(frozen=True)
class HandoutFile:
    """The files written for one unit (``narrative`` is None when none was asked for)."""

    unit: str
    kind: str
    workbook: Path
    narrative: Path | None


def handout(
    roster: Roster,
    year: int,
    folder: str | os.PathLike,
    *,
    format_version: str | None = None,
    narrative: bool = True,
    force: bool = False,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
) -> list[HandoutFile]:
    """Write each roster unit's stamped workbook (and narrative template) and the 下发清单 into
    ``folder``; return what was written per unit."""
    from nianbao.converters.narrative_template import write_narrative_template
    from nianbao.workbook_templates.builder import build_template

    folder = Path(folder)
    spec = load_spec(format_version) if format_version else spec_for_year(year)
    requests = _requests(roster, year, format_version, spec)
    planned = _plan(roster, year, folder, narrative)
    _check_folder(folder)
    targets = [*_targets(planned), folder / LIST_NAME]
    for target in targets:
        refuse_overwriting_inputs(target, [roster.path], "下发的文件")
    _check_targets(folder, targets, force)
    make_output_folder(folder)

    written: list[HandoutFile] = []
    total = len(planned)
    for request, files in zip(requests, planned, strict=True):
        if cancelled is not None and cancelled():
            raise Cancelled(f"已取消：已生成 {len(written)} 个单位的填报表，其余未生成。")
        build_template(files.workbook, request, force=force)
        if files.narrative is not None:
            write_narrative_template(
                spec, files.narrative, unit=request.unit, year=year, force=force
            )
        written.append(files)
        if progress is not None:
            progress(len(written) / total, f"已生成 {len(written)}/{total}：{files.unit}")
    _write_list(folder / LIST_NAME, written, year, spec, force)
    return written


def _requests(
    roster: Roster, year: int, format_version: str | None, spec: FormatSpec
) -> list[TemplateRequest]:
    """Return one template request per unit, each checked the way build_template will."""
    from nianbao.workbook_templates.builder import TemplateRequest, check_request

    if not roster.units:
        raise RosterError(
            f"名单 {roster.path.name} 中没有填报单位。", "请先在名单中填写单位，再下发。"
        )
    check_request(spec, TemplateRequest(year=year, format_version=format_version))  # the year
    requests = []
    for unit in roster.units:
        request = TemplateRequest(
            year=year, unit=unit.name, kind=unit.kind, format_version=format_version
        )
        try:
            check_request(spec, request)
        except UsageError as exc:
            raise RosterError(
                f"名单第 {unit.row} 行“{unit.name}”：{exc.message}", exc.action
            ) from None
        requests.append(request)
    return requests


def _plan(roster: Roster, year: int, folder: Path, narrative: bool) -> list[HandoutFile]:
    """Return the files each unit will get; raise RosterError when two units share a name."""
    by_stem: dict[str, RosterUnit] = {}
    planned = []
    for unit in roster.units:
        stem = unit_file_stem(unit.name)
        # Windows and macOS compare file names without regard to case.
        other = by_stem.setdefault(stem.casefold(), unit)
        if other is not unit:
            raise RosterError(
                f"名单中“{other.name}”（第 {other.row} 行）和“{unit.name}”（第 {unit.row} 行）"
                f"的文件名相同（都是“{stem}”）。",
                '文件名去掉了 \\ / : * ? " < > | 等字符，过长的名称只取前面部分；'
                "请修改其中一个单位的名称，使两者的文件名不同。",
            )
        workbook = folder / workbook_name(unit.name, year)
        planned.append(
            HandoutFile(
                unit=unit.name,
                kind=unit.kind,
                workbook=workbook,
                narrative=narrative_template_path(workbook) if narrative else None,
            )
        )
    return planned


def _targets(planned: list[HandoutFile]) -> list[Path]:
    paths: list[Path] = []
    for files in planned:
        paths.append(files.workbook)
        if files.narrative is not None:
            paths.append(files.narrative)
    return paths


def _check_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise UsageError(
            f"输出位置 {folder} 是一个文件，不是文件夹。", "请给出一个文件夹，例如 -o 下发。"
        )
    parent = folder.absolute().parent
    if not folder.exists() and not parent.is_dir():
        raise UsageError(f"文件夹 {parent} 不存在。", "请先建立该文件夹，或换一个输出位置。")


def _check_targets(folder: Path, targets: list[Path], force: bool) -> None:
    """Raise before anything is written when a target exists (unless ``force``) or is a folder."""
    folders = [p for p in targets if p.is_dir()]
    if folders:
        raise UsageError(
            f"{folders[0]} 是一个文件夹，与要生成的文件同名。", "请换一个空文件夹作为输出位置。"
        )
    existing = [p.name for p in targets if p.exists()]
    if existing and not force:
        shown = "、".join(existing[:SHOWN_NAMES])
        more = f"等 {len(existing)} 个文件" if len(existing) > SHOWN_NAMES else ""
        raise OutputExistsError(
            f"文件夹 {folder} 中已有同名文件：{shown}{more}，没有生成任何文件。",
            "请换一个空文件夹，或确认要覆盖时加上 --force。",
        )


def _write_list(
    path: Path, written: list[HandoutFile], year: int, spec: FormatSpec, force: bool
) -> None:
    """Write the 下发清单: one row per unit, the file names it was sent."""
    import xlsxwriter

    with atomic_output(path, force=force) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp),
            {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
        )
        wb.set_properties({"title": "下发清单", "author": "年报助手 nianbao"})
        for key, text in output_properties("handout_list"):
            wb.set_custom_property(key, text)
        head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
        ws = wb.add_worksheet("下发清单")
        for c, label in enumerate(LIST_HEADER):
            ws.write_string(0, c, label, head)
        for r, files in enumerate(written, 1):
            ws.write_number(r, 0, r)
            ws.write_string(r, 1, files.unit)
            ws.write_string(r, 2, files.kind or "（由单位选择）")
            ws.write_string(r, 3, files.workbook.name)
            if files.narrative is not None:
                ws.write_string(r, 4, files.narrative.name)
            ws.write_number(r, 5, year)
            ws.write_string(r, 6, spec.label)
        for c, width in enumerate((6, 32, 12, 44, 48, 10, 36)):
            ws.set_column(c, c, width)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(written), 1), len(LIST_HEADER) - 1)
        wb.close()
