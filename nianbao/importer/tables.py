"""The tables of a published report, matched cell by cell with the official tables of a format.

A published table reaches us as cell texts in reading order: from Word and HTML row by row, from
text copied off a web page one cell per line, with merged cells, blank filler cells and
rows that are hard to tell apart. So rows are found by their labels, not by their position: a
row's official label (or its short name, or a spelling listed under the spec's [import]) starts
it, and the next cells, as many as the block has columns, are its values, in the official column
order, up to the next label. A table without row labels (表四) has its values after its header.
Every label comes from the spec; nothing here knows one.

What cannot be read is never guessed: a row with too few cells, a value that is no number, a table
that is not there — their cells are left out, and the importer reports them as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from nianbao.converters.document import Paragraph
from nianbao.converters.narrative_common import TABLE_MARKER
from nianbao.validation.findings import Finding, rule_findings
from nianbao.workbook_templates.compute import input_keys
from nianbao.workbook_templates.spec import CellKey, FormatSpec, RuleKind
from nianbao.workbook_templates.values import normalize_label, parse_number_text

MAX_PROBLEMS = 20
_ITEM_NUMBER = re.compile(r"^(\d{1,2})[、,.]")  # "1、" "1，" "1．" (after NFKC) read as "1."
_TRAILING = re.compile(r"[:：]$")


def label_key(text: str) -> str:
    """Return a label in the form labels are compared in (width, spaces, quotes, "1、" → "1.")."""
    key = normalize_label(text)
    return _TRAILING.sub("", _ITEM_NUMBER.sub(r"\1.", key))


@dataclass(frozen=True)
class SourceTable:
    """One table of the published report: its cell texts in reading order."""

    cells: tuple[str, ...]


def source_tables(paragraphs: Iterable[Paragraph]) -> list[SourceTable]:
    """Return the report's tables from the readers' table markers; consecutive markers (the lines
    of a table copied as text) form one table."""
    tables: list[list[str]] = []
    previous_marker = False
    for paragraph in paragraphs:
        if paragraph.kind != TABLE_MARKER:
            if paragraph.text.strip():
                previous_marker = False
            continue
        if not previous_marker:
            tables.append([])
        tables[-1].extend(cell for row in paragraph.cells for cell in row)
        previous_marker = True
    return [SourceTable(tuple(cells)) for cells in tables if cells]


# -- the labels of a format ------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    table: str
    row: str
    block: int
    parents: tuple[str, ...]  # label keys of the groups above it
    columns: tuple[str, ...]  # column codes, in official order


@dataclass(frozen=True)
class _Labels:
    rows: Mapping[str, tuple[_Row, ...]]  # a row label (or alias) -> the rows it may start
    groups: frozenset[str]  # labels of row groups (rows of several items): context only
    captions: Mapping[str, tuple[str, int]]  # caption -> (table, block)
    headers: Mapping[tuple[str, int], frozenset[str]]  # (table, block) -> its header labels
    unlabelled: Mapping[tuple[str, int], _Row]  # blocks whose only row has no label (表四)
    every: frozenset[str]  # every label: a value is never one
    official: frozenset[str]  # official labels only (no aliases): the format's vocabulary


def aliases(spec: FormatSpec, label: str) -> tuple[str, ...]:
    """Return the label keys an official label may be written as in a published table."""
    key = label_key(label)
    extra = dict(spec.import_text.aliases).get(label, ())
    return (key, *(label_key(a) for a in extra))


@cache
def _labels(spec: FormatSpec) -> _Labels:
    rows: dict[str, list[_Row]] = {}
    groups: set[str] = set()
    captions: dict[str, tuple[str, int]] = {}
    headers: dict[tuple[str, int], set[str]] = {}
    unlabelled: dict[tuple[str, int], _Row] = {}
    official: set[str] = set()
    for table in spec.tables:
        for b, block in enumerate(table.blocks):
            where = (table.code, b)
            if block.caption:
                captions[label_key(block.caption)] = where
                official.add(label_key(block.caption))
            names = headers.setdefault(where, set())
            for column in block.columns:
                for part in column.path:
                    names.update(aliases(spec, part))
                    official.add(label_key(part))
            if block.corner:
                names.add(label_key(block.corner))
                official.add(label_key(block.corner))
            columns = tuple(c.code for c in block.columns)
            for row in block.rows:
                parents = tuple(label_key(p) for p in row.path[:-1])
                target = _Row(table.code, row.code, b, parents, columns)
                if not row.path:
                    unlabelled[where] = target
                    continue
                groups.update(parents)
                official.update(parents)
                official.add(label_key(row.path[-1]))
                keys = {*aliases(spec, row.path[-1]), label_key(row.short)}
                for key in keys:
                    rows.setdefault(key, []).append(target)
    every = set(rows) | groups | set(captions) | {n for names in headers.values() for n in names}
    return _Labels(
        rows={k: tuple(v) for k, v in rows.items()},
        groups=frozenset(groups),
        captions=captions,
        headers={k: frozenset(v) for k, v in headers.items()},
        unlabelled=unlabelled,
        every=frozenset(every),
        official=frozenset(official),
    )


def detect_format(
    tables: list[SourceTable], specs: Iterable[FormatSpec], default: FormatSpec
) -> FormatSpec:
    """Return the format whose own labels (those no other format has) the tables use most;
    ``default`` when none shows (no tables, or only labels every format shares)."""
    specs = list(specs)
    seen = {label_key(c) for t in tables for c in t.cells}
    scores = {}
    for spec in specs:
        others = set().union(*(_labels(s).official for s in specs if s is not spec))
        scores[spec.format_version] = len(seen & (_labels(spec).official - others))
    best = max(scores.values(), default=0)
    winners = [s for s in specs if scores[s.format_version] == best]
    if best == 0 or default in winners:
        return default
    return winners[0]


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TablesRead:
    """What the published tables show, keyed by the cells of the format they were read in.

    ``values``: every cell read (inputs and the totals the report prints); ``unreadable``: cells
    whose text is no number (the text); ``found``: tables with at least one row read;
    ``problems``: what was not understood, as findings of the IM- rules.
    """

    spec: FormatSpec
    values: dict[CellKey, Decimal | str]
    unreadable: dict[CellKey, str]
    found: frozenset[str]
    problems: tuple[Finding, ...]


class _Reader:
    def __init__(self, spec: FormatSpec) -> None:
        self.spec = spec
        self.labels = _labels(spec)
        self.values: dict[CellKey, Decimal | str] = {}
        self.unreadable: dict[CellKey, str] = {}
        self.found: set[str] = set()
        self.problems: list[Finding] = []

    def problem(self, kind: RuleKind, args: Mapping[str, object]) -> None:
        """Add the findings of the spec's rules of ``kind`` (each text once, at most
        MAX_PROBLEMS in all)."""
        seen = {p.message for p in self.problems}
        for finding in rule_findings(self.spec, kind, args):
            if finding.message not in seen and len(self.problems) < MAX_PROBLEMS:
                self.problems.append(finding)

    def read(self, table: SourceTable) -> None:
        labels = self.labels
        cells = table.cells
        keys = [label_key(c) for c in cells]
        if not any(k in labels.every for k in keys):
            return  # a table of something else (a page's index-number table)
        context: list[str] = []  # group labels seen, latest last
        block: tuple[str, int] | None = None
        headers_seen: dict[tuple[str, int], set[str]] = {}
        done_unlabelled: set[tuple[str, int]] = set()
        strays: list[str] = []
        i = 0
        while i < len(cells):
            key = keys[i]
            if not key:
                i += 1
                continue
            if key in labels.captions:
                block = labels.captions[key]
            if key in labels.groups:
                context.append(key)
            if key in labels.rows:
                row = self._choose(labels.rows[key], context, block, cells[i])
                if row is not None:
                    i = self._values(row, cells, keys, i + 1, cells[i])
                    continue
            for where, names in labels.headers.items():
                if key in names:
                    headers_seen.setdefault(where, set()).add(key)
            if key not in labels.every:
                waiting = self._unlabelled_waiting(headers_seen, done_unlabelled)
                if waiting is not None:
                    done_unlabelled.add(waiting)
                    row = labels.unlabelled[waiting]
                    i = self._values(row, cells, keys, i, "")
                    continue
                strays.append(cells[i])
            i += 1
        if strays:
            shown = "、".join(f"「{s[:20]}」" for s in strays[:5])
            more = f"等 {len(strays)} 处" if len(strays) > 5 else ""
            self.problem(RuleKind.IMPORT_STRAY, {"names": shown, "detail": more})

    def _choose(self, rows: tuple[_Row, ...], context: list[str], block, text: str) -> _Row | None:
        """Return the row a label starts: the only one, or the one under the latest group."""
        if len(rows) == 1:
            return rows[0]
        if block is not None:
            inside = tuple(r for r in rows if (r.table, r.block) == block)
            if len(inside) == 1:
                return inside[0]
        for group in reversed(context):
            under = tuple(r for r in rows if r.parents and r.parents[-1] == group)
            if len(under) == 1:
                return under[0]
        self.problem(RuleKind.IMPORT_AMBIGUOUS, {"excerpt": text})
        return None

    def _unlabelled_waiting(self, seen, done) -> tuple[str, int] | None:
        """Return a block without row labels whose header has been seen (at least half of its
        labels), so that the values that follow are its row."""
        for where, names in self.labels.headers.items():
            waiting = where in self.labels.unlabelled and where not in done
            if waiting and len(seen.get(where, ())) * 2 >= len(names):
                return where
        return None

    def _values(self, row: _Row, cells, keys, start: int, label: str) -> int:
        """Read a row's values from ``start``; return where reading goes on."""
        spec = self.spec
        table = spec.table(row.table)
        taken: list[str] = []
        j = start
        while j < len(cells) and len(taken) < len(row.columns):
            if keys[j] in self.labels.every:
                break
            taken.append(cells[j].strip())
            j += 1
        name = table.row(row.row).name
        if len(taken) < len(row.columns):
            self.problem(
                RuleKind.IMPORT_SHORT_ROW,
                {
                    "table": table.name,
                    "row": name,
                    "expected": len(row.columns),
                    "actual": len(taken),
                },
            )
            return j
        self.found.add(row.table)
        for col, text in zip(row.columns, taken, strict=True):
            key = CellKey(row.table, row.row, col)
            if spec.value_type(key) == "text":
                if text:
                    self.values[key] = text
                continue
            number = parse_number_text(text)
            if number is None:
                self.unreadable[key] = text
                if text:
                    column = table.column(row.row, col).name
                    args = {"table": table.name, "row": name, "column": column, "actual": text}
                    self.problem(RuleKind.IMPORT_NOT_NUMBER, args)
            else:
                self.values[key] = number
        return j


