"""The tables of a published report, matched cell by cell with the official tables of a format.

A published table reaches us as rows of cell texts in reading order: from Word, HTML and PDF row
by row; from text copied off a web page one cell per line, a row per line with "|" or tabs between
the cells, or a row per line with spaces between them (text copied from a PDF, where a long label
may also be wrapped over two or three lines). So rows are found by their labels, not by their
position: a row's official label (or its short name, or a spelling listed under the spec's
[import]) starts it — pieced together from consecutive cells when a copy split it — and its
values follow, as many as the block has columns, in the official column order. Where the label's
own row holds cells after it, those are its values, read by position (an empty cell is a blank
value, never a reason to shift the others); where it stands alone, the values are the cells that
follow it, up to the next label. A table without row labels (表四) has its values after its
header. Every label comes from the spec; nothing here knows one.

What cannot be read is never guessed: a row with too few or too many cells, a value that is no
number, a table that is not there — their cells are left out, and the importer reports them as
unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher
from functools import cache

from nianbao.converters.document import Paragraph
from nianbao.converters.narrative_common import TABLE_MARKER
from nianbao.validation.findings import Finding, rule_findings
from nianbao.workbook_templates.compute import input_keys
from nianbao.workbook_templates.spec import CellKey, FormatSpec, RuleKind
from nianbao.workbook_templates.values import normalize_label, parse_number_text

MAX_PROBLEMS = 20
_ITEM_NUMBER = re.compile(r"^(\d{1,2})[、,.]")  # "1、" "1，" "1．" (after NFKC) read as "1."
_CN_ITEM_NUMBER = re.compile(r"^([一二三四五六七八九十]{1,3})[、,.]")  # "一." "一，" as "一、"
_TRAILING = re.compile(r"[:：]$")
# A row label's number: "一、" "（一）" "1." "（三）1.", as label_key writes them.
_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3},|\([一二三四五六七八九十]{1,3}\)|\d{1,2}\.)+"
)
_PLACEHOLDER = re.compile(r"^[-—–/／\\]+$")  # what some tables print in a cell instead of a number
_RUN = re.compile(r"[+-]?\d[\d.+-]*")  # numbers run together: "000", "35-15"
_NUMBER_PART = re.compile(r"[+-]?(?:0|[1-9]\d*)(?:\.\d+)?")  # a number as tables print one
_JOIN_ROWS = 3  # how many rows further a label split by a copy (or a page break) may go on
_BEFORE_LINES = 8  # lines of text before a table kept as its caption (a header turned into lines)
_LIKE_LABEL = 0.75  # how close a torn row's text must be to the official label (difflib's ratio)


def label_key(text: str) -> str:
    """Return a label in the form labels are compared in: width, spaces and quotes as
    ``normalize_label``, item numbers "1、" "1，" as "1.", and 、 read as a comma (copies and
    transcriptions write a comma where the official label has 、)."""
    key = normalize_label(text)
    key = _CN_ITEM_NUMBER.sub(r"\1、", _ITEM_NUMBER.sub(r"\1.", key))
    return _TRAILING.sub("", key).replace("、", ",")


def is_value_text(text: str) -> bool:
    """Return True for what a value cell holds: a number, or a dash printed instead of one."""
    key = normalize_label(text)
    return bool(key) and (parse_number_text(key) is not None or bool(_PLACEHOLDER.match(key)))


Cuts = dict[int, tuple[int, list[str]]]  # number of parts -> (ways to cut, capped at 2; a way)


def _cuts(text: str, n: int) -> Cuts:
    """Return the ways to cut a run of digits into 1 … ``n`` numbers as tables print them."""
    ways: dict[tuple[int, int], tuple[int, list[str]]] = {(len(text), 0): (1, [])}
    for at in range(len(text) - 1, -1, -1):
        for m in range(1, n + 1):
            count, example = 0, list[str]()
            for end in range(at + 1, len(text) + 1):
                rest = ways.get((end, m - 1))
                if rest and _NUMBER_PART.fullmatch(text[at:end]):
                    count += rest[0]
                    example = example or [text[at:end], *rest[1]]
            if count:
                ways[(at, m)] = (min(count, 2), example)
    return {m: ways[(0, m)] for m in range(1, n + 1) if (0, m) in ways}


def run_together(text: str, n: int) -> list[str] | None:
    """Return the ``n`` numbers a cell of numbers run together stands for ("500000 5"), when only
    one way to cut it gives ``n`` numbers as tables print them (no leading zero: "0000000" is seven
    zeros, "35-15" is 35 and -15); None when there is none or more than one ("6233440" in three)."""
    cells = text.split()
    if not cells or not all(_RUN.fullmatch(c) for c in cells):
        return None
    total: Cuts = {0: (1, [])}  # each cell is cut on its own, into some of the n numbers
    for cell in cells:
        combined: Cuts = {}
        for done, (count, parts) in total.items():
            for m, (ways, more) in _cuts(cell, n - done).items():
                old_count, old_parts = combined.get(done + m, (0, []))
                combined[done + m] = (min(old_count + count * ways, 2), old_parts or parts + more)
        total = combined
    count, parts = total.get(n, (0, []))
    return parts if count == 1 else None


def looks_run_together(text: str, n: int) -> bool:
    """Return True for a cell of numbers run together, digits enough for ``n`` numbers."""
    cells = text.split()
    return bool(cells) and all(_RUN.fullmatch(c) for c in cells) and len("".join(cells)) >= n


@dataclass(frozen=True)
class SourceTable:
    """One table of the published report: its rows of cell texts, in reading order, and the text
    between it and the table before it (its caption, or a header the copy turned into lines)."""

    rows: tuple[tuple[str, ...], ...]
    before: str = ""

    @classmethod
    def of(cls, *cells: str) -> SourceTable:
        """Return a table of one row."""
        return cls((tuple(cells),))

    @property
    def cells(self) -> tuple[str, ...]:
        return tuple(cell for row in self.rows for cell in row)


def source_tables(paragraphs: Iterable[Paragraph]) -> list[SourceTable]:
    """Return the report's tables from the readers' table markers; consecutive markers (the lines
    of a table copied as text) form one table."""
    tables: list[tuple[list[tuple[str, ...]], str]] = []
    previous_marker = False
    between: list[str] = []
    for paragraph in paragraphs:
        if paragraph.kind != TABLE_MARKER:
            if paragraph.text.strip():
                previous_marker = False
                between = [*between[-(_BEFORE_LINES - 1) :], paragraph.text.strip()]
            continue
        if not previous_marker:
            tables.append(([], "\n".join(between)))
            between = []
        tables[-1][0].extend(row for row in paragraph.cells if row)
        previous_marker = True
    return [SourceTable(tuple(rows), before) for rows, before in tables if rows]


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
    prefixes: frozenset[str]  # the beginnings of labels (a label split over several cells)
    pieces: frozenset[str]  # every part of a label (a piece of a label wrapped over lines)


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
    # A row label printed without its number ("一、" "1.") still names its row, unless the words
    # alone are another label too (a row "3.X" beside a column "X").
    bare: dict[str, dict[tuple[str, str], _Row]] = {}
    for key, targets in rows.items():
        words = _NUMBERING.sub("", key)
        if words and words != key:
            for t in targets:
                bare.setdefault(words, {})[(t.table, t.row)] = t
    for words, named in bare.items():
        if words not in every and len(named) == 1:
            rows[words] = list(named.values())
    every |= set(rows)
    return _Labels(
        rows={k: tuple(v) for k, v in rows.items()},
        groups=frozenset(groups),
        captions=captions,
        headers={k: frozenset(v) for k, v in headers.items()},
        unlabelled=unlabelled,
        every=frozenset(every),
        official=frozenset(official),
        prefixes=frozenset(k[:n] for k in every for n in range(1, len(k))),
        pieces=frozenset(
            k[a:b] for k in every for a in range(len(k)) for b in range(a + 1, len(k) + 1)
        ),
    )


def label_keys(spec: FormatSpec) -> frozenset[str]:
    """Return every label of the spec's tables, in the form ``label_key`` gives."""
    return _labels(spec).every


