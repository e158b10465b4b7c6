"""Reading the narrative from a plain .txt file or an .html page saved from a website.

Both readers only turn the file into a flat list of paragraphs; tables of figures become table
markers for the splitter in ``narrative.py`` (each with the table's cell texts, for ``nianbao
import``), while a page's layout table keeps its text.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from nianbao.errors import NarrativeError, os_reason

from .document import BODY, LIST_ITEM, Paragraph, Run
from .narrative_common import (
    TABLE_MARKER,
    clean_paragraph,
    is_layout_text,
    is_page_number,
    looks_like_title,
    strip_blanks,
)

__all__ = ["MAX_TEXT_BYTES", "read_html", "read_txt"]

MAX_TEXT_BYTES = 20 * 1024 * 1024


# ---------------------------------------------------------------------------------------------
# Plain text and table residue


_RULING = re.compile(r"^:?-{3,}:?$")  # a Markdown table's line under its header: |---|:--:|
_CELL_MAX = 60  # a cell of a table of figures holds a label or a number, never a paragraph


def _text_line(line: str) -> Paragraph | None:
    """Return a line of text as a paragraph, a table marker for a table row, or None if blank.

    A row copied with "|" between its cells, or with tabs (a table copied from a browser or
    Word), keeps its empty cells: a blank value sits where it sat, and the importer reads the
    numbers beside it by position instead of shifting them.
    """
    if "\t" in line.strip(" \r\n\u3000") and (row := _tab_row(line)) is not None:
        return row
    line = strip_blanks(line)
    if not line:
        return None
    if line.startswith("|") or line.endswith("|") or line.count("|") >= 3:
        cells = [strip_blanks(c) for c in line.split("|")]
        if cells and not cells[0]:
            cells.pop(0)  # nothing before the first bar: not a cell
        if cells and not cells[-1]:
            cells.pop()
        filled = [c for c in cells if c]
        if not filled or all(_RULING.match(c) for c in filled):
            return None  # a ruling line or an empty filler row of a copied table
        if len(filled) == 1 and (is_layout_text(filled[0]) or looks_like_title(filled[0])):
            return Paragraph.plain(filled[0])  # one cell of a page's layout table
        return Paragraph((), TABLE_MARKER, cells=(tuple(cells),))
    return Paragraph.plain(line)


def _tab_row(line: str) -> Paragraph | None:
    """Return a tab-separated line as a table row, or None when it reads as text with a tab."""
    cells = [strip_blanks(c) for c in line.rstrip("\r\n").split("\t")]
    filled = [c for c in cells if c]
    if len(filled) < 2 or any(len(c) > _CELL_MAX or "。" in c for c in filled):
        return None
    while cells and not cells[0]:
        cells.pop(0)
    return Paragraph((), TABLE_MARKER, cells=(tuple(cells),))


def _decode_text(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data:
        raise NarrativeError(
            f"文件 {name} 不是纯文本文件。", "请提供 .docx 文件，或把正文另存为纯文本（.txt）。"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise NarrativeError(
                f"正文文件 {path.name} 太大（{size // (1024 * 1024)} MB）。",
                "正常的年报正文不会这么大，请检查是否选错了文件。",
            )
        return path.read_bytes()
    except OSError as exc:
        raise NarrativeError(
            f"无法读取正文文件 {path.name}：{os_reason(exc)}。", "请检查文件权限。"
        ) from exc


_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")


def read_txt(path: Path) -> list[Paragraph]:
    """Return the lines of a .txt (or Markdown) file as paragraphs, table rows as table markers;
    a Markdown heading's "#" marks are dropped."""
    text = _decode_text(_read_bytes(path), path.name)
    out = []
    for line in _without_page_numbers(text):
        paragraph = _text_line(_MARKDOWN_HEADING.sub("", line))
        if paragraph is not None:
            out.append(paragraph)
    return out


def _without_page_numbers(text: str) -> list[str]:
    """Return the lines of a text, without the page numbers around its page breaks (text saved
    from a PDF has a form feed between pages). "— 3 —" or "第3页" is a page number; a bare number
    is one only when such numbers count the pages on at least half of them (a table's last value
    can end a page too)."""
    pages = [page.splitlines() for page in text.split("\f")]
    if len(pages) == 1:
        return pages[0]
    edges: dict[tuple[int, int], str] = {}  # (page, line) -> its text, for the lines at the edges
    for p, lines in enumerate(pages):
        filled = [i for i, line in enumerate(lines) if line.strip()]
        for i in {*filled[:1], *filled[-1:]}:
            if is_page_number(lines[i]):
                edges[(p, i)] = lines[i].strip()
    counted = Counter(int(t) - p for (p, _), t in edges.items() if t.isdigit())
    offset, pages_counted = counted.most_common(1)[0] if counted else (0, 0)
    drop = {
        where
        for where, t in edges.items()
        if not t.isdigit() or (pages_counted * 2 >= len(pages) > 2 and int(t) - where[0] == offset)
    }
    return [
        line for p, lines in enumerate(pages) for i, line in enumerate(lines) if (p, i) not in drop
    ]


# ---------------------------------------------------------------------------------------------
# HTML

_HTML_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "iframe"})
# fmt: off
_HTML_BLOCK = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "br", "hr", "tr", "blockquote", "section",
    "article", "header", "footer", "main", "nav", "aside", "pre", "dd", "dt", "dl", "center",
    "address", "figure", "figcaption", "caption", "form", "body", "html",
})
# fmt: on
_HTML_STYLE = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


