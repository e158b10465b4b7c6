"""Reading a published report from a PDF with text in it (the form most reports are published in).

pdfplumber gives every character with its box. The tables are found from the rulings drawn on the
page (white backgrounds behind text lines are no rulings) and become table markers, row by row,
as the other readers make them; text outside the tables is cut into lines by position and the
lines into paragraphs the way a reader sees them: a paragraph ends where a line stops short of the
right margin, before an indented line or a wider gap. Page numbers, and headers and footers that
repeat from page to page, are dropped; a table of figures printed without rulings is recognised by
the wide gaps between its cells. pdfplumber is imported only here, when a PDF is read, so that
starting the program or checking a workbook never loads it.

A PDF without text (a scanned report, pages that are pictures) raises ``ScannedPdfError``: there
is nothing to read, and nothing is guessed.
"""

from __future__ import annotations

import itertools
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nianbao.errors import NarrativeError

from .document import Paragraph
from .narrative_common import (
    IMAGE_MARKER,
    TABLE_MARKER,
    is_layout_text,
    is_page_number,
)

__all__ = ["MAX_PDF_BYTES", "MAX_PDF_PAGES", "ScannedPdfError", "read_pdf"]

MAX_PDF_BYTES = 50 * 1024 * 1024
MAX_PDF_PAGES = 200  # an annual report has 5 to 30 pages
_RULING_MAX = 2.0  # a filled rectangle this thin (points) is a drawn line, not a background
_CELL_GAP = 1.0  # a gap this wide (in font sizes) between words on a line separates table cells
_WORD_GAP = 0.15  # a gap this wide between two Latin words or numbers is a space
_INDENT = 1.5  # a line starting this far (font sizes) right of the margin starts a paragraph
_SHORT = 1.2  # a line ending this far short of the right margin ends its paragraph
_PITCH = 1.4  # lines this much further apart than the text's usual spacing: a new paragraph
_PITCH_DEFAULT = 1.6  # the usual spacing (font sizes) when the text shows none
_MARGIN_ZONE = 0.1  # the top and bottom tenth of a page, where headers and footers sit
_IMAGE_MIN = 40.0  # a picture smaller than this (points) is a logo or a bullet, not content
_CELL_MAX = 40  # a cell of a table printed without rulings is short
_ALIGN = 3.0  # points: cells of a table continued on the next page line up within this
_CID = re.compile(r"\(cid:\d+\)")
_NO_LINE_START = set("）)」』】》〉”’。，、；：！？,.;:!?")  # marks a line may not begin with


Row = tuple[str | None, ...]  # a table row's cell texts; None for a cell merged into another
Span = tuple[float, float] | None  # a cell's left and right edge; None for a merged-away cell


class ScannedPdfError(NarrativeError):
    """The PDF holds no text to read: a scanned report or pages that are pictures."""


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    cells: tuple[str, ...] = ()  # the pieces between wide gaps (more than one: a table row)
    lead: float = 0.0  # the width of the Latin word or number the line starts with, if any


@dataclass
class _Item:
    """Something on a page, in reading order: a line of text, a table or a picture."""

    top: float
    line: _Line | None = None
    rows: tuple[Row, ...] = ()
    image: bool = False
    # A table's first, second and last rows' cells, to join a row a page break cut in two.
    spans: tuple[tuple[Span, ...], ...] = ((), (), ())

    @property
    def first_spans(self) -> tuple[Span, ...]:
        return self.spans[0]

    @property
    def last_spans(self) -> tuple[Span, ...]:
        return self.spans[2]


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _join(a: str, b: str, gap: float, size: float) -> str:
    """Return the two texts of a line joined: with a space between Latin words or numbers, and
    none where Chinese text was only spread out (justified lines, a font change before "年")."""
    if not a or not b:
        return a + b
    if gap >= _WORD_GAP * size and not _is_wide(a[-1]) and not _is_wide(b[0]):
        return f"{a} {b}"
    return a + b


