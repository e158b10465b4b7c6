"""The structure of the narrative: sections, numbering, years, required contents, copied text.

What evaluators criticise besides wrong numbers (format.md §7, E1/E2/E4/E8/E10): a missing or extra
part, parts out of order or numbered one off, a second 一、二、 series inside a part, 五 left empty,
总体情况 without its five sub-topics, a government's report silent on 考核/评议/追究, a title or
统计期限 of another year (or "20231月1日"), and a section copied from last year's report.

Two kinds of input: a narrative file read into sections (its ``outline`` records every heading as
written, see ``converters.narrative.OutlineEntry``), and the workbook's 正文 sheet, whose cells are
the sections, so only the content checks apply to it. Every wording, word list and threshold is in
the spec (``[narrative_structure]`` and the N-* rules); nothing here names a section title.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.reader import FilledWorkbook
from nianbao.workbook_templates.spec import FormatSpec, RuleKind, SectionSpec, TextCell

from .findings import Finding, rule_findings
from .leftovers import EXCERPT_SIDE, excerpt
from .narrative_numbers import chinese_number
from .text_rules import section_place, text_rule_findings

_PERIOD_SPAN = 60
_REPORT_MIN_CHARS = 100  # the 统计期限 sentence ends within this many characters of its marker


@dataclass(frozen=True)
class TextPart:
    """A piece of narrative text and where it is: a paragraph of a file, or a 正文 cell."""

    place: str  # for messages: "“一、总体情况”部分第 2 段", "「（五）监督保障」"
    section: str | None  # its section code; None for the opening (before section 一)
    text: str
    sheet: str = ""  # the file's name or the 正文 sheet
    cell: str = ""  # A1 reference on the 正文 sheet


# ---------------------------------------------------------------------------------------------
# Helpers


_part_name = section_place


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


# Full-width digits as ASCII: all the year patterns need (cheaper than NFKC on every paragraph).
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _missing_topics(text: str, topics: Iterable[tuple[str, tuple[str, ...]]]) -> list[str]:
    """Return the names of the topics none of whose words is in the text."""
    return [name for name, words in topics if not any(w in text for w in words)]


# ---------------------------------------------------------------------------------------------
# The outline of a narrative file: which parts, in which order, numbered how


def outline_findings(spec: FormatSpec, narrative) -> list[Finding]:
    """Return the findings on the headings of a narrative file (N-SECTION … N-EMPTY)."""
    sections = spec.sections
    index = {s.code: i for i, s in enumerate(sections)}
    source = narrative.source
    found = set(narrative.found)
    outline = list(getattr(narrative, "outline", ()))
    findings: list[Finding] = []

    def add(kind: RuleKind, args: dict, row: str = "") -> None:
        findings.extend(rule_findings(spec, kind, args, sheet=source, row=row))

    unwritten = unwritten_sections(spec, narrative)
    for section in sections:
        if section.code in unwritten and section.code not in found:
            add(
                RuleKind.NARRATIVE_SECTION,
                {"missing": f"“{section.heading}”"},
                row=_part_name(section),
            )
    named = {e.section for e in outline if e.section is not None}
    tables = [s for s in sections if s.table and s.code not in found and s.code not in named]
    if tables:
        add(
            RuleKind.NARRATIVE_SECTION_TABLE,
            {"missing": "、".join(f"“{s.heading}”" for s in tables)},
        )

    highest = -1  # the last part reached by an accepted heading
    order_problems: list[tuple[Any, str]] = []  # (an OutlineEntry, what is wrong)
    restarts: dict[str | None, list] = {}
    arabic = []  # part headings numbered "1." where the format numbers them 一、
    for entry in outline:
        place = f"第 {entry.paragraph} 段"
        if entry.accepted:  # its number (if any) and title agree, in order
            highest = index[entry.section]
            if entry.number is not None and not entry.chinese:
                arabic.append(entry)
            continue
        if entry.section is not None:
            if entry.number is None and entry.section == entry.within:
                # The part's title without a number inside the part ("无其他需要报告的事项" in
                # 六): its content, or its table's title, not the part begun again.
                continue
            section = sections[index[entry.section]]
            if entry.number is not None and entry.number != _section_number(section):
                if entry.chinese:
                    _numbering(spec, add, entry, section, place)
                continue  # "1.政府信息主动公开情况": a numbered sub-head of 一, not a part
            if index[entry.section] <= highest:
                later = sections[highest]
                detail = (
                    f"是{_part_name(section)}的标题，又出现了一次"
                    if index[entry.section] == highest
                    else f"是{_part_name(section)}的标题，却出现在“{later.heading}”之后，顺序不对"
                )
                order_problems.append((entry, detail))
            continue
        if not entry.chinese:
            continue
        current = _section_number(sections[highest]) if highest >= 0 else 0
        if highest >= 0 and entry.number is not None and entry.number <= current:
            # A second series starts at 一; a lone "三、本法提供" (a table's row label torn by a
            # PDF's extraction) is no series, and no heading of the six either.
            if entry.number == 1 or entry.within in restarts:
                restarts.setdefault(entry.within, []).append(entry)
            continue
        expected = next((s for s in sections if _section_number(s) == entry.number), None)
        detail = (
            f"（第{expected.number}部分应为“{expected.heading}”）"
            if expected is not None
            else f"（规定只有{len(sections)}个部分）"
        )
        add(
            RuleKind.NARRATIVE_HEADING,
            {"place": place, "excerpt": entry.text, "detail": detail},
            row=place,
        )
    if order_problems:
        entry, detail = order_problems[0]
        more = len(order_problems) - 1
        if more:
            detail += f"（另有 {more} 处类似问题，可能粘贴了多份报告）"
        place = f"第 {entry.paragraph} 段"
        add(
            RuleKind.NARRATIVE_ORDER,
            {"place": place, "excerpt": entry.text, "detail": detail},
            place,
        )
    for within, entries in restarts.items():
        first = entries[0]
        place = f"第 {first.paragraph} 段"
        count = f"（这一部分共 {len(entries)} 处）" if len(entries) > 1 else ""
        part = _part_name(sections[index[within]]) if within in index else "开头部分"
        add(
            RuleKind.NARRATIVE_RESTART,
            {
                "place": place,
                "part": part,
                "excerpt": first.text,
                "actual": first.number_text,
                "detail": count,
            },
            row=place,
        )
    if arabic:
        first = arabic[0]
        section = sections[index[first.section]]
        place = f"第 {first.paragraph} 段"
        count = f"（共 {len(arabic)} 个部分这样编号）" if len(arabic) > 1 else ""
        args = {
            "place": place,
            "excerpt": first.text,
            "part": _part_name(section),
            "expected": section.number,
            "actual": first.number_text,
            "detail": count,
        }
        add(RuleKind.NARRATIVE_NUMBER_STYLE, args, row=place)
    for section in sections:
        if section.code in unwritten and section.code in found:
            add(RuleKind.NARRATIVE_EMPTY, {"part": _part_name(section)}, row=_part_name(section))
    return findings


def unwritten_sections(spec: FormatSpec, narrative) -> set[str]:
    """Return the codes of the text parts (no table) that N-SECTION or N-EMPTY report: no
    heading anywhere, or a heading with nothing under it."""
    found = set(narrative.found)
    named = {e.section for e in getattr(narrative, "outline", ()) if e.section is not None}
    out = set()
    for section in spec.sections:
        if section.table:
            continue
        if section.code in found:
            if not any(p.text.strip() for p in narrative.sections.get(section.code, [])):
                out.add(section.code)
        elif section.code not in named:
            out.add(section.code)
    return out


def _section_number(section: SectionSpec) -> int:
    return chinese_number(section.number) or 0


def _numbering(spec, add, entry, section: SectionSpec, place: str) -> None:
    add(
        RuleKind.NARRATIVE_NUMBERING,
        {
            "place": place,
            "excerpt": entry.text,
            "part": _part_name(section),
            "expected": section.number,
            "actual": entry.number_text,
            "detail": section.title,
        },
        row=place,
    )


# ---------------------------------------------------------------------------------------------
# What the text says: sub-topics, the government's results, years, the 统计期限 sentence

_CN_NUMBER = re.compile(r"([〇零一二三四五六七八九十]+)(?=\s*[年月日])")
_DATE = re.compile(r"(?:(\d+)\s*年)?\s*(\d+)\s*月\s*(\d+)\s*日")
_RUN_TOGETHER = re.compile(r"\d{3,}\s*月")
_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
# A sentence that opens with a year and goes on about what was done then ("2023年，我局……").
_YEAR_OPENING = re.compile(
    r"(?:^|(?<=[。；！？!?;\s]))((?:19|20)\d{2})\s*年度?"
    r"(?:[，,]|(?=全年|我[局委办县区市镇乡街厅单部中站所院]|本[局委办县区市镇乡街厅单部机]|共|全[县区市镇乡]))"
)


def _arabic(text: str) -> str:
    """Return the text with Chinese numerals before 年/月/日 written in digits (二〇二四年 →
    2024年, 十二月 → 12月)."""
    return _CN_NUMBER.sub(lambda m: str(chinese_number(m.group(1))), text)


def content_findings(
    spec: FormatSpec,
    parts: list[TextPart],
    *,
    year: int | None,
    kind: str = "",
    unit: str = "",
    title: str = "",
    source: str = "",
    subtopics: bool = True,
) -> list[Finding]:
    """Return what the narrative's words say wrong: the format's mention and length rules,
    N-SUBTOPIC, N-GOVERNMENT, N-YEAR, N-YEAR-MENTION and N-PERIOD. ``subtopics``: False for
    the 正文 sheet, whose cells are the sub-topics (a blank one is already reported)."""
    words = spec.narrative_structure
    findings = text_rule_findings(spec, parts, kind=kind, source=source)
    by_section: dict[str | None, list[TextPart]] = {}
    for part in parts:
        by_section.setdefault(part.section, []).append(part)
    sections = {s.code: s for s in spec.sections}

    if subtopics and words.subtopic_section in sections:
        text = "\n".join(p.text for p in by_section.get(words.subtopic_section, []))
        if text.strip() and (missing := _missing_topics(text, words.subtopics)):
            section = sections[words.subtopic_section]
            findings += rule_findings(
                spec,
                RuleKind.NARRATIVE_SUBTOPIC,
                {
                    "part": _part_name(section),
                    "missing": "、".join(missing),
                    "topics": "、".join(name for name, _ in words.subtopics),
                },
                sheet=source,
                row=_part_name(section),
            )
    text = "\n".join(p.text for p in parts)
    # A few lines are a draft begun, not a report that leaves the results out.
    if not kind and unit and unit.strip().endswith(words.government_names):
        kind = words.government_word  # a 市 or 省 government: no kind of ours, one all the same
        government = True
    else:
        government = kind in spec.government_kinds
    if (
        government
        and len(text) >= _REPORT_MIN_CHARS
        and (missing := _missing_topics(text, words.government_topics))
    ):
        findings += rule_findings(
            spec,
            RuleKind.NARRATIVE_GOVERNMENT,
            {
                "kind": kind,
                "missing": "、".join(missing),
                "topics": "、".join(name for name, _ in words.government_topics),
            },
            sheet=source,
        )
    if year is None:
        return findings
    if title:
        for m in _TITLE_YEAR.finditer(_arabic(_nfkc(title))):
            if int(m.group(1)) != year:
                findings += _year(spec, "报告标题", int(m.group(1)), year, title, source)
                break
    for part in parts:
        findings += _period_findings(spec, part, year)
    for code, group in by_section.items():
        if code is None:
            continue
        hits = [
            (part, m)
            for part in group
            for m in _YEAR_OPENING.finditer(part.text.translate(_WIDE_DIGITS))
            if not (year <= int(m.group(1)) <= year + 1)
        ]
        if hits:
            part, m = hits[0]
            detail = f"（这一部分共 {len(hits)} 处）" if len(hits) > 1 else ""
            findings += rule_findings(
                spec,
                RuleKind.NARRATIVE_YEAR_MENTION,
                {
                    "place": part.place,
                    "excerpt": excerpt(part.text, m.start(), m.end()),
                    "actual": m.group(1),
                    "expected": year,
                    "detail": detail,
                },
                sheet=part.sheet,
                cell=part.cell,
                row=part.place,
                actual=m.group(1),
                expected=str(year),
            )
    return findings


def _year(spec, place: str, actual: int, year: int, quoted: str, sheet: str, cell: str = ""):
    return rule_findings(
        spec,
        RuleKind.NARRATIVE_YEAR,
        {"place": place, "actual": actual, "expected": year, "excerpt": quoted},
        sheet=sheet,
        cell=cell,
        row=place,
        actual=str(actual),
        expected=str(year),
    )


def period_sentence(markers: Iterable[str], text: str) -> tuple[str, int, int] | None:
    """Return the 统计期限 sentence of a text (NFKC), from its marker to 止 or the sentence's
    end, with its start and end in that text; None when no marker is there."""
    marker = next((m for m in markers if m in text), None)
    if marker is None:
        return None
    text = _nfkc(text)
    at = text.find(marker)
    end = at + len(marker)
    stop = re.search(r"[止。；;\n]", text[end : end + _PERIOD_SPAN])
    stop_at = end + (stop.end() if stop else _PERIOD_SPAN)
    return text, at, stop_at


def period_year(markers: Iterable[str], text: str) -> int | None:
    """Return the first year the 统计期限 sentence of a text names (二〇二四年 read too)."""
    found = period_sentence(markers, text)
    if found is None:
        return None
    text, at, stop_at = found
    m = _TITLE_YEAR.search(_arabic(text[at:stop_at]))
    return int(m.group(1)) if m else None


def _period_findings(spec: FormatSpec, part: TextPart, year: int) -> list[Finding]:
    """Return N-PERIOD / N-YEAR for the 统计期限 sentence in a piece of text, if it has one."""
    found = period_sentence(spec.narrative_structure.period_markers, part.text)
    if found is None:
        return []
    text, at, stop_at = found
    sentence = text[at:stop_at]
    quoted = sentence if len(sentence) <= 50 else excerpt(text, at, at + 50 - 2 * EXCERPT_SIDE)
    place = f"{part.place}的统计期限" if part.place else "统计期限"

    def period(detail: str) -> list[Finding]:
        return rule_findings(
            spec,
            RuleKind.NARRATIVE_PERIOD,
            {"place": part.place, "detail": detail, "excerpt": quoted, "year": year},
            sheet=part.sheet,
            cell=part.cell,
            row=part.place,
            actual=sentence,
        )

    digits = _arabic(sentence)
    if _RUN_TOGETHER.search(digits):
        return period("年份和月份连在了一起，少了“年”字")
    dates = [(int(y) if y else None, int(mo), int(d)) for y, mo, d in _DATE.findall(digits)]
    if any(not (1 <= mo <= 12 and 1 <= d <= 31) for _, mo, d in dates):
        return period("日期不存在")
    if any(y is not None and not 1900 <= y <= 2100 for y, _, _ in dates):
        return period("年份应为四位数字")
    if len(dates) != 2:
        return []
    (y1, m1, d1), (y2, m2, d2) = dates
    y2 = y2 if y2 is not None else y1
    for y in (y1, y2):
        if y is not None and y != year:
            return _year(spec, place, y, year, quoted, part.sheet, part.cell)
    if (m1, d1) != (1, 1) or (m2, d2) != (12, 31):
        return period("应为全年，即1月1日至12月31日")
    return []


# ---------------------------------------------------------------------------------------------
# Copied from last year

_NOT_WORDS = re.compile(r"[\s\W_]+", re.UNICODE)


def _comparable(text: str) -> str:
    """Return a text without blanks and punctuation, every number written 0: a copy with only
    the numbers (or the year) changed is still a copy."""
    return re.sub(r"\d+", "0", _NOT_WORDS.sub("", _nfkc(text)))


def similarity(this: str, last: str) -> float:
    """Return how alike two texts are (0–1), ignoring blanks, punctuation and numbers."""
    a, b = _comparable(this), _comparable(last)
    if not a or not b:
        return 0.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5:
        return matcher.quick_ratio()
    return matcher.ratio()


def sheet_section_texts(wb: FilledWorkbook) -> dict[str, str]:
    """Return the text of each section written in a workbook's 正文 sheet."""
    out: dict[str, list[str]] = {}
    for cell in wb.spec.text_cells:
        text = (wb.texts.get(cell.code) or "").strip()
        if text:
            out.setdefault(cell.section, []).append(text)
    return {code: "\n".join(texts) for code, texts in out.items()}


