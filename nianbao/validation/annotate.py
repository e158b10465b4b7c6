"""Annotated copies: the clerk's workbook written again from what our reader read, each offending
cell filled and commented, and a results sheet first.

The clerk's file is never opened a second time: the copy is built by the template builder from
the workbook's content as read (``WorkbookContent``), so it costs what a template costs whatever
the file held, and every total in it is a formula with its correct cached value. What the reader
does not read (the numbers of a table whose structure was changed, content outside the tables,
other sheets) is not in the copy, and its results sheet says so. The copy is stamped as ours with
the digest of its content: unchanged, a rollup knows it as our output; corrected by the unit, it
is the unit's return.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.checks import render
from nianbao.workbook_templates.content import WorkbookContent, workbook_content
from nianbao.workbook_templates.reader import FilledWorkbook
from nianbao.workbook_templates.spec import FormatSpec, Severity
from nianbao.workbook_templates.stamp import ANNOTATED_ROLE
from nianbao.workbook_templates.styles import SEVERITY_FILLS
from nianbao.workbook_templates.text_fit import comment_size, row_height

from .findings import Finding, Report
from .shown import ShownValues

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

FILLS = {s: colour.lstrip("#") for s, colour in SEVERITY_FILLS.items()}
COMMENT_AUTHOR = "年报助手"
COLUMN_WIDTHS = (6, 12, 12, 14, 70, 50)
COMMENT_GAP = 8  # pixels between comment boxes
MAX_ROW, MAX_COL = 1_048_575, 16_383  # the last cell of an Excel sheet (0-based)

Listed = list[tuple[Finding, Finding | None]]


def _listed(report: Report) -> Listed:
    """Return (finding, its cause or None) in the order the results sheet lists them: each
    problem (a finding no other explains), then right under it what it explains."""
    ids = {f.id for f in report.findings if f.id}
    rows: Listed = []
    for f in report.sorted_findings():
        if f.cause is None or f.cause not in ids:
            rows.append((f, None))
            rows += [(g, f) for g in report.explained_by(f)]
    return rows


def _rule_label(f: Finding) -> str:
    """Return the rule as the copy shows it: "X-1", or "L-1（本地规则“某市要求”）"."""
    return f"{f.rule}（{f.pack_label}）" if f.pack else f.rule


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
    return f"{L.quote_sheet(f.sheet)}!{cell}"


def _cell(ref: str) -> tuple[int, int] | None:
    """Return the 0-based (row, col) of a finding's cell, or None for one no sheet can have."""
    try:
        row, col = L.parse_a1(ref)
    except ValueError:
        return None
    return (row, col) if 0 <= row <= MAX_ROW and 0 <= col <= MAX_COL else None


def copy_content(wb: FilledWorkbook) -> WorkbookContent:
    """Return what an annotated copy of ``wb`` is written from: its content as read, a formula
    typed into an input cell as the number the spreadsheet shows."""
    formulas = [k for k, c in wb.cells.items() if c.status == "formula"]
    shown = ShownValues(wb) if formulas else None
    return workbook_content(wb, {k: shown.input_formula(k) for k in formulas} if shown else None)


def _write_comments(ws: Worksheet, items: list[tuple[int, int, str]]) -> None:
    """Comment cells, each box sized to its text, and placed so that no box covers another
    when all are shown: in a column right of the sheet's table, in the order of their cells,
    each beside its own row or, when the box above reaches further down, just below that box.
    (Placed beside the cell, as xlsxwriter does by default, the boxes of neighbouring cells lie
    on one another.)

    The rows' heights are read from the worksheet (``_size_row``, pixels; every row is written
    by now), the one xlsxwriter internal this leans on, as xlsxwriter itself places the boxes.
    """
    first_col = min(ws.dim_colmax + 1, MAX_COL) if ws.dim_colmax is not None else 0
    top_of: dict[int, int] = {}  # the top of each commented row, in pixels
    y = r = 0
    for row in sorted({row for row, _, _ in items}):
        while r < row:
            y, r = y + ws._size_row(r), r + 1
        top_of[row] = y
    below = 0  # where the box above ends, in pixels from the sheet's top
    for row, col, text in sorted(items):
        width, height = comment_size(text)
        top = max(top_of[row] + 1, below)  # xlsxwriter takes an offset of 0 for its default
        below = top + height + COMMENT_GAP
        options = {
            "author": COMMENT_AUTHOR,
            "width": width,
            "height": height,
            # Anchored at its own row, pushed down only as far as the box above requires.
            "start_row": row,
            "start_col": first_col,
            "x_offset": COMMENT_GAP,
            "y_offset": top - top_of[row],
        }
        ws.write_comment(row, col, text, options)


