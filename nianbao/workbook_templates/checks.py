"""The lines of the 校验 sheet: every in-workbook check as a live formula with its correct value.

Each line has a number (a difference, a count or an excess) and a mark computed from it: ✓ when the
number is 0, ✗ for a failed error rule, ！ for a warning or hint. The same rule instances drive the
validator, so a clerk without the program sees the same verdicts the program gives.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from .compute import ZERO, RuleInstance, input_keys, recompute, rule_instances
from .formulas import input_rects, range_ref, sum_formula, terms_expr
from .layout import info_ref
from .spec import CellKey, FormatSpec, RuleKind, Severity

PASS_MARK = "✓"
FAIL_MARK = "✗"
WARN_MARK = "！"
ERROR_TEXT = "?"


@dataclass(frozen=True)
class CheckLine:
    rule_id: str
    severity: Severity
    text: str
    action: str
    number_formula: str
    number: Decimal | str
    instance: RuleInstance | None = None
    table: str = ""

    @property
    def mark(self) -> str:
        if self.number == 0:
            return PASS_MARK
        return FAIL_MARK if self.severity == Severity.ERROR else WARN_MARK


def format_number(value: Decimal | int | float) -> str:
    """Return a number as people write it: "12", "0.38", "-3" (never in exponent form)."""
    d = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if d == 0:
        return "0"
    return format(d.normalize(), "f")


class _Args(dict):
    """Template arguments; a missing one prints as empty text instead of failing."""

    def __missing__(self, key: str) -> str:
        return ""


def render(template: str, args: Mapping[str, object]) -> str:
    """Return a rule's message template filled in; numbers are written as people write them."""

    def text(value) -> str:
        if isinstance(value, Decimal):
            return format_number(value)
        return "" if value is None else str(value)

    return string.Formatter().vformat(template, (), _Args({k: text(v) for k, v in args.items()}))


def decimal_places(value: Decimal) -> int:
    """Return how many decimals a number has (0.38 → 2, 12 → 0), for any magnitude."""
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def instance_args(spec: FormatSpec, inst: RuleInstance) -> dict[str, str]:
    """Return the row/column/table names a rule instance's templates refer to."""
    table = spec.table(inst.anchor.table)
    args = {"table": table.name, "table_title": table.title}
    if inst.col:
        args["column"] = table.column(inst.anchor.row, inst.col).name
    else:
        args["column"] = table.column(inst.anchor.row, inst.anchor.col).name
    args["row"] = table.row(inst.row or inst.anchor.row).name
    args["unit_kind"] = "、".join(inst.rule.kinds)
    return args


def _input_ranges(spec: FormatSpec, table_code: str, types: tuple[str, ...]) -> list[str]:
    sheet = spec.table(table_code).sheet
    return [range_ref(r, sheet) for r in input_rects(spec, table_code, types)]


def _kind_test(spec: FormatSpec, kinds: tuple[str, ...]) -> str:
    ref = info_ref(spec, "kind")
    return "OR(" + ",".join(f'{ref}="{k}"' for k in kinds) + ")"


def _type_formula(spec: FormatSpec, table_code: str) -> str | None:
    texts, problems = [], []
    for types, check in (
        (("count",), "INT"),
        (("amount_wan",), "ROUND4"),
        (("signed",), "INT_SIGNED"),
    ):
        for rng in _input_ranges(spec, table_code, types):
            texts.append(f"SUMPRODUCT(--ISTEXT({rng}))")
            if check != "INT_SIGNED":
                problems.append(f'COUNTIF({rng},"<0")')
            if check == "ROUND4":
                problems.append(f"SUMPRODUCT(--(ROUND({rng},4)<>{rng}))")
            else:
                problems.append(f"SUMPRODUCT(--({rng}<>INT({rng})))")
    if not texts:
        return None
    text_sum, problem_sum = "+".join(texts), "+".join(problems)
    return f"IF({text_sum}>0,{text_sum},{problem_sum})"


def _blank_formula(spec: FormatSpec, table_code: str) -> str:
    ranges = _input_ranges(spec, table_code, ("count", "amount_wan", "signed", "text"))
    return "+".join(f"COUNTBLANK({r})" for r in ranges)


