"""Where a summary workbook (汇总表) keeps each unit's numbers, derived from the spec alone.

A summary is the standard workbook with kind 汇总 plus one sheet per unit. A unit sheet shows the
unit's tables 二 to 四 one below the other, in the official layout (without the unit line). The
unit sheets lie between two bookend sheets, and each input cell of the summary's tables is
``SUM(first:last!cell)``: a 3-D sum that stays short for any number of units, that WPS, Excel and
LibreOffice all recalculate, and that follows a number corrected in a unit sheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from . import layout as L
from .compute import computed_cells
from .formulas import cell_ranges, normalize_formula, range_ref
from .spec import CellKey, FormatSpec

UNIT_TITLE_ROW = 0
UNIT_SOURCE_ROW = 1
FIRST_TABLE_ROW = 3
TABLE_GAP = 2  # empty rows between two tables of a unit sheet

MAX_SHEET_NAME = 31  # Excel's limit
_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


@dataclass(frozen=True, eq=False)
class UnitSheetLayout:
    """Every label and value cell of a unit sheet, and the column widths."""

    labels: tuple[L.LabelCell, ...]
    values: tuple[L.ValueCell, ...]
    widths: tuple[float, ...]
    last_row: int
    table_rows: dict[str, int]  # table code -> the row of its title
    index: dict[CellKey, L.ValueCell]

    @property
    def width(self) -> int:
        return len(self.widths)

    def cell(self, key: CellKey) -> L.ValueCell:
        return self.index[key]

    def ref(self, key: CellKey) -> str:
        cell = self.index[key]
        return L.a1(cell.row, cell.col)


def _unit_row(layout_row: int) -> int:
    """Map a table sheet row to its offset within the table's part of a unit sheet."""
    return layout_row if layout_row < L.UNIT_ROW else layout_row - 1  # no unit line


@cache
def unit_sheet_layout(spec: FormatSpec) -> UnitSheetLayout:
    """Return the layout of a unit sheet: the tables stacked, each in its official layout."""
    labels: list[L.LabelCell] = []
    values: list[L.ValueCell] = []
    widths: list[float] = []
    table_rows: dict[str, int] = {}
    top = FIRST_TABLE_ROW
    for table in spec.tables:
        lay = L.table_layout(table)
        table_rows[table.code] = top
        for c in lay.labels:
            labels.append(
                L.LabelCell(
                    top + _unit_row(c.row),
                    c.col,
                    top + _unit_row(c.last_row),
                    c.last_col,
                    c.text,
                    c.role,
                )
            )
        for v in lay.values:
            values.append(L.ValueCell(v.key, top + _unit_row(v.row), v.col, v.span))
        table_widths = [*table.label_widths, *[table.value_width] * table.value_count]
        for i, w in enumerate(table_widths):
            if i < len(widths):
                widths[i] = max(widths[i], w)
            else:
                widths.append(w)
        top += _unit_row(lay.last_row) + 1 + TABLE_GAP
    return UnitSheetLayout(
        tuple(labels),
        tuple(values),
        tuple(widths),
        top - TABLE_GAP - 1,
        table_rows,
        {v.key: v for v in values},
    )


@cache
def unit_total_formula(spec: FormatSpec, key: CellKey) -> str:
    """Return a unit sheet's own formula for a computed cell (its first defining sum)."""
    lay = unit_sheet_layout(spec)
    inst = computed_cells(spec)[key][0]
    rects = cell_ranges((lay.cell(t.key).row, lay.cell(t.key).col) for t in inst.right)
    return "SUM(" + ",".join(range_ref(r) for r in rects) + ")"


def part_sum_formula(spec: FormatSpec, key: CellKey) -> str:
    """Return the summary's formula for an input cell: the sum over every unit sheet."""
    s = spec.summary
    return f"SUM({s.first_part}:{s.last_part}!{unit_sheet_layout(spec).ref(key)})"


_SINGLE_RANGE = re.compile(r"!([A-Z]{1,3}\d+):\1(?=\))")


def same_part_sum(spec: FormatSpec, key: CellKey, formula: str) -> bool:
    """Return whether a formula is the summary's 3-D sum for ``key`` as saved by any program.

    LibreOffice saves ``SUM(a:b!D9)`` as ``SUM(a:b!D9:D9)``; Excel may quote the sheet pair.
    """
    found = _SINGLE_RANGE.sub(r"!\1", normalize_formula(formula))
    found = re.sub(r"'((?:[^']|'')+)'!", lambda m: m.group(1).replace("''", "'") + "!", found)
    return found == normalize_formula(part_sum_formula(spec, key))


def part_sheet_name(unit: str, taken: set[str]) -> str:
    """Return a valid, unused sheet name for a unit (≤ 31 characters, no []:*?/\\ ), and take it.

    ``taken`` holds names already used, lower-cased, compared without case as Excel does.
    """
    base = _FORBIDDEN.sub("", unit).strip().strip("'") or "单位"
    name = _cut(base, MAX_SHEET_NAME)
    n = 2
    while name.lower() in taken:
        suffix = f"（{n}）"
        name = _cut(base, MAX_SHEET_NAME - len(suffix)) + suffix
        n += 1
    taken.add(name.lower())
    return name


def _cut(text: str, units: int) -> str:
    """Return the longest start of ``text`` of at most ``units`` UTF-16 code units (Excel's
    measure: a character outside the BMP counts twice)."""
    out, used = [], 0
    for ch in text:
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > units:
            break
        out.append(ch)
    return "".join(out).rstrip("'").rstrip() or text[:1]


def reserved_sheet_names(spec: FormatSpec) -> set[str]:
    """Return the names a unit sheet must not take (casefolded)."""
    s = spec.summary
    names = (
        *spec.all_sheet_names,
        s.status_sheet,
        s.files_sheet,
        s.detail_sheet,
        s.chart_sheet,
        s.first_part,
        s.last_part,
        s.revisions_sheet,
        spec.annotation.sheet,
    )
    return {n.lower() for n in names}
