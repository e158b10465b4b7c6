"""Last year feeds this year: the cells of a new workbook that last year's workbook fills in.

What is carried comes from the spec alone: a cross-year rule whose left side is one of this
year's input cells and whose right side is exactly one of last year's cells carries that cell
(X-1: 本年上年结转＝上年结转下年度继续办理, for each column). Rules with more terms (X-2:
现行有效＝上年现行有效＋本年制发－本年废止) are checks, not carries. Last year's numbers are read
exactly as the validator reads them for those rules (``previous_values``), so a carried cell
always passes its rule in ``nianbao check --previous``.

A workbook imported from a published report (``nianbao import``) may not know some cells: they
are neither read as 0 nor carried, and the note says so. ``Carry.reference`` holds last year's
figures for the new workbook's reference sheet (``TemplateRequest.reference``). Every note is a
``Finding`` worded by a rule of the spec (C-YEAR … C-UNKNOWN, X-UNIT), severity included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from nianbao.workbook_templates.checks import format_number, instance_args
from nianbao.workbook_templates.compute import (
    ZERO,
    RuleInstance,
    input_keys,
    inputs_under,
    recompute,
    rule_instances,
)
from nianbao.workbook_templates.reader import FilledWorkbook
from nianbao.workbook_templates.reference_sheet import Reference
from nianbao.workbook_templates.spec import CellKey, FormatSpec, RuleKind
from nianbao.workbook_templates.values import normalize_label

from .findings import Finding, rule_findings


@dataclass(frozen=True)
class CarriedCell:
    """One pre-filled cell: this year's ``key``, last year's ``source``, the rule linking them."""

    key: CellKey
    source: CellKey
    value: Decimal
    rule: str


@dataclass(frozen=True)
class Carry:
    """What last year's workbook gives this year's: the pre-filled cells, the notes, and last
    year's figures to show beside this year's."""

    cells: tuple[CarriedCell, ...]
    notes: tuple[Finding, ...]
    reference: Reference | None = None

    @property
    def values(self) -> dict[CellKey, Decimal]:
        """Return the pre-filled values, ready for ``TemplateRequest.values`` (last year's
        figures go to ``TemplateRequest.reference``)."""
        return {c.key: c.value for c in self.cells}


def previous_values(previous: FilledWorkbook) -> dict[CellKey, Decimal]:
    """Return last year's numbers as the cross-year rules read them.

    Inputs as read (blank counts as 0) and totals recomputed from them, never a cached formula
    result. Cells of tables that could not be read, cells the workbook's format does not have,
    and cells an imported workbook does not know (with the totals over them) are absent: rules
    that need them are skipped (and said to be)."""
    spec, unreadable, unknown = previous.spec, previous.unreadable_tables, previous.unknown
    numbers = {k: v for k, v in previous.values().items() if v is not None}
    totals = recompute(spec, numbers)
    readable = {k: ZERO for k in spec.value_keys() if k.table not in unreadable}
    values = {
        **readable,
        **numbers,
        **{k: v for k, v in totals.items() if k.table not in unreadable},
    }
    if unknown:
        values = {k: v for k, v in values.items() if not (inputs_under(spec, k) & unknown)}
    return values


def previous_figures(previous: FilledWorkbook) -> Reference:
    """Return last year's figures for the reference sheet: what ``previous_values`` reads, and
    text cells as typed; blanks of an imported workbook's unknown cells stay unknown."""
    values: dict[CellKey, Decimal | str] = dict(previous_values(previous))
    for key, read in previous.cells.items():
        if previous.spec.value_type(key) == "text" and key not in previous.unknown:
            values[key] = read.text
    return Reference(
        spec=previous.spec,
        year=previous.year,
        source=previous.path.name,
        values=values,
        missing_tables=frozenset(previous.unreadable_tables),
    )


@cache
def carry_instances(spec: FormatSpec) -> tuple[RuleInstance, ...]:
    """Return the rule instances that carry a cell: one input cell equals one of last year's."""
    inputs = set(input_keys(spec))
    return tuple(
        inst
        for inst in rule_instances(spec)
        if inst.rule.kind == "equation"
        and len(inst.left) == 1
        and len(inst.right) == 1
        and not inst.left[0].previous
        and inst.left[0].sign > 0
        and inst.left[0].key in inputs
        and inst.right[0].previous
        and inst.right[0].sign > 0
    )


