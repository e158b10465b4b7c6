"""Making a unit's template as ``nianbao template`` and the 生成填报表 page do: last year's
workbook pre-fills the carried figures and its reference sheet, the workbook is written, then its
narrative template (正文模板). Every target is checked, and last year's workbook read, before the
first file is written."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from nianbao.errors import Cancelled, UsageError
from nianbao.files import check_target, refuse_overwriting_inputs
from nianbao.jobs import IsCancelled, Progress
from nianbao.workbook_templates.spec import FormatSpec

if TYPE_CHECKING:
    from nianbao.converters.word_styles import FontSet
    from nianbao.validation.carry import Carry
    from nianbao.workbook_templates.builder import TemplateRequest


@dataclass(frozen=True)
class TemplateMade:
    """What ``make_template`` wrote, and what last year's workbook gave it (None: not given)."""

    workbook: Path
    narrative: Path | None
    spec: FormatSpec
    request: TemplateRequest
    carry: Carry | None


def make_template(
    workbook: Path,
    request: TemplateRequest,
    *,
    previous: Path | None = None,
    narrative: Path | None = None,
    force: bool = False,
    force_narrative: bool | None = None,
    fonts: FontSet | None = None,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
) -> TemplateMade:
    """Write the workbook for ``request`` (pre-filled from ``previous``) and, when ``narrative``
    is given, its narrative template; return what was written. ``force_narrative`` defaults to
    ``force``. Raises the reader's error for an unreadable ``previous`` before writing anything."""
    from nianbao.validation.carry import carry_forward
    from nianbao.workbook_templates.builder import build_template
    from nianbao.workbook_templates.reader import read_workbook

    spec = request.spec()
    if workbook.suffix.lower() != ".xlsx":
        raise UsageError(
            f"输出文件 {workbook.name} 的扩展名应为 .xlsx。",
            "例如：-o 青禾镇-2025年度填报表.xlsx。",
        )
    force_narrative = force if force_narrative is None else force_narrative
    if narrative is not None:
        if narrative.suffix.lower() != ".docx":
            raise UsageError(
                f"正文模板 {narrative.name} 的扩展名应为 .docx。", "例如：--narrative 正文.docx。"
            )
        check_target(narrative, force=force_narrative)  # refuse before writing anything
    carry = None
    if previous is not None:
        refuse_overwriting_inputs(workbook, [previous], "填报表")
        if narrative is not None:
            refuse_overwriting_inputs(narrative, [previous], "正文模板")
        if progress:
            progress(0.1, "正在读取上年填报表")
        carry = carry_forward(spec, read_workbook(previous), year=request.year, unit=request.unit)
        request = replace(request, values=carry.values, reference=carry.reference)
    if cancelled and cancelled():
        raise Cancelled()
    if progress:
        progress(0.4, "正在生成填报表")
    build_template(workbook, request, force=force)
    if narrative is not None:
        from nianbao.converters.narrative_template import write_narrative_template

        if progress:
            progress(0.8, "正在生成正文模板")
        write_narrative_template(
            spec,
            narrative,
            unit=request.unit,
            year=request.year,
            force=force_narrative,
            fonts=fonts,
        )
    return TemplateMade(workbook, narrative, spec, request, carry)
