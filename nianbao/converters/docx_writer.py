"""The Word report: a ReportDocument rendered as .docx in the GB/T 9704 layout.

Paragraphs go through python-docx; the three tables are written as WordprocessingML directly
(one parse per table), because looking up and merging cells one by one through python-docx takes
longer than the whole rest of the export. Every table row is kept on one page, the header rows
of 表三/表四 repeat on each page the table crosses, a page never ends a table fewer than three rows
into its body, 表二's sub-tables are never broken, and the 落款 keeps the end of the text with it.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from xml.sax.saxutils import escape

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

from nianbao.files import atomic_output

from . import word_styles as S
from .document import HEADING2, LIST_ITEM, GridCell, Paragraph, ReportDocument, TableGrid

TWIPS_PER_PT = 20
CELL_MARGIN_TWIPS = 57  # 1 mm left and right inside table cells
BORDER_SIZE = 4  # eighths of a point: 0.5 pt lines
ROW_HEIGHT_TWIPS = 340  # at least 6 mm a row, as printed tables have


def build_docx(doc: ReportDocument, fonts: S.FontSet | None = None):
    """Return the python-docx Document of a report."""
    fonts = fonts or S.FontSet()
    document = docx.Document()
    S.apply_styles(document, fonts)
    section = document.sections[0]
    S.setup_section(section)
    document.settings.odd_and_even_pages_header_footer = True
    _page_numbers(document, section, doc.page_number)
    if doc.draft_mark:
        for header in (section.header, section.even_page_header):
            header.is_linked_to_previous = False
            p = header.paragraphs[0]
            p.style = document.styles[S.DRAFT]
            p.text = doc.draft_mark

    add_title(document, doc.title_breaks)
    document.add_paragraph("", style=S.BODY)
    for para in doc.opening:
        _add_paragraph(document, para, fonts)
    table_style = document.styles[S.TABLE_TEXT].style_id
    for sec in doc.sections:
        document.add_paragraph(sec.heading, style=S.HEADING1)
        for para in sec.paragraphs:
            _add_paragraph(document, para, fonts)
        if sec.table is not None:
            tbl = parse_xml(table_xml(sec.table, table_style))
            document.element.body.sectPr.addprevious(tbl)
    # The 落款 never stands alone on the last page (GB/T 9704): the last lines of the text, the
    # two blank lines and the unit's name stay on the page of the date.
    last_text = document.paragraphs[-1]
    closing = [last_text]
    closing.append(document.add_paragraph("", style=S.BODY))
    closing.append(document.add_paragraph("", style=S.BODY))
    closing += [document.add_paragraph(line, style=S.SIGNATURE) for line in doc.signature]
    for p in closing[:-1]:
        p.paragraph_format.keep_with_next = True
    # With widow control the last text paragraph moves only its last lines (not all of it).
    last_text.paragraph_format.widow_control = True

    props = document.core_properties
    # Word's document properties hold at most 255 characters (python-docx refuses more).
    props.title = doc.title[:_MAX_PROPERTY]
    props.author = (doc.unit or "年报助手")[:_MAX_PROPERTY]
    props.last_modified_by = "年报助手 nianbao"
    props.comments = doc.draft_mark
    now = _dt.datetime.now().replace(microsecond=0)
    props.created = props.modified = now
    props.revision = 1
    S.finish_package(document, fonts)
    return document


def write_docx(
    doc: ReportDocument,
    target: str | Path,
    *,
    fonts: S.FontSet | None = None,
    force: bool = False,
) -> Path:
    """Write the report to ``target`` atomically, after checking the file shows every number.

    Raises ExportError (and leaves no file) when the written document does not show the
    workbook's numbers.
    """
    from .docx_verify import verify_docx

    document = build_docx(doc, fonts)
    with atomic_output(target, force=force) as tmp:
        document.save(str(tmp))
        verify_docx(tmp, doc)
    return Path(target)


_MAX_PROPERTY = 255


def add_title(document, lines: tuple[str, ...]) -> None:
    """Add the centred title paragraph, its lines separated by line breaks."""
    title = document.add_paragraph(style=S.TITLE)
    for i, line in enumerate(lines):
        run = title.add_run()
        if i:
            run.add_break()
        run.add_text(line)


def _add_paragraph(document, para: Paragraph, fonts: S.FontSet) -> None:
    style = S.HEADING2 if para.kind == HEADING2 else S.BODY
    p = document.add_paragraph(style=style)
    if para.kind == LIST_ITEM:
        indent = S.CHAR_PITCH_PT * 2 * (para.level + 1)
        p.paragraph_format.left_indent = Pt(indent)
        p.paragraph_format.first_line_indent = Pt(0)
        if para.label:
            p.add_run(para.label + " ")
    for run in para.runs:
        r = p.add_run(run.text)
        if run.bold:
            r.bold = True
        if run.italic:
            r.italic = True
        if run.underline:
            r.underline = True
        if run.heading:
            S.set_run_fonts(r._element.get_or_add_rPr(), fonts.heading2, fonts.latin)


def _page_numbers(document, section, pattern: str) -> None:
    """Put "— n —" at the foot of each page: odd pages right, even pages left, one character in."""
    before, _, after = pattern.partition("{page}")
    one_char = Pt(S.SIZE_4.pt)
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = document.styles[S.PAGE_NUMBER]
        p.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = one_char
        else:
            p.paragraph_format.left_indent = one_char
        p.add_run(before)
        _field(p, "PAGE", "1")
        p.add_run(after)


def _field(paragraph, instruction: str, placeholder: str) -> None:
    """Append a complex field (begin, instruction, separate, shown value, end) to a paragraph."""
    for kind, text in (
        ("begin", None),
        ("instr", instruction),
        ("separate", None),
        ("value", placeholder),
        ("end", None),
    ):
        run = paragraph.add_run()
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
            run._element.append(el)
        elif kind == "value":
            run.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._element.append(el)


def _twips(widths: tuple[float, ...], total: int) -> list[int]:
    scale = total / sum(widths)
    out = [int(w * scale) for w in widths]
    out[-1] += total - sum(out)
    return out


def table_xml(grid: TableGrid, style_id: str, width_twips: int | None = None) -> str:
    """Return a w:tbl element for a grid: merged cells as gridSpan/vMerge, fixed widths."""
    total = width_twips or int(S.TEXT_WIDTH.pt * TWIPS_PER_PT)
    cols = _twips(grid.col_widths, total)
    start: dict[tuple[int, int], GridCell] = {(g.row, g.col): g for g in grid.cells}
    covered: dict[tuple[int, int], GridCell] = {}
    for g in grid.cells:
        for r in range(g.row + 1, g.row + g.rowspan):
            covered[(r, g.col)] = g
    border = f'w:val="single" w:sz="{BORDER_SIZE}" w:space="0" w:color="000000"'
    out = [
        f"<w:tbl {nsdecls('w')}><w:tblPr>"
        f'<w:tblW w:w="{total}" w:type="dxa"/><w:jc w:val="center"/>'
        "<w:tblBorders>"
        + "".join(
            f"<w:{side} {border}/>"
            for side in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        + '</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar>'
        f'<w:left w:w="{CELL_MARGIN_TWIPS}" w:type="dxa"/>'
        f'<w:right w:w="{CELL_MARGIN_TWIPS}" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="0000"/></w:tblPr><w:tblGrid>'
        + "".join(f'<w:gridCol w:w="{w}"/>' for w in cols)
        + "</w:tblGrid>"
    ]
    kept = _kept_rows(grid)
    for r in range(grid.n_rows):
        header = "<w:tblHeader/>" if r < grid.header_rows else ""
        keep = r in kept
        out.append(
            f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{ROW_HEIGHT_TWIPS}" '
            f'w:hRule="atLeast"/>{header}</w:trPr>'
        )
        c = 0
        while c < grid.n_cols:
            cell = start.get((r, c))
            merge = ""
            text = ""
            if cell is None:
                cell = covered.get((r, c))
                if cell is None:  # nothing printed here: an empty cell keeps the grid whole
                    out.append(_tc(cols[c], 1, "", "", style_id, "center", keep))
                    c += 1
                    continue
                merge = "<w:vMerge/>"
            else:
                text = cell.text
                if cell.rowspan > 1:
                    merge = '<w:vMerge w:val="restart"/>'
            width = sum(cols[c : c + cell.colspan])
            align = (
                "left"
                if cell.role == "row" or (cell.role == "corner" and len(cell.text) > 8)
                else "center"
            )
            out.append(_tc(width, cell.colspan, merge, text, style_id, align, keep))
            c += cell.colspan
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


MIN_ROWS_AFTER_HEADER = 3  # body rows a page holds under a header before the table may break
SHORT_BLOCK_ROWS = 8  # a (sub-)table with no more body rows than this is never broken


def _kept_rows(grid: TableGrid) -> set[int]:
    """Return the rows kept on the page of the row below them (their paragraphs keep with the
    next one, which keeps rows together in Word and in LibreOffice).

    Each block of a table — header rows and the body rows up to the next header — keeps its
    header with the first body rows, so a page never ends a table fewer than three rows into its
    body; a short block, or one whose header would not be repeated on the next page (表二's
    sub-tables), is kept whole.
    """
    heading = {c.row for c in grid.cells if c.role in ("caption", "corner", "header")}
    kept: set[int] = set()
    r = 0
    while r < grid.n_rows:
        start = r
        while r < grid.n_rows and r in heading:
            r += 1
        body_start = r
        while r < grid.n_rows and r not in heading:
            r += 1
        body = r - body_start
        repeated = start < grid.header_rows
        if body <= SHORT_BLOCK_ROWS or not repeated:
            kept |= set(range(start, r - 1))
        else:
            kept |= set(range(start, body_start + MIN_ROWS_AFTER_HEADER - 1))
    return kept


def _tc(
    width: int, span: int, merge: str, text: str, style_id: str, align: str, keep: bool = False
) -> str:
    grid_span = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    run = f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>' if text else ""
    keep_next = "<w:keepNext/>" if keep else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{grid_span}{merge}'
        '<w:vAlign w:val="center"/></w:tcPr>'
        f'<w:p><w:pPr><w:pStyle w:val="{escape(style_id)}"/>{keep_next}'
        f'<w:jc w:val="{align}"/></w:pPr>{run}</w:p></w:tc>'
    )