def is_label_piece(spec: FormatSpec, text: str) -> bool:
    """Return True when a text is a label of the spec's tables or a part of one."""
    return label_key(text) in _labels(spec).pieces


def is_label(spec: FormatSpec, text: str) -> bool:
    """Return True when a text is a whole label of the spec's tables."""
    return label_key(text) in _labels(spec).every


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
    whose text is no number (the text); ``found``: tables with at least one row label seen;
    ``problems``: what was not understood, as findings of the IM- rules.
    """

    spec: FormatSpec
    values: dict[CellKey, Decimal | str]
    unreadable: dict[CellKey, str]
    found: frozenset[str]
    problems: tuple[Finding, ...]


@dataclass
class _Loose:
    """A row of numbers with no label before it (a copy tore the label off, or left pieces of it
    beside them): placed by its position between labelled rows, or not at all."""

    leading: tuple[str, ...]  # the texts before the numbers
    values: tuple[str, ...]
    used: bool = False  # placed in an official row
    listed: bool = True  # said to be unread when not placed (a table of something else is not)


@dataclass(frozen=True)
class _Match:
    """A label found at a cell: its key, the cell after its last piece, and the value cells that
    stood between its pieces (a label wrapped over lines, its row's numbers on a middle line)."""

    key: str
    end: int
    held: tuple[int, ...] = ()


class _Grid:
    """A table's cells in reading order, each knowing its row."""

    def __init__(self, table: SourceTable) -> None:
        self.texts: list[str] = []
        self.row_of: list[int] = []
        self.row_end: list[int] = []  # per row: the index after its last cell
        for r, row in enumerate(table.rows):
            self.texts.extend(row)
            self.row_of.extend([r] * len(row))
            self.row_end.append(len(self.texts))
        self.keys = [label_key(t) for t in self.texts]

    def __len__(self) -> int:
        return len(self.texts)

    def end_of_row(self, i: int) -> int:
        return self.row_end[self.row_of[i]]

    def single(self, i: int) -> bool:
        """Return True when cell ``i`` is alone in its row (a table copied one cell per line)."""
        r = self.row_of[i]
        return self.row_end[r] - (self.row_end[r - 1] if r else 0) == 1


class _Reader:
    def __init__(self, spec: FormatSpec) -> None:
        self.spec = spec
        self.labels = _labels(spec)
        self.values: dict[CellKey, Decimal | str] = {}
        self.unreadable: dict[CellKey, str] = {}
        self.found: set[str] = set()
        self.problems: list[Finding] = []
        self.matched: set[tuple[str, str]] = set()  # rows whose label was found, read or not
        # Labelled rows, rows of numbers without a label, and None where the order is lost,
        # in reading order over all the tables: rows of numbers are placed by it.
        self.events: list[_Row | _Loose | None] = []
        self.strays: list[list[str | _Loose]] = []  # per table: what no label claimed

    def problem(self, kind: RuleKind, args: Mapping[str, object]) -> None:
        """Add the findings of the spec's rules of ``kind`` (each text once, at most
        MAX_PROBLEMS in all)."""
        seen = {p.message for p in self.problems}
        for finding in rule_findings(self.spec, kind, args):
            if finding.message not in seen and len(self.problems) < MAX_PROBLEMS:
                self.problems.append(finding)

    def read(self, table: SourceTable) -> None:
        labels = self.labels
        grid = _Grid(table)
        labelled = any(self._label_at(grid, i) for i in range(len(grid)) if grid.keys[i])
        if not labelled and not self._header_before(table):
            # A table of something else (a page's index-number table), or rows of numbers whose
            # labels a copy moved out of the table: those may still be placed (``finish``).
            others: list[str | _Loose] = []
            self.strays.append(others)
            i = 0
            while i < len(grid):
                loose = self._loose_row(grid, i) if grid.keys[i] else None
                if loose is not None:  # listed only if it stands between rows of one block
                    loose.listed = False
                    self.events.append(loose)
                    others.append(loose)
                i = grid.end_of_row(i) if loose is not None else i + 1
            return
        context: list[str] = []  # group labels seen, latest last
        block: tuple[str, int] | None = None
        headers_seen: dict[tuple[str, int], set[str]] = self._header_before(table)
        done_unlabelled: set[tuple[str, int]] = set()
        strays: list[str | _Loose] = []
        self.strays.append(strays)
        i = 0
        while i < len(grid):
            if not grid.keys[i]:
                i += 1
                continue
            match = self._label_at(grid, i)
            if match is None:
                waiting = self._unlabelled_waiting(headers_seen, done_unlabelled)
                if waiting is not None and is_value_text(grid.texts[i]):
                    done_unlabelled.add(waiting)
                    unlabelled = labels.unlabelled[waiting]
                    group = self._named_group(unlabelled, table.before)
                    i = self._values(unlabelled, grid, i, (), "", group)
                    continue
                loose = self._loose_row(grid, i)
                if loose is not None:  # numbers whose label the copy tore off: placed later
                    self.events.append(loose)
                    strays.append(loose)
                    i = grid.end_of_row(i)
                    continue
                if grid.keys[i] not in labels.pieces:  # not a label's fragment (page breaks)
                    strays.append(grid.texts[i])
                i += 1
                continue
            key = match.key
            if key in labels.captions:
                block = labels.captions[key]
            if key in labels.groups:
                context.append(key)
            if key in labels.rows:
                row = self._choose(labels.rows[key], context, block, grid.texts[i])
                if row is not None:
                    i = self._values(row, grid, match.end, match.held, grid.texts[i])
                    continue
                self.events.append(None)  # a label of several rows, none chosen: no order
            for where, names in labels.headers.items():
                if key in names:
                    headers_seen.setdefault(where, set()).add(key)
            i = match.end

    def finish(self) -> None:
        """Place the rows of numbers whose labels were torn off, then report what is left."""
        self._fill_gaps()
        for strays in self.strays:
            texts = [
                text
                for s in strays
                if not (isinstance(s, _Loose) and (s.used or not s.listed))
                for text in ((s,) if isinstance(s, str) else (*s.leading, *s.values))
                if text
            ]
            if texts:
                shown = "、".join(f"「{t[:20]}」" for t in texts[:5])
                more = f"等 {len(texts)} 处" if len(texts) > 5 else ""
                self.problem(RuleKind.IMPORT_STRAY, {"names": shown, "detail": more})

    def _header_before(self, table: SourceTable) -> dict[tuple[str, int], set[str]]:
        """Return the header labels of blocks without row labels (表四) that the text before the
        table holds (a header a copy turned into lines of text), for blocks it holds half of."""
        before = label_key(table.before)
        out = {}
        for where in self.labels.unlabelled:
            names = self.labels.headers[where]
            found = {n for n in names if n and n in before}
            if len(found) * 2 >= len(names):
                out[where] = found
        return out

    def _named_group(self, row: _Row, before: str) -> _Row | None:
        """Return the columns of the one column group (行政复议, 未经复议直接起诉 …) the line just
        above a table names, as a row of its own: a table split into one small table per group,
        each under a caption. None when the line names no group, or several alike."""
        line = label_key(before.splitlines()[-1]) if before.strip() else ""
        if not line:
            return None
        columns = self.spec.table(row.table).blocks[row.block].columns
        groups = {c.path[:d] for c in columns for d in range(1, len(c.path))}
        named = [g for g in groups if label_key(g[-1]) in line]
        deepest = max((len(g) for g in named), default=0)
        named = [g for g in named if len(g) == deepest]
        if len(named) != 1:
            return None
        group = named[0]
        codes = tuple(c.code for c in columns if c.path[: len(group)] == group)
        return _Row(row.table, row.row, row.block, row.parents, codes)

    def _loose_row(self, grid: _Grid, i: int) -> _Loose | None:
        """Return the row that starts at cell ``i`` as a row of numbers without a label (perhaps
        after the pieces of one), or None when it holds a label or not two numbers."""
        r = grid.row_of[i]
        start, end = (grid.row_end[r - 1] if r else 0), grid.row_end[r]
        if any(grid.keys[j] for j in range(start, i)):
            return None
        filled = [j for j in range(i, end) if grid.keys[j]]
        k = 0
        while k < len(filled) and not is_value_text(grid.texts[filled[k]]):
            if self._label_at(grid, filled[k]) is not None:
                return None
            k += 1
        if len(filled) - k < 2:
            return None
        cells = range(filled[k], filled[-1] + 1)  # the numbers, blanks between them kept
        if not all(is_value_text(grid.texts[j]) for j in cells if grid.keys[j]):
            return None
        leading = tuple(grid.texts[j].strip() for j in filled[:k])
        return _Loose(leading, tuple(grid.texts[j].strip() for j in cells))

    def _fill_gaps(self) -> None:
        """Give rows of numbers without labels to the official rows they stand between: only where
        two labelled rows of one block bound them, as many rows lie between those two in the
        official order as rows of numbers stand between them, none of those rows was found
        elsewhere, each row of numbers has as many numbers as the block has columns, and any text
        beside them is a piece of (or close to) its row's label. Anything else stays unknown."""
        previous: _Row | None = None
        run: list[_Loose] = []
        for event in self.events:
            if isinstance(event, _Loose):
                run.append(event)
                continue
            if event is not None and previous is not None and run:
                self._fill(previous, event, run)
            previous, run = event, []

    def _fill(self, a: _Row, b: _Row, run: list[_Loose]) -> None:
        if (a.table, a.block) != (b.table, b.block):
            return
        for loose in run:
            loose.listed = True  # amid a table's rows: if it is not placed, the user is told
        rows = self.spec.table(a.table).blocks[a.block].rows
        codes = [r.code for r in rows]
        gap = rows[codes.index(a.row) + 1 : codes.index(b.row)]
        if len(gap) != len(run) or any((a.table, r.code) in self.matched for r in gap):
            return
        for row, loose in zip(gap, run, strict=True):
            if len(loose.values) != len(a.columns):
                return
            if not all(self._torn_label_of(text, row.path) for text in loose.leading):
                return
        for row, loose in zip(gap, run, strict=True):
            parents = tuple(label_key(p) for p in row.path[:-1])
            self._store(_Row(a.table, row.code, a.block, parents, a.columns), list(loose.values))
            loose.used = True

    def _torn_label_of(self, text: str, path: tuple[str, ...]) -> bool:
        """Return True when a text beside a row's numbers is a piece of its label (or of a group
        label above it), or its label with a letter or two wrong."""
        key = label_key(text)
        names = [k for part in path for k in aliases(self.spec, part)]
        return any(key in name for name in names) or any(
            SequenceMatcher(None, key, name).ratio() >= _LIKE_LABEL for name in names
        )

    def _label_at(self, grid: _Grid, i: int) -> _Match | None:
        """Return the longest label that starts at cell ``i``, pieced together from the cells
        that follow when a copy split it over lines or pages (the cells beside its pieces are
        held for its row); None when no label starts there."""
        labels = self.labels
        key = grid.keys[i]
        if is_value_text(grid.texts[i]):
            return None
        best = _Match(key, i + 1) if key in labels.every else None
        if key not in labels.prefixes:
            return best
        pieces = [i]
        j = i + 1
        while j < len(grid) and grid.row_of[j] - grid.row_of[i] <= _JOIN_ROWS:
            if not grid.keys[j] or is_value_text(grid.texts[j]):
                j += 1
                continue
            joined = key + grid.keys[j]
            if joined not in labels.every and joined not in labels.prefixes:
                break
            key = joined
            pieces.append(j)
            j += 1
            if key in labels.every:
                held = self._held(grid, pieces)
                if not held or grid.row_of[j - 1] != grid.row_of[i]:
                    best = _Match(key, j, held)
        return best

    @staticmethod
    def _held(grid: _Grid, pieces: list[int]) -> tuple[int, ...]:
        """Return the cells that stood beside a split label's pieces: after a piece in its row, or
        in a row between them (a wrapped label's row has its numbers on a middle line); none when
        they are all empty."""
        rows = {grid.row_of[p] for p in pieces}
        held = []
        for k in range(pieces[0] + 1, pieces[-1]):
            if k in pieces:
                continue
            r = grid.row_of[k]
            if r not in rows or any(p < k and grid.row_of[p] == r for p in pieces):
                held.append(k)
        return tuple(held) if any(grid.keys[k] for k in held) else ()

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

    def _is_label(self, grid: _Grid, i: int) -> bool:
        key = grid.keys[i]
        return (
            bool(key)
            and not is_value_text(grid.texts[i])
            and (key in self.labels.every or key in self.labels.prefixes)
        )

    def _segment(self, grid: _Grid, start: int) -> list[int]:
        """Return the cells from ``start`` to the end of its row or the next label."""
        out = []
        for j in range(start, grid.end_of_row(start)):
            if self._is_label(grid, j):
                break
            out.append(j)
        return out

    def _take(
        self, grid: _Grid, start: int, held: tuple[int, ...], n: int
    ) -> tuple[list[int], int]:
        """Return the cells holding a row's ``n`` values (fewer or more when they cannot be told
        apart) and where reading goes on."""
        if held:  # a wrapped label: its row's numbers stood beside its pieces
            return self._by_position(grid, list(held), n)[0], start
        if start >= len(grid):
            return [], start
        segment = self._segment(grid, start)
        if segment and (len(segment) > 1 or n == 1 or not grid.single(start)):
            # The label's row (or the values' own row) holds the values: read them by position.
            return self._by_position(grid, segment, n)
        # The label stands alone: its values follow, one cell per line (or a row of them).
        taken: list[int] = []
        j = start
        while j < len(grid) and len(taken) < n:
            if self._is_label(grid, j):
                break
            if grid.single(j):
                if grid.keys[j]:
                    taken.append(j)
                j += 1
                continue
            segment = self._segment(grid, j)
            if not segment:
                break
            last = max((k for k, c in enumerate(segment) if grid.keys[c]), default=0)
            taken += segment[: last + 1]  # a row of values (empty cells after it: the line's "| |")
            j = segment[-1] + 1
        while j < len(grid) and not grid.keys[j] and grid.single(j):
            j += 1
        if j < len(grid) and is_value_text(grid.texts[j]) and not self._is_label(grid, j):
            # More numbers follow than the row has columns before the next label: the numbers
            # of several rows stand together (text copied out of a PDF), whose is whose is lost.
            return [*taken, j], j
        return taken, j

    def _by_position(self, grid: _Grid, segment: list[int], n: int) -> tuple[list[int], int]:
        """Return the ``n`` value cells of a row's cells and where reading goes on; all of the
        cells when they are not ``n`` and cannot be told apart.

        More cells than values come from merged cells: empty fillers beside a merged value (the
        filled cells are the values), empty cells at the row's end, or, in a table saved from a
        spreadsheet, empty cells under a label spanning several columns (the values are the last
        ``n`` cells). When the filled cells fit both the first and the last ``n`` cells, which
        ones are blank cannot be told: the row is not read.
        """
        end = segment[-1] + 1
        if len(segment) <= n:
            return segment, end
        filled = [j for j in segment if grid.keys[j]]
        if len(filled) == n:
            return filled, end
        first = not any(grid.keys[j] for j in segment[n:])
        last = not any(grid.keys[j] for j in segment[:-n])
        if first != last:
            return (segment[:n] if first else segment[-n:]), end
        rest = segment[n:]
        if all(is_value_text(grid.texts[j]) for j in segment[:n]) and not any(
            is_value_text(grid.texts[j]) for j in rest
        ):
            return segment[:n], rest[0]  # words after the numbers: not values (a stray note)
        return segment, end

    def _values(
        self, row: _Row, grid: _Grid, start: int, held, label: str, group: _Row | None = None
    ) -> int:
        """Read a row's values from ``start`` (or, when they are as many as ``group`` has
        columns, that group's values); return where reading goes on."""
        spec = self.spec
        table = spec.table(row.table)
        name = table.row(row.row).name
        self.found.add(row.table)
        self.matched.add((row.table, row.row))
        self.events.append(row)
        cells, end = self._take(grid, start, held, len(row.columns))
        texts = [grid.texts[j].strip() for j in cells]
        if group is not None and len(texts) == len(group.columns) != len(row.columns):
            row = group
        n = len(row.columns)
        # One cell of numbers for several columns: a web page's text dump ran them together
        # (``text_tables``). Cells that are several already are never cut: their places are known.
        run = texts[0] if len(texts) == 1 < n else ""
        if run and (split := run_together(run, n)) is not None:
            texts = split
        elif run and looks_run_together(run, n):
            args = {"table": table.name, "row": name, "expected": n, "actual": " ".join(texts)}
            self.problem(RuleKind.IMPORT_RUN_TOGETHER, args)
            return end
        if len(texts) != len(row.columns):
            short = len(texts) < len(row.columns)
            kind = RuleKind.IMPORT_SHORT_ROW if short else RuleKind.IMPORT_LONG_ROW
            args = {
                "table": table.name,
                "row": name,
                "expected": len(row.columns),
                "actual": len(texts),
            }
            self.problem(kind, args)
            return end
        self._store(row, texts)
        return end

    def _store(self, row: _Row, texts: list[str]) -> None:
        """Keep a row's values, one per column (a text that is no number is unreadable)."""
        spec = self.spec
        table = spec.table(row.table)
        name = table.row(row.row).name
        for col, text in zip(row.columns, texts, strict=True):
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


def read_tables(spec: FormatSpec, tables: Iterable[SourceTable]) -> TablesRead:
    """Return what the tables show, read as tables of ``spec``."""
    reader = _Reader(spec)
    for table in tables:
        reader.read(table)
    reader.finish()
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
