"""``nianbao import``: a published annual report read into a workbook of our format.

The report comes as a PDF, a Word file, a web page saved as .html, or text copied from a web page
or a PDF; the narrative readers turn it into paragraphs and tables (``converters.narrative_pdf``,
``converters.narrative_docx``, ``converters.narrative_text``), and tables that reached the text
as lines are found by their labels (``importer.text_tables``). The year comes from the request,
else from the title (``importer.title``) or the statistics-period sentence; the workbook's format
follows the year. The unit comes from the request or the title, its kind from the request or the
unit's name. The tables are matched with the official labels of whichever
format they are in (``importer.tables``) and taken over into the year's format where the two
agree; the narrative goes into the 正文 sheet, one cell per section (and per sub-heading of 一
when the report has them). What the report does not show is left blank and stamped as unknown,
so that the workbook can serve as last year's without its blanks counting as 0.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from nianbao.converters.document import LIST_ITEM, Paragraph
from nianbao.converters.narrative import narrative_from_paragraphs
from nianbao.converters.narrative_common import TABLE_MARKER
from nianbao.converters.narrative_docx import read_docx
from nianbao.converters.narrative_pdf import ScannedPdfError, read_pdf
from nianbao.converters.narrative_text import read_html, read_txt
from nianbao.errors import SpecError, UsageError, os_reason
from nianbao.files import check_target, special_file_problem
from nianbao.validation.findings import Finding, rule_findings
from nianbao.validation.narrative_numbers import find_claims
from nianbao.validation.narrative_structure import period_year
from nianbao.workbook_templates.compute import computed_cells, input_keys, recompute
from nianbao.workbook_templates.loader import available_formats, spec_for_year
from nianbao.workbook_templates.spec import CellKey, FormatSpec, RuleKind

from .tables import detect_format, read_tables, source_tables, to_target
from .text_tables import mark_table_lines, split_glued_tables
from .title import Title, find_title, infer_kind, upper_level

READERS = {
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".txt": read_txt,
    ".md": read_txt,
    ".html": read_html,
    ".htm": read_html,
}
MAX_SOURCE_NAME = 100  # a stamp field ends up in a custom property (at most 255 characters)
_SUB_NUMBER = re.compile(r"^\(([一二三四五六七八九十]{1,3})\)")
_SUBHEAD_MAX = 25


@dataclass(frozen=True)
class ImportRequest:
    """Import ``source`` into the workbook ``output``; ``year``/``unit``/``kind`` given win."""

    source: Path
    output: Path
    year: int | None = None
    unit: str = ""
    kind: str = ""
    force: bool = False


@dataclass(frozen=True)
class TableResult:
    """One official table: whether the report has it, how many input cells were read."""

    code: str
    name: str
    found: bool
    read: int
    missing: int


@dataclass(frozen=True)
class StatedNumber:
    """A number the narrative states (kept out of the tables): "收到的申请数 38件"."""

    code: str
    what: str
    number: Decimal
    written: str
    excerpt: str


@dataclass(frozen=True)
class ImportResult:
    """What was read, and what was written where."""

    output: Path
    source: Path
    spec: FormatSpec  # the workbook's format (the year's)
    source_format: str  # the format the published tables are in
    year: int
    year_from: str  # "option", "title" or "period"
    unit: str
    unit_from: str  # "option", "title" or ""
    kind: str  # the unit's kind: given, or inferred from the unit's name ("" when neither)
    kind_from: str  # "option", "unit" (inferred, written as an ordinary input) or ""
    values: dict[CellKey, Decimal | str]
    unknown: frozenset[CellKey]
    read_totals: dict[CellKey, Decimal]  # totals the report prints (checked, never written)
    source_values: dict[CellKey, Decimal | str]  # every cell read, in the source's own format
    tables: tuple[TableResult, ...]
    claims: tuple[StatedNumber, ...]
    texts: dict[str, str]
    problems: tuple[Finding, ...]  # what was not understood (IM- rules)
    notes: tuple[Finding, ...] = field(default=())  # what else the clerk should know (IM- rules)

    @property
    def complete(self) -> bool:
        """Return True when every input cell of every table was read."""
        return not self.unknown


# -- the input file -------------------------------------------------------------------------


def _paragraphs(path: Path) -> tuple[list[Paragraph], ScannedPdfError | None]:
    """Return the report's paragraphs and table markers (none, and why, for a PDF without text);
    raise a Chinese error if the file cannot be read."""
    name = path.name
    if (problem := special_file_problem(path)) is not None:
        raise UsageError(
            f"要导入的年报文件 {name}：{problem}", "请给出 .pdf、.docx、.html 或 .txt 文件。"
        )
    if not path.is_file():
        raise UsageError(f"找不到要导入的年报文件 {path}。", "请检查文件路径是否正确。")
    suffix = path.suffix.lower()
    if suffix in (".doc", ".wps", ".rtf"):
        raise UsageError(
            f"{name} 是旧版 Word/WPS 文件（{suffix}），读不了。",
            "请在 Word/WPS 中打开后另存为 .docx 再导入。",
        )
    reader = READERS.get(suffix)
    if reader is None:
        raise UsageError(
            f"{name} 不是能导入的年报文件（只支持 .pdf、.docx、.html、.txt、.md）。",
            "请导入年报的 PDF、Word 文件（.docx）、从网站另存的网页（.html）或复制网页文字得到的"
            " .txt。",
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UsageError(f"无法读取 {name}：{os_reason(exc)}。", "请检查文件权限。") from exc
    if size == 0:
        raise UsageError(f"年报文件 {name} 是空的（0 字节）。", "请检查是否选错了文件。")
    try:
        paragraphs = reader(path)
    except ScannedPdfError as exc:
        return [], exc
    if not any(p.text.strip() or p.kind == TABLE_MARKER for p in paragraphs):
        raise UsageError(f"年报文件 {name} 中没有文字。", "请检查是否选错了文件。")
    return paragraphs, None


# -- year and unit --------------------------------------------------------------------------


def _from_period(paragraphs: list[Paragraph]) -> int | None:
    """Return the year of the statistics-period sentence ("统计期限为2025年1月1日…")."""
    markers = {
        m for s in available_formats().values() for m in s.narrative_structure.period_markers
    }
    for paragraph in paragraphs:
        if (year := period_year(sorted(markers), paragraph.text)) is not None:
            return year
    return None


# -- the narrative --------------------------------------------------------------------------


def _line(paragraph: Paragraph) -> str:
    label = paragraph.label if paragraph.kind == LIST_ITEM else ""
    return (label + paragraph.text).strip()


def _subhead(spec: FormatSpec, section: str, paragraph: Paragraph) -> tuple[str, str] | None:
    """Return (text cell code, text after the heading) when a paragraph starts with the
    sub-heading of one of the section's heading cells: its number and its words."""
    text = unicodedata.normalize("NFKC", paragraph.text.strip())
    m = _SUB_NUMBER.match(text)
    if m is None:
        return None
    for cell in spec.text_cells:
        if cell.section != section or not cell.heading:
            continue
        label = unicodedata.normalize("NFKC", cell.label)
        own = _SUB_NUMBER.match(label)
        if own is None or own.group(1) != m.group(1):
            continue
        words = normalize_words(label[own.end() :])
        if words not in normalize_words(text[: _SUBHEAD_MAX + 5]):
            return None
        end = re.search(r"[。:]", text)
        if end is not None and end.start() <= _SUBHEAD_MAX:
            rest = paragraph.text.strip()[end.end() :].strip()
        elif len(text) <= _SUBHEAD_MAX:
            rest = ""
        else:
            return None  # a long paragraph that only begins like the sub-heading
        return cell.code, rest
    return None


