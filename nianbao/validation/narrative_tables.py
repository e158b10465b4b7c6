"""What the tables inside a narrative file print: tables with no number in them, and tables in the
layout of another format than the report year's.

A clerk's Word report, or last year's published one, often holds the three tables. Their values
are the workbook's business (the import reads them); here only two things a reader of the
published report notices are checked: a table printed with its labels and not one number (the
numbers never went in), and a table laid out in the other format (the 2019 试行 rows in a 2021+
report, or the reverse: an old report's tables copied on). Evidence of the other format is what
only that format has: a label of its own (a 2019 column of 表二), or a label that is a row there
but a group of rows here printed with numbers beside it (表三's last group of 办理结果 with seven
numbers, where the 2021 format has three rows under it). Labels come from the format files;
nothing here knows one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from nianbao.workbook_templates.loader import available_formats
from nianbao.workbook_templates.spec import FormatSpec, RuleKind
from nianbao.workbook_templates.values import normalize_label, parse_number_text

from .findings import Finding, rule_findings

_MIN_LABELS = 3  # a table with fewer of the official labels is some other table
_SHOWN = 3  # examples quoted in a finding
_ITEM = re.compile(r"^(\d{1,2})[、,，.．]")
_TRAILING = re.compile(r"[:：]$")


def _key(text: str) -> str:
    """Return a cell's text in the form labels are compared in ("1、" as "1.", no colon)."""
    return _TRAILING.sub("", _ITEM.sub(r"\1.", normalize_label(text)))


@cache
def _labels(spec: FormatSpec) -> tuple[dict[str, frozenset[str]], frozenset[str], frozenset[str]]:
    """Return, per table, its official labels; the labels that start a row of numbers; and the
    labels of groups of rows (each as ``_key`` gives it)."""
    per_table: dict[str, set[str]] = {}
    rows: set[str] = set()
    groups: set[str] = set()
    for table in spec.tables:
        names = per_table.setdefault(table.code, set())
        for block in table.blocks:
            names.update(_key(part) for c in block.columns for part in c.path)
            for row in block.rows:
                if row.path:
                    rows.add(_key(row.path[-1]))
                    groups.update(_key(p) for p in row.path[:-1])
            names.update(_key(p) for row in block.rows for p in row.path)
    return {k: frozenset(v) for k, v in per_table.items()}, frozenset(rows), frozenset(groups)


def _spellings(spec: FormatSpec) -> frozenset[str]:
    """Return every label of the format with the spellings its [import] accepts for them."""
    own = set().union(*_labels(spec)[0].values())
    for label, aliases in spec.import_text.aliases:
        own.add(_key(label))
        own.update(_key(a) for a in aliases)
    return frozenset(own)


def _is_number(text: str) -> bool:
    return parse_number_text(normalize_label(text)) is not None


def _other_format_evidence(spec: FormatSpec, other: FormatSpec, rows) -> list[str]:
    """Return the cells that only ``other``'s tables have, in reading order."""
    mine = _spellings(spec)
    theirs = set().union(*_labels(other)[0].values()) - mine
    _, other_rows, _ = _labels(other)
    _, _, my_groups = _labels(spec)
    found: list[str] = []
    for row in rows:
        cells = [c.strip() for c in row if c and c.strip()]
        for n, cell in enumerate(cells):
            key = _key(cell)
            if key in theirs:
                found.append(cell)
            elif (
                key in my_groups
                and key in other_rows
                and len(cells) > n + 1
                and all(_is_number(c) for c in cells[n + 1 :])
            ):
                found.append(cell)  # a group here, a row there, printed with its numbers
    return list(dict.fromkeys(found))


def table_findings(
    spec: FormatSpec,
    tables: Iterable[tuple[str | None, list[tuple[str, ...]]]],
    source: str,
    year: int | None = None,
) -> list[Finding]:
    """Return N-TABLE-EMPTY for each part whose tables print its official table's labels and not
    one number, and one N-TABLE-FORMAT when the tables use another format's rows."""
    tables = list(tables)
    findings: list[Finding] = []
    per_table, _, _ = _labels(spec)
    parts = {s.code: s for s in spec.sections}
    by_part: dict[str, list[str]] = {}  # a table is often cut into pieces: a part's together
    for code, rows in tables:
        by_part.setdefault(code or "", []).extend(c for row in rows for c in row if c and c.strip())
    for code, cells in by_part.items():
        section = parts.get(code)
        if section is None or not section.table:
            continue
        labelled = {_key(c) for c in cells} & per_table.get(section.table, frozenset())
        if len(labelled) >= _MIN_LABELS and not any(_is_number(c) for c in cells):
            part = f"“{section.heading}”部分"
            findings += rule_findings(
                spec, RuleKind.NARRATIVE_TABLE_EMPTY, {"part": part}, sheet=source, row=part
            )
    every_row = [row for _, rows in tables for row in rows]
    for other in available_formats().values():
        if other.format_version == spec.format_version:
            continue
        evidence = _other_format_evidence(spec, other, every_row)
        if evidence:
            shown = "、".join(f"「{e}」" for e in evidence[:_SHOWN])
            more = f"等 {len(evidence)} 处" if len(evidence) > _SHOWN else ""
            args = {
                "actual": other.label,
                "expected": spec.label,
                "excerpt": shown + more,
                "scope": f"{year} 年度" if year is not None else "本年度",
            }
            findings += rule_findings(spec, RuleKind.NARRATIVE_TABLE_FORMAT, args, sheet=source)
    return findings
