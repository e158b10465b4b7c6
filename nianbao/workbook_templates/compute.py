"""Rule instances and their arithmetic, shared by the template builder and the validator.

A rule of the spec (say "each column: 一＋二＝三＋四") expands into instances, one per column
or row it applies to. The builder uses the instances to write formulas with correct cached values
and the live checks of the 校验 sheet; the validator evaluates the same instances on the numbers
read back. One expansion serves both, so the workbook and the checker cannot disagree on a rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from .spec import CellKey, FormatSpec, RuleSpec, TableSpec

ZERO = Decimal(0)


@dataclass(frozen=True)
class Term:
    """One signed cell of an expression; ``previous`` reads last year's workbook."""

    sign: int
    key: CellKey
    previous: bool = False


@dataclass(frozen=True)
class RuleInstance:
    """A rule applied to one column, row or cell; ``left``/``right`` are the compared sides."""

    rule: RuleSpec
    anchor: CellKey
    left: tuple[Term, ...]
    right: tuple[Term, ...]
    row: str = ""
    col: str = ""

    @property
    def cells(self) -> tuple[CellKey, ...]:
        """Return this year's cells the instance reads, anchor first, without repeats."""
        keys = [self.anchor] + [t.key for t in self.left + self.right if not t.previous]
        return tuple(dict.fromkeys(keys))

    @property
    def uses_previous(self) -> bool:
        return any(t.previous for t in self.left + self.right)


def _parse_term(text: str, table: TableSpec, row: str | None, col: str | None) -> Term:
    sign = 1
    if text.startswith("-"):
        sign, text = -1, text[1:]
    previous = text.startswith("prev:")
    if previous:
        text = text[len("prev:") :]
    parts = text.split(".")
    if len(parts) == 3:
        key = CellKey(*parts)
    elif len(parts) == 2:
        key = CellKey(table.code, parts[0], parts[1])
    elif row is not None:
        key = CellKey(table.code, row, parts[0])
    elif col is not None:
        key = CellKey(table.code, parts[0], col)
    else:
        raise ValueError(f"无法解析的单元格引用 {text}")
    return Term(sign, key, previous)


def _check_key(spec: FormatSpec, key: CellKey) -> None:
    spec.table(key.table).column(key.row, key.col)  # raises KeyError when absent


def _row_terms(rule: RuleSpec) -> tuple[str, ...]:
    return rule.left + rule.right + rule.parts + ((rule.anchor,) if rule.anchor else ())


def _bare(term: str) -> str:
    return term.lstrip("-").removeprefix("prev:")


def _iterations(spec: FormatSpec, rule: RuleSpec) -> list[tuple[str | None, str | None]]:
    """Return (row, col) pairs the rule runs over; None marks the varying-free axis."""
    table = spec.table(rule.table)
    if rule.each == "column":
        rows = rule.rows or tuple(_bare(t) for t in (*_row_terms(rule), rule.target))
        rows = tuple(r for r in rows if r and "." not in r)
        block = table.block_of(rows[0])
        return [(None, c.code) for c in block.columns]
    if rule.each == "row":
        if rule.rows:
            return [(r, None) for r in rule.rows]
        cols = {_bare(t) for t in _row_terms(rule) + ((rule.target,) if rule.target else ())}
        return [
            (r.code, None)
            for b in table.blocks
            if cols <= {c.code for c in b.columns}
            for r in b.rows
        ]
    return [(None, None)]


def expand_rule(spec: FormatSpec, rule: RuleSpec) -> tuple[RuleInstance, ...]:
    """Return the instances of one computed rule (sum, equation, limit, requires)."""
    table = spec.table(rule.table)
    instances: list[RuleInstance] = []
    for row, col in _iterations(spec, rule):

        def term(text: str, row=row, col=col) -> Term:
            return _parse_term(text, table, row, col)

        if rule.kind == "sum":
            target = term(rule.target)
            left: tuple[Term, ...] = (target,)
            right: tuple[Term, ...] = tuple(term(p) for p in rule.parts)
            found = [(target.key, left, right)]
        elif rule.kind == "equation":
            left = tuple(term(t) for t in rule.left)
            right = tuple(term(t) for t in rule.right)
            found = [(term(rule.anchor).key, left, right)]
        elif rule.kind == "limit":
            cells = rule.cells or rule.rows
            found = [(term(c).key, (term(c),), ()) for c in cells]
        elif rule.kind == "requires":
            left = tuple(term(t) for t in rule.if_any)
            right = tuple(term(t) for t in rule.requires_any)
            found = [(left[0].key, left, right)]
        else:
            raise ValueError(f"规则 {rule.id} 不是计算类规则")
        for anchor, left, right in found:
            for key in (anchor, *(t.key for t in (*left, *right))):
                _check_key(spec, key)
            instances.append(RuleInstance(rule, anchor, left, right, row or "", col or ""))
    return tuple(instances)


