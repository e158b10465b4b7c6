"""The official report formats as typed, frozen data loaded from ``formats/format_*.toml``.

Nothing else in the program knows a label, a sheet name or a rule: it asks the spec. Loading checks
the file's integrity (unique codes, terms that name real cells, message templates that use known
arguments), so a typo in a format file fails at load time and in the tests, never in front of a
clerk.
"""

from __future__ import annotations

import hashlib
import json
import string
import tomllib
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import NamedTuple

from nianbao.errors import SpecError

FORMATS_DIR = Path(__file__).with_name("formats")

VALUE_TYPES = ("count", "amount_wan", "signed", "text")
INFO_TYPES = ("text", "kind", "year", "fixed", "date")
SEVERITIES = ("error", "warning", "info")

# Rule kinds the engine evaluates from cell values.
COMPUTED_KINDS = ("sum", "equation", "limit", "requires")
# Rule kinds whose facts the reader observes; their wording and severity are still data.
OBSERVED_KINDS = (
    "blank",
    "text_number",
    "not_number",
    "negative",
    "not_integer",
    "too_many_decimals",
    "input_formula",
    "formula_overwritten",
    "formula_changed",
    "formula_missing",
    "label_changed",
    "sheet_missing",
    "extra_content",
    "oversized_sheet",
    "unknown_sheet",
    "fingerprint",
    "external_link",
    "macros",
    "stamp_year",
    "stamp_unit",
    "stamp_kind",
    "format_year",
    "info_blank",
    "info_invalid",
    "imported_unknown",
    "text_blank",
    "previous_unit",
    "previous_year",
    "previous_missing_cell",
    "narrative_leftover",
    "narrative_number",
    "narrative_section",
    "narrative_section_table",
    "narrative_order",
    "narrative_numbering",
    "narrative_heading",
    "narrative_restart",
    "narrative_empty",
    "narrative_subtopic",
    "narrative_government",
    "narrative_year",
    "narrative_year_mention",
    "narrative_period",
    "narrative_copy",
    "summary_mismatch",
    "summary_link",
    "summary_parts",
    "summary_part_value",
)
# Rule kinds that word the notes of the carry-forward (``carry``): last year's workbook of the
# wrong year, a cell its format lacks, an unreadable table, a blank cell carried as 0.
CARRY_KINDS = ("carry_year", "carry_missing", "carry_unreadable", "carry_blank")
RULE_KINDS = COMPUTED_KINDS + OBSERVED_KINDS + CARRY_KINDS

# Named arguments a message, action or check template may use.
MESSAGE_ARGS = frozenset(
    {
        "table",
        "table_title",
        "sheet",
        "cell",
        "row",
        "column",
        "expected",
        "actual",
        "diff",
        "left",
        "right",
        "left_detail",
        "right_detail",
        "formula",
        "detail",
        "unit_kind",
        "year",
        "check",
        "excerpt",
        "place",
        "part",
        "claim",
        "scope",
        "missing",
        "topics",
        "kind",
        "ratio",
    }
)


class CellKey(NamedTuple):
    """Where a number lives in the format: table, row and column codes."""

    table: str
    row: str
    col: str

    def __str__(self) -> str:
        return f"{self.table}.{self.row}.{self.col}"


@dataclass(frozen=True)
class ColumnSpec:
    code: str
    path: tuple[str, ...]
    name: str
    span: int = 1
    type: str = "count"
    note: str = ""

    @property
    def label(self) -> str:
        return self.path[-1]


@dataclass(frozen=True)
class RowSpec:
    code: str
    path: tuple[str, ...]
    name: str
    short: str
    note: str = ""
    field: str = ""  # the row's part of a field name ({表三.本年新收.总计}); "" = from the label

    @property
    def label(self) -> str:
        return self.path[-1] if self.path else self.name


@dataclass(frozen=True)
class BlockSpec:
    caption: str
    corner: str
    header_rows: int
    columns: tuple[ColumnSpec, ...]
    rows: tuple[RowSpec, ...]


