"""The reference sheet of last year's figures (上年数据) in a workbook made with ``--previous``.

Last year's tables are printed in their official layout, one under the other, with the numbers
last year's workbook gives (inputs as read, totals recomputed); a cell it does not know shows the
spec's "unknown" word. The sheet is protected and read-only, its name is declared in the spec
(``sheets.reference``) outside the workbook's structure, and the reader never reads it: it changes
nothing about how this year's workbook is read or checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from . import layout as L
from .spec import CellKey, FormatSpec
from .text_fit import row_height

if TYPE_CHECKING:  # carry imports Reference on every check: keep xlsxwriter out of that path
    from xlsxwriter.worksheet import Worksheet

    from .styles import Formats

NOTE_HEIGHT = 32
GAP_ROWS = 1  # blank rows between two tables


@dataclass(frozen=True)
class Reference:
    """Last year's figures as shown on the reference sheet.

    ``values`` holds every value cell that is known (inputs as read, totals recomputed); a cell
    absent from it is unknown. ``missing_tables`` are tables last year's workbook has no data for.
    """

    spec: FormatSpec
    year: int
    source: str  # the file name of last year's workbook
    values: Mapping[CellKey, Decimal | str]
    missing_tables: frozenset[str] = frozenset()


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def write_reference(ws: Worksheet, reference: Reference, fm: Formats) -> None:
    """Write the reference sheet: title, note, then each of last year's tables, all locked."""
    spec, text = reference.spec, reference.spec.reference
    layouts = [L.table_layout(t) for t in spec.tables]
    width = max(lay.width for lay in layouts)
    widths = [0.0] * width
    for table in spec.tables:
        own = list(table.label_widths) + [table.value_width] * table.value_count
        for c, w in enumerate(own):
            widths[c] = max(widths[c], w)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    title = text.title.format(year=reference.year)
    ws.merge_range(0, 0, 0, width - 1, title, fm.title)
    ws.set_row(0, 30)
    note = text.note.format(file=reference.source)
    ws.merge_range(1, 0, 1, width - 1, note, fm.note)
    ws.set_row(1, NOTE_HEIGHT)
    top = 2 + GAP_ROWS
    for table, lay in zip(spec.tables, layouts, strict=True):
        top = _write_table(ws, reference, table.code, lay, top, fm) + 1 + GAP_ROWS
    ws.repeat_rows(0, 0)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.print_area(0, 0, top, width - 1)
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True})


def _write_table(
    ws: Worksheet, reference: Reference, code: str, lay: L.TableLayout, top: int, fm: Formats
) -> int:
    """Write one table with its first row at ``top``; return the last row written."""
    spec = reference.spec
    # The layout puts a table's title on row 0 and its unit line on row 1: drop the unit line.
    shift = top - L.TITLE_ROW
    widths = list(spec.table(code).label_widths) + [spec.table(code).value_width] * (
        lay.width - spec.table(code).label_count
    )
    heights: dict[int, float] = {}
    for cell in lay.labels:
        r0 = cell.row + shift - (1 if cell.role != "title" else 0)
        r1 = cell.last_row + shift - (1 if cell.role != "title" else 0)
        if cell.role == "title":
            ws.merge_range(r0, 0, r0, lay.width - 1, cell.text, fm.subtitle)
            continue
        style = fm.label(cell.role, cell.last_row > cell.row)
        if cell.role != "caption" and r0 == r1:
            height = row_height(cell.text, sum(widths[cell.col : cell.last_col + 1]))
            heights[r0] = max(heights.get(r0, 0.0), height)
        if cell.merged:
            ws.merge_range(r0, cell.col, r1, cell.last_col, cell.text, style)
        else:
            ws.write_string(r0, cell.col, cell.text, style)
    for r, height in heights.items():
        ws.set_row(r, height)
    if code in reference.missing_tables:
        last = lay.last_row + shift - 1
        note = spec.reference.not_read.format(table=spec.table(code).name)
        ws.merge_range(last + 1, 0, last + 1, lay.width - 1, note, fm.note)
        return last + 1
    for vc in lay.values:
        row = vc.row + shift - 1
        vtype = spec.value_type(vc.key)
        style = fm.computed[vtype]
        if vc.span > 1:
            ws.merge_range(row, vc.col, row, vc.col + vc.span - 1, "", style)
        value = reference.values.get(vc.key)
        if isinstance(value, Decimal):
            ws.write_number(row, vc.col, _number(value), style)
        elif isinstance(value, str):
            ws.write_string(row, vc.col, value, style)
        else:
            ws.write_string(row, vc.col, spec.reference.unknown, style)
    return lay.last_row + shift - 1
