"""From a checked workbook and the clerk's narrative to the report document.

The numbers printed in the tables and the numbers written into the text as fields come from the
same values, so text and tables cannot disagree. Wording (title, opening, date, page number,
draft mark) comes from the format's ``[report]`` texts.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import replace
from decimal import Decimal

from nianbao.errors import ExportError
from nianbao.validation.findings import Finding, rule_findings
from nianbao.validation.shown import ShownValues
from nianbao.workbook_templates.checks import format_number
from nianbao.workbook_templates.fields import field_value, resolve, substitute, suggest
from nianbao.workbook_templates.reader import FilledWorkbook
from nianbao.workbook_templates.spec import CellKey, FormatSpec, RuleKind

from .document import Paragraph, ReportDocument, Section, title_lines
from .narrative import Narrative
from .tables import table_grid


def cell_texts(wb: FilledWorkbook) -> tuple[dict[CellKey, str], dict[CellKey, Decimal | None]]:
    """Return what each table cell prints, and each cell's number, as the workbook shows them.

    For a workbook that passes the checks these are the typed inputs and the recomputed totals;
    for a draft they are what the clerk sees (a word typed into a number cell prints as typed).
    """
    shown = ShownValues(wb)
    spec = wb.spec
    texts: dict[CellKey, str] = {}
    numbers: dict[CellKey, Decimal | None] = {}
    for table in spec.tables:
        if table.code in wb.unreadable_tables:
            continue
        for key in table.value_keys():
            read = wb.cells.get(key)
            if spec.value_type(key) == "text":
                texts[key] = read.text.strip() if read is not None else ""
                numbers[key] = None
                continue
            if read is not None and read.status == "blank":
                value = None
            elif read is not None and read.status == "not_number":
                texts[key] = read.text.strip()
                numbers[key] = None
                continue
            else:
                value = shown.plus(key)
            numbers[key] = value
            texts[key] = format_number(value) if value is not None else ""
    return texts, numbers


def report_date(wb: FilledWorkbook, today: _dt.date | None = None) -> _dt.date:
    """Return the date the report is signed: 基本信息's 填报日期 if it is a date, else today."""
    text = wb.info.get("date", "").strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return _dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return today or _dt.date.today()


def _opening(spec: FormatSpec, wb: FilledWorkbook) -> str:
    parts = "、".join(s.title for s in spec.sections)
    text = spec.report.opening.format(
        unit=wb.unit,
        year=wb.year,
        name=spec.name,
        notice=spec.notice,
        parts=parts,
        count=spec.sections[-1].number,
    )
    website = wb.info.get("website", "").strip()
    if website:
        text += spec.report.website.format(website=website, unit=wb.unit)
    return text


_DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_QUOTE_MAX = 30


def _quote(text: str) -> str:
    text = text.strip()
    return f"“{text[:_QUOTE_MAX]}{'…' if len(text) > _QUOTE_MAX else ''}”"


def _split_preamble(
    spec: FormatSpec, preamble: list[Paragraph]
) -> tuple[list[Paragraph], list[Paragraph]]:
    """Return the preamble paragraphs that read like a report's opening, and the others."""
    markers = spec.report.opening_markers
    used = [p for p in preamble if any(m in p.text for m in markers)]
    return used, [p for p in preamble if p not in used]