# Specs and layouts are loaded once and shared: they hash by identity (eq=False), which keeps the
# caches keyed on them cheap.
@dataclass(frozen=True, eq=False)
class TableSpec:
    code: str
    sheet: str
    name: str
    title: str
    label_widths: tuple[float, ...]
    value_width: float
    landscape: bool
    notes: tuple[str, ...]
    blocks: tuple[BlockSpec, ...]

    @property
    def label_count(self) -> int:
        return len(self.label_widths)

    @property
    def value_count(self) -> int:
        """Return the number of sheet columns the widest block's values take."""
        return max(sum(c.span for c in b.columns) for b in self.blocks)

    @property
    def rows(self) -> tuple[RowSpec, ...]:
        return tuple(r for b in self.blocks for r in b.rows)

    @cached_property
    def _index(self) -> dict[str, tuple[RowSpec, BlockSpec, dict[str, ColumnSpec]]]:
        return {r.code: (r, b, {c.code: c for c in b.columns}) for b in self.blocks for r in b.rows}

    def block_of(self, row_code: str) -> BlockSpec:
        return self._index[row_code][1]

    def row(self, row_code: str) -> RowSpec:
        return self._index[row_code][0]

    def column(self, row_code: str, col_code: str) -> ColumnSpec:
        return self._index[row_code][2][col_code]

    @cached_property
    def _value_keys(self) -> tuple[CellKey, ...]:
        return tuple(
            CellKey(self.code, r.code, c.code)
            for b in self.blocks
            for r in b.rows
            for c in b.columns
        )

    def value_keys(self) -> tuple[CellKey, ...]:
        """Return every value cell of the table in sheet order (row by row)."""
        return self._value_keys


@dataclass(frozen=True)
class InfoField:
    code: str
    label: str
    type: str
    required: bool
    note: str


@dataclass(frozen=True)
class TextCell:
    code: str
    section: str
    label: str
    required: bool
    note: str
    heading: bool = False  # the label is printed as a sub-heading (（一）主动公开) in the report


@dataclass(frozen=True)
class SectionSpec:
    code: str
    number: str
    title: str
    table: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True)
class RuleSpec:
    id: str
    kind: str
    severity: str
    message: str
    action: str
    check: str = ""
    table: str = ""
    each: str = ""
    rows: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    right: tuple[str, ...] = ()
    anchor: str = ""
    target: str = ""
    parts: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    max: float | None = None
    if_any: tuple[str, ...] = ()
    requires_any: tuple[str, ...] = ()
    hedged: str = ""  # the message in a lowered-confidence case (N-NUMBER: wording narrows scope)

    @property
    def uses_previous(self) -> bool:
        return any(t.lstrip("-").startswith("prev:") for t in self.left + self.right)


CLAIM_UNITS = ("count", "money", "percent")


@dataclass(frozen=True)
class ClaimReading:
    """One way to read a narrative number from the tables: a sum of fields (÷ ``per`` × 100)."""

    sum: tuple[str, ...]
    per: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClaimSpec:
    """A kind of statement in the narrative ("收到申请17件") and the table value it states.

    The first claim (in spec order) whose keyword stands before a number in the same clause, with
    its ``topic``, one of its ``near`` words and none of its ``not_near`` words there, owns the
    number; ``context``, ``exclude`` and the general lists of [narrative_numbers] then decide
    whether it is compared.
    """

    code: str
    what: str
    unit: str
    keywords: tuple[str, ...]
    readings: tuple[ClaimReading, ...]
    near: tuple[str, ...] = ()
    not_near: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    topic: str = ""


