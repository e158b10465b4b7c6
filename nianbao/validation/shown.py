"""The numbers a workbook shows, computed by us from what the clerk typed.

Cached results are never trusted, but a typed-over total or an edited formula is what the printed
table (and the workbook's own 校验 sheet) shows, so the checks between cells use these shown
values: a total holds its intact formula's sum, the constant typed over it, or the value of its
edited formula. The spreadsheet's own semantics are kept where they differ: SUM skips numbers
stored as text, "+" converts them.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from functools import cache

from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.compute import ZERO, computed_cells
from nianbao.workbook_templates.formulas import (
    evaluate_formula,
    formula_cells,
    normalize_formula,
    sum_formula,
)
from nianbao.workbook_templates.reader import FilledWorkbook
from nianbao.workbook_templates.spec import CellKey, FormatSpec

INTACT, CHANGED, CONSTANT, EMPTY = "intact", "changed", "constant", "empty"


@cache
def expected_formula(spec: FormatSpec, key: CellKey, index: int) -> tuple[str, str, Counter]:
    """Return (formula, normal form, part positions) of the index-th sum defining a total."""
    inst = computed_cells(spec)[key][index]
    formula = sum_formula(spec, (t.key for t in inst.right))
    lay = L.table_layout(spec.table(key.table))
    positions = Counter((lay.cell(t.key).row, lay.cell(t.key).col) for t in inst.right)
    return formula, normalize_formula(formula), positions


@cache
def _positions(spec: FormatSpec, table_code: str) -> dict[tuple[int, int], CellKey]:
    return {(v.row, v.col): v.key for v in L.table_layout(spec.table(table_code)).values}


def intact_index(spec: FormatSpec, key: CellKey, formula: str) -> int | None:
    """Return which defining sum a total's formula is (textually or by its cells), or None."""
    count = len(computed_cells(spec)[key])
    found = normalize_formula(formula)
    for i in range(count):
        if found == expected_formula(spec, key, i)[1]:
            return i
    cells = formula_cells(formula, spec.table(key.table).sheet)
    for i in range(count):
        if cells is not None and cells == expected_formula(spec, key, i)[2]:
            return i
    return None


class ShownValues:
    """Input and total values as the workbook computes them (without trusting its cache)."""

    def __init__(self, wb: FilledWorkbook) -> None:
        self.wb = wb
        self.spec = wb.spec
        self.state: dict[CellKey, tuple[str, int | None]] = {}
        for key, read in wb.totals.items():
            if read.formula is not None:
                index = intact_index(self.spec, key, read.formula)
                self.state[key] = (INTACT, index) if index is not None else (CHANGED, None)
            elif read.blank:
                self.state[key] = (EMPTY, None)
            else:
                self.state[key] = (CONSTANT, None)
        self._inputs: dict[CellKey, Decimal | None] = {}
        self._totals: dict[CellKey, Decimal | None] = {}
        self._busy: set[CellKey] = set()

    # "+" semantics: numbers typed as text count, blank is 0, words are unknown.
    def plus(self, key: CellKey) -> Decimal | None:
        if key in self.state:
            return self.total(key)
        read = self.wb.cells.get(key)
        if read is None:
            return None
        if read.status == "formula":
            return self.input_formula(key)
        if read.status == "blank":
            return ZERO
        return read.value

    # SUM semantics: anything stored as text is skipped.
    def summed(self, key: CellKey) -> Decimal:
        if key in self.state:
            return self.total(key) or ZERO
        read = self.wb.cells.get(key)
        if read is None or read.status in ("text_number", "not_number", "blank"):
            return ZERO
        if read.status == "formula":
            return self.input_formula(key) or ZERO
        return read.value if read.value is not None else ZERO

    def input_formula(self, key: CellKey) -> Decimal | None:
        """Return our value of a formula typed into an input cell (its cached value if we
        cannot evaluate it)."""
        if key not in self._inputs:
            read = self.wb.cells[key]
            if key in self._busy:
                return None
            self._busy.add(key)
            value = self._evaluate(read.formula, key.table)
            self._busy.discard(key)
            self._inputs[key] = value if value is not None else read.value
        return self._inputs[key]

    def total(self, key: CellKey) -> Decimal | None:
        """Return the value a total cell shows, or None when it cannot be known."""
        if key in self._totals:
            return self._totals[key]
        if key in self._busy:
            return None  # a circular edited formula
        self._busy.add(key)
        state, index = self.state[key]
        value: Decimal | None
        if state == INTACT and index is not None:
            inst = computed_cells(self.spec)[key][index]
            value = sum((t.sign * self.summed(t.key) for t in inst.right), ZERO)
        elif state == CONSTANT:
            value = self.wb.totals[key].constant
        elif state == CHANGED:
            value = self._evaluate(self.wb.totals[key].formula, key.table)
        else:
            value = ZERO  # an emptied cell counts as 0 in formulas
        self._busy.discard(key)
        self._totals[key] = value
        return value

    def _evaluate(self, formula: str | None, table_code: str) -> Decimal | None:
        if not formula:
            return None
        by_pos = _positions(self.spec, table_code)

        def lookup(pos):
            key = by_pos.get(pos)
            return self.plus(key) if key is not None else None

        return evaluate_formula(formula, self.spec.table(table_code).sheet, lookup)

    def values(self) -> dict[CellKey, Decimal]:
        """Return every known value ("+" semantics), for checks between cells."""
        keys = list(self.wb.cells) + list(self.state)
        return {k: v for k in keys if (v := self.plus(k)) is not None}
