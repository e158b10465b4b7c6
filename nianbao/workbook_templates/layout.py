"""Where everything sits in the workbook, derived from the spec alone.

The builder writes cells where this module says, and the reader looks for them in the same
places; neither holds an address of its own. Header and label merges follow from the spec's paths:
neighbouring columns (rows) that share a path prefix share a merged cell at that level.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .spec import BlockSpec, CellKey, FormatSpec, TableSpec

TITLE_ROW = 0
UNIT_ROW = 1
FIRST_BLOCK_ROW = 2

# Sheets with one record per row: title, heading, then records; the value is in column 1.
RECORD_FIRST_ROW = 2
RECORD_LABEL_COL = 0
RECORD_VALUE_COL = 1
RECORD_NOTE_COL = 2

# The 校验 sheet: title, overall status, heading, then one line per check.
CHECK_STATUS_ROW = 1
CHECK_STATUS_COL = 2
CHECK_MARK_COL = 3
CHECK_NUMBER_COL = 4
CHECK_HEADING_ROW = 2
CHECK_FIRST_ROW = 3


def col_letters(col: int) -> str:
    """Return the column letters of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """Return the A1 reference of a 0-based (row, col)."""
    return f"{col_letters(col)}{row + 1}"


def parse_a1(ref: str) -> tuple[int, int]:
    """Return the 0-based (row, col) of an A1 reference, with or without "$" signs."""
    ref = ref.replace("$", "").upper()
    i = 0
    while i < len(ref) and ref[i].isalpha():
        i += 1
    if i == 0 or i > 3 or not ref[i:].isdigit():
        raise ValueError(ref)
    col = 0
    for ch in ref[:i]:
        col = col * 26 + ord(ch) - 64
    return int(ref[i:]) - 1, col - 1


def quote_sheet(name: str) -> str:
    """Return a sheet name as it appears in a formula reference."""
    return "'" + name.replace("'", "''") + "'"


@dataclass(frozen=True)
class LabelCell:
    """A printed text cell of a table (title, caption, corner, header or row label)."""

    row: int
    col: int
    last_row: int
    last_col: int
    text: str
    role: str

    @property
    def merged(self) -> bool:
        return self.last_row > self.row or self.last_col > self.col


@dataclass(frozen=True)
class ValueCell:
    key: CellKey
    row: int
    col: int
    span: int


@dataclass(frozen=True, eq=False)
class TableLayout:
    table: TableSpec
    labels: tuple[LabelCell, ...]
    values: tuple[ValueCell, ...]
    width: int
    last_row: int
    header_last_row: int
    index: dict[CellKey, ValueCell]

    def cell(self, key: CellKey) -> ValueCell:
        return self.index[key]


def _header_cells(block: BlockSpec, top: int, first_col: int) -> list[LabelCell]:
    cells = []
    depth = block.header_rows
    for level in range(depth):
        col = first_col
        i = 0
        cols = block.columns
        while i < len(cols):
            c = cols[i]
            width = c.span
            if level >= len(c.path):
                i += 1
                col += width
                continue
            j = i + 1
            while (
                j < len(cols)
                and len(cols[j].path) > level
                and cols[j].path[: level + 1] == c.path[: level + 1]
                and len(c.path) > level + 1
            ):
                width += cols[j].span
                j += 1
            leaf = level == len(c.path) - 1
            last_row = top + depth - 1 if leaf else top + level
            cells.append(
                LabelCell(top + level, col, last_row, col + width - 1, c.path[level], "header")
            )
            col += width
            i = j
    return cells


def _row_label_cells(block: BlockSpec, top: int, label_count: int) -> list[LabelCell]:
    cells = []
    rows = block.rows
    for level in range(label_count):
        i = 0
        while i < len(rows):
            r = rows[i]
            if level >= len(r.path):
                i += 1
                continue
            j = i + 1
            leaf = level == len(r.path) - 1
            while (
                not leaf
                and j < len(rows)
                and len(rows[j].path) > level + 1
                and rows[j].path[: level + 1] == r.path[: level + 1]
            ):
                j += 1
            last_col = label_count - 1 if leaf else level
            cells.append(LabelCell(top + i, level, top + j - 1, last_col, r.path[level], "row"))
            i = j
    return cells


@cache
def table_layout(table: TableSpec) -> TableLayout:
    """Return the positions of every label and value cell of a table sheet."""
    labels_n = table.label_count
    width = labels_n + table.value_count
    labels = [
        LabelCell(TITLE_ROW, 0, TITLE_ROW, width - 1, table.title, "title"),
    ]
    values: list[ValueCell] = []
    row = FIRST_BLOCK_ROW
    header_last = row
    for block in table.blocks:
        if block.caption:
            labels.append(LabelCell(row, 0, row, width - 1, block.caption, "caption"))
            row += 1
        if labels_n and block.corner:
            labels.append(
                LabelCell(row, 0, row + block.header_rows - 1, labels_n - 1, block.corner, "corner")
            )
        labels.extend(_header_cells(block, row, labels_n))
        row += block.header_rows
        header_last = row - 1 if len(table.blocks) == 1 else FIRST_BLOCK_ROW - 1
        labels.extend(_row_label_cells(block, row, labels_n))
        for r in block.rows:
            col = labels_n
            for c in block.columns:
                values.append(ValueCell(CellKey(table.code, r.code, c.code), row, col, c.span))
                col += c.span
            row += 1
    return TableLayout(
        table,
        tuple(labels),
        tuple(values),
        width,
        row - 1,
        header_last,
        {v.key: v for v in values},
    )


def display_ref(spec: FormatSpec, key: CellKey) -> str:
    """Return the reference shown to people: sheet name, "!", A1 reference."""
    table = spec.table(key.table)
    cell = table_layout(table).cell(key)
    return f"{table.sheet}!{a1(cell.row, cell.col)}"


def info_row(spec: FormatSpec, code: str) -> int:
    """Return the 0-based row of a 基本信息 field."""
    return RECORD_FIRST_ROW + [f.code for f in spec.info_fields].index(code)


def text_row(spec: FormatSpec, code: str) -> int:
    """Return the 0-based row of a 正文 text cell."""
    return RECORD_FIRST_ROW + [c.code for c in spec.text_cells].index(code)


def info_ref(spec: FormatSpec, code: str, *, with_sheet: bool = True) -> str:
    ref = a1(info_row(spec, code), RECORD_VALUE_COL)
    return f"{quote_sheet(spec.sheets.info)}!{ref}" if with_sheet else ref
