"""Read the format files (``formats/format_*.toml``) into the spec's types and check them.

Loading checks each file's integrity (unique codes, terms that name real cells, message templates
that use known arguments, known kinds, severities and statuses), so a typo in a format file fails
at load time and in the tests, never in front of a clerk. ``available_formats``, ``load_spec`` and
``spec_for_year`` are the registry of the formats by version and by report year.
"""

from __future__ import annotations

import string
import tomllib
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from nianbao.errors import SpecError

from .compute import expand_rule
from .fields import resolve
from .spec import (
    ANALYSIS_ARGS,
    ANALYSIS_CHECKS,
    CHART_PART_ARGS,
    CLAIM_UNITS,
    COMPUTED_KINDS,
    INFO_TYPES,
    MESSAGE_ARGS,
    PARTS_ARGS,
    REPORT_ARGS,
    TEXT_KINDS,
    TIMELINESS_ARGS,
    VALUE_TYPES,
    WORDED_KINDS,
    AnalysisSentences,
    AnalysisText,
    AnnotationText,
    BlockSpec,
    CheckSheetText,
    ClaimReading,
    ClaimSpec,
    ColumnSpec,
    ExplainText,
    FigureSpec,
    FormatSpec,
    ImportText,
    InfoField,
    NarrativeNumberText,
    NarrativeStructureText,
    PartsText,
    ReferenceText,
    ReportText,
    RowSpec,
    RuleKind,
    RuleSpec,
    SectionSpec,
    Severity,
    SheetNames,
    Status,
    SummaryText,
    TableSpec,
    TextCell,
    TimelinessText,
)

FORMATS_DIR = Path(__file__).with_name("formats")


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


RULE_TUPLES = (
    "rows",
    "left",
    "right",
    "parts",
    "cells",
    "kinds",
    "if_any",
    "requires_any",
    "words",
)
# What a ``[[rules]]`` table may hold: every field of RuleSpec but the pack it came from.
RULE_FIELDS = frozenset(RuleSpec.__dataclass_fields__) - {"pack"}


def parse_rule(raw: dict) -> RuleSpec:
    """Return one ``[[rules]]`` table as a RuleSpec (its cells and texts not yet checked)."""
    kwargs = dict(raw)
    for name in RULE_TUPLES:
        if name in kwargs:
            kwargs[name] = _tuple(kwargs[name])
    unknown = set(kwargs) - RULE_FIELDS
    if unknown:
        raise SpecError(f"规则 {raw.get('id')} 有未知字段：{sorted(unknown)}")
    for name, codes in (("kind", RuleKind), ("severity", Severity)):
        try:
            kwargs[name] = codes(kwargs[name])
        except ValueError:
            raise SpecError(f"规则 {raw.get('id')} 的 {name} 未知：{kwargs[name]}") from None
    return RuleSpec(**kwargs)


def _report_text(raw: dict) -> ReportText:
    kwargs = dict(raw)
    kwargs["narrative_intro"] = _tuple(kwargs.get("narrative_intro"))
    kwargs["opening_markers"] = _tuple(kwargs.get("opening_markers"))
    kwargs["furniture"] = _tuple(kwargs.get("furniture"))
    kwargs["guidance_phrases"] = _tuple(kwargs.get("guidance_phrases"))
    unknown = set(kwargs) - set(ReportText.__dataclass_fields__)
    if unknown:
        raise SpecError(f"[report] 有未知字段：{sorted(unknown)}")
    return ReportText(**kwargs)