def read_tables(spec: FormatSpec, tables: Iterable[SourceTable]) -> TablesRead:
    """Return what the tables show, read as tables of ``spec``."""
    reader = _Reader(spec)
    for table in tables:
        reader.read(table)
    return TablesRead(
        spec,
        reader.values,
        reader.unreadable,
        frozenset(reader.found),
        tuple(reader.problems),
    )


# -- into the target format ------------------------------------------------------------------


def _same_label(target: FormatSpec, source: FormatSpec, a: str, b: str) -> bool:
    """Return True when label ``a`` of the target and ``b`` of the source name the same thing."""
    return bool(set(aliases(target, a)) & set(aliases(source, b)))


@cache
def _mapping(target: FormatSpec, source: FormatSpec) -> dict[CellKey, CellKey]:
    """Return, for each input cell of the target, the source's cell with the same codes and the
    same row and column labels (or aliases); cells without one are left out."""
    if target is source:
        return {k: k for k in input_keys(target)}
    source_keys = set(source.value_keys())
    out = {}
    for key in input_keys(target):
        if key not in source_keys:
            continue
        t_table, s_table = target.table(key.table), source.table(key.table)
        t_row, s_row = t_table.row(key.row), s_table.row(key.row)
        t_col, s_col = t_table.column(key.row, key.col), s_table.column(key.row, key.col)
        if t_col.type != s_col.type:
            continue
        if _same_label(target, source, t_row.label, s_row.label) and _same_label(
            target, source, t_col.label, s_col.label
        ):
            out[key] = key
    return out


def to_target(
    target: FormatSpec, read: TablesRead
) -> tuple[dict[CellKey, Decimal | str], frozenset[CellKey]]:
    """Return the target's input values the tables give, and the input cells they do not."""
    mapping = _mapping(target, read.spec)
    values = {k: read.values[s] for k, s in mapping.items() if s in read.values}
    unknown = frozenset(k for k in input_keys(target) if k not in values)
    return values, unknown
