"""Field names for numbers written into the narrative: ``{表三.本年新收.总计}`` → the table's value.

Every name is derived from the spec: the table's name, the row's name (its official label without
the leading numbering and trailing notes, or the row's ``field`` if the spec gives one) and the
column's name. Groups of rows or columns (a row label shared by several rows, a column header
over several columns) are fields too: their value is the sum of their input cells. The 基本信息
fields are available by their label.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from .checks import format_number
from .compute import computed_cells
from .spec import BlockSpec, CellKey, FormatSpec, TableSpec
from .values import normalize_label

SEPARATOR = "."
# A field in running text: {name} or ｛name｝; doubled braces stand for a literal brace.
FIELD_RE = re.compile(r"\{\{|\}\}|[{｛]([^{}｛｝\n]{1,80})[}｝]")
_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、])\s*"
)
_TRAILING_NOTE = re.compile(r"[（(][^（()）]*[）)]$")


@dataclass(frozen=True)
class Field:
    """One name a narrative may use, and the cells whose sum is its value."""

    name: str
    keys: tuple[CellKey, ...]  # one cell, or a group's input cells
    aliases: tuple[str, ...] = ()
    info: str = ""  # a 基本信息 field code instead of cells

    @property
    def is_group(self) -> bool:
        return len(self.keys) > 1


def _bare(label: str) -> str:
    """Return a label without its numbering ("一、", "（三）", "1.") and a trailing note."""
    text = _NUMBERING.sub("", label.strip())
    stripped = _TRAILING_NOTE.sub("", text)
    return stripped or text


def _row_names(table: TableSpec) -> dict[str, tuple[str, ...]]:
    """Return each row's names: the preferred one first, then aliases."""
    names: dict[str, tuple[str, ...]] = {}
    for row in table.rows:
        if not row.path:
            names[row.code] = ()
            continue
        options = [row.field] if row.field else []
        options += [_bare(row.label), row.label]
        names[row.code] = tuple(dict.fromkeys(o for o in options if o))
    return names


def _col_parts(table: TableSpec, block: BlockSpec) -> dict[str, tuple[str, ...]]:
    """Return each column's name parts: the leaf alone, or group and leaf (表四's 行政复议.总计)."""
    labelled = table.label_count > 0
    parts: dict[str, tuple[str, ...]] = {}
    for col in block.columns:
        if labelled:
            parts[col.code] = (_bare(col.label),)
        else:
            parts[col.code] = tuple(_bare(p) for p in col.name.split("·"))
    return parts


