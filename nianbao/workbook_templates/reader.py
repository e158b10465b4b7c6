"""Read a filled standard workbook back into values, keyed by the spec — and record what is odd.

The reader never trusts a cached formula result: computed cells are read as their content (formula
text, a typed-over constant, or nothing) and recomputed by the validator. It never reads the wrong
row either: if a table's labels are not where the spec puts them, the table's numbers are not read
and the change is recorded. Everything odd becomes an ``Observation`` that the validator turns into
a finding with the rule's wording; only unreadable files raise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from nianbao.errors import (
    ForeignWorkbookError,
    OwnOutputError,
    SpecError,
    UnsupportedFormatError,
)

from . import layout as L
from .compute import computed_cells, input_keys, number_keys
from .loader import available_formats, load_spec
from .spec import CellKey, FormatSpec, RuleKind
from .stamp import (
    OUTPUT_ROLES,
    PART_KEY,
    PROPERTY_PREFIX,
    UNKNOWN_KEY,
    Stamp,
    decode_unknown,
    output_role,
)
from .summary_layout import part_sum_formula, same_part_sum, unit_sheet_layout
from .values import normalize_label, parse_number_text
from .xlsx_reader import DEFAULT_MAX_ROWS, MAX_COLUMNS, RawCell, RawSheet, XlsxPackage, open_xlsx

MAX_EXTRA_REPORTED = 20
MAX_DATE = 2958465  # 9999-12-31 as a spreadsheet day number
SHIFT_SEARCH = 12  # rows searched up and down for a moved label


@dataclass(frozen=True)
class Observation:
    """A fact the reader noticed; ``kind`` names a built-in rule kind of the spec."""

    kind: RuleKind
    sheet: str = ""
    cell: str = ""
    key: CellKey | None = None
    row: str = ""
    column: str = ""
    expected: str | Decimal | None = None
    actual: str | Decimal | None = None
    detail: str = ""
    # A cell of an official table shown on another sheet (a summary's unit sheet): its table's
    # name, and the unit whose sheet it is.
    table: str = ""
    part: str = ""


@dataclass(frozen=True)
class CellRead:
    """An input cell: its parsed number (None if blank or not a number) and how it was found.

    status: "ok", "blank", "text_number" (a number typed as text), "not_number", or "formula"
    (an input cell holding a formula; ``value`` is then the cached result, flagged by the
    validator)."""

    key: CellKey
    status: str
    value: Decimal | None
    text: str = ""
    formula: str = ""


@dataclass(frozen=True)
class TotalRead:
    """A computed cell's content: its formula, a constant typed over it, or nothing."""

    key: CellKey
    formula: str | None
    constant: Decimal | None
    text: str = ""

    @property
    def blank(self) -> bool:
        return self.formula is None and self.constant is None and not self.text


@dataclass(frozen=True)
class PartRead:
    """One unit sheet of a summary workbook: its name, the unit it shows, its input cells."""

    sheet: str
    unit: str
    cells: dict[CellKey, CellRead]

    def values(self) -> dict[CellKey, Decimal | None]:
        return {k: c.value for k, c in self.cells.items()}


@dataclass
class FilledWorkbook:
    path: Path
    spec: FormatSpec
    stamp: Stamp
    info: dict[str, str]
    texts: dict[str, str]
    cells: dict[CellKey, CellRead]
    totals: dict[CellKey, TotalRead]
    unreadable_tables: set[str] = field(default_factory=set)
    observations: list[Observation] = field(default_factory=list)
    parts: tuple[PartRead, ...] = ()  # a summary's unit sheets, in workbook order
    # An imported workbook: input cells its published report did not show and that are still
    # blank. They are not 0: cross-year rules and the carry skip them. A table all of whose
    # inputs are unknown is also in ``unreadable_tables``.
    unknown: frozenset[CellKey] = frozenset()

    @property
    def is_summary(self) -> bool:
        return self.stamp.is_summary

    @property
    def unit(self) -> str:
        return self.info.get("unit", "") or self.stamp.unit

    @property
    def kind(self) -> str:
        return self.info.get("kind", "") or self.stamp.kind

    @property
    def year(self) -> int:
        """Return the report year typed in 基本信息, or the stamped one if that is no year."""
        return parse_year(self.info.get("year", "")) or self.stamp.year

    def values(self) -> dict[CellKey, Decimal | None]:
        """Return the inputs as numbers (None for blank or unreadable cells)."""
        return {k: c.value for k, c in self.cells.items()}