def normalize_words(text: str) -> str:
    return re.sub(r"\s+", "", text)


def narrative_texts(spec: FormatSpec, sections: dict[str, list[Paragraph]]) -> dict[str, str]:
    """Return the 正文 sheet's texts: each section's text in its cell; a section with sub-heading
    cells (一) is split at its sub-headings when the report uses them."""
    texts: dict[str, list[str]] = {}
    for section, paragraphs in sections.items():
        cells = [c for c in spec.text_cells if c.section == section]
        if not cells or not paragraphs:
            continue
        plain = next((c.code for c in cells if not c.heading), cells[0].code)
        current = plain
        for paragraph in paragraphs:
            sub = _subhead(spec, section, paragraph)
            if sub is not None:
                current, rest = sub
                if rest:
                    texts.setdefault(current, []).append(rest)
                continue
            if line := _line(paragraph):
                texts.setdefault(current, []).append(line)
    return {code: "\n".join(lines) for code, lines in texts.items() if lines}


def stated_numbers(
    spec: FormatSpec, narrative_sections: dict[str, list[Paragraph]], preamble, year: int
) -> tuple[StatedNumber, ...]:
    """Return the numbers the narrative states about the tables, once each, in order."""
    titles = {s.code: s.title for s in spec.sections}
    out: dict[tuple[str, Decimal, str], StatedNumber] = {}
    blocks = [("", p) for p in preamble] + [
        (titles.get(code, ""), p) for code, ps in narrative_sections.items() for p in ps
    ]
    for heading, paragraph in blocks:
        for claim in find_claims(spec, paragraph.text, heading=heading, year=year):
            key = (claim.spec.code, claim.number, claim.excerpt)
            out.setdefault(
                key,
                StatedNumber(
                    claim.spec.code, claim.spec.what, claim.number, claim.written, claim.excerpt
                ),
            )
    return tuple(out.values())