@cache
def rule_instances(spec: FormatSpec) -> tuple[RuleInstance, ...]:
    """Return the instances of every computed rule of a spec, in rule order."""
    return tuple(
        inst
        for rule in spec.rules
        if rule.kind in ("sum", "equation", "limit", "requires")
        for inst in expand_rule(spec, rule)
    )


@cache
def computed_cells(spec: FormatSpec) -> dict[CellKey, tuple[RuleInstance, ...]]:
    """Return the computed (formula) cells, each with the sum instances that define it."""
    found: dict[CellKey, list[RuleInstance]] = {}
    for inst in rule_instances(spec):
        if inst.rule.kind == "sum":
            found.setdefault(inst.anchor, []).append(inst)
    return {k: tuple(v) for k, v in found.items()}


@cache
def inputs_under(spec: FormatSpec, key: CellKey) -> frozenset[CellKey]:
    """Return the input cells a value cell stands on: itself, or what its total adds up
    (through other totals)."""
    instances = computed_cells(spec).get(key)
    if not instances:
        return frozenset({key})
    return frozenset(k for t in instances[0].right for k in inputs_under(spec, t.key))


def input_keys(spec: FormatSpec) -> tuple[CellKey, ...]:
    """Return every value cell the clerk fills in, in sheet order."""
    computed = computed_cells(spec)
    return tuple(k for k in spec.value_keys() if k not in computed)


_Plan = tuple[tuple[CellKey, tuple[tuple[int, CellKey, bool], ...]], ...]


@cache
def _recompute_plan(spec: FormatSpec) -> _Plan:
    """Return the computed cells in an order where every term is known before it is used,
    each with its terms as (sign, key, key is computed)."""
    computed = computed_cells(spec)
    order: list[CellKey] = []
    seen: set[CellKey] = set()

    def visit(key: CellKey) -> None:
        if key in seen:
            return
        seen.add(key)
        for t in computed[key][0].right:
            if t.key in computed:
                visit(t.key)
        order.append(key)

    for key in computed:
        visit(key)
    return tuple(
        (key, tuple((t.sign, t.key, t.key in computed) for t in computed[key][0].right))
        for key in order
    )


@cache
def number_keys(spec: FormatSpec) -> tuple[CellKey, ...]:
    """Return the input cells that hold numbers (not text), in sheet order."""
    return tuple(k for k in input_keys(spec) if spec.value_type(k) != "text")


def recompute(spec: FormatSpec, inputs: Mapping[CellKey, Decimal | None]) -> dict[CellKey, Decimal]:
    """Return the value of every computed cell, summed from the inputs (blank counts as 0)."""
    result: dict[CellKey, Decimal] = {}
    for key, terms in _recompute_plan(spec):
        total = ZERO
        for sign, term, is_computed in terms:
            v = result[term] if is_computed else inputs.get(term)
            if isinstance(v, Decimal):
                total = total + v if sign > 0 else total - v
        result[key] = total
    return result


@dataclass(frozen=True)
class LinearForm:
    """A computed cell as the inputs it adds up (coefficient per input) and the computed cells it
    is built from (itself included)."""

    inputs: Mapping[CellKey, int]
    totals: frozenset[CellKey]


@cache
def linear_forms(spec: FormatSpec) -> dict[CellKey, LinearForm]:
    """Return every computed cell of the format as a linear form of its inputs."""
    forms: dict[CellKey, LinearForm] = {}
    for key, terms in _recompute_plan(spec):
        coefficients: dict[CellKey, int] = {}
        totals = {key}
        for sign, term, is_computed in terms:
            if is_computed:
                for k, c in forms[term].inputs.items():
                    coefficients[k] = coefficients.get(k, 0) + sign * c
                totals |= forms[term].totals
            else:
                coefficients[term] = coefficients.get(term, 0) + sign
        forms[key] = LinearForm({k: c for k, c in coefficients.items() if c}, frozenset(totals))
    return forms


def side_value(
    terms: tuple[Term, ...],
    values: Mapping[CellKey, Decimal | None],
    previous: Mapping[CellKey, Decimal | None] | None,
) -> Decimal | None:
    """Return the signed sum of terms, or None when a previous-year cell is unavailable."""
    total = ZERO
    for t in terms:
        source = previous if t.previous else values
        if source is None or (t.previous and t.key not in source):
            return None
        v = source.get(t.key)
        total += t.sign * (v if isinstance(v, Decimal) else ZERO)
    return total