class _Notes:
    """Collects the carry's findings in the wording of the spec's rules, each text once."""

    def __init__(self, spec: FormatSpec) -> None:
        self.spec = spec
        self.notes: dict[str, Finding] = {}

    def add(self, kind: RuleKind, args: Mapping[str, object]) -> None:
        """Add the findings of the rules of ``kind`` worded with ``args`` (unless said before)."""
        for finding in rule_findings(self.spec, kind, args):
            self.notes.setdefault(finding.message, finding)

    def add_unknown(self, last_spec: FormatSpec, sources: list[CellKey], of: int) -> None:
        """Add the note that an imported workbook does not know these cells of one row (not
        carried, of ``of`` carried from that row)."""
        args: dict[str, object] = dict(_cell_args(last_spec, sources[0]))
        if len(sources) == of:
            args["column"] = self.spec.import_text.all_columns
        else:
            args["column"] = "、".join(f"「{_cell_args(last_spec, k)['column']}」" for k in sources)
        self.add(RuleKind.CARRY_UNKNOWN, args)


def _cell_args(spec: FormatSpec, key: CellKey) -> dict[str, str]:
    table = spec.table(key.table)
    return {
        "table": table.name,
        "row": table.row(key.row).name,
        "column": table.column(key.row, key.col).name,
    }


def carry_forward(
    spec: FormatSpec, previous: FilledWorkbook, *, year: int, unit: str = ""
) -> Carry:
    """Return the cells of this year's workbook (``spec``, ``year``, ``unit``) that last year's
    workbook fills in, and notes on what could not be carried or should be checked.

    Nothing is carried from a workbook of another year than ``year - 1``."""
    notes = _Notes(spec)
    if previous.year != year - 1:
        notes.add(
            RuleKind.CARRY_YEAR, {"year": year, "expected": year - 1, "actual": previous.year}
        )
        return Carry((), tuple(notes.notes.values()))
    reference = previous_figures(previous)
    if previous.unit and unit and normalize_label(previous.unit) != normalize_label(unit):
        notes.add(RuleKind.PREVIOUS_UNIT, {"expected": unit, "actual": previous.unit})
    values = previous_values(previous)
    last_format = set(previous.spec.value_keys())
    cells: list[CarriedCell] = []
    not_imported: dict[tuple[str, str], list[CellKey]] = {}
    per_row: dict[tuple[str, str], int] = {}
    for inst in carry_instances(spec):
        key, source = inst.left[0].key, inst.right[0].key
        per_row[source.table, source.row] = per_row.get((source.table, source.row), 0) + 1
        args = instance_args(spec, inst)
        if source not in values:
            if source in last_format and inputs_under(previous.spec, source) & previous.unknown:
                not_imported.setdefault((source.table, source.row), []).append(source)
            elif source in last_format:
                notes.add(RuleKind.CARRY_UNREADABLE, args)
            else:
                notes.add(RuleKind.CARRY_MISSING, {**args, "actual": previous.spec.format_version})
            continue
        read = previous.cells.get(source)
        if read is not None and read.value is None:
            notes.add(RuleKind.CARRY_BLANK, _cell_args(previous.spec, source))
        cells.append(CarriedCell(key, source, values[source], inst.rule.id))
    for row, sources in not_imported.items():
        notes.add_unknown(previous.spec, sources, per_row[row])
    return Carry(tuple(cells), tuple(notes.notes.values()), reference)


def describe(spec: FormatSpec, carry: Carry) -> list[str]:
    """Return one line per pre-filled row: table「row」：column value，column value，…"""
    rows: dict[tuple[str, str], list[str]] = {}
    for cell in carry.cells:
        table = spec.table(cell.key.table)
        name = table.column(cell.key.row, cell.key.col).name
        rows.setdefault((cell.key.table, cell.key.row), []).append(
            f"{name} {format_number(cell.value)}"
        )
    return [
        f"{spec.table(t).name}「{spec.table(t).row(r).name}」：{'，'.join(parts)}"
        for (t, r), parts in rows.items()
    ]


def carried_rows(spec: FormatSpec) -> list[str]:
    """Return the rows a carry fills in, named as in ``describe``: table「row」."""
    rows: dict[str, None] = {}
    for inst in carry_instances(spec):
        table = spec.table(inst.anchor.table)
        rows[f"{table.name}「{table.row(inst.anchor.row).name}」"] = None
    return list(rows)