@dataclass(frozen=True)
class NarrativeNumberText:
    """The general word lists of the narrative-number check (see the format file's comments)."""

    count_units: tuple[str, ...] = ()
    money_units: tuple[tuple[str, int], ...] = ()  # unit and its value in 元
    enumerating: tuple[str, ...] = ()
    narrowing: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    topics: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class NarrativeStructureText:
    """What the structure checks of the narrative look for (see the format file's comments)."""

    subtopic_section: str = ""
    subtopics: tuple[tuple[str, tuple[str, ...]], ...] = ()  # name, words that show it
    government_topics: tuple[tuple[str, tuple[str, ...]], ...] = ()
    period_markers: tuple[str, ...] = ()
    copy_threshold: float = 0.9
    copy_min_chars: int = 80


@dataclass(frozen=True)
class CheckSheetText:
    title: str
    status_label: str
    status_pass: str
    status_fail: str
    heading: tuple[str, ...]


@dataclass(frozen=True)
class AnnotationText:
    sheet: str
    title: str
    heading: tuple[str, ...]
    none: str


@dataclass(frozen=True)
class ReportText:
    """Wording of the Word/HTML report and of the narrative template (正文模板)."""

    opening: str
    website: str
    date: str
    page_number: str
    draft_mark: str
    narrative_title: str
    narrative_intro: tuple[str, ...]
    guidance: str
    table_guidance: str
    field_example: str
    opening_markers: tuple[str, ...] = ()


# Arguments each report text may use.
REPORT_ARGS = {
    "opening": {"unit", "year", "name", "notice", "parts", "count"},
    "website": {"website", "unit"},
    "date": {"year", "month", "day"},
    "page_number": {"page"},
    "narrative_title": {"unit", "year"},
    "narrative_intro": {"example", "unit", "year"},
    "guidance": {"note"},
}


@dataclass(frozen=True)
class SummaryText:
    """Sheet names and wording of a summary workbook (汇总表) and of the returns (退回清单).

    ``statuses`` maps the rollup's status codes to their Chinese labels; ``charts`` are field
    names (as in the narrative, e.g. 表三.本年新收.总计) charted by unit or overall.
    """

    kind: str  # the 单位类型 of a summary
    status_sheet: str
    detail_sheet: str
    chart_sheet: str
    first_part: str
    last_part: str
    unit_suffix: str
    status_title: str
    status_summary: str
    status_policy_include: str
    status_policy_exclude: str
    status_heading: tuple[str, ...]
    files_title: str
    files_heading: tuple[str, ...]
    included: str
    not_included: str
    part_note: str
    last_note: str
    part_source: str
    detail_title: str
    detail_heading: tuple[str, ...]
    chart_title: str
    chart_by_unit: tuple[str, ...]
    chart_by_unit_title: str
    chart_outcomes: tuple[str, ...]
    chart_outcomes_title: str
    chart_appeals: tuple[str, ...]
    chart_appeals_title: str
    returns_title: str
    returns_heading: tuple[str, ...]
    statuses: dict[str, str]


STATUS_CODES = (
    "missing",
    "passed",
    "warnings",
    "errors",
    "empty",
    "duplicate",
    "copy",
    "wrong_year",
    "wrong_format",
    "unreadable",
    "not_on_roster",
    "foreign",
    "ignored",
    "not_workbook",
)


@dataclass(frozen=True)
class SheetNames:
    info: str
    text: str
    notes: str
    checks: str
    stamp: str
    # Last year's figures beside this year's (template --previous): read-only, never read back,
    # and not part of the structure (``all_sheet_names``, the fingerprint), so it may be absent.
    reference: str = ""


@dataclass(frozen=True)
class ReferenceText:
    """Wording of the reference sheet of last year's figures (``sheets.reference``)."""

    title: str = ""  # {year}: last year
    note: str = ""  # {file}: the workbook the figures come from
    unknown: str = ""  # shown in a cell last year's workbook does not know
    not_read: str = ""  # {table}: under a table last year's workbook does not have


