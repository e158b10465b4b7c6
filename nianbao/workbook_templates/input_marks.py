"""What guards a table's input cells wherever a sheet shows them: data validation (a whole or
decimal number ≥ 0, as the value type wants) and conditional formatting that turns a cell red
when it holds text, a negative or fractional count, or breaks a sum of its table.

The standard workbook's table sheets and a summary's unit sheets both call these, each with
where it puts a cell (``Locate``); the rules come from the spec alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import layout as L
from .compute import rule_instances
from .formulas import Locate, input_rects, terms_expr
from .spec import FormatSpec

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

VALIDATION_MESSAGES = {
    "count": ("integer", {"criteria": ">=", "value": 0}, "请填写 0 或正整数（没有发生的填 0）。"),
    "amount_wan": ("decimal", {"criteria": ">=", "value": 0}, "请填写以万元为单位的非负数。"),
    "signed": (
        "integer",
        {"criteria": "between", "minimum": -(10**9), "maximum": 10**9},
        "请填写整数，减少的填负数。",
    ),
    "text": ("length", {"criteria": "<=", "value": 255}, "内容过长。"),
}

# A value that is text, negative or fractional where a whole count belongs.
TYPE_TESTS = {
    "count": "OR(ISTEXT({c}),AND(ISNUMBER({c}),OR({c}<0,{c}<>INT({c}))))",
    "amount_wan": "OR(ISTEXT({c}),AND(ISNUMBER({c}),OR({c}<0,ROUND({c},4)<>{c})))",
    "signed": "OR(ISTEXT({c}),AND(ISNUMBER({c}),{c}<>INT({c})))",
}


def table_cell(spec: FormatSpec) -> Locate:
    """Return where a table's own sheet shows a cell."""

    def locate(key):
        cell = L.table_layout(spec.table(key.table)).cell(key)
        return cell.row, cell.col

    return locate


def validate_inputs(ws: Worksheet, spec: FormatSpec, table_code: str, locate: Locate) -> None:
    """Give a table's input cells the data validation of their value types."""
    for vtype, (validate, criteria, message) in VALIDATION_MESSAGES.items():
        for r1, c1, r2, c2 in input_rects(spec, table_code, (vtype,), locate):
            options = {
                "validate": validate,
                **criteria,
                "error_title": "输入有误",
                "error_message": message,
            }
            ws.data_validation(r1, c1, r2, c2, options)


def highlight_inputs(
    ws: Worksheet, spec: FormatSpec, table_code: str, locate: Locate, fail: Format
) -> None:
    """Turn a table's cells red (``fail``) where an input is not a proper number or a sum of
    the table (this year's, not one against last year) does not hold."""
    for vtype, test in TYPE_TESTS.items():
        for r1, c1, r2, c2 in input_rects(spec, table_code, (vtype,), locate):
            criteria = "=" + test.format(c=L.a1(r1, c1))
            ws.conditional_format(
                r1, c1, r2, c2, {"type": "formula", "criteria": criteria, "format": fail}
            )
    for inst in rule_instances(spec):
        if inst.anchor.table != table_code or inst.uses_previous:
            continue
        if inst.rule.kind not in ("sum", "equation"):
            continue
        left = terms_expr(spec, inst.left, sheet=False, absolute=True, locate=locate)
        right = terms_expr(spec, inst.right, sheet=False, absolute=True, locate=locate)
        cells = [locate(k) for k in inst.cells if k.table == table_code]
        (row, col), others = cells[0], " ".join(L.a1(r, c) for r, c in cells)
        options = {
            "type": "formula",
            "criteria": f"=({left})<>({right})",
            "format": fail,
            "multi_range": others,
        }
        ws.conditional_format(row, col, row, col, options)