class _HtmlReader(HTMLParser):
    """Collects paragraphs from HTML: blocks end paragraphs, tables become markers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[Paragraph] = []
        self.skip = 0
        self.style = {"bold": 0, "italic": 0, "underline": 0}
        self.runs: list[Run] = []
        self.kind, self.label, self.level = BODY, "", 0
        self.lists: list[list] = []  # [tag, next number]
        # Each open table: its cells, each a list of paragraphs; and where each of its rows starts.
        self.tables: list[list[list[Paragraph]]] = []
        self.row_starts: list[list[int]] = []

    # Paragraphs go to the innermost open table cell, or to the output.
    def _target(self) -> list[Paragraph]:
        if self.tables:
            table = self.tables[-1]
            if not table:
                table.append([])
            return table[-1]
        return self.out

    def flush(self, keep_item: bool = False) -> None:
        """End the paragraph; ``keep_item``: a block opening inside <li> keeps the item's label."""
        paragraph = clean_paragraph(Paragraph(tuple(self.runs), self.kind, self.label, self.level))
        if paragraph is not None:
            self._target().append(paragraph)
        self.runs = []
        if paragraph is not None or not keep_item:
            self.kind, self.label, self.level = BODY, "", 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.skip = 0  # pages that never close their <head>
        if tag in _HTML_SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag in _HTML_STYLE:
            self.style[_HTML_STYLE[tag]] += 1
        elif tag in _HTML_BLOCK:
            self.flush(keep_item=True)
        elif tag in ("ol", "ul"):
            self.flush()
            start = dict(attrs).get("start") or "1"
            self.lists.append([tag, int(start) if start.strip().isdigit() else 1])
        elif tag == "li":
            self.flush()
            if self.lists:
                entry = self.lists[-1]
                value = dict(attrs).get("value")
                if value and value.strip().isdigit():
                    entry[1] = int(value)
                self.kind, self.level = LIST_ITEM, len(self.lists) - 1
                if entry[0] == "ol":
                    self.label = f"{entry[1]}."
                    entry[1] += 1
                else:
                    self.label = "•"
        elif tag == "table":
            self.flush()
            self.tables.append([])
            self.row_starts.append([])
        elif tag == "tr" and self.tables:
            self.row_starts[-1].append(len(self.tables[-1]))
        elif tag in ("td", "th") and self.tables:
            self.flush()
            self.tables[-1].append([])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr", "p", "div") and not self.skip:
            self.flush(keep_item=True)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_SKIP:
            self.skip = max(self.skip - 1, 0)
            return
        if self.skip:
            return
        if tag in _HTML_STYLE:
            key = _HTML_STYLE[tag]
            self.style[key] = max(self.style[key] - 1, 0)
        elif tag in _HTML_BLOCK:
            self.flush(keep_item=True)
        elif tag in ("li", "td", "th"):
            self.flush()
        elif tag in ("ol", "ul"):
            self.flush()
            if self.lists:
                self.lists.pop()
        elif tag == "table" and self.tables:
            self.flush()
            self._close_table()

    def _close_table(self) -> None:
        cells = self.tables.pop()
        starts = self.row_starts.pop()
        texts = ["".join(p.text for p in cell) for cell in cells]
        if any(is_layout_text(t) for t in texts):
            self._target().extend(p for cell in cells for p in cell)
        elif any(texts):
            bounds = sorted({0, *starts, len(texts)})
            rows = tuple(tuple(texts[a:b]) for a, b in itertools.pairwise(bounds) if b > a)
            self._target().append(Paragraph((), TABLE_MARKER, cells=rows))

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = re.sub(r"[ \t\r\n\f]+", " ", data.replace("\xa0", " "))
        if text:
            self.runs.append(
                Run(
                    text,
                    bold=self.style["bold"] > 0,
                    italic=self.style["italic"] > 0,
                    underline=self.style["underline"] > 0,
                )
            )

    def finish(self) -> list[Paragraph]:
        self.close()
        self.flush()
        while self.tables:
            self._close_table()
        return self.out


def _decode_html(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    m = _META_CHARSET.search(data[:8192])
    if m:
        charset = m.group(1).decode("ascii", errors="replace").lower()
        if charset in ("gb2312", "gbk", "x-gbk", "gb_2312-80"):
            charset = "gb18030"  # the superset: pages labelled GB2312 often hold GBK characters
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("gb18030", errors="replace")


def well_formed(text: str) -> str:
    """Return an HTML page rewritten by libxml2 (lxml), which repairs broken markup in linear
    time: Python's HTMLParser takes quadratic time on unclosed tags, comments or quotes (100 KB
    of "<!--" took 14 s, of '<a href="' over a minute)."""
    import lxml.etree
    import lxml.html

    try:
        tree = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        return text  # empty, or nothing lxml can make a document of: the reader copes
    return lxml.html.tostring(tree, encoding="unicode", method="html")


def read_html(path: Path) -> list[Paragraph]:
    """Return the paragraphs of an .html page; raise NarrativeError if it cannot be parsed."""
    text = well_formed(_decode_html(_read_bytes(path)))
    reader = _HtmlReader()
    try:
        reader.feed(text)
        return reader.finish()
    except Exception as exc:  # html.parser is lenient; anything it raises means a broken page
        raise NarrativeError(
            f"无法读取网页文件 {path.name}。", "请把网页中的正文复制到 .txt 文件后再试。"
        ) from exc
