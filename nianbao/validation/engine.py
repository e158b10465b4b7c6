"""The rule engine: turn a read workbook (and optionally last year's) into findings.

Every finding comes from a rule of the spec — its id, severity and wording. The engine only knows
how each rule *kind* compares; it never raises for bad data in a workbook.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from nianbao.errors import SpecError
from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.checks import decimal_places, format_number, instance_args, render
from nianbao.workbook_templates.compute import (
    ZERO,
    RuleInstance,
    Term,
    computed_cells,
    input_keys,
    inputs_under,
    rule_instances,
    side_value,
)
from nianbao.workbook_templates.formulas import (
    formula_cells,
    normalize_formula,
)
from nianbao.workbook_templates.loader import spec_for_year
from nianbao.workbook_templates.reader import (
    CellRead,
    FilledWorkbook,
    Observation,
    PartRead,
    TotalRead,
    parse_year,
)
from nianbao.workbook_templates.spec import (
    COMPUTED_KINDS,
    MAX_UNIT_CHARS,
    CellKey,
    FormatSpec,
    RuleKind,
    RuleSpec,
)
from nianbao.workbook_templates.stamp import Stamp
from nianbao.workbook_templates.values import normalize_label

from .carry import previous_values
from .causes import Issued, guess_fix, link_causes
from .findings import Finding, Report, rule_finding
from .leftovers import find_leftovers
from .narrative_numbers import text_sheet_findings
from .narrative_structure import sheet_structure_findings
from .shown import CHANGED, CONSTANT, EMPTY, INTACT, ShownValues, expected_formula

if TYPE_CHECKING:  # parts.py is loaded only when a summary is checked
    from .parts import Part, PartsExplanation


class _Engine:
    def __init__(
        self,
        wb: FilledWorkbook,
        previous: FilledWorkbook | None,
        parts: Sequence[Part] | None = None,
    ) -> None:
        self.wb = wb
        self.spec: FormatSpec = wb.spec
        self.previous = previous
        self.parts = parts  # the units a summary adds up (read from its unit sheets if None)
        self.explanation: PartsExplanation | None = None
        self.findings: list[Finding] = []
        self.issued: list[Issued | None] = []  # how each finding was worded (for causes.py)
        self.shown = ShownValues(wb)
        self.values: dict[CellKey, Decimal] = self.shown.values()

    # -- building findings ----------------------------------------------------------------

    def add(
        self,
        rule: RuleSpec,
        args: Mapping[str, object],
        instance: RuleInstance | None = None,
        **fields,
    ) -> None:
        self.findings.append(rule_finding(rule, args, **fields))
        self.issued.append(Issued(rule, dict(args), instance))

    def extend(self, findings: list[Finding]) -> None:
        """Add findings worded elsewhere (the narrative checks)."""
        self.findings += findings
        self.issued += [None] * len(findings)

    def add_kind(self, kind: RuleKind, args: Mapping[str, object], **fields) -> None:
        for rule in self.spec.rules_of_kind(kind):
            self.add(rule, args, **fields)

    def cell_fields(self, key: CellKey) -> dict:
        return _cell_fields(self.spec, key)

    def cell_args(self, key: CellKey) -> dict:
        return _cell_args(self.spec, key)

    def display(self, key: CellKey) -> str:
        return L.display_ref(self.spec, key)

    # -- the checks -----------------------------------------------------------------------

    def run(self) -> list[Finding]:
        self.observed()
        self.meta()
        self.inputs()
        self.totals()
        self.instances()
        self.previous_year()
        findings = link_causes(
            self.wb, self.shown, self.findings, self.issued, self._previous_values()
        )
        findings = self.explain_by_parts(findings)
        return sorted(findings, key=_sort_key(self.spec))

    def explain_by_parts(self, findings: list[Finding]) -> list[Finding]:
        """Return the findings, each summary balance that the included units with errors
        account for worded so (see parts.py), with whether the units without errors pass."""
        if self.parts is None and not self.wb.parts:
            return findings
        from .parts import PartsExplanation, balance_roots, part_causes, reword, summed

        candidates = balance_roots(findings, self.issued)
        if not candidates:
            return findings
        parts = self.parts if self.parts is not None else _summary_parts(self.wb)
        causes = part_causes(self.spec, candidates, findings, self.values, parts)
        if not causes:
            return findings
        rest = [p for p in parts if not p.failing]
        passes = None
        if rest:
            wb = self.wb
            totals = summed(self.spec, rest)
            check = validate_values(
                self.spec, totals, year=wb.year, unit=wb.unit, kind=wb.kind, previous=self.previous
            )
            passes = check.valid
        self.explanation = PartsExplanation(causes, passes)
        return reword(self.spec, findings, self.issued, self.explanation)

    def observed(self) -> None:
        for obs in self.wb.observations:
            self.add_kind(obs.kind, self._obs_args(obs), **self._obs_fields(obs))

    def _obs_fields(self, obs: Observation) -> dict:
        table = self.spec.table_by_sheet(obs.sheet)
        fields = {
            "sheet": obs.sheet,
            "cell": obs.cell,
            "table": obs.table or (table.name if table else ""),
            "row": obs.row,
            "column": obs.column,
            "expected": obs.expected,
            "actual": obs.actual,
        }
        if obs.key:
            fields.update(self.cell_fields(obs.key))
        return fields

    def _obs_args(self, obs: Observation) -> dict:
        table = self.spec.table_by_sheet(obs.sheet)
        args = {
            "sheet": obs.sheet,
            "cell": f"{obs.sheet}!{obs.cell}" if obs.cell else obs.sheet,
            "table": obs.table or (table.name if table else f"「{obs.sheet}」"),
            "part": obs.part,
            "row": obs.row,
            "column": obs.column,
            "expected": obs.expected,
            "actual": obs.actual,
            "detail": obs.detail,
        }
        if obs.key:
            args.update(self.cell_args(obs.key))
        return args

    def meta(self) -> None:
        wb, spec = self.wb, self.spec
        info_sheet = spec.sheets.info

        def info_fields(code: str) -> dict:
            row = L.info_row(spec, code)
            return {
                "sheet": info_sheet,
                "cell": L.a1(row, L.RECORD_VALUE_COL),
                "row": spec.info_field(code).label,
            }

        if not wb.info:
            return  # the sheet is missing or changed: already reported
        year_text = wb.info.get("year", "")
        year = parse_year(year_text)
        if year is None:
            f = info_fields("year")
            self.add_kind(
                RuleKind.INFO_INVALID,
                {"row": f["row"], "actual": year_text, "detail": "不是四位数年份"},
                **f,
            )
        elif year != wb.stamp.year:
            self.add_kind(
                RuleKind.STAMP_YEAR,
                {"expected": wb.stamp.year, "actual": year},
                expected=str(wb.stamp.year),
                actual=str(year),
                **info_fields("year"),
            )
        unit_value = wb.info.get("unit", "")
        if len(unit_value) > MAX_UNIT_CHARS:
            f = info_fields("unit")
            self.add_kind(
                RuleKind.INFO_INVALID,
                {
                    "row": f["row"],
                    "actual": _quoted(unit_value, 20),
                    "detail": f"长达 {len(unit_value)} 个字，单位全称不超过 {MAX_UNIT_CHARS} 个字",
                },
                actual=_quoted(unit_value, 20),
                **f,
            )
        for code, kind in (("unit", RuleKind.STAMP_UNIT), ("kind", RuleKind.STAMP_KIND)):
            given, found = getattr(wb.stamp, code), wb.info.get(code, "")
            if given and found and normalize_label(given) != normalize_label(found):
                shown = _quoted(found)
                self.add_kind(
                    kind,
                    {"expected": given, "actual": shown},
                    expected=given,
                    actual=shown,
                    **info_fields(code),
                )
        kind_value = wb.info.get("kind", "")
        if kind_value and kind_value not in spec.kinds:
            f = info_fields("kind")
            self.add_kind(
                RuleKind.INFO_INVALID,
                {
                    "row": f["row"],
                    "actual": kind_value,
                    "detail": f"不在可选范围内（{'、'.join(spec.kinds)}）",
                },
                actual=kind_value,
                **f,
            )
        report_year = year if year is not None else wb.stamp.year
        if not spec.covers_year(report_year):
            try:
                expected = spec_for_year(report_year).format_version
            except SpecError:
                expected = "?"
            self.add_kind(
                RuleKind.FORMAT_YEAR,
                {"year": report_year, "expected": expected, "actual": spec.format_version},
                expected=expected,
                actual=spec.format_version,
                **info_fields("format"),
            )
        if wb.unknown:
            self.add_kind(
                RuleKind.IMPORTED_UNKNOWN,
                {"detail": wb.stamp.source, "actual": len(wb.unknown)},
                actual=str(len(wb.unknown)),
            )
        for field in spec.info_fields:
            if field.required and not wb.info.get(field.code, "").strip():
                f = info_fields(field.code)
                self.add_kind(RuleKind.INFO_BLANK, {"row": f["row"]}, **f)
        if wb.texts:
            for cell in spec.text_cells:
                text = wb.texts.get(cell.code, "")
                for hit in find_leftovers(text, spec.report.guidance_phrases):
                    self.add_kind(
                        RuleKind.NARRATIVE_LEFTOVER,
                        {
                            "place": f"「{cell.label}」",
                            "detail": hit.description,
                            "excerpt": hit.excerpt,
                        },
                        sheet=spec.sheets.text,
                        cell=L.a1(L.text_row(spec, cell.code), L.RECORD_VALUE_COL),
                        row=cell.label,
                        actual=hit.excerpt,
                    )
                if cell.required and not text.strip():
                    row = L.text_row(spec, cell.code)
                    self.add_kind(
                        RuleKind.TEXT_BLANK,
                        {"row": cell.label},
                        sheet=spec.sheets.text,
                        cell=L.a1(row, L.RECORD_VALUE_COL),
                        row=cell.label,
                    )
            self.extend(text_sheet_findings(wb))
            self.extend(sheet_structure_findings(wb, self.previous))

    def inputs(self) -> None:
        blank: dict[str, list[CellKey]] = {}
        for key, read in self.wb.cells.items():
            args = self.cell_args(key)
            fields = self.cell_fields(key)
            if read.status == "blank":
                if key not in self.wb.unknown:  # an imported report did not show it
                    self.add_kind(RuleKind.BLANK, {**args, "fix": ""}, **fields)
                    blank.setdefault(key.table, []).append(key)
                continue
            if read.status == "not_number":
                fix = guess_fix(self.spec, read.text)
                self.add_kind(
                    RuleKind.NOT_NUMBER,
                    {**args, "actual": read.text, "fix": fix},
                    actual=read.text,
                    **fields,
                )
                continue
            if read.status == "text_number":
                self.add_kind(
                    RuleKind.TEXT_NUMBER,
                    {**args, "actual": read.text, "expected": read.value},
                    expected=read.value,
                    actual=read.text,
                    **fields,
                )
            value = read.value
            if read.status == "formula":
                value = self.shown.input_formula(key)
                self.add_kind(
                    RuleKind.INPUT_FORMULA,
                    {**args, "formula": read.formula, "actual": value},
                    actual=value,
                    **fields,
                )
            vtype = self.spec.value_type(key)
            if value is None or vtype == "text":
                continue
            if vtype in ("count", "amount_wan") and value < 0:
                self.add_kind(RuleKind.NEGATIVE, {**args, "actual": value}, actual=value, **fields)
            if vtype in ("count", "signed") and value != value.to_integral_value():
                self.add_kind(
                    RuleKind.NOT_INTEGER, {**args, "actual": value}, actual=value, **fields
                )
            if vtype == "amount_wan" and decimal_places(value) > 4:
                self.add_kind(
                    RuleKind.TOO_MANY_DECIMALS, {**args, "actual": value}, actual=value, **fields
                )
        self.blank_tables(blank)

    def blank_tables(self, blank: dict[str, list[CellKey]]) -> None:
        """Say once of a table with nothing filled in that it is blank (its cells' findings
        are linked to this one)."""
        for table_code, keys in blank.items():
            table = self.spec.table(table_code)
            inputs = [k for k in input_keys(self.spec) if k.table == table_code]
            if len(keys) < len(inputs) or table.sheet in self._unread_sheets():
                continue
            self.add_kind(
                RuleKind.TABLE_BLANK,
                {"table": table.name, "sheet": table.sheet, "count": len(keys)},
                sheet=table.sheet,
                table=table.name,
                actual=Decimal(len(keys)),
                cells=tuple(self.display(k) for k in keys),
            )

    def _unread_sheets(self) -> set[str]:
        return {self.spec.table(code).sheet for code in self.wb.unreadable_tables}

    def totals(self) -> None:
        """Check each computed cell's content: intact formula, constant, changed, or empty."""
        spec = self.spec
        for key, read in self.wb.totals.items():
            state, _ = self.shown.state[key]
            if state == INTACT:
                continue
            args = {**self.cell_args(key), "formula": expected_formula(spec, key, 0)[0]}
            fields = self.cell_fields(key)
            if state == CHANGED:
                formula = read.formula or ""  # CHANGED: there is a formula, not the template's
                cells = formula_cells(formula, spec.table(key.table).sheet)
                self.add_kind(
                    RuleKind.FORMULA_CHANGED,
                    {
                        **args,
                        "expected": args["formula"],
                        "actual": normalize_formula(formula),
                        "detail": self._formula_detail(cells, key),
                    },
                    expected=args["formula"],
                    actual="=" + normalize_formula(formula),
                    **fields,
                )
            elif state == EMPTY:
                self.add_kind(RuleKind.FORMULA_MISSING, args, **fields)
            else:
                actual = read.constant if read.constant is not None else read.text
                self.add_kind(
                    RuleKind.FORMULA_OVERWRITTEN,
                    {**args, "actual": actual},
                    actual=actual,
                    **fields,
                )

    def total_index(self, inst: RuleInstance) -> int:
        return computed_cells(self.spec)[inst.anchor].index(inst)

    def _formula_detail(self, cells: Counter | None, key: CellKey) -> str:
        if cells is None:
            return ""
        expected = expected_formula(self.spec, key, 0)[2]
        missing = sorted(expected - cells)
        extra = sorted(cells - expected)
        parts = []
        if missing:
            parts.append("漏加了 " + "、".join(L.a1(r, c) for r, c in missing[:8]))
        if extra:
            parts.append("多加了 " + "、".join(L.a1(r, c) for r, c in extra[:8]))
        return "（" + "，".join(parts) + "）" if parts else ""

    def _unknown_inputs(self) -> frozenset:
        """Return the value cells an imported workbook does not know: its unknown inputs and
        every total over one of them."""
        unknown = self.wb.unknown
        if not unknown:
            return frozenset()
        spec = self.spec
        return unknown | {k for k in computed_cells(spec) if inputs_under(spec, k) & unknown}

    def instances(self) -> None:
        unknown = self._unknown_inputs()
        skipped_previous: set[str] = set()
        prev_values = self._previous_values()
        for inst in rule_instances(self.spec):
            if any(k.table in self.wb.unreadable_tables for k in inst.cells):
                continue
            if unknown and any(k in unknown for k in inst.cells):
                continue  # an imported report's unknown cell is not 0: nothing to compare
            kind = inst.rule.kind
            if kind == "sum":
                self.check_sum(inst)
            elif kind == "equation":
                if inst.uses_previous and prev_values is None:
                    continue
                self.check_equation(inst, prev_values, skipped_previous)
            elif kind == "limit":
                self.check_limit(inst)
            elif kind == "requires":
                self.check_requires(inst)

    def check_sum(self, inst: RuleInstance) -> None:
        key = inst.anchor
        if key not in self.shown.state or self.shown.state[key][0] == EMPTY:
            return
        actual: Decimal | str | None = self.shown.total(key)
        if actual is None and self.shown.state[key][0] == CONSTANT:
            actual = self.wb.totals[key].text  # words typed over a total
        if actual is None:
            return  # an edited formula we cannot evaluate: F-CHANGED says so
        expected = sum((t.sign * self.shown.summed(t.key) for t in inst.right), ZERO)
        if actual == expected:
            return
        args = {
            **instance_args(self.spec, inst),
            "cell": self.display(key),
            "actual": actual,
            "expected": expected,
            "diff": (actual - expected) if isinstance(actual, Decimal) else None,
            "formula": expected_formula(self.spec, key, self.total_index(inst))[0],
        }
        self.add(
            inst.rule,
            args,
            inst,
            expected=expected,
            actual=actual,
            cells=tuple(self.display(k) for k in inst.cells),
            **self.cell_fields(key),
        )

    def _detail(self, inst: RuleInstance, terms: tuple[Term, ...], prev) -> str:
        parts: list[str] = []
        spec = self.spec
        for t in terms:
            source = prev if t.previous else self.values
            value = (source or {}).get(t.key, ZERO)
            table = spec.table(t.key.table)
            if inst.rule.each == "column":
                label = table.row(t.key.row).short
            elif inst.rule.each == "row":
                label = table.column(t.key.row, t.key.col).name
            else:
                label = f"{table.row(t.key.row).short}·{table.column(t.key.row, t.key.col).name}"
            if t.previous:
                label = "上年" + label
            sign = "－ " if t.sign < 0 else ("＋ " if parts else "")
            parts.append(f"{sign}{label} {format_number(value)}")
        return " ".join(parts)

    def check_equation(self, inst: RuleInstance, prev, skipped: set[str]) -> None:
        left = side_value(inst.left, self.values, prev)
        right = side_value(inst.right, self.values, prev)
        if left is None or right is None:
            if inst.rule.id not in skipped:
                skipped.add(inst.rule.id)
                skip_args = {
                    **instance_args(self.spec, inst),
                    "actual": self.previous.spec.format_version if self.previous else "",
                    "check": render(inst.rule.check, instance_args(self.spec, inst)),
                }
                table = skip_args["table"]
                self.add_kind(RuleKind.PREVIOUS_MISSING_CELL, skip_args, table=table)
            return
        if left == right:
            return
        now, should = self._anchor_fix(inst, left - right)
        args: dict[str, object] = {
            **instance_args(self.spec, inst),
            "cell": self.display(inst.anchor),
            "left": left,
            "right": right,
            "diff": left - right,
            "left_detail": self._detail(inst, inst.left, prev),
            "right_detail": self._detail(inst, inst.right, prev),
            "expected": should,
            "actual": now,
            "fix": self._fix_text(inst, now, should),
        }
        self.add(
            inst.rule,
            args,
            inst,
            expected=should,
            actual=now,
            cells=tuple(self.display(k) for k in inst.cells),
            **self.cell_fields(inst.anchor),
        )

    def _anchor_fix(self, inst: RuleInstance, diff: Decimal) -> tuple[Decimal, Decimal]:
        """Return what the anchor cell holds and what it would have to hold for the balance."""
        now = self.values.get(inst.anchor, ZERO)
        for side, terms in ((1, inst.left), (-1, inst.right)):
            for t in terms:
                if t.key == inst.anchor and not t.previous:
                    # left − right changes by side·sign per unit of the anchor.
                    return now, now - diff / (side * t.sign)
        return now, now

    def _fix_text(self, inst: RuleInstance, now: Decimal, should: Decimal) -> str:
        table = self.spec.table(inst.anchor.table)
        row = table.row(inst.anchor.row)
        column = table.column(inst.anchor.row, inst.anchor.col).name
        anchor = f"{row.short}（{column}）"
        args = {"anchor": anchor, "should": should, "now": now}
        if inst.anchor in computed_cells(self.spec):
            return ""  # a formula the unit cannot edit: the cells under it are the ones to change
        if should < 0 and self.spec.value_type(inst.anchor) in ("count", "amount_wan"):
            return render(self.spec.explain.fix_other, args)
        return render(self.spec.explain.fix, args)

    def check_limit(self, inst: RuleInstance) -> None:
        kinds = inst.rule.kinds  # none: a limit for every unit
        if (kinds and self.wb.kind not in kinds) or inst.rule.max is None:
            return
        value = side_value(inst.left, self.values, None)
        limit = Decimal(str(inst.rule.max))
        if value is None or value <= limit:
            return
        args = {
            **instance_args(self.spec, inst),
            "unit_kind": self.wb.kind,
            "actual": value,
            "expected": limit,
        }
        self.add(
            inst.rule, args, inst, expected=limit, actual=value, **self.cell_fields(inst.anchor)
        )

    def check_requires(self, inst: RuleInstance) -> None:
        present = side_value(inst.left, self.values, None)
        required = side_value(inst.right, self.values, None)
        if not present or required:
            return
        args = {**instance_args(self.spec, inst), "actual": present}
        self.add(
            inst.rule,
            args,
            inst,
            actual=present,
            cells=tuple(self.display(k) for k in inst.cells),
            **self.cell_fields(inst.anchor),
        )

    # -- last year ----------------------------------------------------------------------------

    def _previous_values(self) -> dict[CellKey, Decimal] | None:
        if self.previous is None or not self._previous_usable():
            return None
        # The same reading pre-fills a new workbook (nianbao template --previous).
        return previous_values(self.previous)

    def _previous_usable(self) -> bool:
        return self.previous is not None and self.previous.year == self.wb.year - 1

    def previous_year(self) -> None:
        prev = self.previous
        if prev is None:
            return
        if prev.year != self.wb.year - 1:
            self.add_kind(
                RuleKind.PREVIOUS_YEAR,
                {"expected": self.wb.year - 1, "actual": prev.year},
                expected=str(self.wb.year - 1),
                actual=str(prev.year),
            )
        if (
            prev.unit
            and self.wb.unit
            and normalize_label(prev.unit) != normalize_label(self.wb.unit)
        ):
            self.add_kind(
                RuleKind.PREVIOUS_UNIT,
                {"expected": self.wb.unit, "actual": prev.unit},
                expected=self.wb.unit,
                actual=prev.unit,
            )