def _type_count(spec: FormatSpec, table_code: str, values: Mapping[CellKey, object]) -> int:
    bad = 0
    for key in input_keys(spec):
        if key.table != table_code:
            continue
        v, vtype = values.get(key), spec.value_type(key)
        if not isinstance(v, Decimal) or vtype == "text":
            continue
        if vtype != "signed" and v < 0:
            bad += 1
        if vtype == "amount_wan":
            bad += decimal_places(v) > 4
        elif v != v.to_integral_value():
            bad += 1
    return bad


def _instance_line(
    spec: FormatSpec, inst: RuleInstance, all_values: Mapping[CellKey, Decimal], kind: str
) -> CheckLine:
    rule = inst.rule

    def total(terms) -> Decimal:
        return sum((t.sign * all_values.get(t.key, ZERO) for t in terms), ZERO)

    def summed(terms) -> str:
        return sum_formula(spec, (t.key for t in terms), with_sheet=True)

    if rule.kind == "sum":
        formula = f"{terms_expr(spec, inst.left)}-{summed(inst.right)}"
        number = total(inst.left) - total(inst.right)
    elif rule.kind == "equation":
        formula = f"({terms_expr(spec, inst.left)})-({terms_expr(spec, inst.right)})"
        number = total(inst.left) - total(inst.right)
    elif rule.kind == "limit":
        cell = terms_expr(spec, inst.left)
        limit = format_number(Decimal(str(rule.max)))
        formula = f"MAX(0,{cell}-{limit})"
        if rule.kinds:  # none: a limit for every unit
            formula = f"IF({_kind_test(spec, rule.kinds)},{formula},0)"
        excess = max(ZERO, total(inst.left) - Decimal(str(rule.max)))
        number = excess if not rule.kinds or kind in rule.kinds else ZERO
    else:  # requires
        formula = f"IF(AND({summed(inst.left)}>0,{summed(inst.right)}=0),1,0)"
        number = Decimal(int(total(inst.left) > 0 and total(inst.right) == 0))
    args = instance_args(spec, inst)
    if rule.kind == "sum":
        args["formula"] = sum_formula(spec, (t.key for t in inst.right))
    return CheckLine(
        rule.id,
        rule.severity,
        render(rule.check, args),
        render(rule.action, args),
        f'IFERROR({formula},"{ERROR_TEXT}")',
        number,
        inst,
        inst.anchor.table,
    )


def check_lines(
    spec: FormatSpec, values: Mapping[CellKey, Decimal | str | None], kind: str = ""
) -> list[CheckLine]:
    """Return every line of the 校验 sheet with its formulas and its value for ``values``."""
    numbers = {k: v for k, v in values.items() if isinstance(v, Decimal)}
    all_values = {**numbers, **recompute(spec, numbers)}
    blank_rule = spec.rules_of_kind(RuleKind.BLANK)[0]
    type_rule = spec.rules_of_kind(RuleKind.NOT_NUMBER)[0]
    lines: list[CheckLine] = []
    instances = [i for i in rule_instances(spec) if not i.uses_previous]
    for table in spec.tables:
        blanks = sum(
            1
            for k in input_keys(spec)
            if k.table == table.code and (values.get(k) is None or values.get(k) == "")
        )
        lines.append(
            CheckLine(
                blank_rule.id,
                blank_rule.severity,
                blank_rule.check.format(table=table.name),
                blank_rule.action,
                _blank_formula(spec, table.code),
                Decimal(blanks),
                table=table.code,
            )
        )
        type_formula = _type_formula(spec, table.code)
        if type_formula:
            lines.append(
                CheckLine(
                    type_rule.id,
                    type_rule.severity,
                    type_rule.check.format(table=table.name),
                    type_rule.action,
                    f'IFERROR({type_formula},"{ERROR_TEXT}")',
                    Decimal(_type_count(spec, table.code, values)),
                    table=table.code,
                )
            )
        for inst in instances:
            if inst.anchor.table == table.code:
                lines.append(_instance_line(spec, inst, all_values, kind))
    return lines
