"""Worksheets with many cells, rendered straight to XML when the workbook is saved.

A summary of 1,000 units has 1,000 unit sheets and a 明细 sheet of a quarter of a million rows.
Going through xlsxwriter's cell table costs about 3 µs a cell in Python; here the rows are
produced by a generator at save time, as XML text, and written through the worksheet's own file
handle, so nothing but the unit's numbers is held in memory. Everything around the cells (column
widths, merged ranges, protection, page setup, validation) is still xlsxwriter's.

Text is written as inline strings: the shared string table is closed before the sheets are
written. This leans on one of xlsxwriter's internals, ``Worksheet._write_sheet_data`` (replaced),
pinned by the tests that read the summary back and let LibreOffice recalculate it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from xml.sax.saxutils import escape

from xlsxwriter.format import Format

from .builder import _Worksheet
from .layout import col_letters

# One cell: (column, value, format). A value is a number, a str, RawXml, or None (blank).
Cell = tuple[int, "int | float | Decimal | str | None", Format | None]
RowSource = Callable[["CellWriter"], Iterable[tuple[int, float | None, list[Cell]]]]


class RawXml(str):
    """Cells already rendered to XML (the same labels on every unit sheet are rendered once)."""


_ILLEGAL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32)])


def _xml_chars(text: str) -> str:
    """Return text without the control characters XML 1.0 cannot hold."""
    return text.translate(_ILLEGAL)


def number_text(value: int | float | Decimal) -> str:
    """Return a number as the text of a <v> element (integers without a decimal point)."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return repr(float(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


class CellWriter:
    """Renders cells to XML, with the workbook's shared strings and format indexes."""

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._xf: dict[int, int] = {}
        self._cols: dict[int, str] = {}

    def xf(self, fmt: Format | None) -> int:
        if fmt is None:
            return 0
        key = id(fmt)
        if key not in self._xf:
            self._xf[key] = fmt._get_xf_index()
        return self._xf[key]

    def style(self, fmt: Format | None) -> str:
        """Return the style attribute of a format (' s="3"'), "" for none."""
        return f' s="{self.xf(fmt)}"' if fmt is not None else ""

    def inline(self, text: str) -> str:
        """Return the ``<is>`` element of an inline string."""
        return self._text(text)

    def _text(self, value: str) -> str:
        if value not in self._strings:
            space = ' xml:space="preserve"' if value != value.strip() else ""
            self._strings[value] = f"<is><t{space}>{escape(_xml_chars(value))}</t></is>"
        return self._strings[value]

    def col(self, c: int) -> str:
        if c not in self._cols:
            self._cols[c] = col_letters(c)
        return self._cols[c]

    def cell(self, row: int, col: int, value, fmt: Format | None) -> str:
        if isinstance(value, RawXml):
            return value
        ref = f"{self.col(col)}{row + 1}"
        style = self.style(fmt)
        if value is None:
            return f'<c r="{ref}"{style}/>'
        if isinstance(value, str):
            return f'<c r="{ref}"{style} t="inlineStr">{self._text(value)}</c>'
        return f'<c r="{ref}"{style}><v>{number_text(value)}</v></c>'


class BulkWorksheet(_Worksheet):
    """A worksheet whose rows come from a generator at save time (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._row_source: RowSource | None = None

    def set_rows(self, source: RowSource, last_row: int, last_col: int) -> None:
        """Have ``source(writer)`` yield (row, height or None, cells) in row order at save time."""
        self._row_source = source
        self.dim_rowmin, self.dim_rowmax = 0, last_row
        self.dim_colmin, self.dim_colmax = 0, last_col

    def add_merges(self, ranges: Iterable[tuple[int, int, int, int]]) -> None:
        """Merge cell ranges (first_row, first_col, last_row, last_col) without writing cells."""
        self.merge.extend([list(r) for r in ranges])

    def _write_sheet_data(self) -> None:
        if self._row_source is None:
            super()._write_sheet_data()
            return
        write = self.fh.write
        write("<sheetData>")
        for chunk in _render(self._row_source, CellWriter()):
            write(chunk)
        write("</sheetData>")


def _render(source: RowSource, writer: CellWriter) -> Iterator[str]:
    cell = writer.cell
    for row, height, cells in source(writer):
        attrs = f' ht="{height:g}" customHeight="1"' if height else ""
        body = "".join(cell(row, c, value, fmt) for c, value, fmt in cells)
        yield f'<row r="{row + 1}"{attrs}>{body}</row>'