def _trailing_signature(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Return the signature (unit name, date) the clerk put at the end, if any."""
    if not paragraphs or not _DATE_LINE.match(paragraphs[-1].text.strip()):
        return []
    before = paragraphs[-2] if len(paragraphs) > 1 else None
    if (
        before is not None
        and len(before.text.strip()) <= _QUOTE_MAX
        and not any(ch in before.text for ch in "。，；：！？")
    ):
        return paragraphs[-2:]
    return paragraphs[-1:]


class _FieldFiller:
    """Replaces {fields} in paragraphs, collecting the names the format does not know."""

    def __init__(self, wb: FilledWorkbook, numbers: dict[CellKey, Decimal | None]) -> None:
        self.spec = wb.spec
        self.numbers = numbers
        self.info = {**wb.info, "unit": wb.unit, "kind": wb.kind, "year": str(wb.year)}
        self.unknown: list[str] = []

    def lookup(self, name: str) -> str | None:
        field = resolve(self.spec, name)
        if field is None:
            self.unknown.append(name.strip())
            return None
        return field_value(field, self.numbers, self.info)

    def paragraph(self, para: Paragraph) -> Paragraph:
        """Return the paragraph with its fields replaced (each in the run where it starts,
        keeping that run's emphasis)."""
        texts = substitute([r.text for r in para.runs], self.lookup)
        runs = tuple(replace(r, text=s) for r, s in zip(para.runs, texts, strict=True) if s)
        return replace(para, runs=runs)


def unknown_fields_error(spec: FormatSpec, names: list[str]) -> ExportError:
    unique = list(dict.fromkeys(names))
    hints = []
    for name in unique[:5]:
        close = suggest(spec, name)
        hints.append(
            f"{{{name}}}"
            + (f"（是否想写 {'、'.join('{' + c + '}' for c in close)}？）" if close else "")
        )
    return ExportError(
        f"正文中有 {len(unique)} 个无法识别的字段：{'；'.join(hints)}",
        "请改正字段名；运行 nianbao fields 可列出全部有效的字段名（如 {表三.本年新收.总计}）。"
        "正文中要写花括号本身时，请写成 {{ 和 }}。",
    )


def compose_report(
    wb: FilledWorkbook,
    narrative: Narrative,
    *,
    draft_mark: str = "",
    today: _dt.date | None = None,
) -> tuple[ReportDocument, list[Finding]]:
    """Return the report document and notes about the narrative: the narrative's own and those
    of composing (D- rules; errors among them refuse a final export). Raises ExportError naming
    any {field} the format does not have."""
    spec = wb.spec
    texts, numbers = cell_texts(wb)
    filler = _FieldFiller(wb, numbers)
    notes = list(narrative.notes)

    def note(kind: RuleKind, args: dict[str, object], section: str = "") -> None:
        notes.extend(rule_findings(spec, kind, args, section=section))

    opening, unused = _split_preamble(spec, narrative.preamble)
    opening = [filler.paragraph(p) for p in opening]
    if unused:
        quoted = "；".join(_quote(p.text) for p in unused[:3])
        note(RuleKind.READING_PREAMBLE, {"count": len(unused), "excerpt": quoted})
    if opening:
        note(RuleKind.READING_OPENING, {})
    else:
        opening = [Paragraph.plain(_opening(spec, wb))]

    sections = []
    for i, sec in enumerate(spec.sections):
        source = list(narrative.sections.get(sec.code, []))
        if i == len(spec.sections) - 1 and (signature := _trailing_signature(source)):
            del source[-len(signature) :]
            note(RuleKind.READING_SIGNATURE, {"excerpt": "、".join(p.text for p in signature)})
        paragraphs = tuple(filler.paragraph(p) for p in source)
        table = table_grid(spec.table(sec.table), texts) if sec.table else None
        if not paragraphs and table is None:
            args: dict[str, object] = {
                "heading": sec.heading,
                "source": narrative.source,
                "sheet": spec.sheets.text,
            }
            note(RuleKind.READING_EMPTY, args, section=sec.code)
        sections.append(Section(sec.code, sec.heading, paragraphs, table))
    if filler.unknown:
        raise unknown_fields_error(spec, filler.unknown)

    date = report_date(wb, today)
    sign_off = (wb.unit, spec.report.date.format(year=date.year, month=date.month, day=date.day))
    title = spec.report_title(wb.unit, wb.year)
    doc = ReportDocument(
        title=title,
        title_lines=title_lines(title, wb.unit),
        opening=tuple(opening),
        sections=tuple(sections),
        signature=tuple(s for s in sign_off if s),
        page_number=spec.report.page_number,
        draft_mark=draft_mark,
        values=texts,
        unit=wb.unit,
        year=wb.year,
    )
    return doc, notes
