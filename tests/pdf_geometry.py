"""Page geometry of a PDF measured from its text boxes (``pdftotext -bbox-layout``), for tests.

pdftotext reports every page's size and, per text line, a box in points from the top-left corner.
It may cut one printed line of Chinese into several <line> or <word> elements (and put them in
different blocks), so the boxes are merged again by baseline before anything is counted.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

MM_PER_PT = 25.4 / 72
XHTML = "{http://www.w3.org/1999/xhtml}"

# Boxes whose bottoms lie this close belong to one printed line (body lines are ~29 pt apart; a
# Latin and a CJK font on one baseline differ by about 1.5 pt).
SAME_LINE_PT = 2.0
# A full-width line spans at least this share of the text area.
FULL_LINE_SHARE = 0.95
# "— 3 —", "- 3 -", "3", "第 3 页", "第3页 共9页", "3/9".
PAGE_NUMBER = re.compile(
    r"^[\s—–\-－]*(\d+|第\s*\d+\s*页(\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)[\s—–\-－]*$"
)


@dataclass(frozen=True)
class Line:
    """One printed line: its text and its box in points from the page's top-left corner."""

    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float
    widest_gap: float = 0.0  # the widest blank between the pieces merged into this line
    tallest: float = 0.0  # the height of its tallest piece: the box of its largest font

    @property
    def font_height(self) -> float:
        """Return the height of the line's largest font box (not of pieces stacked by merging)."""
        return self.tallest or self.height

    @property
    def chars(self) -> int:
        """Number of printed characters (CJK, punctuation, Latin alike); spaces do not count."""
        return sum(1 for c in self.text if not c.isspace())

    @property
    def cjk_chars(self) -> int:
        """Number of full-width characters: CJK ideographs, CJK and full-width punctuation."""
        return sum(1 for c in self.text if _is_full_width(c))

    @property
    def ascii_chars(self) -> int:
        """Number of printable ASCII characters (digits and Latin letters count half in 公文)."""
        return sum(1 for c in self.text if "!" <= c <= "~")

    @property
    def width(self) -> float:
        return self.x_max - self.x_min

    @property
    def height(self) -> float:
        return self.y_max - self.y_min


@dataclass(frozen=True)
class PageGeometry:
    """A page's size in points and its printed lines, top to bottom."""

    width_pt: float
    height_pt: float
    lines: list[Line] = field(default_factory=list)

    @property
    def width_mm(self) -> float:
        return self.width_pt * MM_PER_PT

    @property
    def height_mm(self) -> float:
        return self.height_pt * MM_PER_PT


def _is_full_width(c: str) -> bool:
    code = ord(c)
    return (
        0x2E80 <= code <= 0x9FFF  # radicals, CJK punctuation, kana, ideographs
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0xFE30 <= code <= 0xFE4F  # vertical forms
        or 0xFF01 <= code <= 0xFF60  # full-width forms (，；：（）)
        or 0xFFE0 <= code <= 0xFFE6
        or 0x20000 <= code <= 0x3FFFF
        or c in "“”‘’—…·"  # shared with Latin; set full-width in a Chinese font
    )


def measure(pdf: Path) -> list[PageGeometry]:
    """Return every page of ``pdf`` with its printed lines merged by baseline."""
    result = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    root = ET.fromstring(result.stdout)
    pages = []
    for page in root.iter(f"{XHTML}page"):
        pieces = [_line_from_words(line) for line in page.iter(f"{XHTML}line")]
        pages.append(
            PageGeometry(
                float(page.get("width", "0")),
                float(page.get("height", "0")),
                _merge_by_baseline(p for p in pieces if p is not None),
            )
        )
    return pages


def _line_from_words(element: ET.Element) -> Line | None:
    words = [
        Line(
            w.text or "",
            float(w.get("xMin", "0")),
            float(w.get("yMin", "0")),
            float(w.get("xMax", "0")),
            float(w.get("yMax", "0")),
        )
        for w in element.iter(f"{XHTML}word")
    ]
    words = [w for w in words if w.text.strip()]
    return _join(words) if words else None


def _merge_by_baseline(pieces: Iterable[Line]) -> list[Line]:
    """Return the pieces joined into printed lines: same bottom within SAME_LINE_PT."""
    rows: list[list[Line]] = []
    for piece in sorted(pieces, key=lambda p: (p.y_max, p.x_min)):
        if rows and abs(rows[-1][-1].y_max - piece.y_max) <= SAME_LINE_PT:
            rows[-1].append(piece)
        else:
            rows.append([piece])
    return [_join(row) for row in rows]


def _join(pieces: Sequence[Line]) -> Line:
    ordered = sorted(pieces, key=lambda p: p.x_min)
    text = ordered[0].text
    widest = max(p.widest_gap for p in ordered)
    tallest = max(p.font_height for p in ordered)
    for before, after in itertools.pairwise(ordered):
        # A visible gap (more than a fifth of the line's height) was a space or a cell border.
        gap = after.x_min - before.x_max
        text += (" " if gap > 0.2 * after.height else "") + after.text
        widest = max(widest, gap)
    return Line(
        text,
        min(p.x_min for p in ordered),
        min(p.y_min for p in ordered),
        max(p.x_max for p in ordered),
        max(p.y_max for p in ordered),
        widest,
        tallest,
    )