# -- the import -----------------------------------------------------------------------------


def _totals_problems(spec: FormatSpec, read_values, inputs) -> list[Finding]:
    """Return a finding (IM-TOTAL) for each total the report prints that its own items (all
    read) do not add up to: the workbook computes its totals, so the clerk should know."""
    numbers = {k: v for k, v in inputs.items() if isinstance(v, Decimal)}
    totals = recompute(spec, numbers)
    problems = []
    for key in computed_cells(spec):
        printed = read_values.get(key)
        if not isinstance(printed, Decimal) or not _inputs_under(spec, key) <= set(numbers):
            continue
        if totals[key] != printed:
            table = spec.table(key.table)
            args = {
                "table": table.name,
                "row": table.row(key.row).name,
                "column": table.column(key.row, key.col).name,
                "actual": str(printed),  # as the report prints it, not normalised
                "expected": str(totals[key]),
            }
            problems += rule_findings(spec, RuleKind.IMPORT_TOTAL, args)
    return problems


def _inputs_under(spec: FormatSpec, key: CellKey) -> frozenset[CellKey]:
    instances = computed_cells(spec).get(key)
    if not instances:
        return frozenset({key})
    return frozenset(k for t in instances[0].right for k in _inputs_under(spec, t.key))


def _unit_and_kind(
    request: ImportRequest, spec: FormatSpec, title: Title | None
) -> tuple[str, str, str, str, list[Finding]]:
    """Return the unit and where it came from, the kind and where it came from, and the notes:
    the unit given or named by the title; the kind given, or told by the unit's name."""
    notes: list[Finding] = []
    if request.unit.strip():
        unit, unit_from = request.unit.strip(), "option"
    elif title is not None and title.unit:
        unit, unit_from = title.unit, "title"
    else:
        unit, unit_from = "", ""
        notes += rule_findings(spec, RuleKind.IMPORT_NO_UNIT, {"sheet": spec.sheets.info})
    if request.kind.strip():  # checked where the workbook is built, as for ``template``
        return unit, unit_from, request.kind.strip(), "option", notes
    if unit and (upper := upper_level(unit)) is not None:
        level, place = upper
        kinds = "、".join(k for k in spec.kinds if k != spec.summary.kind)
        args = {"kind": level, "excerpt": place, "names": kinds, "sheet": spec.sheets.info}
        notes += rule_findings(spec, RuleKind.IMPORT_UPPER_KIND, args)
        return unit, unit_from, "", "", notes
    if unit and (inferred := infer_kind(spec, unit)) is not None:
        kind, ending = inferred
        args = {"kind": kind, "excerpt": ending, "sheet": spec.sheets.info}
        notes += rule_findings(spec, RuleKind.IMPORT_KIND, args)
        return unit, unit_from, kind, "unit", notes
    return unit, unit_from, "", "", notes