def _quoted(text: str, limit: int = 60) -> str:
    """Return a clerk's text as quoted in a message: cut after ``limit`` characters."""
    return text if len(text) <= limit else text[:limit] + "…"


def _sort_key(spec: FormatSpec):
    """Return the one order of findings: severity, causes before what they explain, a cell's
    own problems before the sums and balances over it, then the format's rule and table order."""
    order = {r.id: i for i, r in enumerate(spec.rules)}
    balances = {r.id for r in spec.rules if r.kind in COMPUTED_KINDS}
    by_column = {r.id for r in spec.rules if r.each == "column"}
    sheet_order = {name: i for i, name in enumerate(spec.all_sheet_names)}

    def key(f: Finding):
        row, col = L.parse_a1(f.cell) if f.cell else (0, 0)
        return (
            f.severity.rank,
            f.cause is not None,
            f.rule in balances,
            order.get(f.rule, 999),
            sheet_order.get(f.sheet, 99),
            (col, row) if f.rule in by_column else (row, col),
        )

    return key


@cache
def _cell_fields(spec: FormatSpec, key: CellKey) -> dict:
    """Return the Finding fields that locate a value cell (cached: the same for every file)."""
    table = spec.table(key.table)
    cell = L.table_layout(table).cell(key)
    return {
        "sheet": table.sheet,
        "cell": L.a1(cell.row, cell.col),
        "table": table.name,
        "row": table.row(key.row).name,
        "column": table.column(key.row, key.col).name,
        "key": key,
    }


