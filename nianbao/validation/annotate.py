"""Annotated copies: the clerk's own workbook with each offending cell filled and commented.

The input file is never modified: openpyxl reads it and the copy is written atomically beside the
requested path. openpyxl drops cached formula results, so the copy asks spreadsheet programs to
recalculate on opening (LibreOffice computes formulas that carry no cached value).
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from nianbao.files import atomic_output
from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.checks import render
from nianbao.workbook_templates.spec import FormatSpec, Severity

from .findings import Finding, Report

FILLS = {Severity.ERROR: "FFC7CE", Severity.WARNING: "FFEB9C", Severity.INFO: "DDEBF7"}
EXPLAINED_COLOUR = "595959"  # a finding listed under its cause: it is not a problem of its own
COMMENT_AUTHOR = "年报助手"


def _listed(report: Report) -> list[tuple[Finding, Finding | None]]:
    """Return (finding, its cause or None) in the order the results sheet lists them: each
    problem (a finding no other explains), then right under it what it explains."""
    ids = {f.id for f in report.findings if f.id}
    rows: list[tuple[Finding, Finding | None]] = []
    for f in report.sorted_findings():
        if f.cause is None or f.cause not in ids:
            rows.append((f, None))
            rows += [(g, f) for g in report.explained_by(f)]
    return rows


def _cause_name(cause: Finding) -> str:
    """Return how a consequence's comment names its cause: the cell (" 表三!D6 ", spaced from
    the words), or what is wrong with a whole table ("「表三尚未填写（共 144 个空格）」")."""
    return f" {cause.where} " if cause.cell else f"「{cause.text.rstrip('。')}」"


def _link_target(f: Finding) -> str:
    """Return where the results sheet's link of a finding goes: its cell, or for a whole
    table's problem the first cell it lists (a table left blank: its first blank cell)."""
    cell = f.cell
    if not cell:
        first = next((c for c in f.cells if c.startswith(f"{f.sheet}!")), "")
        cell = first.partition("!")[2] or L.a1(0, 0)
    return f"'{f.sheet}'!{cell}"


def annotate_workbook(
    source: str | os.PathLike,
    report: Report,
    spec: FormatSpec,
    target: str | os.PathLike,
    *,
    force: bool = False,
) -> Path:
    """Write a copy of ``source`` with findings marked in place and a results sheet first.

    Each problem is counted and commented in full once, at its own cell; what it explains is
    listed under it and gets a short comment naming it. A consequence's cell is filled only
    when its cause is a whole table (the blank cells of a table left blank are where to act).
    """
    import openpyxl  # heavy: only this path needs it
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    wb = openpyxl.load_workbook(source, keep_vba=False, keep_links=False)
    text = spec.annotation
    if text.sheet in wb.sheetnames:
        del wb[text.sheet]
    listed = _listed(report)
    by_cell: dict[tuple[str, str], list[tuple[Finding, Finding | None]]] = defaultdict(list)
    for f, cause in listed:
        if f.sheet in wb.sheetnames and f.cell:
            by_cell[(f.sheet, f.cell)].append((f, cause))
    for (sheet, ref), items in by_cell.items():
        cell = wb[sheet][ref]
        filled = [f for f, cause in items if cause is None or not cause.cell]
        if filled:
            worst = min(filled, key=lambda f: f.severity.rank).severity
            cell.fill = PatternFill("solid", fgColor=FILLS[worst])
        lines = [f"[{f.rule}] {f.message}" for f, cause in items if cause is None]
        lines += [
            render(
                text.explained_note,
                {"rule": f.rule, "cause": _cause_name(cause), "action": f.action},
            )
            for f, cause in items
            if cause is not None
        ]
        comment = Comment("\n".join(lines), COMMENT_AUTHOR)
        comment.width, comment.height = 320, min(60 + 40 * len(items), 400)
        cell.comment = comment

    ws = wb.create_sheet(text.sheet, 0)
    counts = report.counts
    ws.append([text.title])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    summary = render(
        text.summary,
        {
            "file": report.file,
            "errors": counts[Severity.ERROR],
            "warnings": counts[Severity.WARNING],
            "infos": counts[Severity.INFO],
        },
    )
    if report.explained:
        summary += render(text.summary_explained, {"count": report.explained})
    ws.append([summary])
    ws.append(list(text.heading))
    for cell in ws[3]:
        cell.font = Font(bold=True)
    labels = spec.severity_labels
    number = 0
    for f, cause in listed:
        if cause is None:
            number += 1
            ws.append([number, labels[f.severity], f.rule, f.where, f.text, f.action])
        else:
            ws.append(["", text.explained, f.rule, f.where, f.text, f.action])
        row = ws.max_row
        if cause is None:
            ws.cell(row, 2).fill = PatternFill("solid", fgColor=FILLS[f.severity])
        else:
            for col in (2, 3, 5, 6):
                ws.cell(row, col).font = Font(color=EXPLAINED_COLOUR)
        if f.sheet in wb.sheetnames:
            link = ws.cell(row, 4)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=_link_target(f))
            link.font = Font(color="0563C1", underline="single")
        for col in (5, 6):
            ws.cell(row, col).alignment = Alignment(
                wrap_text=True, vertical="top", indent=0 if cause is None else 1
            )
    if not listed:
        ws.append([text.none])
    for letter, width in zip("ABCDEF", (6, 12, 12, 14, 70, 50), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(4, 1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "3:3"
    wb.active = 0
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws
    wb.calculation.fullCalcOnLoad = True
    with atomic_output(target, force=force) as tmp:
        wb.save(tmp)
    return Path(target)