def read_report(request: ImportRequest) -> ImportResult:
    """Return what a published report gives a workbook, without writing anything."""
    source = Path(request.source)
    paragraphs, scanned = _paragraphs(source)
    specs = available_formats().values()
    paragraphs = mark_table_lines(split_glued_tables(paragraphs, specs), specs)
    title = find_title(paragraphs, specs)
    notes: list[Finding] = []
    if scanned is not None and request.year is None:
        raise UsageError(
            scanned.message,
            scanned.action
            + "要导入为全部留空、再对照原报告补填的填报表的，请用 --year 指明报告年度。",
        )
    if request.year is not None:
        year, year_from = request.year, "option"
    elif title is not None and title.year is not None:
        year, year_from = title.year, "title"
    elif (period := _from_period(paragraphs)) is not None:
        year, year_from = period, "period"
    else:
        raise UsageError(
            f"在 {source.name} 中没有找到报告年度（标题“……YYYY年政府信息公开工作年度报告”"
            "或统计期限的句子）。",
            "请用 --year 指明报告年度，例如 --year 2024。",
        )
    try:
        target = spec_for_year(year)
    except SpecError as exc:
        raise UsageError(exc.message, exc.action) from None
    if year_from == "option" and title is not None and title.year not in (None, year):
        notes += rule_findings(
            target, RuleKind.IMPORT_YEAR_OPTION, {"actual": title.year, "year": year}
        )
    if year_from == "title" and (period := _from_period(paragraphs)) not in (None, year):
        notes += rule_findings(
            target, RuleKind.IMPORT_YEAR_PERIOD, {"actual": period, "year": year}
        )
    unit, unit_from, kind, kind_from, who = _unit_and_kind(request, target, title)
    notes += who
    if scanned is not None:
        notes += rule_findings(target, RuleKind.IMPORT_SCANNED, {"file": source.name})
    tables = source_tables(paragraphs)
    source_spec = detect_format(tables, available_formats().values(), target)
    read = read_tables(source_spec, tables)
    values, unknown = to_target(target, read)
    source_inputs = {k: v for k, v in read.values.items() if k in set(input_keys(source_spec))}
    problems = [*read.problems, *_totals_problems(source_spec, read.values, source_inputs)]
    computed = computed_cells(source_spec)
    read_totals = {k: v for k, v in read.values.items() if k in computed and isinstance(v, Decimal)}
    results = []
    for table in target.tables:
        own = [k for k in input_keys(target) if k.table == table.code]
        got = sum(1 for k in own if k in values)
        results.append(
            TableResult(table.code, table.name, table.code in read.found, got, len(own) - got)
        )
    narrative = narrative_from_paragraphs(paragraphs, target, source.name)
    texts = narrative_texts(target, narrative.sections)
    if not narrative.found and (lines := [t for p in narrative.preamble if (t := _line(p))]):
        # No section heading anywhere (text run together, headings without numbers): keep the
        # text rather than lose it, in the first cell, and say so.
        first = target.text_cells[0]
        texts = {first.code: "\n".join(lines)}
        where = {
            "heading": target.sections[0].heading,
            "sheet": target.sheets.text,
            "label": first.label,
        }
        notes += rule_findings(target, RuleKind.IMPORT_NO_SECTION, where)
    claims = stated_numbers(target, narrative.sections, narrative.preamble, year)
    return ImportResult(
        output=Path(request.output),
        source=source,
        spec=target,
        source_format=source_spec.format_version,
        year=year,
        year_from=year_from,
        unit=unit,
        unit_from=unit_from,
        kind=kind,
        kind_from=kind_from,
        values=values,
        unknown=unknown,
        read_totals=read_totals,
        source_values=dict(read.values),
        tables=tuple(results),
        claims=claims,
        texts=texts,
        problems=tuple(problems),
        notes=tuple(notes),
    )


def import_report(request: ImportRequest) -> ImportResult:
    """Read a published report and write it as a workbook (atomically, never overwriting unless
    ``force``); return what was read."""
    from nianbao.workbook_templates.builder import TemplateRequest, build_template

    output = Path(request.output)
    if output.suffix.lower() != ".xlsx":
        raise UsageError(
            f"输出文件 {output.name} 的扩展名应为 .xlsx。", "例如：-o 2024年度填报表.xlsx。"
        )
    check_target(output, force=request.force)  # refuse before reading anything
    result = read_report(request)
    build_template(
        output,
        TemplateRequest(
            year=result.year,
            unit=result.unit,
            kind=result.kind if result.kind_from == "option" else "",
            info={"kind": result.kind} if result.kind_from == "unit" else {},
            format_version=result.spec.format_version,
            values=result.values,
            texts=result.texts,
            source=result.source.name[:MAX_SOURCE_NAME],
            unknown=result.unknown,
        ),
        force=request.force,
    )
    return result