def _groups(paths: list[tuple[str, tuple[str, ...]]]) -> dict[tuple[str, ...], list[str]]:
    """Return path prefixes shared by two or more items (but not by all of them)."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for code, path in paths:
        for depth in range(1, len(path)):
            groups.setdefault(path[:depth], []).append(code)
    return {p: codes for p, codes in groups.items() if 1 < len(codes) < len(paths)}


@cache
def spec_fields(spec: FormatSpec) -> tuple[Field, ...]:
    """Return every field of a format, in table order (cells first, then groups, then 基本信息)."""
    computed = computed_cells(spec)
    fields: list[Field] = []
    for table in spec.tables:
        row_names = _row_names(table)
        for block in table.blocks:
            cols = _col_parts(table, block)
            for row in block.rows:
                for col in block.columns:
                    key = CellKey(table.code, row.code, col.code)
                    names = [
                        SEPARATOR.join((table.name, r, *cols[col.code]))
                        for r in row_names[row.code] or ("",)
                    ]
                    names = [n.replace("..", ".").rstrip(".") for n in names]
                    fields.append(Field(names[0], (key,), tuple(names[1:])))
            fields.extend(_group_fields(table, block, row_names, cols, computed))
    for info in spec.info_fields:
        fields.append(Field(info.label, (), info=info.code))
    return tuple(fields)


def _group_fields(table, block, row_names, cols, computed) -> list[Field]:
    """Return the sums over row groups (per column) and column groups (per row).

    A total row or column inside a group (one made of formulas only) is left out of the sum;
    other totals (a row's 总计 cell) are summed like any cell.
    """
    out: list[Field] = []

    def all_computed(cells) -> bool:
        return all(CellKey(table.code, r, c) in computed for r, c in cells)

    rows = [r for r in block.rows if not all_computed((r.code, c.code) for c in block.columns)]
    columns = [c for c in block.columns if not all_computed((r.code, c.code) for r in block.rows)]
    numeric = [c for c in block.columns if c.type != "text"]
    for prefix, row_codes in _groups([(r.code, r.path) for r in rows]).items():
        group = _bare(prefix[-1])
        for col in numeric:
            keys = tuple(CellKey(table.code, r, col.code) for r in row_codes)
            name = SEPARATOR.join((table.name, group, *cols[col.code]))
            out.append(Field(name, keys))
    for prefix, col_codes in _groups([(c.code, c.path) for c in columns]).items():
        group = _bare(prefix[-1])
        for row in block.rows:
            keys = tuple(CellKey(table.code, row.code, c) for c in col_codes)
            name = SEPARATOR.join((table.name, *row_names[row.code][:1], group))
            out.append(Field(name, keys))
    return out


@cache
def field_index(spec: FormatSpec) -> dict[str, Field]:
    """Return the fields by every accepted spelling (normalised: width, spaces, brackets)."""
    index: dict[str, Field] = {}
    for f in spec_fields(spec):
        for name in (f.name, *f.aliases):
            index.setdefault(normalize_field_name(name), f)
    return index


def normalize_field_name(name: str) -> str:
    """Return a field name with full-width dots and brackets, and spaces, made uniform."""
    name = normalize_label(name).replace("．", ".").replace("。", ".").replace("·", ".")
    return re.sub(r"\s+", "", name)


def suggest(spec: FormatSpec, name: str) -> list[str]:
    """Return up to three valid field names close to an unknown one."""
    names = [f.name for f in spec_fields(spec)]
    return difflib.get_close_matches(name.strip(), names, n=3, cutoff=0.4)


def field_value(
    field: Field,
    values: Mapping[CellKey, Decimal | None],
    info: Mapping[str, str],
) -> str:
    """Return the text a field stands for ("" for a blank cell or 基本信息 field)."""
    if field.info:
        return info.get(field.info, "")
    total = Decimal(0)
    for key in field.keys:
        value = values.get(key)
        if value is None:
            if not field.is_group:
                return ""
            continue
        total += value
    return format_number(total)


def resolve(spec: FormatSpec, name: str) -> Field | None:
    """Return the field a name (as written in text) stands for, or None."""
    return field_index(spec).get(normalize_field_name(name))


def substitute(segments: list[str], lookup: Callable[[str], str | None]) -> list[str]:
    """Return the segments (a paragraph's runs) with each {field} replaced by ``lookup(name)``.

    A field may span segments (Word splits text into runs after an edit): its replacement goes
    into the segment where it starts and its text leaves the others. ``lookup`` returns None for
    an unknown name, which then stays as written; doubled braces become one literal brace.
    """
    text = "".join(segments)
    if not FIELD_RE.search(text):
        return list(segments)
    owner = [i for i, s in enumerate(segments) for _ in s]
    pieces: list[list[str]] = [[] for _ in segments]
    pos = 0
    for m in FIELD_RE.finditer(text):
        for k in range(pos, m.start()):
            pieces[owner[k]].append(text[k])
        token = m.group(0)
        value = token[0] if token in ("{{", "}}") else lookup(m.group(1))
        pieces[owner[m.start()]].append(token if value is None else value)
        pos = m.end()
    for k in range(pos, len(text)):
        pieces[owner[k]].append(text[k])
    return ["".join(p) for p in pieces]


def replace_fields(text: str, lookup: Callable[[str], str | None]) -> tuple[str, list[str]]:
    """Return text with each {field} replaced by ``lookup(name)`` and the names lookup refused."""
    unknown: list[str] = []

    def recording(name: str) -> str | None:
        value = lookup(name)
        if value is None:
            unknown.append(name.strip())
        return value

    return substitute([text], recording)[0], unknown
