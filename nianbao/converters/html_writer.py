"""The report as one self-contained HTML page, and a reader that turns its tables back into grids.

The page is meant to be opened on its own and to be pasted into a government website's editor
(UEditor, KindEditor ...). Those editors drop ``<style>`` blocks and classes, so every style the
page needs is written inline; the small ``<style>`` block only frames the standalone page.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

from nianbao.files import atomic_output

from .document import BODY, HEADING2, LIST_ITEM, GridCell, Paragraph, ReportDocument, Run, TableGrid

BODY_FONT = "仿宋_GB2312, 仿宋, FangSong, STFangsong, serif"
HEADING_FONT = "黑体, SimHei, STHeiti, sans-serif"
HEADING2_FONT = "楷体_GB2312, 楷体, KaiTi, STKaiti, serif"  # as in the Word report

# 2em is written twice: in px first for importers that ignore em (LibreOffice, WPS), then in em.
_INDENT = "text-indent:32px;text-indent:2em;"
_TEXT = f"font-family:{BODY_FONT};font-size:16px;line-height:1.8;margin:6px 0;"
_STYLES = {
    "title": f"font-family:{HEADING_FONT};font-size:26px;font-weight:bold;text-align:center;"
    "line-height:1.5;margin:16px 0;",
    "heading": f"font-family:{HEADING_FONT};font-size:18px;font-weight:bold;{_INDENT}"
    "line-height:1.8;margin:16px 0 6px;",
    "heading2": f"font-family:{HEADING2_FONT};font-size:16px;font-weight:bold;{_INDENT}"
    "line-height:1.8;margin:10px 0 6px;",
    "body": f"{_TEXT}{_INDENT}",
    "signature": f"{_TEXT}text-align:right;padding-right:32px;",
    "draft": f"font-family:{HEADING_FONT};font-size:18px;font-weight:bold;color:#c00000;"
    "text-align:center;border:2px solid #c00000;padding:6px;margin:12px 0;",
    "table": f"border-collapse:collapse;width:100%;margin:10px 0 20px;font-family:{BODY_FONT};"
    "font-size:14px;line-height:1.4;",
}
_CELL = "border:1px solid #000;padding:4px 6px;vertical-align:middle;"
_CELL_STYLES = {
    "caption": f"{_CELL}text-align:center;font-weight:bold;",
    "corner": f"{_CELL}text-align:center;font-weight:bold;",
    "header": f"{_CELL}text-align:center;font-weight:bold;",
    "row": f"{_CELL}text-align:left;font-weight:normal;",
    "value": f"{_CELL}text-align:center;white-space:nowrap;",
}
_HEADER_ROLES = frozenset({"caption", "corner", "header"})
# The caption repeats the heading just above the table: for screen readers only (the usual
# visually-hidden pattern), so that the page does not show the title twice.
_CAPTION_STYLE = (
    "position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap;"
)

# Only frames the standalone page; everything essential is inline.
_PAGE_STYLE = """\
body { max-width: 960px; margin: 2em auto; padding: 0 1.5em; color: #000; background: #fff; }
tr { page-break-inside: avoid; }
@media print { body { max-width: none; margin: 0; padding: 0; } }"""

# C0 controls other than tab/newline/CR are parse errors in HTML and never meant to be printed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def render_html(doc: ReportDocument) -> str:
    """Return the report as one HTML5 page (no external resources, no scripts), ending in "\\n"."""
    body: list[str] = []
    if doc.draft_mark:
        body.append(_block("p", _STYLES["draft"], _text(doc.draft_mark), role="note"))
    body.append(_block("h1", _STYLES["title"], _text(doc.title)))
    body += [_paragraph(p) for p in doc.opening]
    for section in doc.sections:
        body.append(_block("h2", _STYLES["heading"], _text(section.heading)))
        body += [_paragraph(p) for p in section.paragraphs]
        if section.table is not None:
            body.append(_table(section.table))
    body += [_block("p", _STYLES["signature"], _text(line)) for line in doc.signature]
    if doc.draft_mark:
        body.append(_block("p", _STYLES["draft"], _text(doc.draft_mark), role="note"))
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="zh-CN">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(' '.join(_CONTROL.sub('', doc.title).split()))}</title>",
            f"<style>\n{_PAGE_STYLE}\n</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def write_html(doc: ReportDocument, target: str | Path, *, force: bool = False) -> Path:
    """Write the report page to ``target`` atomically and return its path, after checking that
    its tables show every value of ``doc`` (ExportError, and no file, if not).

    Raises ``OutputExistsError`` if ``target`` exists and ``force`` is false.
    """
    from .docx_verify import check_tables

    data = render_html(doc)
    check_tables(doc, read_html_tables(data), "网页版")
    if not data.endswith("\n"):
        data += "\n"
    with atomic_output(target, force=force) as tmp:
        tmp.write_bytes(data.encode("utf-8"))
    return Path(target)


def _text(text: str) -> str:
    """Return ``text`` escaped for HTML, with line breaks kept as ``<br>``."""
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return "<br>".join(html.escape(line, quote=True) for line in text.split("\n"))


def _block(tag: str, style: str, inner: str, *, role: str = "") -> str:
    role_attr = f' role="{role}"' if role else ""
    return f'<{tag}{role_attr} style="{style}">{inner}</{tag}>'


def _run(run: Run) -> str:
    out = _text(run.text)
    if not out:
        return ""
    if run.underline:
        out = f"<u>{out}</u>"
    if run.italic:
        out = f"<em>{out}</em>"
    if run.bold or run.heading:
        out = f"<strong>{out}</strong>"
    return out


def _paragraph(par: Paragraph) -> str:
    inner = "".join(_run(r) for r in par.runs)
    if par.kind == HEADING2:
        return _block("h3", _STYLES["heading2"], inner)
    if par.kind == LIST_ITEM:
        label = _text(par.label) + _label_gap(par.label) if par.label else ""
        style = _STYLES["body"] + (f"margin-left:{32 * par.level}px;" if par.level > 0 else "")
        return _block("p", style, label + inner)
    if par.kind != BODY:
        raise ValueError(f"unknown paragraph kind {par.kind!r}")
    return _block("p", _STYLES["body"], inner)


def _label_gap(label: str) -> str:
    """Return the space between a list label and its text: none after full-width punctuation."""
    return "" if label[-1] in "、）)．。：" else " "


def _table(grid: TableGrid) -> str:
    total = sum(grid.col_widths) or 1.0
    # Widths also as attributes: Word, WPS and LibreOffice ignore CSS widths on tables and cols.
    cols = "".join(
        f'<col width="{p:.2f}%" style="width:{p:.2f}%">'
        for p in (w / total * 100 for w in grid.col_widths)
    )
    rows = grid.rows()
    # A rowspan may not cross from <thead> into <tbody>; without a clean cut, keep one body.
    head = grid.header_rows
    if any(c.row < head < c.row + c.rowspan for c in grid.cells):
        head = 0
    out = [
        f'<table border="1" width="100%" style="{_STYLES["table"]}">',
    ]
    if grid.caption:
        out.append(f'<caption style="{_CAPTION_STYLE}">{_text(grid.caption)}</caption>')
    out.append(f"<colgroup>{cols}</colgroup>")
    headers = _cell_headers(grid)
    if head:
        out += ["<thead>", *(_row(grid, r, headers) for r in rows[:head]), "</thead>"]
    out += ["<tbody>", *(_row(grid, r, headers) for r in rows[head:]), "</tbody>", "</table>"]
    return "\n".join(out)


def _cell_id(grid: TableGrid, cell: GridCell) -> str:
    return f"{grid.code}-r{cell.row}c{cell.col}"


def _cell_headers(grid: TableGrid) -> dict[tuple[int, int], list[str]]:
    """Return, for each value cell, the ids of the headers that name it (WCAG H43): the column
    headings above it in its block (a sub-table of 表二 has its own), then its row labels."""
    heads = [c for c in grid.cells if c.role in _HEADER_ROLES]
    labels = [c for c in grid.cells if c.role == "row"]
    out: dict[tuple[int, int], list[str]] = {}
    for cell in grid.cells:
        if cell.role != "value":
            continue
        above = [h for h in heads if h.row < cell.row]
        # The block's headings: the run of heading rows nearest above the cell.
        block = {h.row for h in above}
        top = cell.row - 1
        while top >= 0 and top not in block:
            top -= 1
        while top - 1 >= 0 and top - 1 in block:
            top -= 1
        cols = [h for h in above if h.row >= top and h.col <= cell.col < h.col + h.colspan]
        rows = [r for r in labels if r.row <= cell.row < r.row + r.rowspan and r.col < cell.col]
        out[(cell.row, cell.col)] = [_cell_id(grid, h) for h in cols + rows]
    return out


def _row(grid: TableGrid, cells: list[GridCell], headers) -> str:
    return "<tr>\n" + "".join(_cell(grid, c, headers) + "\n" for c in cells) + "</tr>"


def _cell(grid: TableGrid, cell: GridCell, headers) -> str:
    header = cell.role in _HEADER_ROLES or cell.role == "row"
    tag = "th" if header else "td"
    attrs = ""
    if header:
        if cell.role == "row":
            scope = "rowgroup" if cell.rowspan > 1 else "row"
        else:
            scope = "colgroup" if cell.colspan > 1 else "col"
        attrs += f' id="{_cell_id(grid, cell)}" scope="{scope}"'
    elif named := headers.get((cell.row, cell.col)):
        attrs += f' headers="{" ".join(named)}"'
    if cell.rowspan != 1:
        attrs += f' rowspan="{cell.rowspan}"'
    if cell.colspan != 1:
        attrs += f' colspan="{cell.colspan}"'
    style = _CELL_STYLES.get(cell.role, _CELL_STYLES["value"])
    return f'<{tag}{attrs} style="{style}">{_text(cell.text)}</{tag}>'


# --- reading tables back -------------------------------------------------------------------------


def read_html_tables(html_text: str) -> list[list[list[str]]]:
    """Return every ``<table>`` of an HTML page as a grid (rows x columns) of the texts shown.

    Rowspans and colspans are expanded, so each grid position holds the text of the cell covering
    it ("" where no cell does). Texts are what a browser shows: runs of whitespace collapse to one
    space, ``<br>`` is a line break, lines are trimmed. Tables come in the order they open.
    """
    parser = _TableParser()
    parser.feed(html_text)
    parser.close()
    return [t.grid() for t in parser.tables]


_SPACE = re.compile(r"[ \t\n\r\f]+")
_ROW_GROUPS = frozenset({"thead", "tbody", "tfoot"})


class _TableState:
    """One table being read: cells placed by the HTML table model, spans clipped at group ends."""

    def __init__(self) -> None:
        self.slots: dict[tuple[int, int], str] = {}
        self.n_rows = 0
        self.row = -1  # the current row, -1 before the first <tr>
        self.group_start = 0
        self.in_row = False
        self.cell: list[str] | None = None  # text parts of the open cell
        self.cell_span = (1, 1)

    def end_group(self) -> None:
        """Drop rowspans reaching past the rows seen so far: they end with their row group."""
        self.end_row()
        for pos in [p for p in self.slots if p[0] >= self.n_rows]:
            del self.slots[pos]
        self.group_start = self.n_rows

    def start_row(self) -> None:
        self.end_row()
        self.row = self.n_rows
        self.n_rows += 1
        self.in_row = True

    def end_row(self) -> None:
        self.end_cell()
        self.in_row = False

    def start_cell(self, rowspan: int, colspan: int) -> None:
        self.end_cell()
        if not self.in_row:
            self.start_row()
        self.cell = []
        self.cell_span = (rowspan, colspan)

    def end_cell(self) -> None:
        if self.cell is None:
            return
        text = _cell_text("".join(self.cell))
        self.cell = None
        rowspan, colspan = self.cell_span
        col = 0
        while (self.row, col) in self.slots:
            col += 1
        for r in range(self.row, self.row + rowspan):
            for c in range(col, col + colspan):
                self.slots.setdefault((r, c), text)

    def grid(self) -> list[list[str]]:
        self.end_group()
        width = max((c for _, c in self.slots), default=-1) + 1
        return [[self.slots.get((r, c), "") for c in range(width)] for r in range(self.n_rows)]


def _cell_text(raw: str) -> str:
    lines = (_SPACE.sub(" ", line).strip(" \xa0") for line in raw.split("\n"))
    return "\n".join(lines).strip("\n")


def _span(value: str | None, limit: int) -> int:
    try:
        n = int((value or "1").strip())
    except ValueError:
        return 1
    return min(max(n, 1), limit)


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[_TableState] = []
        self._open: list[_TableState] = []
        self._skip = 0  # inside <script>/<style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
            return
        if tag == "table":
            table = _TableState()
            self.tables.append(table)
            self._open.append(table)
            return
        if not self._open:
            return
        table = self._open[-1]
        if tag in _ROW_GROUPS:
            table.end_group()
        elif tag == "tr":
            table.start_row()
        elif tag in ("td", "th"):
            a = dict(attrs)
            # The HTML limits: colspan up to 1000, rowspan up to 65534.
            table.start_cell(_span(a.get("rowspan"), 65534), _span(a.get("colspan"), 1000))
        elif tag == "br" and table.cell is not None:
            table.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
            return
        if not self._open:
            return
        table = self._open[-1]
        if tag == "table":
            table.end_group()
            self._open.pop()
        elif tag in _ROW_GROUPS:
            table.end_group()
        elif tag == "tr":
            table.end_row()
        elif tag in ("td", "th"):
            table.end_cell()

    def handle_data(self, data: str) -> None:
        if self._skip or not self._open:
            return
        cell = self._open[-1].cell
        if cell is not None:
            cell.append(data.replace("\n", " "))