@dataclass(frozen=True)
class ImportText:
    """What ``nianbao import`` needs beyond the official labels: spellings of labels seen in
    published tables (official label -> aliases), and the wording of the note a carry gives for
    a cell that an imported workbook does not know."""

    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    carry_unknown: str = ""  # {table} {row} {column}
    carry_unknown_action: str = ""
    all_columns: str = ""  # {column} when every column of the row is unknown


@dataclass(frozen=True, eq=False)
class FormatSpec:
    format_version: str
    name: str
    notice: str
    first_year: int
    last_year: int | None
    template_version: str
    title_pattern: str
    kinds: tuple[str, ...]
    government_kinds: tuple[str, ...]
    severity_labels: dict[str, str]
    sections: tuple[SectionSpec, ...]
    workbook_title: str
    unit_line: str
    unit_placeholder: str
    sheets: SheetNames
    info_heading: tuple[str, ...]
    info_fields: tuple[InfoField, ...]
    text_heading: tuple[str, ...]
    text_cells: tuple[TextCell, ...]
    notes_heading: tuple[str, ...]
    notes_general_label: str
    notes_general: tuple[str, ...]
    checks: CheckSheetText
    annotation: AnnotationText
    tables: tuple[TableSpec, ...]
    rules: tuple[RuleSpec, ...]
    report: ReportText
    summary: SummaryText
    source: str = ""
    narrative_numbers: NarrativeNumberText = NarrativeNumberText()
    claims: tuple[ClaimSpec, ...] = ()
    narrative_structure: NarrativeStructureText = NarrativeStructureText()
    reference: ReferenceText = ReferenceText()
    import_text: ImportText = ImportText()

    @cached_property
    def _tables(self) -> dict[str, TableSpec]:
        return {t.code: t for t in self.tables}

    def table(self, code: str) -> TableSpec:
        return self._tables[code]

    def table_by_sheet(self, sheet: str) -> TableSpec | None:
        return next((t for t in self.tables if t.sheet == sheet), None)

    def rule(self, rule_id: str) -> RuleSpec:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def rules_of_kind(self, kind: str) -> tuple[RuleSpec, ...]:
        return tuple(r for r in self.rules if r.kind == kind)

    def covers_year(self, year: int) -> bool:
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)

    @cached_property
    def _value_keys(self) -> tuple[CellKey, ...]:
        return tuple(k for t in self.tables for k in t.value_keys())

    def value_keys(self) -> tuple[CellKey, ...]:
        return self._value_keys

    def value_type(self, key: CellKey) -> str:
        return self.table(key.table).column(key.row, key.col).type

    def info_field(self, code: str) -> InfoField:
        return next(f for f in self.info_fields if f.code == code)

    @property
    def all_sheet_names(self) -> tuple[str, ...]:
        s = self.sheets
        return (s.info, *(t.sheet for t in self.tables), s.text, s.checks, s.notes, s.stamp)

    @property
    def fingerprint(self) -> str:
        return _fingerprint(self)

    @property
    def label(self) -> str:
        """Return e.g. "2021 版（国办公开办函〔2021〕30号）"."""
        return f"{self.format_version} 版（{self.notice}）"


def _tuple(values) -> tuple:
    return tuple(values or ())


def _column(raw: dict, default_type: str = "count") -> ColumnSpec:
    path = _tuple(raw["path"])
    return ColumnSpec(
        code=raw["code"],
        path=path,
        name=raw.get("name", path[-1]),
        span=int(raw.get("span", 1)),
        type=raw.get("type", default_type),
        note=raw.get("note", ""),
    )


def _row(raw: dict) -> RowSpec:
    path = _tuple(raw["path"])
    if "name" in raw:
        name = raw["name"]
    elif len(path) >= 3:
        # A numbered item alone would be ambiguous: name it with its group.
        name = " ".join(path[1:])
    else:
        name = path[-1]
    return RowSpec(
        code=raw["code"],
        path=path,
        name=name,
        short=raw.get("short", name),
        note=raw.get("note", ""),
        field=raw.get("field", ""),
    )


