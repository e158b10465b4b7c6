"""Tables that reached the report as lines of plain text, found by their official labels.

A table copied from a web page may arrive one cell per line; text copied from a PDF has a row
per line with spaces between the cells, a long label wrapped over two or three lines, and
"商业 企业" split in two. The readers cannot tell such lines from prose, but the labels can: a line
is a table line when every piece of it (split at spaces) is a number, a dash printed instead of
one, or a label of the official tables or a part of one; a run of such lines holding a whole label
and a number is a table, and each of its lines becomes a table row whose cells are the pieces.
The table reader (``tables``) then pieces the labels together and reads the values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nianbao.converters.document import BODY, Paragraph
from nianbao.converters.narrative_common import TABLE_MARKER
from nianbao.workbook_templates.spec import FormatSpec
from nianbao.workbook_templates.values import guess_number

from .tables import is_label, is_label_piece, is_value_text

_PIECES = re.compile(r"[\s\u3000]+")


def _pieces(text: str) -> list[str]:
    return [p for p in _PIECES.split(text.strip()) if p]


def _is_value(piece: str) -> bool:
    return is_value_text(piece) or guess_number(piece) is not None


def _line_kind(specs: tuple[FormatSpec, ...], paragraph: Paragraph) -> tuple[bool, bool] | None:
    """Return (has a whole label, has a value) for a table line, None for any other line."""
    if paragraph.kind != BODY:
        return None
    pieces = _pieces(paragraph.text)
    if not pieces:
        return None
    label = value = False
    for piece in pieces:
        if _is_value(piece):
            value = True
        elif any(is_label_piece(s, piece) for s in specs):
            label = label or any(is_label(s, piece) for s in specs)
        else:
            return None
    return label, value


def mark_table_lines(paragraphs: list[Paragraph], specs: Iterable[FormatSpec]) -> list[Paragraph]:
    """Return the paragraphs with each table copied as lines of text turned into table rows."""
    specs = tuple(specs)
    kinds = [_line_kind(specs, p) for p in paragraphs]
    out: list[Paragraph] = []
    i = 0
    while i < len(paragraphs):
        if kinds[i] is None:
            out.append(paragraphs[i])
            i += 1
            continue
        j = i
        while j < len(paragraphs) and kinds[j] is not None:
            j += 1
        run = [k for k in kinds[i:j] if k is not None]
        if any(label for label, _ in run) and any(value for _, value in run):
            out += [
                Paragraph((), TABLE_MARKER, cells=(tuple(_pieces(p.text)),))
                for p in paragraphs[i:j]
            ]
        else:
            out += paragraphs[i:j]
        i = j
    return out
