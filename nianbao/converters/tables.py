"""The three tables in the official printed layout, derived from the workbook layout.

The printed table is the workbook's table sheet without its title and unit rows: the same merged
captions, corner, headers and row labels, so Word, HTML and the workbook cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping

from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.spec import CellKey, TableSpec

from .document import GridCell, TableGrid


def table_grid(table: TableSpec, texts: Mapping[CellKey, str]) -> TableGrid:
    """Return a table's printed grid with each value cell showing ``texts[key]`` ("" if absent)."""
    lay = L.table_layout(table)
    top = L.FIRST_BLOCK_ROW
    cells = [
        GridCell(c.row - top, c.col, c.last_row - c.row + 1, c.last_col - c.col + 1, c.text, c.role)
        for c in lay.labels
        if c.role != "title"
    ]
    cells += [
        GridCell(v.row - top, v.col, 1, v.span, texts.get(v.key, ""), "value", v.key)
        for v in lay.values
    ]
    cells.sort(key=lambda c: (c.row, c.col))
    caption = next((c.text for c in lay.labels if c.role == "title"), table.title)
    header_rows = lay.header_last_row - top + 1 if lay.header_last_row >= top else 0
    widths = (*table.label_widths, *([table.value_width] * table.value_count))
    return TableGrid(
        code=table.code,
        n_rows=lay.last_row - top + 1,
        n_cols=lay.width,
        cells=tuple(cells),
        header_rows=header_rows,
        col_widths=widths,
        numeric_cols=table.value_count,
        caption=caption,
    )