def parse_year(text: str) -> int | None:
    """Return a four-digit year written as text or number ("2025", "2025.0"), else None."""
    try:
        number = Decimal(text.strip())
    except (ArithmeticError, ValueError):
        return None
    if number.is_finite() and number == number.to_integral_value() and 1900 <= number <= 9999:
        return int(number)
    return None


def _text_of(cell: RawCell | None) -> str:
    if cell is None or cell.value is None:
        return ""
    if isinstance(cell.value, Decimal):
        return format(cell.value.normalize(), "f")
    return str(cell.value)


def _read_input(key: CellKey, cell: RawCell | None, value_type: str) -> CellRead:
    if cell is None or (cell.value is None and not cell.formula):
        return CellRead(key, "blank", None)
    if value_type == "text":
        text = _text_of(cell).strip()
        return CellRead(key, "ok" if text else "blank", None, text)
    if cell.formula:
        value = cell.value if isinstance(cell.value, Decimal) else None
        return CellRead(key, "formula", value, _text_of(cell), cell.formula)
    if cell.kind == "n" and isinstance(cell.value, Decimal):
        return CellRead(key, "ok", cell.value)
    if cell.kind == "s" and isinstance(cell.value, str):
        if cell.value == "":
            return CellRead(key, "blank", None)
        number = parse_number_text(cell.value)
        if number is not None:
            return CellRead(key, "text_number", number, cell.value)
    return CellRead(key, "not_number", None, _text_of(cell))


def _read_total(key: CellKey, cell: RawCell | None) -> TotalRead:
    if cell is None:
        return TotalRead(key, None, None)
    if cell.formula:
        return TotalRead(key, cell.formula, None)
    if isinstance(cell.value, Decimal):
        return TotalRead(key, None, cell.value)
    text = _text_of(cell).strip()
    return TotalRead(key, None, parse_number_text(text) if text else None, text)


def find_stamp(pkg: XlsxPackage, spec_hint: FormatSpec | None = None) -> Stamp | None:
    """Return the stamp from the custom properties or, failing that, the hidden stamp sheet."""
    props = {
        k[len(PROPERTY_PREFIX) :]: v
        for k, v in pkg.custom_properties.items()
        if k.startswith(PROPERTY_PREFIX)
    }
    stamp = Stamp.from_pairs(props) if props else None
    if stamp is not None:
        return stamp
    names = {s.sheets.stamp for s in available_formats().values()}
    for entry in pkg.sheets:
        if entry.name in names:
            raw = pkg.sheet(entry.name, max_rows=50)
            if raw is not None:
                pairs = {raw.text(r, 0): raw.text(r, 1) for r in range(raw.max_row + 1)}
                stamp = Stamp.from_pairs(pairs)
                if stamp is not None:
                    return stamp
    return None


def _foreign(pkg: XlsxPackage) -> ForeignWorkbookError:
    role = output_role(pkg.custom_properties)
    if role:
        return OwnOutputError(
            f"文件 {pkg.path.name} 是年报助手生成的{OUTPUT_ROLES[role]}，不是填报表。",
            "请选择单位填写的填报表。",
        )
    table_sheets = {t.sheet for s in available_formats().values() for t in s.tables}
    if any(e.name in table_sheets for e in pkg.sheets):
        return ForeignWorkbookError(
            f"文件 {pkg.path.name} 像是自制的年报表格，但不是年报助手的填报表（没有模板标记）。",
            "请用“nianbao template”生成标准填报表，把数字填到对应位置后再校验。",
        )
    return ForeignWorkbookError(
        f"文件 {pkg.path.name} 不是年报助手的填报表。",
        "请选择用“nianbao template”生成并填写好的 .xlsx 文件。",
    )