@cache
def _cell_args(spec: FormatSpec, key: CellKey) -> dict:
    """Return the message arguments that name a value cell."""
    f = _cell_fields(spec, key)
    return {
        "table": f["table"],
        "table_title": spec.table(key.table).title,
        "sheet": f["sheet"],
        "cell": f"{f['sheet']}!{f['cell']}",
        "row": f["row"],
        "column": f["column"],
    }


def values_workbook(
    spec: FormatSpec,
    values: Mapping[CellKey, Decimal],
    *,
    year: int,
    unit: str = "",
    kind: str = "",
    path: str | Path = "",
) -> FilledWorkbook:
    """Return numbers that are not a file (a rollup's totals) as a workbook with intact
    formulas and no 基本信息 (so only the tables are checked)."""
    cells = {
        k: CellRead(k, "ok", None if spec.value_type(k) == "text" else values.get(k, ZERO))
        for k in input_keys(spec)
    }
    totals = {k: TotalRead(k, expected_formula(spec, k, 0)[0], None) for k in computed_cells(spec)}
    stamp = Stamp(spec.format_version, spec.template_version, spec.fingerprint, year, unit, kind)
    return FilledWorkbook(Path(path), spec, stamp, {}, {}, cells, totals)


def part_workbook(spec: FormatSpec, part: PartRead, year: int) -> FilledWorkbook:
    """Return a summary's unit sheet as a workbook of its numbers, blanks and words kept (so
    its own check says which cell is blank), with intact formulas and no 基本信息."""
    cells = {k: part.cells.get(k) or CellRead(k, "ok", None) for k in input_keys(spec)}
    totals = {k: TotalRead(k, expected_formula(spec, k, 0)[0], None) for k in computed_cells(spec)}
    stamp = Stamp(spec.format_version, spec.template_version, spec.fingerprint, year, part.unit)
    return FilledWorkbook(Path(part.sheet), spec, stamp, {}, {}, cells, totals)


