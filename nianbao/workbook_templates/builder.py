"""Build the standard workbook (填报表) from a format spec with xlsxwriter.

Every total is a formula written with its correct cached value, because LibreOffice and most
viewers show the cached value instead of recalculating. Input cells are unlocked and validated;
everything else is protected (without a password). A 校验 sheet carries every in-workbook check as
a live formula, and conditional formatting turns failing cells red in WPS/Excel.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Protocol

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from nianbao.errors import UsageError
from nianbao.files import atomic_output

from . import layout as L
from .checks import FAIL_MARK, PASS_MARK, WARN_MARK, CheckLine, check_lines, format_number
from .compute import computed_cells, input_keys, recompute
from .formulas import sum_formula
from .input_marks import highlight_inputs, table_cell, validate_inputs
from .loader import load_spec, spec_for_year
from .reference_sheet import Reference, write_reference
from .spec import MAX_UNIT_CHARS, CellKey, FormatSpec, Severity, TableSpec
from .stamp import PROPERTY_PREFIX, UNKNOWN_KEY, Stamp, encode_unknown
from .styles import make_formats
from .text_fit import row_height

TEXT_ROW_HEIGHT = 150
MAX_TEXT = 32000  # below Excel's 32,767 characters per cell

# xlsxwriter runs one regex per "future" function name (about 150) over every formula. The
# template only uses classic functions, so a formula calling nothing else is passed straight on.
_CLASSIC = frozenset(
    {"SUM", "IF", "IFERROR", "COUNTIF", "COUNTBLANK", "SUMPRODUCT", "ISTEXT", "ISNUMBER", "INT"}
    | {"ROUND", "MAX", "AND", "OR"}
)
_CALL = re.compile(r"([A-Z][A-Z0-9._]*)\(")


class _Worksheet(Worksheet):
    def _prepare_formula(self, formula, expand_future_functions=False):
        if set(_CALL.findall(formula)) <= _CLASSIC:
            return formula.removeprefix("{").removeprefix("=").removesuffix("}")
        return super()._prepare_formula(formula, expand_future_functions)

    def restyle(self, row: int, col: int, make: Callable[[Format | None], Format]) -> None:
        """Give a cell written already the format ``make(its format)``, its content kept; an
        empty cell becomes a blank one of ``make(None)``."""
        cell = self.table.get(row, {}).get(col)
        if cell is None:
            self.write_blank(row, col, None, make(None))
        else:  # xlsxwriter keeps a written cell as a named tuple with its format
            self.table[row][col] = cell._replace(format=make(cell.format))


class _Workbook(xlsxwriter.Workbook):
    """xlsxwriter's Workbook with a constant-time check for duplicate sheet names.

    xlsxwriter compares each new name with every sheet added before, which is quadratic: seconds
    for a summary of 5,000 unit sheets. The other checks are xlsxwriter's own, repeated here.
    """

    _INVALID = re.compile(r"[\[\]:*?/\\]")

    def _check_sheetname(self, sheetname, is_chartsheet=False):
        from xlsxwriter.exceptions import DuplicateWorksheetName, InvalidWorksheetName

        taken = self.__dict__.setdefault("_taken_names", set())
        if is_chartsheet:
            self.chartname_count += 1
        else:
            self.sheetname_count += 1
        if not sheetname:
            base = self.chart_name if is_chartsheet else self.sheet_name
            sheetname = base + str(self.chartname_count if is_chartsheet else self.sheetname_count)
        if len(sheetname.encode("utf-16-le")) // 2 > 31:
            raise InvalidWorksheetName(f"Excel worksheet name '{sheetname}' must be <= 31 chars.")
        if self._INVALID.search(sheetname) or sheetname.startswith("'") or sheetname.endswith("'"):
            raise InvalidWorksheetName(f"Invalid Excel worksheet name '{sheetname}'.")
        if sheetname.lower() in taken:
            raise DuplicateWorksheetName(f"Sheetname '{sheetname}' is already in use.")
        taken.add(sheetname.lower())
        return sheetname


@dataclass
class TemplateRequest:
    """What to build: the year decides the format unless ``format_version`` is given.

    ``reference``: last year's figures (``validation.carry.Carry.reference``), shown on the
    read-only reference sheet. ``source`` and ``unknown``: a workbook imported from a published
    report, and the input cells that report did not show (stamped, so that a reader does not take
    their blanks for 0). ``typed``: what a clerk typed into number cells that is not a number
    ("14件", "十二"), written as typed: a copy of a filled workbook shows the clerk's own entry
    (totals count it as the spreadsheet's SUM does, as nothing).
    """

    year: int
    unit: str = ""
    kind: str = ""
    format_version: str | None = None
    values: Mapping[CellKey, Decimal | int | float | str | None] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)
    info: Mapping[str, str] = field(default_factory=dict)
    reference: Reference | None = None
    source: str = ""
    unknown: frozenset[CellKey] = frozenset()
    typed: Mapping[CellKey, str] = field(default_factory=dict)

    def spec(self) -> FormatSpec:
        if self.format_version:
            return load_spec(self.format_version)
        return spec_for_year(self.year)


def default_year(today: dt.date | None = None) -> int:
    """Return the report year a clerk most likely means today (Nov–Dec: this year)."""
    today = today or dt.date.today()
    return today.year if today.month >= 11 else today.year - 1


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise UsageError(f"数值 {value!r} 不是数字。")
    return Decimal(str(value))


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _excel_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _pattern_formula(pattern: str, refs: Mapping[str, str], values: Mapping[str, str]) -> tuple:
    """Return (formula, cached text) joining literal text and cell references of a pattern."""
    parts, cached = [], ""
    for literal, name, _, _ in string.Formatter().parse(pattern):
        if literal:
            parts.append(_excel_string(literal))
            cached += literal
        if name:
            parts.append(refs[name])
            cached += values[name]
    return "&".join(parts), cached


class Extension(Protocol):
    """What a workbook derived from the template adds to it (the summary of ``nianbao rollup``):
    sheets before and after the standard ones, formulas for input cells, stamp rows."""

    in_memory: bool

    def front_sheets(self) -> list[str]: ...

    def back_sheets(self) -> list[str]: ...

    def worksheet_class(self, name: str) -> type[Worksheet]: ...

    def input_formula(self, key: CellKey) -> str | None: ...

    def write_sheets(self, sheets: Mapping[str, Worksheet], builder: _Builder) -> None: ...

    def stamp_rows(self) -> list[tuple[str, str]]: ...


class _Builder:
    def __init__(
        self,
        spec: FormatSpec,
        request: TemplateRequest,
        stamp: Stamp,
        extension: Extension | None = None,
    ) -> None:
        self.spec = spec
        self.request = request
        self.stamp = stamp
        self.extension = extension
        self.inputs = self._inputs(request.values)
        self.totals = recompute(
            spec, {k: v for k, v in self.inputs.items() if isinstance(v, Decimal)}
        )

    def _inputs(self, values) -> dict[CellKey, Decimal | str | None]:
        result: dict[CellKey, Decimal | str | None] = {}
        keys = set(input_keys(self.spec))
        for key, value in values.items():
            key = CellKey(*key)
            if key not in keys:
                raise UsageError(f"{key} 不是 {self.spec.format_version} 版格式的填报单元格。")
            if self.spec.value_type(key) == "text":
                result[key] = None if value in (None, "") else str(value)
            else:
                result[key] = _decimal(value)
        for key, text in self.request.typed.items():
            if key not in keys or self.spec.value_type(key) == "text":
                raise UsageError(f"{key} 不是 {self.spec.format_version} 版格式的数字单元格。")
            result[key] = text
        return result

    def write(self, path: Path) -> None:
        wb = _Workbook(
            str(path),
            {
                # A summary of thousands of unit sheets is assembled on disk, not in memory.
                "in_memory": self.extension is None or self.extension.in_memory,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self.fm = make_formats(wb)
        spec = self.spec
        wb.set_properties(
            {
                "title": spec.workbook_title,
                "subject": f"{self.stamp.unit}{self.stamp.year}年 {spec.label}",
                "author": "年报助手 nianbao",
                "comments": f"{spec.name}（{spec.notice}）",
            }
        )
        for key, text in self.stamp.pairs():
            wb.set_custom_property(PROPERTY_PREFIX + key, text)
        ext = self.extension
        names = list(spec.all_sheet_names)
        reference = self.request.reference
        if reference is not None and spec.sheets.reference:
            # Right after the tables, where the clerk compares them.
            after = names.index(spec.tables[-1].sheet) + 1
            names.insert(after, spec.sheets.reference)
        if ext is not None:
            names = [*ext.front_sheets(), *names[:-1], *ext.back_sheets(), names[-1]]
        sheets = {
            name: wb.add_worksheet(
                name, worksheet_class=ext.worksheet_class(name) if ext else _Worksheet
            )
            for name in names
        }
        self.workbook = wb
        self._write_info(sheets[spec.sheets.info])
        for table in spec.tables:
            self._write_table(sheets[table.sheet], table)
        self._write_text(sheets[spec.sheets.text])
        self._write_checks(sheets[spec.sheets.checks])
        self._write_notes(sheets[spec.sheets.notes])
        self._write_stamp(sheets[spec.sheets.stamp])
        if spec.sheets.reference in sheets and reference is not None:
            write_reference(sheets[spec.sheets.reference], reference, self.fm)
        if ext is not None:
            ext.write_sheets(sheets, self)
        sheets[names[0]].activate()
        wb.close()

    # -- shared pieces ------------------------------------------------------------------------

    def _protect(self, ws: Worksheet) -> None:
        # Filtering stays possible under protection: the 校验 sheet's filter arrows work.
        ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True})

    def _title(self, ws: Worksheet, text: str, width: int) -> None:
        ws.merge_range(L.TITLE_ROW, 0, L.TITLE_ROW, max(width - 1, 0), text, self.fm.title)
        ws.set_row(L.TITLE_ROW, 30)

    def _page(
        self, ws: Worksheet, landscape: bool, last_col: int, last_row: int, one_page: bool = False
    ) -> None:
        ws.set_paper(9)  # A4
        if landscape:
            ws.set_landscape()
        ws.fit_to_pages(1, 1 if one_page else 0)
        ws.center_horizontally()
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.set_footer("&C第 &P 页，共 &N 页")
        ws.print_area(0, 0, last_row, last_col)

    def _unit_formula(self) -> tuple[str, str]:
        spec = self.spec
        unit_ref = L.info_ref(spec, "unit")
        year_ref = L.info_ref(spec, "year")
        placeholder = _excel_string(spec.unit_placeholder)
        refs = {"unit": f'IF({unit_ref}="",{placeholder},{unit_ref})', "year": year_ref}
        values = {"unit": self.stamp.unit or spec.unit_placeholder, "year": str(self.stamp.year)}
        return _pattern_formula(spec.unit_line, refs, values)

    # -- 基本信息 ----------------------------------------------------------------------------

    def _write_info(self, ws: Worksheet) -> None:
        spec, fm, stamp = self.spec, self.fm, self.stamp
        self._title(ws, spec.workbook_title, 3)
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 40)
        ws.set_column(2, 2, 48)
        for c, text in enumerate(spec.info_heading):
            ws.write_string(L.TITLE_ROW + 1, c, text, fm.header)
        given = {"unit": stamp.unit, "kind": stamp.kind, "year": stamp.year}
        for f in spec.info_fields:
            r = L.info_row(spec, f.code)
            ws.write_string(r, L.RECORD_LABEL_COL, f.label, fm.record_label)
            ws.write_string(r, L.RECORD_NOTE_COL, f.note, fm.note)
            if f.code == "unit" and not stamp.unit:
                pass  # no fixed height: the row grows with the (wrapped) name the clerk types
            elif f.code == "unit":
                ws.set_row(r, max(22, row_height(stamp.unit, 40, f.note, 48)))
            else:
                ws.set_row(r, 22)
            c = L.RECORD_VALUE_COL
            if f.type == "fixed":
                ws.write_string(r, c, spec.label, fm.record_locked)
            elif f.type == "year":
                ws.write_number(r, c, stamp.year, fm.record_locked)
            elif given.get(f.code):
                ws.write_string(r, c, str(given[f.code]), fm.record_locked)
            elif f.type == "date":
                self._write_date(ws, r, c, self.request.info.get(f.code, ""))
                ws.data_validation(
                    r,
                    c,
                    r,
                    c,
                    {
                        "validate": "date",
                        "criteria": ">=",
                        "value": dt.date(2000, 1, 1),
                        "error_message": "请填写日期，如 2026-01-15。",
                    },
                )
            else:
                ws.write_string(r, c, self.request.info.get(f.code, ""), fm.record_input)
                if f.type == "kind":
                    ws.data_validation(
                        r,
                        c,
                        r,
                        c,
                        {
                            "validate": "list",
                            "source": list(spec.kinds),
                            "error_message": "请从下拉列表中选择单位类型。",
                        },
                    )
                else:
                    ws.data_validation(
                        r, c, r, c, {"validate": "length", "criteria": "<=", "value": 200}
                    )
        self._page(ws, False, 2, L.RECORD_FIRST_ROW + len(spec.info_fields))
        self._protect(ws)

    def _write_date(self, ws: Worksheet, r: int, c: int, text: str) -> None:
        try:
            date = dt.date.fromisoformat(text) if text else None
        except ValueError:
            date = None
        if date:
            ws.write_datetime(r, c, dt.datetime.combine(date, dt.time()), self.fm.record_date)
        elif text:  # "2026年1月15日" as the clerk typed it, in a copy of a filled workbook
            ws.write_string(r, c, text, self.fm.record_date)
        else:
            ws.write_blank(r, c, None, self.fm.record_date)

    # -- table sheets ----------------------------------------------------------------------

    def _write_table(self, ws: Worksheet, table: TableSpec) -> None:
        spec, fm = self.spec, self.fm
        lay = L.table_layout(table)
        widths = list(table.label_widths) + [table.value_width] * table.value_count
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        heights: dict[int, float] = {}
        for cell in lay.labels:
            if cell.role == "title":
                ws.merge_range(
                    cell.row, cell.col, cell.last_row, cell.last_col, cell.text, fm.title
                )
                continue
            style = fm.label(cell.role, cell.last_row > cell.row)
            if cell.merged:
                ws.merge_range(cell.row, cell.col, cell.last_row, cell.last_col, cell.text, style)
            else:
                ws.write_string(cell.row, cell.col, cell.text, style)
            if cell.role != "caption" and cell.last_row == cell.row:
                width = sum(widths[cell.col : cell.last_col + 1])
                heights[cell.row] = max(heights.get(cell.row, 0), row_height(cell.text, width))
        ws.set_row(L.TITLE_ROW, 30)
        formula, cached = self._unit_formula()
        ws.merge_range(L.UNIT_ROW, 0, L.UNIT_ROW, lay.width - 1, "", fm.unit_line)
        ws.write_formula(L.UNIT_ROW, 0, formula, fm.unit_line, cached)
        for r, h in heights.items():
            ws.set_row(r, max(h, 20))
        computed = computed_cells(spec)
        for vc in lay.values:
            vtype = spec.value_type(vc.key)
            if vc.span > 1:
                ws.merge_range(vc.row, vc.col, vc.row, vc.col + vc.span - 1, "", None)
            if vc.key in computed:
                inst = computed[vc.key][0]
                parts = sum_formula(spec, (t.key for t in inst.right))
                total = self.totals[vc.key]
                ws.write_formula(vc.row, vc.col, parts, fm.computed[vtype], _number(total))
                continue
            value = self.inputs.get(vc.key)
            style = fm.inputs[vtype]
            sum_of_parts = self.extension.input_formula(vc.key) if self.extension else None
            if sum_of_parts is not None:
                shown = _number(value) if isinstance(value, Decimal) else 0
                ws.write_formula(vc.row, vc.col, sum_of_parts, fm.computed[vtype], shown)
                continue
            if value is None:
                ws.write_blank(vc.row, vc.col, None, style)
            elif isinstance(value, str):
                ws.write_string(vc.row, vc.col, value, style)
            else:
                ws.write_number(vc.row, vc.col, _number(value), style)
            for extra in range(1, vc.span):
                ws.write_blank(vc.row, vc.col + extra, None, style)
        locate = table_cell(spec)
        validate_inputs(ws, spec, table.code, locate)
        highlight_inputs(ws, spec, table.code, locate, fm.fail)
        if len(table.blocks) == 1:
            ws.freeze_panes(lay.header_last_row + 1, table.label_count)
        ws.repeat_rows(0, lay.header_last_row)
        self._page(ws, table.landscape, lay.width - 1, lay.last_row, one_page=True)
        self._protect(ws)

    # -- 正文, 校验, 填报说明, 模板信息 ---------------------------------------------------------

    def _write_text(self, ws: Worksheet) -> None:
        spec, fm = self.spec, self.fm
        self._title(ws, spec.sheets.text, 3)
        ws.set_column(0, 0, 24)
        ws.set_column(1, 1, 90)
        ws.set_column(2, 2, 30)
        for c, text in enumerate(spec.text_heading):
            ws.write_string(L.TITLE_ROW + 1, c, text, fm.header)
        for cell in spec.text_cells:
            r = L.text_row(spec, cell.code)
            ws.write_string(r, L.RECORD_LABEL_COL, cell.label, fm.record_label)
            text = self.request.texts.get(cell.code, "")
            if len(text) > MAX_TEXT:
                raise UsageError(f"正文「{cell.label}」超过 {MAX_TEXT} 字，Excel 单元格放不下。")
            ws.write_string(r, L.RECORD_VALUE_COL, text, fm.text_input)
            ws.write_string(r, L.RECORD_NOTE_COL, cell.note, fm.note)
            ws.data_validation(
                r, 1, r, 1, {"validate": "length", "criteria": "<=", "value": MAX_TEXT}
            )
            ws.set_row(r, TEXT_ROW_HEIGHT)
        ws.repeat_rows(L.TITLE_ROW + 1)
        self._page(ws, False, 2, L.RECORD_FIRST_ROW + len(spec.text_cells) - 1)
        self._protect(ws)

    def _write_checks(self, ws: Worksheet) -> None:
        spec, fm = self.spec, self.fm
        text = spec.checks
        lines = check_lines(spec, {**self.inputs}, self.stamp.kind)
        self.lines = lines
        self._title(ws, text.title, 6)
        for c, w in enumerate((6, 9, 52, 7, 11, 60)):
            ws.set_column(c, c, w)
        first = L.CHECK_FIRST_ROW
        last = first + len(lines) - 1
        result_col = L.col_letters(L.CHECK_MARK_COL)
        marks = f"{result_col}{first + 1}:{result_col}{last + 1}"
        count = f'COUNTIF({marks},"{FAIL_MARK}")'
        failing = sum(1 for line in lines if line.mark == FAIL_MARK)
        before, after = text.status_fail.split("{count}")
        status = (
            f"IF({count}=0,{_excel_string(text.status_pass)},"
            f"{_excel_string(before)}&{count}&{_excel_string(after)})"
        )
        cached = text.status_pass if failing == 0 else f"{before}{failing}{after}"
        status_row, status_col = L.CHECK_STATUS_ROW, L.CHECK_STATUS_COL
        ws.merge_range(status_row, 0, status_row, status_col - 1, text.status_label, fm.status)
        ws.merge_range(status_row, status_col, status_row, 5, "", fm.status)
        ws.write_formula(status_row, status_col, status, fm.status, cached)
        ws.set_row(L.CHECK_STATUS_ROW, 24)
        for c, heading in enumerate(text.heading):
            ws.write_string(L.CHECK_HEADING_ROW, c, heading, fm.header)
        for i, line in enumerate(lines):
            self._write_check_line(ws, first + i, i + 1, line)
        ws.conditional_format(
            first,
            3,
            last,
            3,
            {"type": "cell", "criteria": "==", "value": f'"{FAIL_MARK}"', "format": fm.fail},
        )
        ws.conditional_format(
            first,
            3,
            last,
            3,
            {"type": "cell", "criteria": "==", "value": f'"{WARN_MARK}"', "format": fm.warn},
        )
        ws.conditional_format(
            first,
            3,
            last,
            3,
            {"type": "cell", "criteria": "==", "value": f'"{PASS_MARK}"', "format": fm.passed},
        )
        ws.conditional_format(
            L.CHECK_STATUS_ROW,
            L.CHECK_STATUS_COL,
            L.CHECK_STATUS_ROW,
            L.CHECK_STATUS_COL,
            {"type": "formula", "criteria": f"={count}>0", "format": fm.fail},
        )
        ws.autofilter(L.CHECK_HEADING_ROW, 0, last, 5)
        ws.freeze_panes(first, 0)
        ws.repeat_rows(L.CHECK_HEADING_ROW)
        self._page(ws, True, 5, last)
        self._protect(ws)

    def _write_check_line(self, ws: Worksheet, r: int, number: int, line: CheckLine) -> None:
        fm = self.fm
        ws.write_number(r, 0, number, fm.check_number)
        ws.write_string(r, 1, line.rule_id, fm.check_number)
        ws.write_string(r, 2, line.text, fm.check_text)
        num_ref = L.a1(r, L.CHECK_NUMBER_COL)
        mark_other = FAIL_MARK if line.severity == Severity.ERROR else WARN_MARK
        mark = f'IF({num_ref}=0,"{PASS_MARK}","{mark_other}")'
        ws.write_formula(r, L.CHECK_MARK_COL, mark, fm.check_result, line.mark)
        cached = line.number if isinstance(line.number, str) else _number(line.number)
        ws.write_formula(r, L.CHECK_NUMBER_COL, line.number_formula, fm.check_number, cached)
        ws.write_string(r, 5, line.action, fm.check_text)
        ws.set_row(r, row_height(line.text, 52, line.action, 60))

    def _write_notes(self, ws: Worksheet) -> None:
        spec, fm = self.spec, self.fm
        self._title(ws, spec.sheets.notes, 3)
        ws.set_column(0, 0, 10)
        ws.set_column(1, 1, 36)
        ws.set_column(2, 2, 80)
        for c, text in enumerate(spec.notes_heading):
            ws.write_string(L.TITLE_ROW + 1, c, text, fm.header)
        rows: list[tuple[str, str, str]] = [
            (spec.notes_general_label, "", note) for note in spec.notes_general
        ]
        for table in spec.tables:
            rows.extend((table.name, table.title, note) for note in table.notes)
            for block in table.blocks:
                rows.extend((table.name, c.label, c.note) for c in block.columns if c.note)
                rows.extend((table.name, r.label, r.note) for r in block.rows if r.note)
        for i, (table_name, item, note) in enumerate(rows):
            r = L.RECORD_FIRST_ROW + i
            ws.write_string(r, 0, table_name, fm.check_text)
            ws.write_string(r, 1, item, fm.check_text)
            ws.write_string(r, 2, note, fm.check_text)
            ws.set_row(r, row_height(item, 36, note, 80))
        ws.repeat_rows(L.TITLE_ROW + 1)
        self._page(ws, False, 2, L.RECORD_FIRST_ROW + len(rows))
        self._protect(ws)

    def _write_stamp(self, ws: Worksheet) -> None:
        rows = self.stamp.pairs() + (self.extension.stamp_rows() if self.extension else [])
        rows += [(UNKNOWN_KEY, t) for t in encode_unknown(self.spec, self.request.unknown)]
        for r, (key, text) in enumerate(rows):
            ws.write_string(r, 0, key)
            ws.write_string(r, 1, text)
        ws.hide()
        self._protect(ws)


def make_stamp(spec: FormatSpec, request: TemplateRequest) -> Stamp:
    """Return the stamp a template built for ``request`` carries."""
    return Stamp(
        format_version=spec.format_version,
        template_version=spec.template_version,
        fingerprint=spec.fingerprint,
        year=request.year,
        unit=request.unit.strip(),
        kind=request.kind.strip(),
        source=request.source.strip(),
        imported=dt.date.today().isoformat() if request.source.strip() else "",
    )


def check_request(spec: FormatSpec, request: TemplateRequest) -> None:
    """Raise UsageError with a Chinese message when a request cannot make a valid template."""
    if not 1990 <= request.year <= 2100:
        raise UsageError(f"报告年度 {request.year} 不正确。", "请填写四位数年份，如 2025。")
    if request.kind and request.kind not in spec.kinds:
        raise UsageError(
            f"单位类型「{request.kind}」不在可选范围内。", f"可选：{'、'.join(spec.kinds)}。"
        )
    if len(request.unit) > MAX_UNIT_CHARS or re.search(r"[\x00-\x1f]", request.unit):
        raise UsageError("单位名称过长或含有控制字符。", "请填写机关全称。")


def build_template(
    target: str | os.PathLike,
    request: TemplateRequest,
    *,
    force: bool = False,
    extension: Extension | None = None,
    stamp: Stamp | None = None,
) -> Path:
    """Write the standard workbook for ``request`` to ``target`` atomically; return the path.

    ``extension`` and ``stamp`` are for workbooks derived from the template (the summary)."""
    spec = request.spec()
    check_request(spec, request)
    builder = _Builder(spec, request, stamp or make_stamp(spec, request), extension)
    with atomic_output(target, force=force) as tmp:
        builder.write(tmp)
    return Path(target)


__all__ = [
    "Extension",
    "TemplateRequest",
    "build_template",
    "default_year",
    "format_number",
    "make_stamp",
]