class _SheetReader:
    """Reads one workbook against its spec, collecting observations."""

    def __init__(self, pkg: XlsxPackage, spec: FormatSpec, stamp: Stamp) -> None:
        self.pkg, self.spec, self.stamp = pkg, spec, stamp
        self.obs: list[Observation] = []

    def sheet(self, name: str, max_rows: int = DEFAULT_MAX_ROWS) -> RawSheet | None:
        raw = self.pkg.sheet(name, max_rows=max_rows)
        if raw is None:
            self.obs.append(Observation(RuleKind.SHEET_MISSING, sheet=name))
        elif raw.truncated:
            limit = f"一行超过 {MAX_COLUMNS} 个单元格" if raw.too_wide else f"超过 {max_rows} 行"
            self.obs.append(
                Observation(
                    RuleKind.OVERSIZED_SHEET, sheet=name, expected=str(max_rows), detail=limit
                )
            )
        return raw

    def read(self) -> FilledWorkbook:
        spec = self.spec
        known = {*spec.all_sheet_names, spec.sheets.reference}
        if self.stamp.is_annotated:  # a 批注副本 a unit corrected and sent back
            known.add(spec.annotation.sheet)
        parts: tuple[PartRead, ...] = ()
        part_sums: dict[CellKey, Decimal] | None = None
        if self.stamp.is_summary:
            s = spec.summary
            known |= {s.status_sheet, s.files_sheet, s.detail_sheet, s.chart_sheet}
            known |= {s.first_part, s.last_part}
            known.add(s.revisions_sheet)
            parts, part_sums = self._read_parts()
            known |= {p.sheet for p in parts}
        for entry in self.pkg.sheets:
            if entry.name not in known:
                self.obs.append(Observation(RuleKind.UNKNOWN_SHEET, sheet=entry.name))
        if self.stamp.fingerprint != spec.fingerprint:
            expected, actual = spec.template_version, self.stamp.template_version or "?"
            if expected == actual:  # same version, other structure: say which
                expected = f"{expected}，结构标识 {spec.fingerprint[:8]}"
                actual = f"{actual}，结构标识 {(self.stamp.fingerprint or '?')[:8]}"
            self.obs.append(Observation(RuleKind.FINGERPRINT, expected=expected, actual=actual))
        if self.pkg.has_external_links:
            self.obs.append(Observation(RuleKind.EXTERNAL_LINK))
        if self.pkg.has_macros:
            self.obs.append(Observation(RuleKind.MACROS))
        info = self._records(spec.sheets.info, [(f.code, f.label) for f in spec.info_fields])
        texts = self._records(spec.sheets.text, [(c.code, c.label) for c in spec.text_cells])
        cells: dict[CellKey, CellRead] = {}
        totals: dict[CellKey, TotalRead] = {}
        unreadable: set[str] = set()
        computed = computed_cells(spec)
        inputs = set(input_keys(spec))
        for table in spec.tables:
            raw = self.sheet(table.sheet)
            if raw is None or not self._table_structure_ok(raw, table):
                unreadable.add(table.code)
                continue
            lay = L.table_layout(table)
            for vc in lay.values:
                cell = raw.cells.get((vc.row, vc.col))
                if vc.key in computed:
                    totals[vc.key] = _read_total(vc.key, cell)
                elif vc.key in inputs:
                    vtype = spec.value_type(vc.key)
                    if part_sums is not None and vtype != "text":
                        cells[vc.key] = self._summary_input(vc.key, cell, part_sums[vc.key])
                    else:
                        cells[vc.key] = _read_input(vc.key, cell, vtype)
            self._extra_content(raw, table)
        unknown = self._unknown(cells)
        if unknown:  # only an imported workbook has any
            for table in spec.tables:
                own = [k for k in inputs if k.table == table.code]
                if own and all(k in unknown for k in own):
                    unreadable.add(table.code)
        return FilledWorkbook(
            path=self.pkg.path,
            spec=spec,
            stamp=self.stamp,
            info=info,
            texts=texts,
            cells=cells,
            totals=totals,
            unreadable_tables=unreadable,
            observations=self.obs,
            parts=parts,
            unknown=unknown,
        )

    def _unknown(self, cells: dict[CellKey, CellRead]) -> frozenset[CellKey]:
        """Return the input cells an imported workbook's stamp lists as unknown and that are
        still blank (a number typed in since is known)."""
        if not self.stamp.is_imported:
            return frozenset()
        raw = self.pkg.sheet(self.spec.sheets.stamp, max_rows=2000)
        if raw is None:
            return frozenset()
        tokens = [raw.text(r, 1) for r in range(raw.max_row + 1) if raw.text(r, 0) == UNKNOWN_KEY]
        return frozenset(
            k
            for k in decode_unknown(self.spec, tokens)
            if k in cells and cells[k].status == "blank"
        )

    # -- summary workbooks (汇总表) ------------------------------------------------------------

    def _part_names(self) -> list[str]:
        """Return the unit sheet names the summary was written with (from the stamp sheet)."""
        raw = self.pkg.sheet(self.spec.sheets.stamp, max_rows=60 + self.stamp.parts)
        if raw is None:
            return []
        return [
            raw.text(r, 1)
            for r in range(raw.max_row + 1)
            if raw.text(r, 0) == PART_KEY and raw.text(r, 1)
        ]

    def _read_parts(self) -> tuple[tuple[PartRead, ...], dict[CellKey, Decimal] | None]:
        """Return the unit sheets between the bookends and, per input cell, their sum.

        The sum follows the spreadsheet's SUM: numbers count, text and blanks do not. When the
        bookends are gone the sums cannot be known and None is returned (reported as R-PARTS).
        """
        spec, s = self.spec, self.spec.summary
        order = [e.name for e in self.pkg.sheets]
        expected = self._part_names()
        if s.first_part not in order or s.last_part not in order:
            missing = "、".join(f"「{n}」" for n in (s.first_part, s.last_part) if n not in order)
            self.obs.append(Observation(RuleKind.SUMMARY_PARTS, detail=f"缺少工作表{missing}"))
            return (), None
        first, last = order.index(s.first_part), order.index(s.last_part)
        found = order[first + 1 : last] if first < last else []
        if found != expected:
            self.obs.append(
                Observation(RuleKind.SUMMARY_PARTS, detail=_parts_difference(expected, found))
            )
        lay = unit_sheet_layout(spec)
        inputs = number_keys(spec)
        sums = dict.fromkeys(inputs, Decimal(0))
        parts = []
        for name in found:
            raw = self.sheet(name, max_rows=lay.last_row + 50)
            if raw is None:
                continue
            unit = raw.text(0, 0).strip() or name
            cells = {}
            for key in inputs:
                vc = lay.cell(key)
                read = _read_input(key, raw.cells.get((vc.row, vc.col)), spec.value_type(key))
                cells[key] = read
                if read.status in ("ok", "formula") and read.value is not None:
                    sums[key] += read.value
                elif read.status in ("text_number", "not_number"):
                    table = spec.table(key.table)
                    self.obs.append(
                        Observation(
                            RuleKind.SUMMARY_PART_VALUE,
                            sheet=name,
                            cell=L.a1(vc.row, vc.col),
                            row=table.row(key.row).name,
                            column=table.column(key.row, key.col).name,
                            actual=read.text,
                            table=table.name,
                            part=unit,
                        )
                    )
            parts.append(PartRead(name, unit, cells))
        return tuple(parts), sums

    def _summary_input(self, key: CellKey, cell: RawCell | None, total: Decimal) -> CellRead:
        """Return a summary input cell, recomputed from the unit sheets when its formula is
        intact; record a changed or overwritten cell against the sum it should show."""
        if cell is not None and cell.formula and same_part_sum(self.spec, key, cell.formula):
            return CellRead(key, "ok", total)
        read = _read_input(key, cell, self.spec.value_type(key))
        shown = read.value if read.value is not None else Decimal(0)
        other_formula = read.status == "formula"
        if other_formula:  # some other formula: its cached result is all we have
            read = CellRead(key, "ok", read.value, read.text)
        actual: Decimal | str
        if shown != total:
            kind, actual = RuleKind.SUMMARY_MISMATCH, shown
        elif read.status in ("ok", "text_number"):
            kind = RuleKind.SUMMARY_LINK
            actual = f"={cell.formula}" if other_formula and cell is not None else shown
        else:
            return read  # blank where every unit has 0: reported as blank
        formula = "=" + part_sum_formula(self.spec, key)
        self.obs.append(Observation(kind, key=key, expected=total, actual=actual, detail=formula))
        return read

    def _records(self, sheet_name: str, fields: list[tuple[str, str]]) -> dict[str, str]:
        raw = self.sheet(sheet_name, max_rows=L.RECORD_FIRST_ROW + len(fields) + 200)
        if raw is None:
            return {}
        values: dict[str, str] = {}
        for i, (code, label) in enumerate(fields):
            r = L.RECORD_FIRST_ROW + i
            found = raw.text(r, L.RECORD_LABEL_COL)
            if normalize_label(found) != normalize_label(label):
                self.obs.append(
                    Observation(
                        RuleKind.LABEL_CHANGED,
                        sheet=sheet_name,
                        cell=L.a1(r, L.RECORD_LABEL_COL),
                        expected=label,
                        actual=found,
                        detail="，该表的内容没有读取" if not values else "",
                    )
                )
                return values
            cell = raw.cells.get((r, L.RECORD_VALUE_COL))
            values[code] = self._record_text(cell)
        return values

    def _record_text(self, cell: RawCell | None) -> str:
        if cell is None or cell.value is None:
            return ""
        if cell.kind == "n" and isinstance(cell.value, Decimal) and 20000 < cell.value <= MAX_DATE:
            # A date typed into the 填报日期 cell is stored as a day number.
            try:
                day = dt.date(1899, 12, 30) + dt.timedelta(days=int(cell.value))
                return day.isoformat()
            except (OverflowError, ValueError):
                pass
        return _text_of(cell).strip()

    def _table_structure_ok(self, raw: RawSheet, table) -> bool:
        lay = L.table_layout(table)
        wrong = sorted(
            (
                c
                for c in lay.labels
                if normalize_label(raw.text(c.row, c.col)) != normalize_label(c.text)
            ),
            key=lambda c: (c.row, c.col),
        )
        if not wrong:
            return True
        first = wrong[0]
        detail = self._shift_detail(raw, first, lay.labels)
        if len(wrong) > 1:
            detail += f"（共 {len(wrong)} 处不符）"
        self.obs.append(
            Observation(
                RuleKind.LABEL_CHANGED,
                sheet=table.sheet,
                cell=L.a1(first.row, first.col),
                expected=first.text,
                actual=raw.text(first.row, first.col),
                detail=detail,
            )
        )
        # A retitled sheet still has its numbers in place; anything else may have moved.
        return all(c.role == "title" for c in wrong)

    def _shift_detail(self, raw: RawSheet, label, labels) -> str:
        """Say how rows moved: where the expected label went, or whose label stands here."""
        want = normalize_label(label.text)
        for delta in range(1, SHIFT_SEARCH + 1):
            for d in (delta, -delta):
                r = label.row + d
                if r >= 0 and normalize_label(raw.text(r, label.col)) == want:
                    moved = "插入" if d > 0 else "删除"
                    return f"；「{label.text}」出现在第 {r + 1} 行，上方疑似{moved}了 {abs(d)} 行"
        found = normalize_label(raw.text(label.row, label.col))
        for other in labels:
            if other.col == label.col and found and normalize_label(other.text) == found:
                d = other.row - label.row
                if d:
                    moved = "删除" if d > 0 else "插入"
                    return (
                        f"；第 {label.row + 1} 行是原第 {other.row + 1} 行的内容，"
                        f"疑似{moved}了 {abs(d)} 行"
                    )
        return ""

    def _extra_content(self, raw: RawSheet, table) -> None:
        lay = L.table_layout(table)
        occupied: set[tuple[int, int]] = set()
        for label in lay.labels:
            for r in range(label.row, label.last_row + 1):
                for col in range(label.col, label.last_col + 1):
                    occupied.add((r, col))
        for vc in lay.values:
            for col in range(vc.col, vc.col + vc.span):
                occupied.add((vc.row, col))
        occupied.update((L.UNIT_ROW, c) for c in range(lay.width))
        reported = 0
        for (r, c), cell in sorted(raw.cells.items()):
            if (r, c) in occupied or (cell.value in (None, "") and not cell.formula):
                continue
            if isinstance(cell.value, str) and not cell.value.strip():
                continue
            reported += 1
            if reported > MAX_EXTRA_REPORTED:
                break
            self.obs.append(
                Observation(
                    RuleKind.EXTRA_CONTENT,
                    sheet=table.sheet,
                    cell=L.a1(r, c),
                    actual=_text_of(cell)[:40],
                )
            )


def _parts_difference(expected: list[str], found: list[str]) -> str:
    """Return "多了「X」；少了「Y」；顺序变了" for two lists of unit sheet names."""
    extra = [n for n in found if n not in expected]
    gone = [n for n in expected if n not in found]
    parts = []
    if extra:
        parts.append("多了" + "、".join(f"「{n}」" for n in extra[:5]))
    if gone:
        parts.append("少了" + "、".join(f"「{n}」" for n in gone[:5]))
    if not parts:
        parts.append("单位表的顺序变了")
    return "；".join(parts)


def read_workbook(path: str | Path) -> FilledWorkbook:
    """Return the values of a filled standard workbook, or raise a WorkbookError saying why not."""
    with open_xlsx(path) as pkg:
        stamp = find_stamp(pkg)
        if stamp is None:
            raise _foreign(pkg)
        try:
            spec = load_spec(stamp.format_version)
        except SpecError:
            raise UnsupportedFormatError(
                f"文件 {pkg.path.name} 使用 {stamp.format_version} 版格式，本版年报助手不认识。",
                f"请升级年报助手；本版支持：{'、'.join(sorted(available_formats()))} 版格式。",
            ) from None
        return _SheetReader(pkg, spec, stamp).read()
