"""Causes and consequences: which finding explains which, so that one mistake is one problem.

A clerk who types "146件" into 表三 本年新收 breaks the balance of that column and of the 总计
column. Those two findings are consequences: each is linked to the cell's own finding (its
``cause``), says in its own text where its difference comes from, and is not counted again. The
test is arithmetic, not guesswork: a balance or sum is explained when it holds once the cells'
own problems are set right —

* a number typed as text is counted (spreadsheet totals leave it out);
* a total whose formula was typed over, edited or deleted shows its true sum again;
* a blank or non-number cell takes the value that makes the rule hold, if one is possible
  (a count cannot be negative);
* a total column or row whose failure is exactly the sum of its parts' failures is the same
  problem as those parts.

Wording comes from ``[explain]`` of the format file; this module only decides and fills it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache, cached_property

from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.checks import render
from nianbao.workbook_templates.compute import (
    ZERO,
    RuleInstance,
    linear_forms,
    recompute,
)
from nianbao.workbook_templates.reader import FilledWorkbook
from nianbao.workbook_templates.spec import CellKey, FormatSpec, RuleKind, RuleSpec
from nianbao.workbook_templates.values import guess_number

from .findings import Finding, Report, with_ids
from .shown import ShownValues

# Findings about one cell's own content that can break the sums it is part of.
_VALUE_KINDS = frozenset({RuleKind.TEXT_NUMBER, RuleKind.NOT_NUMBER, RuleKind.BLANK})
_TOTAL_KINDS = frozenset(
    {RuleKind.FORMULA_OVERWRITTEN, RuleKind.FORMULA_CHANGED, RuleKind.FORMULA_MISSING}
)
_BALANCE_KINDS = frozenset({RuleKind.SUM, RuleKind.EQUATION})


@dataclass(frozen=True)
class Issued:
    """How the engine worded a finding: the rule, its arguments and the rule instance (for the
    sums and balances), so that an explained finding can be worded again."""

    rule: RuleSpec
    args: Mapping[str, object]
    instance: RuleInstance | None = None


@dataclass
class _Explanation:
    cause: int  # index of the explaining finding
    clause: str  # where the difference comes from, in the explained finding's own text
    solved: tuple[CellKey, Decimal] | None = None  # the value a blank/non-number cell needs


@cache
def _display_keys(spec: FormatSpec) -> dict[str, CellKey]:
    """Return every value cell by its displayed reference ("表三!D6")."""
    keys: dict[str, CellKey] = {}
    for table in spec.tables:
        for v in L.table_layout(table).values:
            keys[L.display_ref(spec, v.key)] = v.key
    return keys


def _closure(spec: FormatSpec, keys) -> tuple[set[CellKey], set[CellKey]]:
    """Return the inputs and the computed cells that the given cells are made of."""
    forms = linear_forms(spec)
    inputs: set[CellKey] = set()
    totals: set[CellKey] = set()
    for k in keys:
        if k in forms:
            inputs |= set(forms[k].inputs)
            totals |= forms[k].totals
        else:
            inputs.add(k)
    return inputs, totals


def _valid_value(spec: FormatSpec, key: CellKey, value: Decimal) -> bool:
    vtype = spec.value_type(key)
    negative = vtype in ("count", "amount_wan") and value < 0
    fraction = vtype in ("count", "signed") and value != value.to_integral_value()
    return not (negative or fraction)


class _Linker:
    def __init__(
        self,
        wb: FilledWorkbook,
        shown: ShownValues,
        findings: list[Finding],
        issued: list[Issued | None],
        previous: Mapping[CellKey, Decimal] | None,
    ) -> None:
        self.wb = wb
        self.spec = wb.spec
        self.shown = shown
        self.findings = findings
        self.issued = issued
        self.previous = previous or {}
        self.explain = self.spec.explain
        kinds = _rule_kinds(self.spec)
        self.kinds = [kinds.get(f.rule) for f in findings]
        # The first finding on each cell about the cell's own content.
        self.at: dict[CellKey, int] = {}
        for i, f in enumerate(findings):
            if f.key is not None and self.kinds[i] in _VALUE_KINDS | _TOTAL_KINDS:
                self.at.setdefault(f.key, i)

    @cached_property
    def _repaired(self) -> tuple[dict[CellKey, Decimal], set[CellKey]]:
        """Return the inputs as the clerk meant them (text numbers counted) and the cells whose
        value is open (blank, words)."""
        repaired: dict[CellKey, Decimal] = {}
        unknown: set[CellKey] = set()
        for key, read in self.wb.cells.items():
            if self.spec.value_type(key) == "text":
                continue
            value = read.value
            if read.status == "formula":
                value = self.shown.input_formula(key)
            if read.status in ("blank", "not_number") or value is None:
                unknown.add(key)
            else:
                repaired[key] = value
        return repaired, unknown

    @property
    def repaired(self) -> dict[CellKey, Decimal]:
        return self._repaired[0]

    @property
    def unknown(self) -> set[CellKey]:
        return self._repaired[1]

    @cached_property
    def recomputed(self) -> dict[CellKey, Decimal]:
        """Return every total summed from the repaired inputs."""
        return recompute(self.spec, self.repaired)

    def cell(self, key: CellKey) -> str:
        return L.display_ref(self.spec, key)

    # -- one balance or sum -------------------------------------------------------------------

    def residual(self, inst: RuleInstance) -> tuple[dict[CellKey, int], Decimal]:
        """Return left − right as input coefficients and a constant (last year's cells)."""
        forms = linear_forms(self.spec)
        coefficients: dict[CellKey, int] = {}
        constant = ZERO
        for side, terms in ((1, inst.left), (-1, inst.right)):
            for t in terms:
                if t.previous:
                    constant += side * t.sign * self.previous.get(t.key, ZERO)
                    continue
                parts = forms[t.key].inputs if t.key in forms else {t.key: 1}
                for k, c in parts.items():
                    coefficients[k] = coefficients.get(k, 0) + side * t.sign * c
        return {k: c for k, c in coefficients.items() if c}, constant

    def open_cell(self, key: CellKey, value: Decimal) -> _Explanation | None:
        """Return a rule explained by a blank or non-number cell that ``value`` would balance."""
        cause = self.at.get(key)
        if cause is None:
            return None
        read = self.wb.cells[key]
        template = self.explain.blank if read.status == "blank" else self.explain.not_number
        args = {"cell": self.cell(key), "actual": read.text, "should": value}
        return _Explanation(cause, render(template, args), (key, value))

    def explain_instance(self, inst: RuleInstance, solved: dict) -> _Explanation | None:
        coefficients, constant = self.residual(inst)
        open_cells = [k for k in coefficients if k in self.unknown]
        r0 = constant + sum((c * self.repaired.get(k, ZERO) for k, c in coefficients.items()), ZERO)
        if not open_cells:
            if r0 != 0:
                return None
            return self.repaired_cause(inst)
        if len(open_cells) == 1:
            key = open_cells[0]
            value = -r0 / coefficients[key]
            if not _valid_value(self.spec, key, value) or solved.get(key, value) != value:
                return None
            return self.open_cell(key, value)
        # Several open cells: explained when some non-negative values can balance it.
        needed = -r0
        if needed != 0 and not any(
            (c > 0) == (needed > 0) for k, c in coefficients.items() if k in open_cells
        ):
            return None
        causes = [self.at[k] for k in open_cells if k in self.at]
        if not causes:
            return None
        cells = "、".join(self.cell(k) for k in open_cells[:5])
        if len(open_cells) > 5:
            cells += f" 等 {len(open_cells)} 个"
        return _Explanation(causes[0], render(self.explain.several, {"cells": cells}))

    def repaired_cause(self, inst: RuleInstance) -> _Explanation | None:
        """Return the cell whose own problem makes a rule fail that holds once it is set right."""
        forms = linear_forms(self.spec)
        computed_terms = [
            t.key for t in inst.left + inst.right if not t.previous and t.key in forms
        ]
        # Inputs under a total are added by SUM, which leaves out numbers stored as text.
        summed_inputs, totals = _closure(self.spec, computed_terms)
        for key in sorted(totals, key=lambda k: self.at.get(k, 10**9)):
            i = self.at.get(key)
            if i is None or self.kinds[i] not in _TOTAL_KINDS:
                continue
            now, should = self.shown.total(key), self.recomputed.get(key, ZERO)
            if now is not None and now != should:
                args = {"cell": self.cell(key), "now": now, "should": should}
                return _Explanation(i, render(self.explain.formula, args))
        for key in sorted(summed_inputs, key=lambda k: self.at.get(k, 10**9)):
            i = self.at.get(key)
            if i is None or self.kinds[i] != RuleKind.TEXT_NUMBER:
                continue
            value = self.repaired.get(key, ZERO)
            if value != 0:
                read = self.wb.cells[key]
                args = {"cell": self.cell(key), "actual": read.text, "amount": value}
                return _Explanation(i, render(self.explain.text_number, args))
        return None

    # -- the whole report ---------------------------------------------------------------------

    def link(self) -> list[Finding]:
        findings = self.findings
        explained: dict[int, _Explanation] = {}
        solved: dict[CellKey, Decimal] = {}
        failing: list[tuple[int, RuleInstance]] = []
        for i, issued in enumerate(self.issued):
            inst = issued.instance if issued else None
            if inst is None or inst.rule.kind not in _BALANCE_KINDS:
                continue
            explanation = self.explain_instance(inst, solved)
            if explanation is None:
                failing.append((i, inst))
                continue
            explained[i] = explanation
            if explanation.solved:
                key, value = explanation.solved
                solved[key] = value
        # What is still failing once the cells found above hold their values (other blank or
        # non-number cells count as 0, as in the spreadsheet).
        genuine: list[tuple[int, RuleInstance, Decimal]] = []
        values = {**self.repaired, **solved}
        for i, inst in failing:
            coefficients, constant = self.residual(inst)
            r0 = constant + sum((c * values.get(k, ZERO) for k, c in coefficients.items()), ZERO)
            if r0 == 0:
                found = next((k for k in coefficients if k in solved and k in self.at), None)
                if found is not None and (e := self.open_cell(found, solved[found])) is not None:
                    explained[i] = replace(e, solved=None)
                continue
            genuine.append((i, inst, r0))
        self.same_problems(genuine, explained)
        blank_tables = self.blank_tables()
        causes: dict[int, int] = {i: e.cause for i, e in explained.items()}
        for i, table_finding in blank_tables.items():
            causes.setdefault(i, table_finding)

        def root(i: int) -> int:
            seen = {i}
            while i in causes and causes[i] not in seen:
                i = causes[i]
                seen.add(i)
            return i

        result = list(findings)
        # A cause is at least as severe as what it explains, so the verdict does not change.
        severity = {i: f.severity for i, f in enumerate(findings)}
        for i in causes:
            r = root(i)
            if findings[i].severity.rank < severity[r].rank:
                severity[r] = findings[i].severity
        for i, f in enumerate(findings):
            changes: dict = {}
            if i in causes:
                changes["cause"] = findings[root(i)].id
            if severity[i] != f.severity:
                changes["severity"] = severity[i]
            if i in explained:
                changes.update(self.reworded(i, explained[i]))
            elif f.key in solved and self.kinds[i] in _VALUE_KINDS:
                changes.update(self.with_solved(i, solved[f.key]))
            if changes:
                result[i] = replace(f, **changes)
        return number_sides(self.spec, result)

    def same_problems(self, genuine, explained: dict[int, _Explanation]) -> None:
        """Link a failing total column or row to the failing parts it is the sum of."""
        forms = linear_forms(self.spec)
        for i, inst, r0 in genuine:
            if inst.anchor not in forms:
                continue
            under = forms[inst.anchor].inputs
            parts = [
                (j, r)
                for j, other, r in genuine
                if j != i and other.rule.id == inst.rule.id and other.anchor in under
            ]
            if not parts or sum((r for _, r in parts), ZERO) != r0:
                continue
            j = parts[0][0]
            cause = self.findings[j]
            name = cause.column if inst.rule.each == "column" else cause.row
            args = {"cell": cause.where, "column": name}
            explained[i] = _Explanation(j, render(self.explain.same_problem, args))

    def blank_tables(self) -> dict[int, int]:
        """Return each blank cell's finding linked to its table's 尚未填写 finding."""
        tables = {
            f.sheet: i
            for i, f in enumerate(self.findings)
            if self.kinds[i] == RuleKind.TABLE_BLANK and f.sheet
        }
        return {
            i: tables[f.sheet]
            for i, f in enumerate(self.findings)
            if self.kinds[i] == RuleKind.BLANK and f.sheet in tables
        }

    def reworded(self, i: int, e: _Explanation) -> dict:
        issued = self.issued[i]
        assert issued is not None
        args = {**issued.args, "fix": ""}
        cause = self.findings[e.cause]
        return {
            "text": render(issued.rule.message, args) + e.clause,
            "action": render(self.explain.action, {"cell": cause.where}),
        }

    def with_solved(self, i: int, value: Decimal) -> dict:
        issued = self.issued[i]
        if issued is None:
            return {}
        key = self.findings[i].key
        read = self.wb.cells.get(key) if key is not None else None
        guess = guess_number(read.text) if read is not None and read.text else None
        fix = render(self.explain.solved, {"should": value})
        if guess is not None and guess == value:
            fix = render(self.explain.guess, {"should": value})
        args = {**issued.args, "fix": fix}
        return {"text": render(issued.rule.message, args), "expected": value}


@cache
def _rule_kinds(spec: FormatSpec) -> dict[str, RuleKind]:
    return {r.id: r.kind for r in spec.rules}


def guess_fix(spec: FormatSpec, text: str) -> str:
    """Return the V-NUMBER ``{fix}`` for words in a number cell: ", 应改为数字 146" or ""."""
    guess = guess_number(text)
    return render(spec.explain.guess, {"should": guess}) if guess is not None else ""


def link_causes(
    wb: FilledWorkbook,
    shown: ShownValues,
    findings: list[Finding],
    issued: list[Issued | None],
    previous: Mapping[CellKey, Decimal] | None = None,
) -> list[Finding]:
    """Return the findings, each with an id, linked to the finding that explains it (if any),
    explained ones worded as such, and a cause at least as severe as what it explains."""
    findings = with_ids(findings)
    return _Linker(wb, shown, findings, issued, previous).link()


def _balance_closure(spec: FormatSpec, f: Finding) -> set[CellKey]:
    keys = _display_keys(spec)
    inputs, _ = _closure(spec, [keys[c] for c in f.cells if c in keys])
    return inputs


def number_sides(spec: FormatSpec, findings: list[Finding]) -> list[Finding]:
    """Return the findings with each N-NUMBER told which side is likely wrong: the table, when a
    sum or balance over its cells fails, else the text."""
    kinds = _rule_kinds(spec)
    failing = [f for f in findings if f.cause is None and kinds.get(f.rule) in _BALANCE_KINDS]
    closures = [(f, _balance_closure(spec, f)) for f in failing]
    result = []
    for f in findings:
        if kinds.get(f.rule) == RuleKind.NARRATIVE_NUMBER:
            claim = _balance_closure(spec, f)
            table = next((g for g, keys in closures if keys & claim), None)
            if table is not None:
                side = render(spec.explain.table_side, {"cell": table.where})
            else:
                side = spec.explain.text_side
            if not f.action.startswith(side):
                f = replace(f, action=side + f.action)
        result.append(f)
    return result


# Narrative findings said once per report whatever their place (a missing sub-topic, …).
_ONCE_PER_REPORT = frozenset({RuleKind.NARRATIVE_GOVERNMENT, RuleKind.NARRATIVE_SUBTOPIC})


def _same_text_key(spec: FormatSpec, f: Finding) -> tuple | None:
    """Return what makes two narrative findings the same problem of the same sentence: the rule
    and the quoted text; None for findings that are not about narrative text."""
    kind = _rule_kinds(spec).get(f.rule)
    if kind is None or not kind.startswith("narrative_"):
        return None
    if kind in _ONCE_PER_REPORT:
        return (f.rule,)
    if f.actual in (None, ""):
        return None
    return (f.rule, str(f.actual), str(f.expected))


def add_findings(report: Report, spec: FormatSpec, findings: list[Finding]) -> None:
    """Add findings made after the check (a narrative file's) to a report: given ids, a problem
    of a sentence that the 正文 sheet holds too said once (naming both places), and each
    N-NUMBER told which side is likely wrong."""
    seen = {k: i for i, f in enumerate(report.findings) if (k := _same_text_key(spec, f))}
    new = []
    for f in findings:
        key = _same_text_key(spec, f)
        if key is not None and key in seen:
            i = seen[key]
            place = " ".join(x for x in (f.sheet, f.row) if x)
            also = render(spec.explain.also, {"place": place})
            old = report.findings[i]
            if also not in old.text:
                report.findings[i] = replace(old, text=old.text + also)
            continue
        new.append(f)
    report.extend(new)
    report.findings[:] = number_sides(spec, report.findings)


__all__ = ["Issued", "add_findings", "guess_fix", "link_causes", "number_sides"]