def copy_findings(
    spec: FormatSpec,
    this: Mapping[str, str],
    previous: FilledWorkbook,
    *,
    sheet: str,
    cells: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Return N-COPY for each section of ``this`` (code → text) too like last year's 正文.

    ``cells``: section code → A1 cell on the 正文 sheet, when ``this`` comes from there."""
    words = spec.narrative_structure
    last = sheet_section_texts(previous)
    findings: list[Finding] = []
    for section in spec.sections:
        text, before = this.get(section.code, ""), last.get(section.code, "")
        if min(len(_comparable(text)), len(_comparable(before))) < words.copy_min_chars:
            continue
        ratio = similarity(text, before)
        if ratio < words.copy_threshold:
            continue
        percent = int(ratio * 100)
        findings += rule_findings(
            spec,
            RuleKind.NARRATIVE_COPY,
            {"part": _part_name(section), "year": previous.year, "ratio": percent},
            sheet=sheet,
            cell=(cells or {}).get(section.code, ""),
            row=_part_name(section),
            actual=f"{percent}%",
        )
    return findings


# ---------------------------------------------------------------------------------------------
# Entry points


def places(spec: FormatSpec, narrative) -> list[tuple[str, str, str | None, list]]:
    """Return each part of a narrative file: where it is (for messages), its title, its section
    code (None for the opening) and its paragraphs."""
    out: list[tuple[str, str, str | None, list]] = [("开头部分", "", None, narrative.preamble)]
    out += [
        (_part_name(s), s.title, s.code, narrative.sections.get(s.code, [])) for s in spec.sections
    ]
    return out


def file_parts(spec: FormatSpec, narrative) -> list[TextPart]:
    """Return the paragraphs of a narrative file as text parts, with their places."""
    return [
        TextPart(f"{where}第 {n} 段", code, p.text, narrative.source)
        for where, _, code, paragraphs in places(spec, narrative)
        for n, p in enumerate(paragraphs, start=1)
    ]


def narrative_structure_findings(
    spec: FormatSpec,
    narrative,
    wb: FilledWorkbook | None = None,
    previous: FilledWorkbook | None = None,
) -> list[Finding]:
    """Return the structure findings of a narrative file: its outline, its contents (years and
    kind from the workbook, when given) and, with last year's workbook, copied sections.

    A narrative read from the workbook's 正文 sheet has none: ``validate`` checks that sheet."""
    if getattr(narrative, "from_sheet", False):
        return []
    findings = outline_findings(spec, narrative)
    findings += content_findings(
        spec,
        file_parts(spec, narrative),
        year=wb.year if wb is not None else None,
        kind=wb.kind if wb is not None else "",
        unit=wb.unit if wb is not None else "",
        title=narrative.title,
        source=narrative.source,
    )
    if previous is not None:
        this = {
            code: "\n".join(p.text for p in paragraphs)
            for code, paragraphs in narrative.sections.items()
        }
        findings += copy_findings(spec, this, previous, sheet=narrative.source)
    return findings


@cache
def _text_cells(spec: FormatSpec) -> tuple[tuple[tuple[TextCell, str], ...], dict[str, str]]:
    """Return the 正文 sheet's cells with their A1 references, and each section's first cell."""
    cells = tuple(
        (cell, L.a1(L.text_row(spec, cell.code), L.RECORD_VALUE_COL)) for cell in spec.text_cells
    )
    first: dict[str, str] = {}
    for cell, a1 in cells:
        first.setdefault(cell.section, a1)
    return cells, first


def sheet_structure_findings(
    wb: FilledWorkbook, previous: FilledWorkbook | None = None
) -> list[Finding]:
    """Return the structure findings that apply to the 正文 sheet: years, the government's
    results and, with last year's workbook, copied sections."""
    spec = wb.spec
    if not any(t.strip() for t in wb.texts.values()):
        return []
    sheet = spec.sheets.text
    cells, first_cell = _text_cells(spec)
    parts = []
    for cell, a1 in cells:
        text = wb.texts.get(cell.code) or ""
        if text.strip():
            parts.append(TextPart(f"「{cell.label}」", cell.section, text, sheet, a1))
    findings = content_findings(
        spec, parts, year=wb.year, kind=wb.kind, unit=wb.unit, source=sheet, subtopics=False
    )
    if previous is not None:
        findings += copy_findings(
            spec, sheet_section_texts(wb), previous, sheet=sheet, cells=first_cell
        )
    return findings