def _summary_text(raw: dict) -> SummaryText:
    kwargs: dict[str, Any] = {k: _tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    kwargs["statuses"] = dict(raw.get("statuses", {}))
    kwargs["parts"] = _known_fields(PartsText, raw.get("parts", {}), "[summary.parts]")
    kwargs["timeliness"] = _known_fields(
        TimelinessText, raw.get("timeliness", {}), "[summary.timeliness]"
    )
    unknown = set(kwargs) - set(SummaryText.__dataclass_fields__)
    if unknown:
        raise SpecError(f"[summary] 有未知字段：{sorted(unknown)}")
    return SummaryText(**kwargs)


def _narrative_numbers(raw: dict) -> NarrativeNumberText:
    kwargs: dict[str, Any] = {k: _tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    kwargs["money_units"] = tuple((u, int(v)) for u, v in raw.get("money_units", {}).items())
    kwargs["topics"] = tuple((t, _tuple(w)) for t, w in raw.get("topics", {}).items())
    unknown = set(kwargs) - set(NarrativeNumberText.__dataclass_fields__)
    if unknown:
        raise SpecError(f"[narrative_numbers] 有未知字段：{sorted(unknown)}")
    return NarrativeNumberText(**kwargs)


def _narrative_structure(raw: dict) -> NarrativeStructureText:
    kwargs: dict[str, Any] = {k: _tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    for name in ("subtopics", "government_topics"):
        kwargs[name] = tuple((t, _tuple(w)) for t, w in raw.get(name, {}).items())
    unknown = set(kwargs) - set(NarrativeStructureText.__dataclass_fields__)
    if unknown:
        raise SpecError(f"[narrative_structure] 有未知字段：{sorted(unknown)}")
    return NarrativeStructureText(**kwargs)


def _wording_problems(texts: object, allowed: dict[str, set[str]], where: str) -> list[str]:
    """Return what is wrong with a table of message templates: a text left blank, or one that
    uses an argument its caller does not give."""
    problems = []
    if blank := sorted(k for k, v in vars(texts).items() if not v):
        problems.append(f"{where} 缺少：{blank}")
    for name, args in allowed.items():
        if unknown := _template_fields(getattr(texts, name)) - args:
            problems.append(f"{where} {name} 用了未知参数：{sorted(unknown)}")
    return problems


def _known_fields(cls, raw: dict, where: str):
    """Return ``cls(**raw)`` for a table of plain texts, or raise SpecError naming unknown keys."""
    if unknown := set(raw) - set(cls.__dataclass_fields__):
        raise SpecError(f"{where} 有未知字段：{sorted(unknown)}")
    return cls(**raw)


def _import_text(raw: dict) -> ImportText:
    kwargs = {k: _tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    kwargs["aliases"] = tuple((label, _tuple(a)) for label, a in raw.get("aliases", {}).items())
    suffixes = raw.get("kind_suffixes", {})
    kwargs["kind_suffixes"] = tuple((kind, _tuple(s)) for kind, s in suffixes.items())
    return _known_fields(ImportText, kwargs, "[import]")


def _analysis(raw: dict) -> AnalysisText:
    kwargs: dict[str, Any] = {k: _tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    figures = []
    for item in raw.get("figures", ()):
        fig = {k: _tuple(v) if isinstance(v, list) else v for k, v in item.items()}
        figures.append(_known_fields(FigureSpec, fig, "[[analysis.figures]]"))
    kwargs["figures"] = tuple(figures)
    kwargs["sentences"] = _known_fields(
        AnalysisSentences, raw.get("sentences", {}), "[analysis.sentences]"
    )
    return _known_fields(AnalysisText, kwargs, "[analysis]")


def _analysis_problems(spec: FormatSpec) -> list[str]:
    """Return what is wrong with ``[analysis]``: figure codes, checks, field names, sentences."""
    a, problems = spec.analysis, []
    if not a.figures:
        return ["[analysis] 缺少 figures"]
    if dup := _duplicates(f.code for f in a.figures):
        problems.append(f"[[analysis.figures]] code 重复：{dup}")
    for fig in a.figures:
        where = f"[[analysis.figures]] {fig.code}"
        if unknown := set(fig.checks) - set(ANALYSIS_CHECKS):
            problems.append(f"{where} 的 checks 未知：{sorted(unknown)}")
        if not fig.sum:
            problems.append(f"{where} 缺少 sum")
        for name in fig.sum + fig.per:
            field = resolve(spec, name)
            if field is None or field.info:
                problems.append(f"{where} 引用了不存在的字段：{name}")
    if a.carry_figure not in {f.code for f in a.figures if not f.is_share}:
        problems.append(f"[analysis] carry_figure 不是计数的指标：{a.carry_figure}")
    if not 0 <= a.peer_low < a.peer_high <= 1 or a.jump_ratio <= 1:
        problems.append(
            "[analysis] peer_low/peer_high 应在 0 到 1 之间且前小后大，jump_ratio 应大于 1"
        )
    for name, allowed in ANALYSIS_ARGS.items():
        text = getattr(a.sentences, name)
        if not text:
            problems.append(f"[analysis.sentences] 缺少：{name}")
        elif unknown := _template_fields(text) - allowed:
            problems.append(f"[analysis.sentences] {name} 用了未知参数：{sorted(unknown)}")
    return problems


def _claim(raw: dict) -> ClaimSpec:
    kwargs: dict[str, Any] = {k: _tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
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
                summary=data["annotation"]["summary"],
                summary_explained=data["annotation"]["summary_explained"],
                explained=data["annotation"]["explained"],
                explained_note=data["annotation"]["explained_note"],
                rebuilt=data["annotation"]["rebuilt"],
                unread=data["annotation"]["unread"],
                summary_copy=data["annotation"]["summary_copy"],
            ),
            tables=tuple(_table(t) for t in data["tables"]),
            rules=tuple(parse_rule(r) for r in data["rules"]),
            report=_report_text(data["report"]),
            summary=_summary_text(data["summary"]),
            source=source,
            narrative_numbers=_narrative_numbers(data.get("narrative_numbers", {})),
            claims=tuple(_claim(c) for c in data.get("narrative_claims", ())),
            narrative_structure=_narrative_structure(data.get("narrative_structure", {})),
            reference=_known_fields(ReferenceText, wb.get("reference", {}), "[workbook.reference]"),
            import_text=_import_text(data.get("import", {})),
            explain=_known_fields(ExplainText, data["explain"], "[explain]"),
            analysis=_analysis(data.get("analysis", {})),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(f"格式文件 {source} 缺少或写错了字段：{exc}") from exc
    _check_integrity(spec)
    return spec


def _duplicates(codes: Iterable[str]) -> list[str]:
    """Return the codes that occur more than once, sorted."""
    counts = Counter(codes)
    return sorted(c for c, n in counts.items() if n > 1)


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
        problems.extend(rule_problems(spec, rule))
    if blank := sorted(k for k, v in vars(spec.explain).items() if not v):
        problems.append(f"[explain] 缺少：{blank}")
    if unworded := sorted(str(k) for k in WORDED_KINDS - {r.kind for r in spec.rules}):
        problems.append(f"[[rules]] 缺少这些 kind 的规则：{unworded}")
    if not problems:  # field names are resolved through the rules: only once they are sound
        problems.extend(_claim_problems(spec))
        problems.extend(_analysis_problems(spec))
    for name, allowed in REPORT_ARGS.items():
        value = getattr(spec.report, name)
        for text in value if isinstance(value, tuple) else (value,):
            if unknown := _template_fields(text) - allowed:
                problems.append(f"[report] {name} 用了未知参数：{sorted(unknown)}")
    if spec.summary.kind not in spec.kinds:
        problems.append(f"[summary] kind「{spec.summary.kind}」不在 [kinds] 中")
    for kind, _ in spec.import_text.kind_suffixes:
        if kind not in spec.kinds:
            problems.append(f"[import.kind_suffixes]「{kind}」不在 [kinds] 中")
    for field_name in ("title_shapes", "title_sentences"):
        for shape in getattr(spec.import_text, field_name):
            fields = _template_fields(shape)
            if not {"unit", "year"} <= fields <= {"unit", "year", "name"} or (
                "name" not in fields and "报告" not in shape
            ):
                need = "{unit}、{year}，以及 {name} 或“报告”"
                problems.append(f"[import] {field_name}「{shape}」应含 {need}")
    if missing := sorted(set(Status) - set(spec.summary.statuses)):
        problems.append(f"[summary.statuses] 缺少：{missing}")
    problems += _wording_problems(spec.summary.parts, PARTS_ARGS, "[summary.parts]")
    if unknown := _template_fields(spec.summary.chart_part_title) - CHART_PART_ARGS:
        problems.append(f"[summary] chart_part_title 用了未知参数：{sorted(unknown)}")
    problems += _wording_problems(spec.summary.timeliness, TIMELINESS_ARGS, "[summary.timeliness]")
    summary_sheets = (
        spec.summary.status_sheet,
        spec.summary.files_sheet,
        spec.summary.detail_sheet,
        spec.summary.chart_sheet,
        spec.summary.first_part,
        spec.summary.last_part,
        spec.summary.revisions_sheet,
    )
    if clash := _duplicates((*spec.all_sheet_names, *summary_sheets)):
        problems.append(f"[summary] 工作表名与其他工作表重复：{clash}")
    if spec.sheets.reference in (*spec.all_sheet_names, *summary_sheets):
        problems.append(f"[workbook.sheets] reference 与其他工作表重名：{spec.sheets.reference}")
    if spec.sheets.reference and not spec.reference.title:
        problems.append("[workbook.reference] 缺少 title")
    if problems:
        raise SpecError(f"格式文件 {spec.source} 有误：" + "；".join(problems))


def rule_problems(spec: FormatSpec, rule: RuleSpec, where: str = "") -> list[str]:
    """Return what is wrong with one rule in a format: its templates' arguments, the cells,
    section and unit kinds it names, and what its kind needs."""
    problems = []
    where = where or f"规则 {rule.id}"
    for text in (rule.message, rule.action, rule.check, rule.hedged):
        if unknown := _template_fields(text) - MESSAGE_ARGS:
            problems.append(f"{where} 的文字模板用了未知参数：{sorted(unknown)}")
    if rule.kind in TEXT_KINDS:
        if spec.section_named(rule.section) is None:
            known = "、".join(f"{s.code}（{s.title}）" for s in spec.sections)
            shown = f"「{rule.section}」" if rule.section else "（未填写）"
            problems.append(f"{where} 的 section{shown}不是正文的部分，可写：{known}")
        if rule.kind == RuleKind.MENTION and not any(w.strip() for w in rule.words):
            problems.append(f"{where} 缺少 words（正文中应提到的词语）")
        if rule.kind == RuleKind.LENGTH and (rule.max is None or rule.max <= 0):
            problems.append(f"{where} 缺少 max（字数上限，大于 0）")
    if rule.kind == RuleKind.LIMIT and rule.max is None:
        problems.append(f"{where} 缺少 max（上限）")
    if rule.kind in COMPUTED_KINDS:
        try:
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