def _block(raw: dict) -> BlockSpec:
    return BlockSpec(
        caption=raw.get("caption", ""),
        corner=raw.get("corner", ""),
        header_rows=int(raw.get("header_rows", 1)),
        columns=tuple(_column(c) for c in raw["columns"]),
        rows=tuple(_row(r) for r in raw["rows"]),
    )


def _table(raw: dict) -> TableSpec:
    return TableSpec(
        code=raw["code"],
        sheet=raw["sheet"],
        name=raw.get("name", raw["sheet"]),
        title=raw["title"],
        label_widths=tuple(float(w) for w in raw.get("label_widths", ())),
        value_width=float(raw.get("value_width", 10)),
        landscape=bool(raw.get("landscape", False)),
        notes=_tuple(raw.get("notes")),
        blocks=tuple(_block(b) for b in raw["blocks"]),
    )


_RULE_TUPLES = ("rows", "left", "right", "parts", "cells", "kinds", "if_any", "requires_any")


def _rule(raw: dict) -> RuleSpec:
    kwargs = dict(raw)
    for name in _RULE_TUPLES:
        if name in kwargs:
            kwargs[name] = _tuple(kwargs[name])
    unknown = set(kwargs) - set(RuleSpec.__dataclass_fields__)
    if unknown:
        raise SpecError(f"规则 {raw.get('id')} 有未知字段：{sorted(unknown)}")
    return RuleSpec(**kwargs)


def _report_text(raw: dict) -> ReportText:
    kwargs = dict(raw)
    kwargs["narrative_intro"] = _tuple(kwargs.get("narrative_intro"))
    kwargs["opening_markers"] = _tuple(kwargs.get("opening_markers"))
    unknown = set(kwargs) - set(ReportText.__dataclass_fields__)
    if unknown:
        raise SpecError(f"[report] 有未知字段：{sorted(unknown)}")
    return ReportText(**kwargs)