def clean_cell(text: str | None) -> str:
    """Return a table cell's text on one line: a label wrapped in its cell joined again, the
    spaces of a spread-out label dropped, a space kept between Latin words."""
    if not text:
        return ""
    out = ""
    for part in text.split():
        out = _join(out, part, 1.0, 1.0) if out else part
    return out


def _visible(obj: dict[str, Any]) -> bool:
    """Return False for what draws no ruling: a filled rectangle behind text (WPS puts a white
    one behind every line)."""
    if obj.get("object_type") != "rect":
        return True
    return bool(obj.get("stroke")) or min(obj["width"], obj["height"]) <= _RULING_MAX


def _closing_lines(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return horizontal lines where the vertical rulings of a table end without one (a table
    broken over two pages often has no line at the break)."""
    out = []
    vertical = [e for e in edges if e.get("orientation") == "v"]
    for side in ("top", "bottom"):
        groups: dict[int, list[dict[str, Any]]] = {}
        for edge in vertical:
            groups.setdefault(round(edge[side]), []).append(edge)
        for group in groups.values():
            if len(group) >= 2:
                x0 = min(e["x0"] for e in group)
                x1 = max(e["x1"] for e in group)
                y = group[0][side]
                out.append(
                    {
                        "object_type": "line",
                        "orientation": "h",
                        "x0": x0,
                        "x1": x1,
                        "top": y,
                        "bottom": y,
                        "width": x1 - x0,
                        "height": 0.0,
                    }
                )
    return out


def _table_rows(table) -> tuple[Row, ...] | None:
    """Return a found table's rows, or None when it is no table of figures (a frame around
    text, a single column)."""
    rows = tuple(
        tuple(None if c is None else clean_cell(c) for c in row) for row in table.extract()
    )
    texts = [c for row in rows for c in row if c]
    if not texts or any(is_layout_text(t) for t in texts):
        return None
    if max(len([c for c in row if c]) for row in rows) < 2:
        return None
    return rows


def _spans(table, index: int) -> tuple[Span, ...]:
    return tuple(None if c is None else (c[0], c[2]) for c in table.rows[index].cells)


def _under(spans: tuple[Span, ...], span: Span) -> int | None:
    """Return the index of the cell whose columns hold the middle of ``span``."""
    if span is None:
        return None
    middle = (span[0] + span[1]) / 2
    return next((k for k, s in enumerate(spans) if s is not None and s[0] <= middle <= s[1]), None)


def _within(span: Span, outer: Span) -> bool:
    """Return True when the cell ``span`` lies within the cell ``outer``."""
    if span is None or outer is None:
        return False
    return outer[0] - _ALIGN <= span[0] and span[1] <= outer[1] + _ALIGN


def _continues(a: _Item, b: _Item) -> bool:
    """Return True when the first row of table ``b`` at the top of a page is the rest of the last
    row of table ``a`` on the page before (a row the page break cut in two, its label and numbers
    with it): the cell under that row's label is empty, or it holds fewer numbers, all under
    numbers."""
    last, first = a.rows[-1], b.rows[0]
    texts = [k for k, c in enumerate(last) if c and not _is_number(c)]
    if not texts or not any(first):
        return False
    label = texts[-1]
    moved: dict[int, int] = {}
    for k, text in enumerate(first):
        target = _under(a.last_spans, b.first_spans[k]) if text else None
        if text and (target is None or not _within(b.first_spans[k], a.last_spans[target])):
            return False  # the columns do not line up: another table, or a caption across it
        if target is not None:
            moved[k] = target
    if label not in moved.values():
        return True
    numbers = {k for k in range(label + 1, len(last)) if last[k]}
    after = {t for t in moved.values() if t > label}
    return len(after) < len(numbers) and after <= numbers


def _join_rows(a: _Item, b: _Item) -> None:
    """Move the rest of a row cut by a page break (``b``'s first row) into its first part."""
    last = list(a.rows[-1])
    for k, text in enumerate(b.rows[0]):
        target = _under(a.last_spans, b.first_spans[k])
        if text and target is not None:
            last[target] = (last[target] or "") + text
    a.rows = (*a.rows[:-1], tuple(last))
    b.rows = b.rows[1:]
    b.spans = (b.spans[1], (), b.spans[2])


def _unbreakable(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the characters a line starts with that a line break cannot split: a Latin word or
    a number, and the closing marks that may not begin a line after it ("83593059）。")."""
    latin = list(itertools.takewhile(lambda c: not _is_wide(c["text"]), chars))
    if not latin:
        return []
    rest = chars[len(latin) :]
    return latin + list(itertools.takewhile(lambda c: c["text"] in _NO_LINE_START, rest))


def _lines(words: list[dict[str, Any]]) -> list[_Line]:
    """Return the words grouped into printed lines, left to right."""
    words = sorted(words, key=lambda w: (w["top"], w["x0"]))
    rows: list[list[dict[str, Any]]] = []
    for word in words:
        middle = (word["top"] + word["bottom"]) / 2
        for row in reversed(rows[-3:]):
            top = min(w["top"] for w in row)
            bottom = max(w["bottom"] for w in row)
            if top <= middle <= bottom:
                row.append(word)
                break
        else:
            rows.append([word])
    out = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        size = max(w["size"] for w in row)
        cells: list[str] = []
        text = ""
        previous = None
        for word in row:
            gap = word["x0"] - previous["x1"] if previous is not None else 0.0
            if previous is not None and gap >= _CELL_GAP * size:
                cells.append(text)
                text = word["text"]
            else:
                text = _join(text, word["text"], gap, size)
            previous = word
        cells.append(text)
        leading = _unbreakable(row[0]["chars"])
        line = _Line(
            lead=leading[-1]["x1"] - leading[0]["x0"] if leading else 0.0,
            text=" ".join(cells),
            x0=row[0]["x0"],
            x1=row[-1]["x1"],
            top=min(w["top"] for w in row),
            bottom=max(w["bottom"] for w in row),
            size=size,
            cells=tuple(cells) if len(cells) > 1 else (),
        )
        out.append(line)
    return out


def _inside(word: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    x = (word["x0"] + word["x1"]) / 2
    y = (word["top"] + word["bottom"]) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def _page_items(page) -> list[_Item]:
    """Return a page's lines, tables and pictures, top to bottom."""
    ruled = page.filter(_visible)
    settings = {"explicit_horizontal_lines": _closing_lines(ruled.edges)}
    items: list[_Item] = []
    boxes = []
    for table in ruled.find_tables(settings):
        rows = _table_rows(table)
        if rows:
            spans = [_spans(table, 0), _spans(table, 1) if len(rows) > 1 else (), _spans(table, -1)]
            items.append(_Item(table.bbox[1], rows=rows, spans=tuple(spans)))
            boxes.append(table.bbox)
    words = page.extract_words(
        x_tolerance=1.5, y_tolerance=2, extra_attrs=["size"], return_chars=True
    )
    for line in _lines([w for w in words if not _inside(w, boxes)]):
        items.append(_Item(line.top, line=line))
    height = float(page.height)
    for image in page.images:
        big = image["width"] >= _IMAGE_MIN and image["height"] >= _IMAGE_MIN
        margin = image["bottom"] < height * _MARGIN_ZONE or image["top"] > height * (
            1 - _MARGIN_ZONE
        )
        if big and not margin and not _inside(image, boxes):
            items.append(_Item(image["top"], image=True))  # a logo in the header is furniture
    items.sort(key=lambda item: item.top)
    return items


def _in_margin(top: float, bottom: float, height: float) -> bool:
    """Return True for what lies in a page's top or bottom tenth (headers, footers)."""
    return bottom < height * _MARGIN_ZONE or top > height * (1 - _MARGIN_ZONE)


def _furniture(pages: list[list[_Item]], heights: list[float]) -> set[tuple[int, int]]:
    """Return (page, item) of the page numbers, headers and footers: a page number first or last
    on its page, or a line in the top or bottom tenth that repeats on other pages (digits aside)."""
    marks: dict[tuple[int, int], str] = {}
    for p, items in enumerate(pages):
        height = heights[p]
        for i, item in enumerate(items):
            line = item.line
            if line is None:
                continue
            if _in_margin(line.top, line.bottom, height):
                marks[(p, i)] = re.sub(r"\d+", "#", re.sub(r"\s+", "", line.text))
    repeated = {text for text, n in Counter(marks.values()).items() if n >= 2}
    out = {where for where, text in marks.items() if text in repeated}
    for p, items in enumerate(pages):
        texts = [i for i, item in enumerate(items) if item.line is not None]
        for i in texts[:1] + texts[-1:]:
            line = items[i].line
            if line is not None and is_page_number(line.text):
                out.add((p, i))
    return out


def _table_runs(lines: list[_Item]) -> list[_Item]:
    """Return the items with runs of lines of a table printed without rulings (pieces far
    apart, a number among them) turned into one table, the short lines between them included."""
    out: list[_Item] = []
    i = 0
    while i < len(lines):
        item = lines[i]
        if item.line is None or not _is_row(item.line):
            out.append(item)
            i += 1
            continue
        j = i + 1
        last = i
        while j < len(lines) and (line := lines[j].line) is not None:
            if _is_row(line):
                last = j
            elif len(line.text) > _CELL_MAX or "。" in line.text:
                break
            j += 1
        run = [it.line for it in lines[i : last + 1] if it.line is not None]
        if any(any(_is_number(c) for c in ln.cells) for ln in run):
            rows = tuple(ln.cells or (ln.text,) for ln in run)
            out.append(_Item(item.top, rows=rows))
        else:
            out += lines[i : last + 1]
        i = last + 1
    return out


def _is_row(line: _Line) -> bool:
    return len(line.cells) > 1 and all(len(c) <= _CELL_MAX and "。" not in c for c in line.cells)


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[\d.,，]+", unicodedata.normalize("NFKC", text)))


class _Paragraphs:
    """Joins printed lines into paragraphs, across page breaks too."""

    def __init__(self, left: float, right: float, pitch: float) -> None:
        self.left, self.right, self.pitch = left, right, pitch
        self.out: list[Paragraph] = []
        self.text = ""
        self.last: _Line | None = None

    def flush(self) -> None:
        if self.text:
            self.out.append(Paragraph.plain(self.text))
        self.text, self.last = "", None

    def add(self, line: _Line, new_page: bool) -> None:
        last = self.last
        starts = (
            last is None
            or line.x0 >= self.left + _INDENT * line.size
            or (last.x1 < self.right - _SHORT * last.size and line.lead <= self.right - last.x1)
            or (not new_page and line.top - last.top > _PITCH * self._pitch(line))
            or abs(line.size - last.size) > 1.5
        )
        if starts:
            self.flush()
            self.text = line.text
        elif self.text[-1:].isascii() and self.text[-1:].isalpha() and line.text[:1].isalpha():
            self.text = f"{self.text} {line.text}"  # an English word wrapped at a space
        else:
            self.text += line.text  # Chinese wraps anywhere, a web address too
        self.last = line

    def _pitch(self, line: _Line) -> float:
        return self.pitch * line.size if self.pitch else _PITCH_DEFAULT * line.size

    def marker(self, paragraph: Paragraph) -> None:
        self.flush()
        self.out.append(paragraph)


def _margins(pages: list[list[_Item]]) -> tuple[float, float, float]:
    """Return the left and right edges of the text (where most lines start, where the long lines
    end) and its usual line spacing in font sizes (0 when it shows none)."""
    lines = [item.line for items in pages for item in items if item.line is not None]
    if not lines:
        return 0.0, 0.0, 0.0
    left = Counter(round(line.x0) for line in lines).most_common(1)[0][0]
    ends = sorted(line.x1 for line in lines)
    right = ends[int(len(ends) * 0.9)] if len(ends) > 1 else ends[0]
    pitches = []
    for items in pages:
        page_lines = [item.line for item in items if item.line is not None]
        for a, b in itertools.pairwise(page_lines):
            if a.x1 >= right - _SHORT * a.size and abs(a.size - b.size) < 0.5:
                pitches.append((b.top - a.top) / a.size)
    pitch = statistics.median(pitches) if pitches else 0.0
    return float(left), right, pitch


def _errors() -> tuple[type[Exception], ...]:
    """Return what pdfplumber and pdfminer raise for a damaged or encrypted file."""
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

    return PdfminerException, MalformedPDFException, PSException


def _open(path: Path):
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise NarrativeError(f"无法读取 {path.name}：{exc.strerror}。", "请检查文件权限。") from exc
    if size > MAX_PDF_BYTES:
        raise NarrativeError(
            f"PDF 文件 {path.name} 太大（{size // (1024 * 1024)} MB）。",
            "正常的年报不会这么大，请检查是否选错了文件。",
        )
    import pdfplumber  # only when a PDF is read: never on the start-up path

    try:
        return pdfplumber.open(path)
    except _errors() as exc:
        raise NarrativeError(
            f"无法打开 PDF 文件 {path.name}（文件损坏或已加密）。",
            "请用 PDF 阅读器打开确认；有 Word 版或网页版的，请改用 .docx 或 .html。",
        ) from exc


def read_pdf(path: Path) -> list[Paragraph]:
    """Return the paragraphs of a text PDF in reading order, tables as table markers and pictures
    as image markers; raise ScannedPdfError when it has no text, NarrativeError if unreadable."""
    path = Path(path)
    with _open(path) as pdf:
        if len(pdf.pages) > MAX_PDF_PAGES:
            raise NarrativeError(
                f"PDF 文件 {path.name} 有 {len(pdf.pages)} 页，不像一份年度报告。",
                "请检查是否选错了文件。",
            )
        try:
            chars = sum(len(page.chars) for page in pdf.pages)
            garbled = sum(1 for page in pdf.pages for c in page.chars if _CID.match(c["text"]))
            pictures = sum(len(page.images) for page in pdf.pages)
            if not chars or garbled * 2 > chars:
                raise _scanned(path.name, pictures > 0, bool(garbled))
            pages = [_table_runs(_page_items(page)) for page in pdf.pages]
            heights = [float(page.height) for page in pdf.pages]
        except _errors() as exc:  # a damaged page
            raise NarrativeError(
                f"PDF 文件 {path.name} 有损坏的页面，读不了。",
                "请用 PDF 阅读器打开确认；有 Word 版或网页版的，请改用 .docx 或 .html。",
            ) from exc
    skip = _furniture(pages, heights)
    _join_broken_rows(pages, skip)
    builder = _Paragraphs(*_margins(pages))
    for p, items in enumerate(pages):
        first = True
        for i, item in enumerate(items):
            if (p, i) in skip:
                continue
            if item.line is not None:
                builder.add(item.line, new_page=first)
            elif item.rows:
                rows = tuple(tuple(c for c in row if c is not None) for row in item.rows)
                builder.marker(Paragraph((), TABLE_MARKER, cells=tuple(r for r in rows if any(r))))
            else:
                builder.marker(Paragraph((), IMAGE_MARKER))
            first = False
    builder.flush()
    return builder.out


def _join_broken_rows(pages: list[list[_Item]], skip: set[tuple[int, int]]) -> None:
    """Join each table row that a page break cut in two (see ``_continues``), in place."""
    kept = [[i for i in range(len(items)) if (p, i) not in skip] for p, items in enumerate(pages)]
    for p in range(len(pages) - 1):
        if not kept[p] or not kept[p + 1]:
            continue
        a, b = pages[p][kept[p][-1]], pages[p + 1][kept[p + 1][0]]
        if a.rows and b.rows and a.last_spans and b.first_spans and _continues(a, b):
            _join_rows(a, b)


def _scanned(name: str, pictures: bool, garbled: bool) -> ScannedPdfError:
    if garbled:
        return ScannedPdfError(
            f"PDF 文件 {name} 中的文字无法提取（字体没有文字编码）。",
            "请改用年报的 Word 版或网页版（.docx、.html），或从网页复制文字到 .txt。",
        )
    what = "是扫描件或图片，其中没有文字" if pictures else "中没有文字"
    return ScannedPdfError(
        f"PDF 文件 {name} {what}，读不到表格和正文。",
        "请改用年报的 Word 版或网页版（.docx、.html），或从网页复制文字到 .txt。",
    )
