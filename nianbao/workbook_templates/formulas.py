"""Excel formula text for the template, and the small parser that reads such formulas back.

Formulas are written without the leading "=" (xlsxwriter adds it) and compared in a normal form,
so that "=sum($D$8:$D$28)" saved by WPS and "SUM(D8:D28)" saved by LibreOffice are the same.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal

from .compute import Term, input_keys
from .layout import a1, parse_a1, quote_sheet, table_layout
from .spec import CellKey, FormatSpec

# Where a sheet shows a cell, (row, col) 0-based: a table's own sheet, or a summary's unit sheet.
Locate = Callable[[CellKey], tuple[int, int]]


def cell_ranges(positions: Iterable[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Return rectangles (row, col, last_row, last_col) covering the given 0-based cells.

    Runs of neighbouring cells in a row are joined, then equal runs in consecutive rows.
    """
    by_row: dict[int, list[int]] = {}
    for r, c in sorted(set(positions)):
        by_row.setdefault(r, []).append(c)
    runs: list[tuple[int, int, int]] = []  # (row, first_col, last_col)
    for r, cols in sorted(by_row.items()):
        start = prev = cols[0]
        for c in cols[1:]:
            if c != prev + 1:
                runs.append((r, start, prev))
                start = c
            prev = c
        runs.append((r, start, prev))
    rects: list[list[int]] = []
    for r, c1, c2 in runs:
        for rect in rects:
            if rect[2] == r - 1 and rect[1] == c1 and rect[3] == c2:
                rect[2] = r
                break
        else:
            rects.append([r, c1, r, c2])
    return [(r1, c1, r2, c2) for r1, c1, r2, c2 in rects]


def input_rects(
    spec: FormatSpec, table_code: str, types: tuple[str, ...], locate: Locate | None = None
) -> list[tuple[int, int, int, int]]:
    """Return the rectangles covering a table's input cells of the given value types (on the
    table's sheet, or where ``locate`` puts them)."""
    where = locate or (lambda key: _position(spec, key))
    keys = (k for k in input_keys(spec) if k.table == table_code and spec.value_type(k) in types)
    return cell_ranges(where(k) for k in keys)


def range_ref(rect: tuple[int, int, int, int], sheet: str | None = None) -> str:
    r1, c1, r2, c2 = rect
    ref = a1(r1, c1) if (r1, c1) == (r2, c2) else f"{a1(r1, c1)}:{a1(r2, c2)}"
    return f"{quote_sheet(sheet)}!{ref}" if sheet else ref


def _position(spec: FormatSpec, key: CellKey) -> tuple[int, int]:
    cell = table_layout(spec.table(key.table)).cell(key)
    return cell.row, cell.col


def sum_formula(spec: FormatSpec, keys: Iterable[CellKey], *, with_sheet: bool = False) -> str:
    """Return "SUM(D8:D28)" (or "SUM('表三'!D8:D28)"), joining neighbouring cells into ranges."""
    by_table: dict[str, list[CellKey]] = {}
    for k in keys:
        by_table.setdefault(k.table, []).append(k)
    refs: list[str] = []
    for table_code, table_keys in by_table.items():
        sheet = spec.table(table_code).sheet if with_sheet else None
        rects = cell_ranges(_position(spec, k) for k in table_keys)
        refs.extend(range_ref(r, sheet) for r in rects)
    return "SUM(" + ",".join(refs) + ")"


def key_ref(
    spec: FormatSpec,
    key: CellKey,
    *,
    absolute: bool = False,
    sheet: bool = True,
    locate: Locate | None = None,
) -> str:
    row, col = locate(key) if locate else _position(spec, key)
    ref = a1(row, col)
    if absolute:
        ref = re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", ref)
    return f"{quote_sheet(spec.table(key.table).sheet)}!{ref}" if sheet else ref


def terms_expr(
    spec: FormatSpec,
    terms: Iterable[Term],
    *,
    sheet: bool = True,
    absolute: bool = False,
    locate: Locate | None = None,
) -> str:
    """Return "'表三'!D6+'表三'!D7" for this year's terms of an expression."""
    out = ""
    for t in terms:
        ref = key_ref(spec, t.key, sheet=sheet, absolute=absolute, locate=locate)
        out += ("-" if t.sign < 0 else ("+" if out else "")) + ref
    return out or "0"


def normalize_formula(text: str) -> str:
    """Return a formula in comparable form: no "=", "$", spaces, _xlfn. prefixes; upper case."""
    text = text.strip().lstrip("=")
    text = text.replace("_xlfn.", "").replace("$", "")
    return re.sub(r"\s+", "", text).upper()


_REF = r"(?:'(?:[^']|'')+'!|[^\s'!(),+:]+!)?[A-Z]{1,3}\d+(?::[A-Z]{1,3}\d+)?"
_SUM_ARGS = re.compile(rf"^{_REF}(?:,{_REF})*$")


