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
from nianbao.workbook_templates.spec import FormatSpec, Severity

from .findings import Report

FILLS = {Severity.ERROR: "FFC7CE", Severity.WARNING: "FFEB9C", Severity.INFO: "DDEBF7"}
COMMENT_AUTHOR = "年报助手"


def annotate_workbook(
    source: str | os.PathLike,
    report: Report,
    spec: FormatSpec,
    target: str | os.PathLike,
    *,
    force: bool = False,
) -> Path:
    """Write a copy of ``source`` with findings marked in place and a results sheet first."""
    import openpyxl  # heavy: only this path needs it
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    wb = openpyxl.load_workbook(source, keep_vba=False, keep_links=False)
    text = spec.annotation
    if text.sheet in wb.sheetnames:
        del wb[text.sheet]
    findings = report.sorted_findings()
    by_cell: dict[tuple[str, str], list] = defaultdict(list)
    for f in findings:
        if f.sheet in wb.sheetnames and f.cell:
            by_cell[(f.sheet, f.cell)].append(f)
    for (sheet, ref), items in by_cell.items():
        cell = wb[sheet][ref]
        worst = items[0].severity
        cell.fill = PatternFill("solid", fgColor=FILLS[worst])
        body = "\n".join(f"[{f.rule}] {f.message}" for f in items)
        comment = Comment(body, COMMENT_AUTHOR)
        comment.width, comment.height = 320, min(60 + 40 * len(items), 400)
        cell.comment = comment

    ws = wb.create_sheet(text.sheet, 0)
    counts = report.counts
    ws.append([text.title])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.append(
        [
            f"{report.file}：错误 {counts[Severity.ERROR]} 项，警告 {counts[Severity.WARNING]} "
            f"项，提示 {counts[Severity.INFO]} 项"
        ]
    )
    ws.append(list(text.heading))
    for cell in ws[3]:
        cell.font = Font(bold=True)
    labels = spec.severity_labels
    for i, f in enumerate(findings, start=1):
        ws.append([i, labels[f.severity], f.rule, f.where, f.text, f.action])
        row = ws.max_row
        ws.cell(row, 2).fill = PatternFill("solid", fgColor=FILLS[f.severity])
        if f.sheet in wb.sheetnames and f.cell:
            link = ws.cell(row, 4)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{f.sheet}'!{f.cell}")
            link.font = Font(color="0563C1", underline="single")
        for col in (5, 6):
            ws.cell(row, col).alignment = Alignment(wrap_text=True, vertical="top")
    if not findings:
        ws.append([text.none])
    for letter, width in zip("ABCDEF", (6, 10, 12, 14, 70, 50), strict=True):
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