def _summary_parts(wb: FilledWorkbook) -> list[Part]:
    """Return the unit sheets of a summary as the parts it adds up, each checked on its own."""
    from .parts import Part

    parts = []
    for part in wb.parts:
        summed_values = {
            k: c.value if c.status in ("ok", "formula") else None for k, c in part.cells.items()
        }
        report = validate(part_workbook(wb.spec, part, wb.year))
        parts.append(Part(part.unit, summed_values, report, read_back=True))
    return parts


def validate_values(
    spec: FormatSpec,
    values: Mapping[CellKey, Decimal],
    *,
    year: int,
    unit: str = "",
    kind: str = "",
    previous: FilledWorkbook | None = None,
) -> Report:
    """Return the report of the table rules (and cross-year rules) on numbers alone."""
    return validate(values_workbook(spec, values, year=year, unit=unit, kind=kind), previous)


def validate(wb: FilledWorkbook, previous: FilledWorkbook | None = None) -> Report:
    """Return the report of every rule of the workbook's format (and cross-year rules)."""
    return validate_summary(wb, previous)[0]


def validate_summary(
    wb: FilledWorkbook,
    previous: FilledWorkbook | None = None,
    parts: Sequence[Part] | None = None,
) -> tuple[Report, PartsExplanation | None]:
    """Return the report of a workbook and which of its balances the units it adds up account
    for (``parts``; a summary's own unit sheets when None; see parts.py)."""
    engine = _Engine(wb, previous, parts)
    findings = engine.run()
    report = Report(
        file=str(wb.path),
        findings=findings,
        unit=wb.unit,
        kind=wb.kind,
        year=wb.year,
        format_version=wb.spec.format_version,
    )
    return report, engine.explanation