def formula_cells(text: str, sheet: str) -> Counter | None:
    """Return the cells a formula of sums and "+" adds up, with multiplicity, or None.

    Only formulas made of SUM(...) and "+" over references to ``sheet`` are understood; anything
    else (another function, a constant, a reference to another sheet) returns None.
    """
    body = normalize_formula(text)
    cells: Counter = Counter()
    own = quote_sheet(sheet).upper()
    for part in _split_plus(body):
        if part.startswith("SUM(") and part.endswith(")"):
            args = part[4:-1]
            if not _SUM_ARGS.match(args):
                return None
            refs = _split_top(args, ",")
        else:
            refs = [part]
        for ref in refs:
            if "!" in ref:
                prefix, ref = ref.rsplit("!", 1)
                if prefix not in (own, sheet.upper()):
                    return None
            try:
                if ":" in ref:
                    (r1, c1), (r2, c2) = (parse_a1(x) for x in ref.split(":"))
                    for r in range(min(r1, r2), max(r1, r2) + 1):
                        for c in range(min(c1, c2), max(c1, c2) + 1):
                            cells[(r, c)] += 1
                else:
                    cells[parse_a1(ref)] += 1
            except ValueError:
                return None
    return cells


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses and quotes."""
    parts, depth, quoted, cur = [], 0, False, ""
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if ch == sep and depth == 0 and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def _split_plus(text: str) -> list[str]:
    return [p for p in _split_top(text, "+") if p] if text else [""]


_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?|\.\d+)|(?P<sum>SUM\()|(?P<ref>(?:'(?:[^']|'')+'!|[^\s'!(),+\-*/:]+!)?"
    r"[A-Z]{1,3}\d+(?::[A-Z]{1,3}\d+)?)|(?P<op>[-+*/(),]))"
)


MAX_FORMULA = 8192  # Excel's limit on formula length
MAX_MAGNITUDE = Decimal("1E+15")  # beyond a spreadsheet's exact digits


def evaluate_formula(text: str, sheet: str, lookup) -> Decimal | None:
    """Return the value of a simple formula (numbers, + - * /, parentheses, references to
    ``sheet`` and SUM of them), or None when it uses anything else.

    ``lookup((row, col))`` returns the Decimal in a referenced cell (None: not available).
    """
    body = normalize_formula(text)
    if len(body) > MAX_FORMULA:
        return None
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(body):
        m = _TOKEN.match(body, pos)
        if not m or m.end() == pos:
            return None
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    own = {quote_sheet(sheet).upper(), sheet.upper()}

    def ref_cells(ref: str) -> list[tuple[int, int]] | None:
        if "!" in ref:
            prefix, ref = ref.rsplit("!", 1)
            if prefix not in own:
                return None
        if ":" in ref:
            (r1, c1), (r2, c2) = (parse_a1(x) for x in ref.split(":"))
            return [
                (r, c)
                for r in range(min(r1, r2), max(r1, r2) + 1)
                for c in range(min(c1, c2), max(c1, c2) + 1)
            ]
        return [parse_a1(ref)]

    i = 0

    class _Fail(Exception):
        pass

    def peek() -> tuple[str, str] | None:
        return tokens[i] if i < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal i
        if i >= len(tokens):
            raise _Fail
        i += 1
        return tokens[i - 1]

    def value_of(cells) -> Decimal:
        total = Decimal(0)
        for cell in cells:
            v = lookup(cell)
            if v is None:
                raise _Fail
            total += v
        return total

    def atom() -> Decimal:
        kind, text = take()
        if kind == "num":
            return Decimal(text)
        if kind == "op" and text in "+-":
            v = atom()
            return v if text == "+" else -v
        if kind == "op" and text == "(":
            v = expr()
            if take() != ("op", ")"):
                raise _Fail
            return v
        if kind == "ref":
            cells = ref_cells(text)
            if cells is None or len(cells) != 1:
                raise _Fail
            return value_of(cells)
        if kind == "sum":
            total = Decimal(0)
            while True:
                nk, nt = peek() or ("", "")
                if nk == "ref":
                    take()
                    cells = ref_cells(nt)
                    if cells is None:
                        raise _Fail
                    total += value_of(cells)
                else:
                    total += expr()
                sep = take()
                if sep == ("op", ")"):
                    return total
                if sep != ("op", ","):
                    raise _Fail
        raise _Fail

    def term() -> Decimal:
        v = atom()
        while peek() in (("op", "*"), ("op", "/")):
            _, op = take()
            rhs = atom()
            if op == "*":
                v *= rhs
            elif rhs == 0:
                raise _Fail
            else:
                v /= rhs
        return v

    def expr() -> Decimal:
        v = term()
        while peek() in (("op", "+"), ("op", "-")):
            _, op = take()
            rhs = term()
            v = v + rhs if op == "+" else v - rhs
        return v

    try:
        result = expr()
    except (_Fail, ValueError, ArithmeticError, RecursionError):
        return None
    if i != len(tokens) or not result.is_finite() or abs(result) >= MAX_MAGNITUDE:
        return None
    return result
