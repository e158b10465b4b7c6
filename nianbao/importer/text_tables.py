"""Tables that reached the report as plain text, found by their official labels.

A table copied from a web page may arrive one cell per line; text copied from a PDF has a row
per line with spaces between the cells, a long label wrapped over two or three lines, and
"商业 企业" split in two. The readers cannot tell such lines from prose, but the labels can: a line
is a table line when every piece of it (split at spaces) is a number, a dash printed instead of
one, or a label of the official tables or a part of one; a run of such lines holding a whole label
and a number is a table, and each of its lines becomes a table row whose cells are the pieces.

A web page's text dumped without any separator runs the whole table together with the prose
around it: caption, header, each row's label and its digits, the next label, with no break. There
the labels are found inside the text: where label follows label with nothing but numbers between
them, that stretch is a table, each label a row and the numbers after it its cells (``tables``
cuts "000" into three cells only when the row has three columns; "6233440" for three columns is
left unread).

The table reader (``tables``) then pieces the labels together and reads the values.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from functools import cache

from nianbao.converters.document import BODY, Paragraph
from nianbao.converters.narrative_common import TABLE_MARKER
from nianbao.workbook_templates.spec import FormatSpec
from nianbao.workbook_templates.values import guess_number, normalize_label

from .tables import is_label, is_label_piece, is_value_text, label_keys

_PIECES = re.compile(r"[\s\u3000]+")
_GLUED_MIN = 80  # a paragraph this long may hold a table run together with its text
_BETWEEN = " \t\u3000.+-—–/"  # besides digits, what may stand between two labels of a table


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


@cache
def _keys_by_first(specs: tuple[FormatSpec, ...]) -> dict[str, tuple[str, ...]]:
    """Return every label key of the specs' tables by its first character, longest first."""
    out: dict[str, set[str]] = {}
    for spec in specs:
        for key in label_keys(spec):
            out.setdefault(key[0], set()).add(key)
    return {c: tuple(sorted(keys, key=len, reverse=True)) for c, keys in out.items()}


def _key_chars(text: str) -> tuple[str, list[int]]:
    """Return a text's characters in label-key form, spaces left out, and where each stands in
    the text (label_key's changes made one character at a time, so that positions are kept)."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        key = normalize_label(ch).replace("、", ",")
        if len(key) == 1:
            chars.append(key)
            where.append(i)
    for k in range(1, len(chars) - 1):
        before, ch, after = chars[k - 1 : k + 2]
        if ch in ",." and not after.isdigit():  # an item's number, not a decimal or 1,234
            if before.isdigit():
                chars[k] = "."  # "1、" "1，" as "1."
            elif before in _CN_NUMERALS:
                chars[k] = ","  # "一." as "一、", which label_key writes with a comma
    return "".join(chars), where


_CN_NUMERALS = "一二三四五六七八九十"


def _glued_table(text: str, specs: tuple[FormatSpec, ...]) -> list[Paragraph] | None:
    """Return a paragraph cut into its text and the tables run together with it, or None when
    it holds none."""
    keys = _keys_by_first(specs)
    chars, where = _key_chars(text)
    labels: list[tuple[int, int]] = []  # (start, end) in the text
    k = 0
    while k < len(chars):
        key = next((key for key in keys.get(chars[k], ()) if chars.startswith(key, k)), None)
        if key is None:
            k += 1
            continue
        labels.append((where[k], where[k + len(key) - 1] + 1))
        k += len(key)
    tables: list[list[tuple[str, str, int, int]]] = []  # rows: (label, numbers, start, end)
    rows: list[tuple[str, str, int, int]] = []
    for n, (start, end) in enumerate(labels):
        gap = text[end : labels[n + 1][0] if n + 1 < len(labels) else len(text)]
        numbers = "".join(itertools.takewhile(lambda c: c.isdigit() or c in _BETWEEN, gap))
        rows.append((text[start:end], numbers, start, end + len(numbers)))
        if gap[len(numbers) :].strip():  # words follow: the table, if it was one, ends here
            tables.append(rows)
            rows = []
    tables.append(rows)
    out: list[Paragraph] = []
    done = 0
    for table in tables:
        if len(table) < 2 or not any(numbers.strip() for _, numbers, _, _ in table):
            continue  # a label or two in a sentence
        out += _prose(text[done : table[0][2]], specs)
        # A row's numbers stay one cell: how they are cut depends on the row's columns.
        cells = tuple(
            (label, numbers.strip()) if numbers.strip() else (label,)
            for label, numbers, _, _ in table
        )
        out.append(Paragraph((), TABLE_MARKER, cells=cells))
        done = table[-1][3]
    if not out:
        return None
    return out + _prose(text[done:], specs)


@cache
def _headings(specs: tuple[FormatSpec, ...]) -> re.Pattern:
    """Return a pattern of the specs' numbered section headings (number, 、, title)."""
    headings = {
        f"{section.number}、{title}"
        for spec in specs
        for section in spec.sections
        for title in (section.title, *section.synonyms)
    }
    return re.compile("|".join(re.escape(h) for h in sorted(headings, key=len, reverse=True)))


def _prose(text: str, specs: tuple[FormatSpec, ...]) -> list[Paragraph]:
    """Return the text around a table run together with it, cut before and after the section
    headings it runs together too (the heading of 二 between 一's last sentence and 表二)."""
    bounds = [0, len(text)]
    for m in _headings(specs).finditer(text):
        bounds += [m.start(), m.end()]
    bounds.sort()
    parts = (text[a:b].strip() for a, b in itertools.pairwise(bounds))
    return [Paragraph.plain(part) for part in parts if part]


def split_glued_tables(paragraphs: list[Paragraph], specs: Iterable[FormatSpec]) -> list[Paragraph]:
    """Return the paragraphs with each table run together with the text cut out as table rows."""
    specs = tuple(specs)
    out: list[Paragraph] = []
    for paragraph in paragraphs:
        glued = None
        if paragraph.kind == BODY and len(paragraph.text) >= _GLUED_MIN:
            glued = _glued_table(paragraph.text, specs)
        out += glued if glued is not None else [paragraph]
    return out