def _summary_text(raw: dict) -> SummaryText:
    kwargs = {k: _tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    kwargs["statuses"] = dict(raw.get("statuses", {}))
    unknown = set(kwargs) - set(SummaryText.__dataclass_fields__)
    if unknown:
        raise SpecError(f"[summary] 有未知字段：{sorted(unknown)}")
    return SummaryText(**kwargs)


def _narrative_numbers(raw: dict) -> NarrativeNumberText:
    kwargs = {k: _tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    kwargs["money_units"] = tuple((u, int(v)) for u, v in raw.get("money_units", {}).items())
    kwargs["topics"] = tuple((t, _tuple(w)) for t, w in raw.get("topics", {}).items())
    unknown = set(kwargs) - set(NarrativeNumberText.__dataclass_fields__)
    if unknown:
        raise SpecError(f"[narrative_numbers] 有未知字段：{sorted(unknown)}")
    return NarrativeNumberText(**kwargs)


def _narrative_structure(raw: dict) -> NarrativeStructureText:
    kwargs = {k: _tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    for name in ("subtopics", "government_topics"):
        kwargs[name] = tuple((t, _tuple(w)) for t, w in raw.get(name, {}).items())
    unknown = set(kwargs) - set(NarrativeStructureText.__dataclass_fields__)
    if unknown:
        raise SpecError(f"[narrative_structure] 有未知字段：{sorted(unknown)}")
    return NarrativeStructureText(**kwargs)


def _known_fields(cls, raw: dict, where: str):
    """Return ``cls(**raw)`` for a table of plain texts, or raise SpecError naming unknown keys."""
    if unknown := set(raw) - set(cls.__dataclass_fields__):
        raise SpecError(f"{where} 有未知字段：{sorted(unknown)}")
    return cls(**raw)


def _import_text(raw: dict) -> ImportText:
    kwargs = dict(raw)
    kwargs["aliases"] = tuple((label, _tuple(a)) for label, a in raw.get("aliases", {}).items())
    return _known_fields(ImportText, kwargs, "[import]")


def _claim(raw: dict) -> ClaimSpec:
    kwargs = {k: _tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    kwargs["readings"] = tuple(
        ClaimReading(sum=_tuple(r.get("sum")), per=_tuple(r.get("per")))
        for r in raw.get("readings", ())
    )
    unknown = set(kwargs) - set(ClaimSpec.__dataclass_fields__)
    if unknown:
        raise SpecError(f"[[narrative_claims]] {raw.get('code')} 有未知字段：{sorted(unknown)}")
    return ClaimSpec(**kwargs)


def parse_spec(data: dict, source: str = "") -> FormatSpec:
    """Return the FormatSpec for a parsed format file, after checking its integrity."""
    try:
        wb = data["workbook"]
        spec = FormatSpec(
            format_version=str(data["format_version"]),
            name=data["name"],
            notice=data["notice"],
            first_year=int(data["first_year"]),
            last_year=int(data["last_year"]) if "last_year" in data else None,
            template_version=str(data["template_version"]),
            title_pattern=data["title_pattern"],
            kinds=_tuple(data["kinds"]["all"]),
            government_kinds=_tuple(data["kinds"]["government"]),
            severity_labels=dict(data["severity_labels"]),
            sections=tuple(
                SectionSpec(
                    code=s["code"],
                    number=s["number"],
                    title=s["title"],
                    table=s.get("table", ""),
                    synonyms=_tuple(s.get("synonyms")),
                )
                for s in data["sections"]
            ),
            workbook_title=wb["title"],
            unit_line=wb["unit_line"],
            unit_placeholder=wb["unit_placeholder"],
            sheets=SheetNames(**wb["sheets"]),
            info_heading=_tuple(data["info"]["heading"]),
            info_fields=tuple(
                InfoField(
                    code=f["code"],
                    label=f["label"],
                    type=f["type"],
                    required=bool(f.get("required", False)),
                    note=f.get("note", ""),
                )
                for f in data["info"]["fields"]
            ),
            text_heading=_tuple(data["text"]["heading"]),
            text_cells=tuple(
                TextCell(
                    code=c["code"],
                    section=c["section"],
                    label=c["label"],
                    required=bool(c.get("required", False)),
                    note=c.get("note", ""),
                    heading=bool(c.get("heading", False)),
                )
                for c in data["text"]["cells"]
            ),
            notes_heading=_tuple(data["notes"]["heading"]),
            notes_general_label=data["notes"]["general_label"],
            notes_general=_tuple(data["notes"]["general"]),
            checks=CheckSheetText(
                title=data["checks"]["title"],
                status_label=data["checks"]["status_label"],
                status_pass=data["checks"]["status_pass"],
                status_fail=data["checks"]["status_fail"],
                heading=_tuple(data["checks"]["heading"]),
            ),
            annotation=AnnotationText(
                sheet=data["annotation"]["sheet"],
                title=data["annotation"]["title"],
                heading=_tuple(data["annotation"]["heading"]),
                none=data["annotation"]["none"],
            ),
            tables=tuple(_table(t) for t in data["tables"]),
            rules=tuple(_rule(r) for r in data["rules"]),
            report=_report_text(data["report"]),
            summary=_summary_text(data["summary"]),
            source=source,
            narrative_numbers=_narrative_numbers(data.get("narrative_numbers", {})),
            claims=tuple(_claim(c) for c in data.get("narrative_claims", ())),
            narrative_structure=_narrative_structure(data.get("narrative_structure", {})),
            reference=_known_fields(ReferenceText, wb.get("reference", {}), "[workbook.reference]"),
            import_text=_import_text(data.get("import", {})),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(f"格式文件 {source} 缺少或写错了字段：{exc}") from exc
    _check_integrity(spec)
    return spec


def _duplicates(codes) -> list[str]:
    seen: set[str] = set()
    return sorted({c for c in codes if c in seen or seen.add(c)})


def _template_fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _check_integrity(spec: FormatSpec) -> None:
    problems: list[str] = []
    if dup := _duplicates(spec.all_sheet_names):
        problems.append(f"工作表名重复：{dup}")
    if dup := _duplicates(t.code for t in spec.tables):
        problems.append(f"表代码重复：{dup}")
    if dup := _duplicates(r.id for r in spec.rules):
        problems.append(f"规则编号重复：{dup}")
    for table in spec.tables:
        if dup := _duplicates(r.code for r in table.rows):
            problems.append(f"{table.code} 行代码重复：{dup}")
        width = table.value_count
        for block in table.blocks:
            if dup := _duplicates(c.code for c in block.columns):
                problems.append(f"{table.code} 列代码重复：{dup}")
            if sum(c.span for c in block.columns) != width:
                problems.append(f"{table.code} 各子表的列宽之和不一致")
            for col in block.columns:
                if col.type not in VALUE_TYPES:
                    problems.append(f"{table.code}.{col.code} 类型未知：{col.type}")
                if len(col.path) > block.header_rows:
                    problems.append(f"{table.code}.{col.code} 表头层数超过 header_rows")
            for row in block.rows:
                if len(row.path) > table.label_count:
                    problems.append(f"{table.code}.{row.code} 行标签层数超过标签列数")
    for f in spec.info_fields:
        if f.type not in INFO_TYPES:
            problems.append(f"基本信息 {f.code} 类型未知：{f.type}")
    for rule in spec.rules:
        problems.extend(_rule_problems(spec, rule))
    if not problems:  # field names are resolved through the rules: only once they are sound
        problems.extend(_claim_problems(spec))
    for name, allowed in REPORT_ARGS.items():
        value = getattr(spec.report, name)
        for text in value if isinstance(value, tuple) else (value,):
            if unknown := _template_fields(text) - allowed:
                problems.append(f"[report] {name} 用了未知参数：{sorted(unknown)}")
    if spec.summary.kind not in spec.kinds:
        problems.append(f"[summary] kind「{spec.summary.kind}」不在 [kinds] 中")
    if missing := sorted(set(STATUS_CODES) - set(spec.summary.statuses)):
        problems.append(f"[summary.statuses] 缺少：{missing}")
    summary_sheets = (
        spec.summary.status_sheet,
        spec.summary.detail_sheet,
        spec.summary.chart_sheet,
        spec.summary.first_part,
        spec.summary.last_part,
    )
    if clash := _duplicates((*spec.all_sheet_names, *summary_sheets)):
        problems.append(f"[summary] 工作表名与其他工作表重复：{clash}")
    if spec.sheets.reference in (*spec.all_sheet_names, *summary_sheets):
        problems.append(f"[workbook.sheets] reference 与其他工作表重名：{spec.sheets.reference}")
    if spec.sheets.reference and not spec.reference.title:
        problems.append("[workbook.reference] 缺少 title")
    if problems:
        raise SpecError(f"格式文件 {spec.source} 有误：" + "；".join(problems))


def _rule_problems(spec: FormatSpec, rule: RuleSpec) -> list[str]:
    problems = []
    where = f"规则 {rule.id}"
    if rule.kind not in RULE_KINDS:
        problems.append(f"{where} 的 kind 未知：{rule.kind}")
    if rule.severity not in SEVERITIES:
        problems.append(f"{where} 的 severity 未知：{rule.severity}")
    for text in (rule.message, rule.action, rule.check, rule.hedged):
        if unknown := _template_fields(text) - MESSAGE_ARGS:
            problems.append(f"{where} 的文字模板用了未知参数：{sorted(unknown)}")
    if rule.kind in COMPUTED_KINDS:
        try:
            from .compute import expand_rule  # local: compute depends on this module

            if not expand_rule(spec, rule):
                problems.append(f"{where} 没有展开出任何校验项")
        except (KeyError, ValueError) as exc:
            problems.append(f"{where} 引用了不存在的单元格：{exc}")
    for kind in rule.kinds:
        if kind not in spec.kinds:
            problems.append(f"{where} 的单位类型未知：{kind}")
    return problems


def _claim_problems(spec: FormatSpec) -> list[str]:
    """Return what is wrong with the narrative claims: codes, units, topics and field names."""
    from .fields import resolve  # local: fields depends on this module

    problems = []
    words = spec.narrative_numbers
    if dup := _duplicates(c.code for c in spec.claims):
        problems.append(f"[[narrative_claims]] code 重复：{dup}")
    if spec.claims and not (words.count_units and words.money_units):
        problems.append("[narrative_numbers] 缺少 count_units 或 money_units")
    topics = {t for t, _ in words.topics}
    for claim in spec.claims:
        where = f"[[narrative_claims]] {claim.code}"
        if claim.unit not in CLAIM_UNITS:
            problems.append(f"{where} 的 unit 未知：{claim.unit}")
        if not claim.keywords or not claim.what or not claim.readings:
            problems.append(f"{where} 缺少 keywords、what 或 readings")
        if claim.topic and claim.topic not in topics:
            problems.append(f"{where} 的 topic 未在 [narrative_numbers.topics] 中：{claim.topic}")
        for reading in claim.readings:
            if not reading.sum or bool(reading.per) != (claim.unit == "percent"):
                problems.append(f"{where} 的 readings 不完整（百分比才有 per）")
            for name in reading.sum + reading.per:
                field = resolve(spec, name)
                if field is None or field.info:
                    problems.append(f"{where} 引用了不存在的字段：{name}")
                elif claim.unit == "money" and any(
                    spec.value_type(k) != "amount_wan" for k in field.keys
                ):
                    problems.append(f"{where} 的金额字段不是万元金额：{name}")
    return problems


@cache
def _fingerprint(spec: FormatSpec) -> str:
    structure = {
        "format_version": spec.format_version,
        "sheets": spec.all_sheet_names,
        "info": [(f.code, f.label) for f in spec.info_fields],
        "text": [(c.code, c.label) for c in spec.text_cells],
        "tables": [
            (
                t.code,
                t.sheet,
                t.title,
                len(t.label_widths),
                [
                    (
                        b.caption,
                        b.corner,
                        b.header_rows,
                        [(c.code, c.path, c.span, c.type) for c in b.columns],
                        [(r.code, r.path) for r in b.rows],
                    )
                    for b in t.blocks
                ],
            )
            for t in spec.tables
        ],
    }
    blob = json.dumps(structure, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]


@cache
def available_formats() -> dict[str, FormatSpec]:
    """Return every format found in ``formats/``, keyed by format version."""
    specs: dict[str, FormatSpec] = {}
    for path in sorted(FORMATS_DIR.glob("format_*.toml")):
        with path.open("rb") as fh:
            spec = parse_spec(tomllib.load(fh), source=path.name)
        specs[spec.format_version] = spec
    return specs


def load_spec(format_version: str) -> FormatSpec:
    """Return the spec of one format version, or raise SpecError naming the known versions."""
    specs = available_formats()
    try:
        return specs[str(format_version)]
    except KeyError:
        known = "、".join(sorted(specs))
        raise SpecError(
            f"不支持格式版本 {format_version}。", f"可用的格式版本：{known}。"
        ) from None


def spec_for_year(year: int) -> FormatSpec:
    """Return the format that applies to a report year (≤2020 → 2019 版, ≥2021 → 2021 版)."""
    for spec in available_formats().values():
        if spec.covers_year(year):
            return spec
    first = min(s.first_year for s in available_formats().values())
    raise SpecError(
        f"报告年度 {year} 没有对应的年报格式。",
        f"现行格式适用于 {first} 年度及以后，请检查年度是否填写正确。",
    )
