"""Write the summary workbook (汇总表) of a rollup: the standard template, kind 汇总, plus
汇总情况 first, one sheet per included unit between two bookends, 明细 and 图表.

The summary's tables hold live formulas over the unit sheets (``summary_layout``), written with
their correct cached values; so do the unit sheets' own totals, the 明细 values and the chart
data. The summary is itself a standard workbook: ``nianbao check`` reads it (recomputing every
total from the unit sheets), ``nianbao export`` turns it into a report, and a city rolls county
summaries up again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from xlsxwriter.worksheet import Worksheet

from nianbao.validation.compare import change_lines
from nianbao.validation.text_report import summary_line
from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.builder import TemplateRequest, _Worksheet, build_template
from nianbao.workbook_templates.bulk_sheet import BulkWorksheet, CellWriter, RawXml, number_text
from nianbao.workbook_templates.compute import computed_cells, number_keys
from nianbao.workbook_templates.fields import Field, resolve
from nianbao.workbook_templates.formulas import key_ref
from nianbao.workbook_templates.input_marks import highlight_inputs, validate_inputs
from nianbao.workbook_templates.spec import CellKey, FormatSpec
from nianbao.workbook_templates.stamp import PART_KEY, SUMMARY_ROLE
from nianbao.workbook_templates.summary_layout import (
    UNIT_SOURCE_ROW,
    UNIT_TITLE_ROW,
    part_sheet_name,
    part_sum_formula,
    reserved_sheet_names,
    unit_sheet_layout,
    unit_total_formula,
)
from nianbao.workbook_templates.text_fit import row_height

from .deadlines import timeliness_text
from .explain import check_lines, verdict
from .ledger import arrival_text
from .model import RollupResult, UnitEntry, unit_totals
from .revisions import changes_text
from .text import counts_text

ROW = "\x00"  # stands for the row number in pre-rendered cells (never in real text)
# Bars in one chart: more units are shared out over several charts of at most this many each
# (every unit in one of them), so that each chart fits on a printed page with every bar labelled.
CHART_UNITS = 50
BAR_HEIGHT = 24  # pixels a unit's bar (and its label) takes in a chart
CHART_ROW = 2  # the 图表 sheet's row of its first chart (below the title)
ROW_PX = 20  # rows of the 图表 sheet keep the default height: charts are placed by row
# What one A4 portrait page holds of the 图表 sheet printed one page wide (its tables and a
# 720-px chart: about 1,990 px), less a margin: charts are kept whole on their page by a page
# break before a chart that would not fit below the ones already on it.
CHART_PAGE_PX = 1900
# Up to this many unit sheets the workbook is assembled in memory (about 0.2 MB a unit, and
# faster); beyond it on disk, so a national rollup does not need gigabytes.
IN_MEMORY_UNITS = 1000
# 序号, 单位名称, 单位类型, 状态, 纳入汇总, 错误数, 警告数, 主要问题, 文件, 首次收到, 是否按时,
# 版本, 验收, SHA-256
STATUS_WIDTHS = (6, 26, 10, 10, 9, 7, 7, 52, 36, 18, 18, 30, 30, 18)
STATUS_SHA_COLUMN = len(STATUS_WIDTHS) - 1
# 序号, 文件, 状态, 单位, 说明, SHA-256
FILES_WIDTHS = (6, 54, 10, 24, 60, 56)
SHORT_SHA = 16  # hex digits of a file's SHA-256 on 汇总情况 (the sheet of received files: all)
MAX_ROWS = 1_048_576  # rows of an Excel worksheet: 明细 stops there (a rollup of ~25,000 units)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class _RowPlan:
    row: int
    height: float | None
    labels: tuple[L.LabelCell, ...]  # cells of labels starting in this row
    fills: tuple[tuple[int, str], ...]  # (col, role) of merged cells' other cells in this row
    values: tuple[L.ValueCell, ...]


@cache
def _unit_plan(spec: FormatSpec) -> tuple[_RowPlan, ...]:
    """Return, row by row, what a unit sheet holds below its title (the same for every unit)."""
    lay = unit_sheet_layout(spec)
    labels: dict[int, list[L.LabelCell]] = {}
    fills: dict[int, list[tuple[int, str]]] = {}
    heights: dict[int, float] = {}
    for c in lay.labels:
        labels.setdefault(c.row, []).append(c)
        for r in range(c.row, c.last_row + 1):
            for col in range(c.col, c.last_col + 1):
                if (r, col) != (c.row, c.col):
                    fills.setdefault(r, []).append((col, c.role))
        if c.role == "title":
            heights[c.row] = 30
        elif c.role != "caption" and c.last_row == c.row:
            width = sum(lay.widths[c.col : c.last_col + 1])
            heights[c.row] = max(heights.get(c.row, 20), row_height(c.text, width))
    values: dict[int, list[L.ValueCell]] = {}
    for v in lay.values:
        values.setdefault(v.row, []).append(v)
    rows = sorted(set(labels) | set(fills) | set(values))
    return tuple(
        _RowPlan(
            r,
            heights.get(r),
            tuple(sorted(labels.get(r, ()), key=lambda c: c.col)),
            tuple(sorted(fills.get(r, ()))),
            tuple(sorted(values.get(r, ()), key=lambda v: v.col)),
        )
        for r in rows
    )


class SummaryExtension:
    """The summary's additions to the standard template (see ``builder.Extension``)."""

    def __init__(self, result: RollupResult) -> None:
        self.result = result
        self.spec = spec = result.spec
        self.text = spec.summary
        taken = reserved_sheet_names(spec)
        for unit in result.included:
            unit.sheet = part_sheet_name(unit.name, taken)
        self.units = result.included
        self._bulk = {u.sheet for u in self.units} | {self.text.detail_sheet}
        self.computed = computed_cells(spec)
        self._static: dict[int, RawXml] = {}
        self._values: dict[int, list[tuple]] = {}
        self.in_memory = len(self.units) <= IN_MEMORY_UNITS
        self._merges = self._unit_merges()
        lay = unit_sheet_layout(spec)
        self._locate = lambda key: (lay.cell(key).row, lay.cell(key).col)

    # -- builder.Extension --------------------------------------------------------------------

    def front_sheets(self) -> list[str]:
        revised = [self.text.revisions_sheet] if self.result.revised else []
        return [self.text.status_sheet, self.text.files_sheet, *revised]

    def back_sheets(self) -> list[str]:
        t = self.text
        return [
            t.first_part,
            *(u.sheet for u in self.units),
            t.last_part,
            t.detail_sheet,
            t.chart_sheet,
        ]

    def worksheet_class(self, name: str) -> type[Worksheet]:
        return BulkWorksheet if name in self._bulk else _Worksheet

    def input_formula(self, key: CellKey) -> str | None:
        if self.spec.value_type(key) == "text":
            return None
        return part_sum_formula(self.spec, key)

    def stamp_rows(self) -> list[tuple[str, str]]:
        return [(PART_KEY, u.sheet) for u in self.units]

    def write_sheets(self, sheets: Mapping[str, Worksheet], builder) -> None:
        self.fm = builder.fm
        self.workbook = builder.workbook
        t = self.text
        self._write_status(sheets[t.status_sheet])
        self._write_files(sheets[t.files_sheet])
        if self.result.revised:
            self._write_revisions(sheets[t.revisions_sheet])
        self._write_bookend(sheets[t.first_part], t.part_note)
        self._write_bookend(sheets[t.last_part], t.last_note)
        for unit in self.units:
            self._write_unit(sheets[unit.sheet], unit)
        self._write_detail(sheets[t.detail_sheet])
        self._write_charts(sheets[t.chart_sheet])

    # -- 汇总情况 ---------------------------------------------------------------------------------

    def _write_status(self, ws: Worksheet) -> None:
        result, t, fm = self.result, self.text, self.fm
        label = result.status_label
        widths = STATUS_WIDTHS
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        title = t.status_title.format(unit=result.request.unit, year=result.year)
        ws.merge_range(0, 0, 0, len(widths) - 1, title, fm.title)
        ws.set_row(0, 30)
        ws.merge_range(1, 0, 1, len(widths) - 1, counts_text(result), fm.subtitle)
        policy = (
            t.status_policy_exclude if result.request.exclude_invalid else (t.status_policy_include)
        )
        notes = [policy]
        if result.previous_note:
            notes.append(result.previous_note)
        ws.merge_range(2, 0, 2, len(widths) - 1, "".join(notes), fm.unit_line)
        head = 3
        report = result.summary_report
        if report is not None:  # the check of the totals, and why they fail
            for line in [verdict(report), *check_lines(report)]:
                ws.merge_range(head, 0, head, len(widths) - 1, line, fm.wrapped)
                ws.set_row(head, row_height(line, sum(widths)))
                head += 1
        _heading_row(ws, head, t.status_heading, widths, fm.header)
        r = head
        for i, unit in enumerate(result.units, 1):
            r = head + i
            f = unit.file
            problems = "；".join(f"{x.where} {x.text}".strip() for x in unit.first_errors())
            if not problems and unit.others:
                problems = unit.others[0].reason
            version = (
                t.version_text.format(
                    version=unit.version,
                    count=len(unit.versions),
                    changes=changes_text(unit.revision, unit.revision_note)
                    if unit.version > 1
                    else "较早的版本",
                )
                if len(unit.versions) > 1
                else ""
            )
            accepted = self._acceptance(unit)
            cells = [
                i,
                unit.name,
                unit.kind,
                label(unit.status),
                t.included if unit.included else t.not_included,
                f.errors if f else "",
                f.warnings if f else "",
                problems,
                f.path.name if f else "",
                arrival_text(f.first_seen or f.mtime) if f else "",
                timeliness_text(unit.timeliness, t.timeliness),
                version,
                accepted,
                f.sha256[:SHORT_SHA] if f else "",  # in full on the sheet of received files
            ]
            for c, value in enumerate(cells):
                style = fm.statuses.get(unit.status, fm.plain_text) if c == 3 else fm.plain_text
                if isinstance(value, int):
                    ws.write_number(r, c, value, fm.plain_number)
                else:
                    ws.write_string(
                        r, c, str(value), fm.plain_line if c == STATUS_SHA_COLUMN else style
                    )
            ws.set_row(r, row_height(*_pairs([str(c) for c in cells], widths)))
        ws.autofilter(head, 0, r, len(widths) - 1)
        ws.freeze_panes(head + 1, 2)
        _print_wide(ws, head)
        ws.protect("", {"autofilter": True, "sort": True, "format_columns": True})

    def _write_files(self, ws: Worksheet) -> None:
        """Write every received file, what became of it and why, with its full SHA-256."""
        result, t, fm = self.result, self.text, self.fm
        label = result.status_label
        widths = FILES_WIDTHS
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        ws.merge_range(0, 0, 0, len(widths) - 1, t.files_title, fm.title)
        ws.set_row(0, 30)
        _heading_row(ws, 1, t.files_heading, widths, fm.header)
        r = 1
        for i, f in enumerate(result.files, 1):
            r += 1
            cells = [result.shown_path(f), label(f.status), f.unit, f.reason, f.sha256]
            ws.write_number(r, 0, i, fm.plain_number)
            ws.write_string(r, 1, cells[0], fm.plain_text)
            ws.write_string(r, 2, cells[1], fm.statuses.get(f.status, fm.plain_text))
            ws.write_string(r, 3, cells[2], fm.plain_text)
            ws.write_string(r, 4, cells[3], fm.plain_text)
            ws.write_string(r, 5, cells[4], fm.plain_line)
            ws.set_row(r, row_height(*_pairs([str(i), *cells[:4]], widths)))
        ws.autofilter(1, 0, r, len(widths) - 1)
        ws.freeze_panes(2, 2)
        _print_wide(ws, 1)
        ws.protect("", {"autofilter": True, "sort": True, "format_columns": True})

    def _acceptance(self, unit: UnitEntry) -> str:
        """Return the 验收 cell: when accepted, and what a newer version would change."""
        t, event = self.text, unit.accepted
        if event is None:
            return ""
        when = event["time"][:16].replace("T", " ")
        if unit.acceptance_note:
            return f"{t.accepted_text.format(time=when)}；{unit.acceptance_note}"
        if unit.versions and unit.versions[-1].sha256 != event["sha256"]:
            newest = unit.versions[-1]
            changes = changes_text(unit.after_acceptance)
            return t.accepted_changed_text.format(time=when, file=newest.path.name, changes=changes)
        return t.accepted_text.format(time=when)

    # -- 修订记录 ---------------------------------------------------------------------------------

    def _write_revisions(self, ws: Worksheet) -> None:
        """Every version of each unit that sent several, oldest first, with what it changed."""
        result, t, fm = self.result, self.text, self.fm
        widths = (28, 8, 36, 17, 34, 9, 80, 20)  # the digest is cut on screen, whole in the cell
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        title = t.revisions_title.format(unit=result.request.unit, year=result.year)
        ws.merge_range(0, 0, 0, len(widths) - 1, title, fm.title)
        ws.set_row(0, 30)
        ledger = result.ledger.name if result.ledger else ""
        note = t.revisions_note.format(ledger=ledger)
        ws.merge_range(1, 0, 1, len(widths) - 1, note, fm.wrapped)
        ws.set_row(1, row_height(note, sum(widths)))
        head = 2
        for c, text in enumerate(t.revisions_heading):
            ws.write_string(head, c, text, fm.header)
        r = head
        comparisons = result.comparisons
        for unit in result.revised:
            before = None
            for n, version in enumerate(unit.versions, 1):
                r += 1
                if before is None:
                    changes = "（第一版）"
                else:
                    comparison = comparisons.get((before.sha256, version.sha256))
                    changes = (
                        "\n".join(change_lines(comparison) or ["内容与上一版相同"])
                        if comparison is not None
                        else "无法与上一版比较"
                    )
                report = version.report
                verdict = summary_line(report) if report is not None else ""
                cells = [
                    unit.name,
                    f"第 {n} 版",
                    version.path.name,
                    arrival_text(version.first_seen or version.mtime),
                    verdict,
                    t.included if version.used else t.not_included,
                    changes,
                    version.sha256,
                ]
                for c, value in enumerate(cells):
                    ws.write_string(r, c, value, fm.plain_line if c == 7 else fm.plain_text)
                ws.set_row(r, row_height(changes, widths[6], verdict, widths[4]))
                before = version
        ws.autofilter(head, 0, max(r, head), len(widths) - 1)
        ws.freeze_panes(head + 1, 1)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(head)
        ws.protect("", {"autofilter": True, "sort": True, "format_columns": True})

    def _write_bookend(self, ws: Worksheet, note: str) -> None:
        ws.set_column(0, 0, 100)
        ws.write_string(0, 0, note, self.fm.note)
        ws.set_row(0, 60)
        ws.set_tab_color("#808080")
        ws.protect("")

    # -- unit sheets --------------------------------------------------------------------------

    def _unit_merges(self) -> list[tuple[int, int, int, int]]:
        lay = unit_sheet_layout(self.spec)
        merges = [
            (UNIT_TITLE_ROW, 0, UNIT_TITLE_ROW, lay.width - 1),
            (UNIT_SOURCE_ROW, 0, UNIT_SOURCE_ROW, lay.width - 1),
        ]
        merges += [(c.row, c.col, c.last_row, c.last_col) for c in lay.labels if c.merged]
        merges += [(v.row, v.col, v.row, v.col + v.span - 1) for v in lay.values if v.span > 1]
        return merges

    def _static_row(self, writer: CellWriter, plan: _RowPlan) -> RawXml:
        """Return a row's labels as XML, rendered once for every unit sheet."""
        if plan.row not in self._static:
            fm = self.fm
            cells: list[tuple[int, str | None, Any]] = [
                (c.col, c.text, fm.label(c.role, c.last_row > c.row)) for c in plan.labels
            ]
            cells += [(col, None, fm.label(role)) for col, role in plan.fills]
            cells.sort(key=lambda x: x[0])
            xml = "".join(writer.cell(plan.row, c, v, f) for c, v, f in cells)
            self._static[plan.row] = RawXml(xml)
        return self._static[plan.row]

    def _value_cells(self, writer: CellWriter, plan: _RowPlan) -> list[tuple]:
        """Return a row's value cells as (key, XML before the number, after it, XML if blank),
        built once: the cell, its style and (for a total) its formula are the same on every
        unit sheet."""
        if plan.row not in self._values:
            spec, fm = self.spec, self.fm
            cells = []
            for v in plan.values:
                vtype = spec.value_type(v.key)
                ref = L.a1(v.row, v.col)
                if v.key in self.computed:
                    style = writer.style(fm.computed[vtype])
                    formula = escape(unit_total_formula(spec, v.key))
                    head, blank = f'<c r="{ref}"{style}><f>{formula}</f><v>', ""
                else:
                    style = writer.style(fm.inputs[vtype])
                    head, blank = f'<c r="{ref}"{style}><v>', f'<c r="{ref}"{style}/>'
                extra = "".join(
                    f'<c r="{L.a1(v.row, v.col + i)}"{style}/>' for i in range(1, v.span)
                )
                blank = (blank or head + "0</v></c>") + extra
                cells.append((v.key, head, "</v></c>" + extra, blank))
            self._values[plan.row] = cells
        return self._values[plan.row]

    def _write_unit(self, ws: BulkWorksheet, unit: UnitEntry) -> None:
        spec, fm = self.spec, self.fm
        lay = unit_sheet_layout(spec)
        for c, w in enumerate(lay.widths):
            ws.set_column(c, c, w)
        ws.add_merges(self._merges)
        file = unit.file
        source = self.text.part_source.format(
            file=file.path.name if file else "",
            status=self.result.status_label(unit.status),
            sha=file.sha256[:16] if file else "",
        )

        def rows(writer: CellWriter):
            numbers = unit_totals(unit, spec)  # at save time: held for one sheet at a time
            yield UNIT_TITLE_ROW, 30, [(0, unit.name, fm.title)]
            yield UNIT_SOURCE_ROW, None, [(0, source, fm.unit_line)]
            for plan in _unit_plan(spec):
                parts = [self._static_row(writer, plan)]
                for key, head, tail, blank in self._value_cells(writer, plan):
                    value = numbers.get(key)
                    parts.append(blank if value is None else head + number_text(value) + tail)
                yield plan.row, plan.height, [(0, RawXml("".join(parts)), None)]

        ws.set_rows(rows, lay.last_row, lay.width - 1)
        for table in spec.tables:  # the same guards as the unit's own workbook
            validate_inputs(ws, spec, table.code, self._locate)
            highlight_inputs(ws, spec, table.code, self._locate, fm.fail)
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.protect("", {"format_columns": True, "format_rows": True})

    # -- 明细 -------------------------------------------------------------------------------------

    def _write_detail(self, ws: BulkWorksheet) -> None:
        spec, fm, t = self.spec, self.fm, self.text
        widths = (28, 8, 40, 22, 10, 40, 12, 24)
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        ws.add_merges([(0, 0, 0, len(widths) - 1)])
        lay = unit_sheet_layout(spec)
        keys = number_keys(spec)
        labels = {k: _key_labels(spec, k) for k in keys}
        refs = {k: lay.ref(k) for k in keys}
        units = self.units
        count = sum(1 for u in units for k in keys if u.values.get(k))

        def rows(writer: CellWriter) -> Iterator:
            yield 0, 30, [(0, t.detail_title, fm.title)]
            yield 1, None, [(c, text, fm.header) for c, text in enumerate(t.detail_heading)]
            # Fragments with ROW where the row number goes, rendered once per key or unit.
            text, number = writer.style(fm.plain_text), writer.style(fm.plain_number)

            def cell(col: str, value: str) -> str:
                return f'<c r="{col}{ROW}"{text} t="inlineStr">{writer.inline(value)}</c>'

            by_key = {
                k: "".join(cell(c, v) for c, v in zip("BCD", labels[k][:3], strict=True))
                for k in keys
            }
            r, last = 2, min(count + 1, MAX_ROWS - 2)
            for unit in units:
                sheet = escape(L.quote_sheet(unit.sheet))
                name = cell("A", unit.name)
                source = cell("F", unit.file.path.name if unit.file else "")
                for key in keys:
                    value = unit.values.get(key)
                    if not value:
                        continue
                    if r > last:
                        omitted = count - (last - 1)
                        note = f"……另有 {omitted} 行超过 Excel 工作表的行数上限，没有列出。"
                        yield r, None, [(0, note, fm.plain_text)]
                        return
                    ref = refs[key]
                    row = str(r + 1)
                    xml = (
                        f"{name}{by_key[key]}"
                        f'<c r="E{ROW}"{number}><f>{sheet}!{ref}</f><v>{number_text(value)}</v></c>'
                        f"{source}{cell('G', labels[key][3])}{cell('H', f'{unit.sheet}!{ref}')}"
                    )
                    yield r, None, [(0, RawXml(xml.replace(ROW, row)), None)]
                    r += 1

        last_row = min(count + 1, MAX_ROWS - 1)
        ws.set_rows(rows, max(1, last_row), len(widths) - 1)
        ws.autofilter(1, 0, max(1, last_row), len(widths) - 1)
        ws.freeze_panes(2, 1)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(1)
        ws.protect("", {"autofilter": True, "sort": True, "format_columns": True})

    # -- 图表 -------------------------------------------------------------------------------------

    def _fields(self, names: tuple[str, ...]) -> list[Field]:
        found = []
        for name in names:
            f = resolve(self.spec, name)
            if f is not None and f.keys:
                found.append(f)
        return found

    def _unit_formula(self, unit: UnitEntry, field: Field, totals) -> tuple[str, Decimal]:
        """Return the formula summing a field's cells on a unit's sheet, and its value."""
        lay = unit_sheet_layout(self.spec)
        sheet = L.quote_sheet(unit.sheet)
        refs = ",".join(f"{sheet}!{lay.ref(k)}" for k in field.keys)
        value = sum((totals.get(k, Decimal(0)) for k in field.keys), Decimal(0))
        return f"SUM({refs})", value

    def _write_charts(self, ws: Worksheet) -> None:
        spec, fm, t, wb = self.spec, self.fm, self.text, self.workbook
        name = t.chart_sheet
        ws.set_column(0, 0, 28)
        ws.set_column(1, 4, 12)
        ws.merge_range(0, 0, 0, 8, t.chart_title, fm.title)
        ws.set_row(0, 30)
        units = self.units
        chart_keys = {k for f in self._fields(t.chart_by_unit + t.chart_appeals) for k in f.keys}
        totals = {}
        for u in units:
            numbers = unit_totals(u, spec)
            totals[u.sheet] = {k: numbers[k] for k in chart_keys if k in numbers}
        all_totals = self._summary_totals()
        row = 2
        self._chart_row, self._page_px = CHART_ROW, CHART_ROW * ROW_PX
        self._breaks: list[int] = []  # rows that start a printed page

        def write_value(r: int, c: int, formula: tuple[str, Decimal]) -> None:
            ws.write_formula(r, c, formula[0], fm.plain_number, _number(formula[1]))

        def by_unit_table(row: int, title: str, fields: list[Field]) -> int:
            """Write a heading row and a row per unit with each field's value; return the
            last row."""
            ws.write_string(row, 0, title, fm.header)
            for c, f in enumerate(fields, 1):
                ws.write_string(row, c, _short(f.name), fm.header)
            for u in units:
                row += 1
                ws.write_string(row, 0, u.name, fm.plain_text)
                for c, f in enumerate(fields, 1):
                    write_value(row, c, self._unit_formula(u, f, totals[u.sheet]))
            return row

        # 1. by unit
        by_unit = self._fields(t.chart_by_unit)
        appeals = self._fields(t.chart_appeals)
        outcomes = self._fields(t.chart_outcomes)
        if by_unit and units:
            first = row
            row = by_unit_table(row, t.chart_by_unit_title, by_unit)
            for part in chart_parts(len(units)):
                chart = wb.add_chart({"type": "bar"})
                for c, _f in enumerate(by_unit, 1):
                    chart.add_series(
                        {
                            "name": [name, first, c],
                            "categories": [name, first + 1 + part.start, 0, first + part.stop, 0],
                            "values": [name, first + 1 + part.start, c, first + part.stop, c],
                            "data_labels": {"value": True, "position": "outside_end"},
                        }
                    )
                title = self._part_title(t.chart_by_unit_title, part, len(units))
                self._place(ws, chart, title, len(part), legend=len(by_unit) > 1)
            row += 2
        # 2. outcomes of the whole county
        if outcomes:
            first = row
            ws.write_string(row, 0, t.chart_outcomes_title, fm.header)
            ws.write_string(row, 1, "", fm.header)
            for f in outcomes:
                row += 1
                ws.write_string(row, 0, _short(f.name), fm.plain_text)
                refs = ",".join(key_ref(spec, k) for k in f.keys)
                value = sum((all_totals.get(k, Decimal(0)) for k in f.keys), Decimal(0))
                write_value(row, 1, (f"SUM({refs})", value))
            chart = wb.add_chart({"type": "pie"})
            chart.add_series(
                {
                    "name": t.chart_outcomes_title,
                    "categories": [name, first + 1, 0, row, 0],
                    "values": [name, first + 1, 1, row, 1],
                    "data_labels": {"value": True, "percentage": True, "category": False},
                }
            )
            chart.set_title({"name": t.chart_outcomes_title})
            chart.set_size({"width": 720, "height": 400})
            self._insert(ws, chart, 400)
            row += 2
        # 3. appeals by unit
        if appeals and units:
            first = row
            row = by_unit_table(row, t.chart_appeals_title, appeals)
            for part in chart_parts(len(units)):
                chart = wb.add_chart({"type": "bar", "subtype": "stacked"})
                for c, _ in enumerate(appeals, 1):
                    chart.add_series(
                        {
                            "name": [name, first, c],
                            "categories": [name, first + 1 + part.start, 0, first + part.stop, 0],
                            "values": [name, first + 1 + part.start, c, first + part.stop, c],
                        }
                    )
                title = self._part_title(t.chart_appeals_title, part, len(units))
                self._place(ws, chart, title, len(part), legend=True)
        ws.set_h_pagebreaks(self._breaks)
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.protect("")

    def _insert(self, ws: Worksheet, chart, height: int) -> None:
        """Insert a chart below the previous one, on a new printed page if it would not fit
        whole on the current one."""
        rows = -(-height // ROW_PX) + 1  # the rows it covers, and one between charts
        if self._page_px > CHART_ROW * ROW_PX and self._page_px + rows * ROW_PX > CHART_PAGE_PX:
            self._breaks.append(self._chart_row)
            self._page_px = 0
        ws.insert_chart(self._chart_row, 6, chart)
        self._chart_row += rows
        self._page_px += rows * ROW_PX

    def _part_title(self, title: str, part: range, units: int) -> str:
        """Return a chart's title: the spec's, with the units it shows when it shows only some."""
        if len(part) == units:
            return title
        return self.text.chart_part_title.format(
            title=title, first=part.start + 1, last=part.stop, count=units
        )

    def _place(self, ws: Worksheet, chart, title: str, units: int, legend: bool) -> None:
        """Insert a bar chart below the previous chart, tall enough to label every unit's bar."""
        chart.set_title({"name": title, "name_font": {"size": 12}})
        # In a bar chart xlsxwriter's y axis is the categories (the units): the first on top, as
        # in the table, and every one labelled (a spreadsheet otherwise skips labels it finds
        # crowded, and names only every other unit).
        chart.set_y_axis(
            {"reverse": True, "interval_unit": 1, "interval_tick": 1, "num_font": {"size": 9}}
        )
        chart.set_x_axis({"num_font": {"size": 9}})
        chart.set_legend({"position": "bottom"} if legend else {"none": True})
        height = max(300, 110 + BAR_HEIGHT * units)
        chart.set_size({"width": 720, "height": height})
        self._insert(ws, chart, height)

    def _summary_totals(self) -> dict[CellKey, Decimal]:
        from nianbao.workbook_templates.compute import recompute

        totals = self.result.totals
        return {**totals, **recompute(self.spec, totals)}


def chart_parts(units: int, most: int = CHART_UNITS) -> list[range]:
    """Return the units (0-based, in table order) of each bar chart: all of them, in as few
    charts of at most ``most`` units as will hold them, the charts as equal as can be."""
    if units <= 0:
        return []
    charts = -(-units // most)
    size, extra = divmod(units, charts)
    parts, start = [], 0
    for i in range(charts):
        stop = start + size + (1 if i < extra else 0)
        parts.append(range(start, stop))
        start = stop
    return parts


def _heading_row(ws: Worksheet, row: int, heading: tuple[str, ...], widths, fmt) -> None:
    for c, text in enumerate(heading):
        ws.write_string(row, c, text, fmt)
    ws.set_row(row, row_height(*_pairs(heading, widths)))


def _pairs(texts, widths: tuple[float, ...]) -> list[str | float]:
    """Return texts alternating with the widths of their columns, from the first (for
    row_height)."""
    return [x for pair in zip(texts, widths[: len(texts)], strict=True) for x in pair]


def _print_wide(ws: Worksheet, heading_row: int) -> None:
    """Print a list sheet on A4 landscape, as wide as the page, its heading on every page."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(heading_row)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")


def _short(field_name: str) -> str:
    """Return a field name without its table ("表三.本年新收.总计" → "本年新收")."""
    parts = field_name.split(".")
    if len(parts) >= 3 and parts[-1] == "总计":
        return parts[1]
    return ".".join(parts[1:]) or field_name


@cache
def _key_labels(spec: FormatSpec, key: CellKey) -> tuple[str, str, str, str]:
    table = spec.table(key.table)
    return (
        table.name,
        table.row(key.row).name,
        table.column(key.row, key.col).name,
        L.display_ref(spec, key),
    )


def write_summary(result: RollupResult, target: str | os.PathLike, *, force: bool = False) -> Path:
    """Write the summary workbook of ``result`` atomically to ``target``; return the path."""
    from nianbao.workbook_templates.builder import make_stamp

    spec = result.spec
    request = TemplateRequest(
        year=result.year,
        unit=result.request.unit,
        kind=spec.summary.kind,
        format_version=spec.format_version,
        values=result.totals,
    )
    extension = SummaryExtension(result)
    stamp = make_stamp(spec, request)
    stamp = replace(stamp, role=SUMMARY_ROLE, parts=len(extension.units))
    return build_template(target, request, force=force, extension=extension, stamp=stamp)