def is_page_number(line: Line) -> bool:
    """Return True when the line is a page number such as "— 3 —" or "第 3 页"."""
    return bool(PAGE_NUMBER.match(line.text))


@dataclass(frozen=True)
class TextColumn:
    """Where running text sits: its left and right edge and its line height, in points."""

    left: float
    right: float
    line_height: float

    @property
    def width(self) -> float:
        return self.right - self.left


def text_column(pages: Sequence[PageGeometry]) -> TextColumn:
    """Return the text column found from the wide lines of running text of all pages.

    Running text is told from tables by its lines: wide (at least 80 % of the widest line) and
    without a blank wider than a character between its pieces. Their most common height is the
    body text's; their extreme edges are the column's.
    """
    candidates = [
        ln
        for page in pages
        for ln in page.lines
        if not is_page_number(ln) and ln.widest_gap <= ln.font_height
    ]
    if not candidates:
        raise ValueError("the PDF has no running text")
    widest = max(ln.width for ln in candidates)
    wide = [ln for ln in candidates if ln.width >= 0.8 * widest]
    heights = Counter(round(ln.font_height, 1) for ln in wide)
    height = max(heights, key=lambda h: (heights[h], h))
    wide = [ln for ln in wide if _same_height(ln, height)]
    return TextColumn(min(ln.x_min for ln in wide), max(ln.x_max for ln in wide), height)


def _same_height(line: Line, height: float) -> bool:
    return abs(line.font_height - height) <= 0.15 * height


def body_lines(
    page: PageGeometry,
    column: TextColumn | None = None,
    *,
    min_chars: int = 1,
    indent_ems: float = 2.5,
) -> list[Line]:
    """Return the page's lines of running body text, top to bottom.

    ``column`` is the document's ``text_column``; without it the page's own is used, which on a
    page of tables is the tables'. Left out: page numbers; lines of another height than the body
    text (titles, table text, headers and footers in a smaller size); lines not starting at the
    column's left edge or within ``indent_ems`` characters of it (centred or right-aligned lines,
    table cells); lines with a blank wider than a character (table rows, tab stops); and lines
    with fewer than ``min_chars`` characters.
    """
    if column is None:
        column = text_column([page])
    body = []
    for ln in page.lines:
        if is_page_number(ln) or ln.chars < min_chars:
            continue
        em = column.line_height
        in_column = column.left - 1 <= ln.x_min <= column.left + indent_ems * em
        if in_column and _same_height(ln, column.line_height) and ln.widest_gap <= em:
            body.append(ln)
    return body


def full_lines(pages: Sequence[PageGeometry]) -> list[Line]:
    """Return the body lines that span at least FULL_LINE_SHARE of the text column."""
    column = text_column(pages)
    return [
        ln
        for page in pages
        for ln in body_lines(page, column)
        if ln.width >= FULL_LINE_SHARE * column.width
    ]


def chars_per_full_line(pages: Sequence[PageGeometry]) -> int:
    """Return the most common character count among full-width body lines (larger on a tie)."""
    counts = Counter(ln.chars for ln in full_lines(pages))
    if not counts:
        raise ValueError("the PDF has no full-width body lines")
    return max(counts, key=lambda n: (counts[n], n))


def lines_per_full_page(pages: Sequence[PageGeometry]) -> int:
    """Return the body lines on a full page: the most common count over all pages but the last.

    The last page is left out because running text usually ends part-way down it; on a tie the
    larger count wins (a page with a title or a table holds fewer body lines).
    """
    counted = pages[:-1] if len(pages) > 1 else pages
    if not counted:
        raise ValueError("the PDF has no pages")
    column = text_column(pages)
    counts = Counter(len(body_lines(page, column)) for page in counted)
    return max(counts, key=lambda n: (counts[n], n))


def margins_mm(
    page: PageGeometry, column: TextColumn | None = None
) -> tuple[float, float, float, float]:
    """Return the (top, bottom, left, right) distance in mm from the page edges to the body text.

    Measured from the text boxes, so the top and bottom include the room a line's box leaves
    above and below the glyphs (about 3 mm for 16 pt text with exact 28.95 pt line spacing), and
    the right margin includes whatever the lines leave short of the margin.
    """
    lines = body_lines(page, column)
    if not lines:
        raise ValueError("the page has no body text")
    top = min(ln.y_min for ln in lines)
    bottom = page.height_pt - max(ln.y_max for ln in lines)
    left = min(ln.x_min for ln in lines)
    right = page.width_pt - max(ln.x_max for ln in lines)
    return (
        round(top * MM_PER_PT, 1),
        round(bottom * MM_PER_PT, 1),
        round(left * MM_PER_PT, 1),
        round(right * MM_PER_PT, 1),
    )