class _Annotation:
    """The annotated copy's additions to the standard template (see ``builder.Extension``): the
    results sheet first, and the offending cells filled and commented."""

    in_memory = True

    def __init__(self, report: Report, spec: FormatSpec, content: WorkbookContent) -> None:
        self.report, self.spec, self.content = report, spec, content
        self.text = spec.annotation
        self.listed = _listed(report)

    # -- builder.Extension --------------------------------------------------------------------

    def front_sheets(self) -> list[str]:
        return [self.text.sheet]

    def back_sheets(self) -> list[str]:
        return []

    def worksheet_class(self, name: str) -> type[Worksheet]:
        from nianbao.workbook_templates.builder import _Worksheet

        return _Worksheet

    def input_formula(self, key) -> None:
        return None

    def stamp_rows(self) -> list[tuple[str, str]]:
        return []

    def write_sheets(self, sheets: Mapping[str, Worksheet], builder) -> None:
        from nianbao.workbook_templates.styles import make_results_formats

        self._mark(sheets, builder.fm.filled)
        fm = make_results_formats(builder.workbook)
        self._write_results(sheets[self.text.sheet], fm, sheets)

    # -- the offending cells --------------------------------------------------------------------

    def _mark(self, sheets: Mapping[str, Worksheet], filled) -> None:
        """Comment each offending cell once (its problems in full, what others explain short)
        and fill it by the worst of its own problems. A consequence's cell is filled only when
        its cause is a whole table (the blank cells of a table left blank are where to act)."""
        by_cell: dict[tuple[str, int, int], Listed] = defaultdict(list)
        comments: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for f, cause in self.listed:
            at = _cell(f.cell) if f.cell and f.sheet in sheets else None
            if at is not None and f.sheet != self.text.sheet:
                by_cell[(f.sheet, *at)].append((f, cause))
        for (sheet, row, col), items in by_cell.items():
            ws = sheets[sheet]
            own = [f for f, cause in items if cause is None or not cause.cell]
            if own:
                worst = min(own, key=lambda f: f.severity.rank).severity
                colour = SEVERITY_FILLS[worst]
                ws.restyle(row, col, lambda old, colour=colour: filled(old, colour))
            lines = [f"[{_rule_label(f)}] {f.message}" for f, cause in items if cause is None]
            lines += [
                render(
                    self.text.explained_note,
                    {"rule": f.rule, "cause": _cause_name(cause), "action": f.action},
                )
                for f, cause in items
                if cause is not None
            ]
            comments[sheet].append((row, col, "\n".join(lines)))
        for sheet, boxes in comments.items():
            _write_comments(sheets[sheet], boxes)

    # -- 校验结果 ---------------------------------------------------------------------------------

    def _write_results(self, ws: Worksheet, fm, sheets: Mapping[str, Worksheet]) -> None:
        text, report = self.text, self.report
        counts = report.counts
        ws.write_string(0, 0, text.title, fm.title)
        summary = render(
            text.summary,
            {
                "file": Path(report.file).name,  # never where it lies on this computer
                "errors": counts[Severity.ERROR],
                "warnings": counts[Severity.WARNING],
                "infos": counts[Severity.INFO],
            },
        )
        if report.explained:
            summary += render(text.summary_explained, {"count": report.explained})
        ws.write_string(1, 0, summary)
        for c, heading in enumerate(text.heading):
            ws.write_string(2, c, heading, fm.heading)
        labels = self.spec.severity_labels
        row, number = 3, 0
        for f, cause in self.listed:
            if cause is None:
                number += 1
                ws.write_number(row, 0, number, fm.cell)
                ws.write_string(row, 1, labels[f.severity], fm.severity[f.severity])
                ws.write_string(row, 2, _rule_label(f), fm.cell)
            else:
                ws.write_string(row, 1, text.explained, fm.explained)
                ws.write_string(row, 2, _rule_label(f), fm.explained)
            if f.where:
                if f.sheet in sheets and f.sheet != text.sheet:
                    ws.write_url(row, 3, f"internal:{_link_target(f)}", fm.link, f.where)
                else:
                    ws.write_string(row, 3, f.where, fm.cell)
            wrapped = fm.text if cause is None else fm.explained_text
            ws.write_string(row, 4, f.text, wrapped)
            ws.write_string(row, 5, f.action, wrapped)
            # Spreadsheet programs do not grow a row for wrapped text written by a program.
            ws.set_row(row, row_height(f.text, COLUMN_WIDTHS[4], f.action, COLUMN_WIDTHS[5]))
            row += 1
        if not self.listed:
            ws.write_string(row, 0, text.none)
            row += 1
        for note in self._notes():
            row += 1
            ws.merge_range(row, 0, row, len(COLUMN_WIDTHS) - 1, note, fm.note)
            ws.set_row(row, row_height(note, sum(COLUMN_WIDTHS)))
        for c, width in enumerate(COLUMN_WIDTHS):
            ws.set_column(c, c, width)
        ws.freeze_panes(3, 0)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(2)

    def _notes(self) -> list[str]:
        """Return what the results sheet says below the list about the copy itself."""
        text, content = self.text, self.content
        notes = [text.rebuilt]
        if content.unread_tables:
            names = "、".join(self.spec.table(code).name for code in content.unread_tables)
            notes.append(render(text.unread, {"tables": names}))
        if content.stamp.is_summary:
            notes.append(text.summary_copy)
        return notes


def annotate_workbook(
    source: FilledWorkbook | WorkbookContent,
    report: Report,
    target: str | os.PathLike,
    *,
    force: bool = False,
) -> Path:
    """Write the annotated copy of a workbook (as read, or its content) to ``target``
    atomically; return the path.

    Each problem is counted and commented in full once, at its own cell; what it explains is
    listed under it and gets a short comment naming it.
    """
    from nianbao.workbook_templates.builder import build_template

    content = copy_content(source) if isinstance(source, FilledWorkbook) else source
    spec = content.spec
    request = content.request()
    stamp = content.copy_stamp(request, ANNOTATED_ROLE)
    extension = _Annotation(report, spec, content)
    return build_template(target, request, force=force, extension=extension, stamp=stamp)
