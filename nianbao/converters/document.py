"""The report as a neutral document: what the Word and HTML writers both render.

Everything here is plain, frozen data. ``compose.py`` builds it from a checked workbook and the
narrative; ``docx_writer.py`` and ``html_writer.py`` turn it into files; neither decides content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nianbao.workbook_templates.spec import CellKey

# Paragraph kinds.
BODY = "body"
HEADING2 = "heading2"  # （一）主动公开 — 楷体 in Word
LIST_ITEM = "list"  # a list item of the clerk's own document; ``label`` holds its number or bullet


# Characters XML 1.0 (Word, HTML) cannot hold: control characters but tab and line breaks, lone
# surrogates, U+FFFE/U+FFFF. A pasted text may carry them; they are never meant as text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Return the text without the characters an XML document cannot hold."""
    return _NOT_XML.sub("", text)


@dataclass(frozen=True)
class Run:
    """A stretch of text with the clerk's own emphasis (never a character XML cannot hold)."""

    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False
    heading: bool = False  # an inline sub-heading ("（一）主动公开。" opening a body paragraph)
    # How many such characters were taken out of this run's text (the narrative notes them).
    dropped: int = field(default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        if _NOT_XML.search(self.text):
            clean = xml_text(self.text)
            object.__setattr__(self, "dropped", self.dropped + len(self.text) - len(clean))
            object.__setattr__(self, "text", clean)


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    kind: str = BODY
    label: str = ""  # a list item's number or bullet, printed before the text
    level: int = 0  # list nesting level (0 = outermost)
    # A table marker of a narrative reader: the table's rows of cell texts, in reading order,
    # cells hidden by a merge left out (for ``nianbao import``; the report never prints them).
    cells: tuple[tuple[str, ...], ...] = ()

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)

    @classmethod
    def plain(cls, text: str, kind: str = BODY) -> Paragraph:
        return cls((Run(text),), kind)


@dataclass(frozen=True)
class GridCell:
    """One printed cell of a table, at its top-left grid position, with its merge spans."""

    row: int
    col: int
    rowspan: int
    colspan: int
    text: str
    role: str  # caption, corner, header, row (a row label) or value
    key: CellKey | None = None  # the value cell it shows (role "value")


@dataclass(frozen=True)
class TableGrid:
    """A table in the official layout: every merged cell as one GridCell."""

    code: str
    n_rows: int
    n_cols: int
    cells: tuple[GridCell, ...]
    header_rows: int  # rows repeated at the top of each page (0 for a table of sub-tables)
    col_widths: tuple[float, ...]  # relative widths
    numeric_cols: int  # how many trailing columns hold numbers
    caption: str = ""  # the official table's title, for the web page's <caption>

    def rows(self) -> list[list[GridCell]]:
        """Return the cells starting on each row, in column order."""
        out: list[list[GridCell]] = [[] for _ in range(self.n_rows)]
        for cell in self.cells:
            out[cell.row].append(cell)
        for row in out:
            row.sort(key=lambda c: c.col)
        return out


@dataclass(frozen=True)
class Section:
    code: str
    heading: str  # the section number and title, as printed
    paragraphs: tuple[Paragraph, ...]  # before the table, if any
    table: TableGrid | None = None


@dataclass(frozen=True)
class ReportDocument:
    title: str
    opening: tuple[Paragraph, ...]
    sections: tuple[Section, ...]
    signature: tuple[str, ...]  # unit, date — right-aligned at the end
    page_number: str  # e.g. "— {page} —"
    draft_mark: str = ""  # printed on every page when the workbook did not pass the checks
    values: dict[CellKey, str] = field(default_factory=dict)  # what each table cell must show
    unit: str = ""
    year: int = 0
    title_lines: tuple[str, ...] = ()  # the title broken where it reads well (Word); () = title

    def __post_init__(self) -> None:
        # The unit's name comes from the workbook as typed: never a character XML cannot hold.
        for name in ("title", "unit"):
            object.__setattr__(self, name, xml_text(getattr(self, name)))
        for name in ("signature", "title_lines"):
            object.__setattr__(self, name, tuple(xml_text(t) for t in getattr(self, name)))

    @property
    def title_breaks(self) -> tuple[str, ...]:
        return self.title_lines or (self.title,)


TITLE_CHARS_PER_LINE = 20  # 二号 characters in the 156 mm text width


def text_width(text: str) -> float:
    """Return the width of a text in full-width characters (Latin letters and digits: half)."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def title_lines(title: str, unit: str) -> tuple[str, ...]:
    """Return the title in lines: a title too long for one line breaks after the unit's name
    (rather than wherever the line runs out, as in "……工作年/度报告")."""
    if text_width(title) <= TITLE_CHARS_PER_LINE or not unit or not title.startswith(unit):
        return (title,)
    rest = title[len(unit) :]
    if text_width(unit) > TITLE_CHARS_PER_LINE or text_width(rest) > TITLE_CHARS_PER_LINE:
        return (title,)
    return (unit, rest)
