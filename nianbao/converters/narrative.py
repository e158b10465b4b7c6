"""The clerk's narrative text, split into the report's six sections.

The narrative comes from the workbook's 正文 sheet (each cell knows its section) or from a file the
clerk wrote: a Word .docx, a plain .txt, or an .html page saved from a website. Each file reader
(``narrative_docx.py``, ``narrative_text.py``) only turns its file into a flat list of paragraphs;
one splitter (``narrative_from_paragraphs``, here) then finds the section headings, tolerantly,
with the titles and synonyms of ``spec.sections``. Nothing here knows a section title: every title
comes from the spec.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from nianbao.errors import NarrativeError, os_reason
from nianbao.files import special_file_problem
from nianbao.validation.findings import Finding, rule_findings
from nianbao.workbook_templates.loader import available_formats
from nianbao.workbook_templates.reader import FilledWorkbook
from nianbao.workbook_templates.spec import FormatSpec, RuleKind, SectionSpec
from nianbao.workbook_templates.values import normalize_label

from .document import BODY, HEADING2, LIST_ITEM, Paragraph, Run
from .narrative_common import (
    IMAGE_MARKER,
    TABLE_MARKER,
    clean_paragraph,
    looks_like_title,
    merge_runs,
    run_with,
    slice_runs,
    strip_blanks,
)
from .narrative_docx import read_docx
from .narrative_pdf import read_pdf
from .narrative_text import read_html, read_txt

__all__ = [
    "Narrative",
    "OutlineEntry",
    "narrative_from_paragraphs",
    "narrative_from_workbook",
    "read_narrative",
]

_NUMBERED_RATIO = 0.75
_UNNUMBERED_RATIO = 0.85
_UNNUMBERED_MAX = 30  # an unnumbered heading is a short line
_SUBHEAD_MAX = 25  # a sub-head of 一 (（一）……) is a short line too
_QUOTE_MAX = 40  # how much of a paragraph a note quotes
_MAX_HEADING_WARNINGS = 20  # a pasted pile of reports should not bury the other notes
_MATCH_SPAN = 200  # a heading, even with text after it, shows within a paragraph's start

_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")}
_CN_DIGIT["〇"] = 0
# Compared titles ignore punctuation and quotes; 和/及 are used interchangeably.
_TITLE_PUNCT = re.compile(r"""[、,，。.．:：;；()（）"'“”‘’]""")
# On NFKC text: "一、" "二." "3，" "四 " "第五部分" — a level-1 number and its separator.
_NUMBER_PREFIX = re.compile(
    r"^\s*(?:第\s*(?P<part>[一二三四五六七八九十]{1,3}|\d{1,2})\s*(?:部分|章)\s*[、.,:]?"
    r"|(?P<cn>[一二三四五六七八九十]{1,3})\s*[、.,]"
    r"|(?P<cnsp>[一二三四五六七八九十]{1,3})\s+"
    r"|(?P<ar>\d{1,2})\s*[、.,]"
    r"|(?P<arsp>\d{1,2})\s+)\s*"
)
_SUB_NUMBER = re.compile(r"^\s*\(\s*[一二三四五六七八九十\d]{1,3}\s*\)")
_SUBHEAD = re.compile(r"^\s*\(\s*[一二三四五六七八九十]\s*\)")
_HEADING_END = re.compile(r"[。:]")
_CN_TOKEN = re.compile(r"^([一二三四五六七八九十]{1,3})[、.]")
_CN_BARE = re.compile(r"^[一二三四五六七八九十]{1,3}[、.]$")


@dataclass(frozen=True)
class OutlineEntry:
    """A paragraph that reads as a level-1 heading, as written: what the structure checks see.

    Recorded whether or not the splitter accepted it, so that a shifted number ("一、主动公开政府
    信息情况"), a section out of order, or a second 一、二、 series inside a section can be named.
    """

    paragraph: int  # its position, counted as in the notes ("第 n 段")
    text: str  # the paragraph's start, for quoting
    number: int | None  # its level-1 number (一 → 1, 3 → 3); None when it has none
    number_text: str  # the number as written ("一", "3"), "" when it has none
    chinese: bool  # numbered 一、 or 第一部分 (the numbering of the six parts), not 1.
    section: str | None  # the section its title names (title or synonym), if any
    accepted: bool  # the splitter made it that section's heading
    within: str | None  # the section it stands in; None before the first heading


@dataclass
class Narrative:
    """The narrative split into the report's sections, with notes about what was done (findings
    of the format's D- rules)."""

    source: str  # file name, or the workbook's 正文 sheet name
    title: str = ""
    preamble: list[Paragraph] = field(default_factory=list)
    sections: dict[str, list[Paragraph]] = field(default_factory=dict)  # every code, maybe []
    found: list[str] = field(default_factory=list)  # codes whose heading was found, in order
    notes: list[Finding] = field(default_factory=list)
    # The level-1 headings as written, in order; empty for the 正文 sheet, whose cells are the
    # sections (there is no heading to get wrong).
    outline: list[OutlineEntry] = field(default_factory=list)
    from_sheet: bool = False  # read from the workbook's 正文 sheet (``validate`` checks that)
    # The tables the text holds (left out of the sections), each as its rows of cell texts with
    # the code of the section it stands in (None before the first heading): the checks look at
    # what they print (numbers or none, which format's rows), never at their values.
    tables: list[tuple[str | None, list[tuple[str, ...]]]] = field(default_factory=list)

    def is_empty(self) -> bool:
        """Return True when there is no paragraph in any section and no preamble."""
        return not self.preamble and not any(self.sections.values())


# ---------------------------------------------------------------------------------------------
# Entry points


def read_narrative(path: str | Path, spec: FormatSpec) -> Narrative:
    """Return the narrative of a .docx, .txt, .html or .pdf file; raise NarrativeError if
    unreadable."""
    path = Path(path)
    name = path.name
    if (problem := special_file_problem(path)) is not None:
        raise NarrativeError(
            f"正文文件 {name}：{problem}", "请给出 .docx、.txt、.html 或 .pdf 文件。"
        )
    if not path.is_file():
        raise NarrativeError(f"找不到正文文件：{path}。", "请检查文件路径是否正确。")
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        kind = f"是 {suffix} 格式" if suffix else "没有扩展名"
        raise NarrativeError(
            f"正文文件 {name} {kind}，读不了（只支持 .docx、.txt、.md、.html、.pdf）。",
            "请在 Word/WPS 中另存为 .docx 后再试。",
        )
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise NarrativeError(
            f"无法读取正文文件 {name}：{os_reason(exc)}。",
            "请检查文件权限，或先在 Word/WPS 中关闭该文件。",
        ) from exc
    if size == 0:
        raise NarrativeError(f"正文文件 {name} 是空的（0 字节）。", "请检查是否选错了文件。")
    _check_size(path, suffix, size)
    return narrative_from_paragraphs(reader(path), spec, name)


# A report's narrative is some 10,000–60,000 characters: a text or web page file this large is a
# wrong or hostile file, refused before it is parsed (a .docx has its own limits in its reader).
MAX_TEXT_BYTES = 4 * 1024 * 1024


def _check_size(path: Path, suffix: str, size: int) -> None:
    """Refuse a .txt or .html narrative far larger than any report's text, before parsing."""
    if suffix in (".txt", ".md", ".html", ".htm") and size > MAX_TEXT_BYTES:
        raise NarrativeError(
            f"正文文件 {path.name} 过大（{size / 2**20:.0f} MB），远超一份年报的正文"
            "（一般不到 1 MB），没有读取。",
            "请检查是否选错了文件；网页请只复制正文部分，另存为 .txt 后再试。",
        )


def narrative_from_workbook(wb: FilledWorkbook) -> Narrative:
    """Return the narrative typed in the workbook's 正文 sheet (the cells know their sections)."""
    spec = wb.spec
    narrative = Narrative(
        source=spec.sheets.text, sections={s.code: [] for s in spec.sections}, from_sheet=True
    )
    for cell in spec.text_cells:
        lines = [strip_blanks(line) for line in (wb.texts.get(cell.code) or "").splitlines()]
        lines = [line for line in lines if line]
        if not lines or cell.section not in narrative.sections:
            continue
        paragraphs = narrative.sections[cell.section]
        if cell.heading:
            paragraphs.append(Paragraph.plain(cell.label, HEADING2))
        paragraphs.extend(Paragraph.plain(line) for line in lines)
    narrative.found = [s.code for s in spec.sections if narrative.sections[s.code]]
    return narrative


_READERS = {
    ".docx": read_docx,
    ".txt": read_txt,
    ".md": read_txt,  # Markdown is text: its "#" headings and "|" rows are read as such
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
}
NARRATIVE_SUFFIXES = tuple(_READERS)  # the files read_narrative reads


# ---------------------------------------------------------------------------------------------
# The section splitter


@dataclass(frozen=True)
class _Heading:
    """What the splitter made of a paragraph that may be a level-1 heading."""

    index: int  # index into spec.sections; -1 when the title matches no section
    accepted: bool  # a heading in the right place
    warn: bool  # looks like a heading but cannot be one: keep as text and say so
    tail: int = -1  # where the text after the heading starts (in the paragraph's text), if any


# The first title line of a title broken after the unit's name, and the line after it.
_UNIT_LINE = re.compile(r"^[\u4e00-\u9fff（）()]{2,30}$")
_YEAR_START = re.compile(r"^(19|20)\d\d\s*年")


_FURNITURE_SEPARATORS = re.compile(r"[【】\[\]［］()（）:：|｜/\\>》<《]")
_PUNCT_OR_SPACE = re.compile(r"[\s:：、,，.．]")
_NUMBER_CELL = re.compile(r"^[\d.,，\s]+$")


@cache
def _table_labels(spec: FormatSpec) -> dict[str, frozenset[str]]:
    """Return, per table code, every row and column label of the table in compared form."""
    labels: dict[str, frozenset[str]] = {}
    for table in spec.tables:
        texts = {h for b in table.blocks for r in b.rows for h in (r.name, r.short, *r.path)}
        texts |= {h for b in table.blocks for c in b.columns for h in (c.name, *c.path)}
        labels[table.code] = frozenset(_label_form(t) for t in texts if t)
    return labels


@cache
def _table_labels_any_format(spec: FormatSpec) -> dict[str, frozenset[str]]:
    """Return, per table code, the labels of that table in this format or any other (a 2019
    table copied into a 2021 year's report is a table all the same, checked as one)."""
    merged = {code: set(labels) for code, labels in _table_labels(spec).items()}
    for other in available_formats().values():
        for code, labels in _table_labels(other).items():
            merged.setdefault(code, set()).update(labels)
    return {code: frozenset(labels) for code, labels in merged.items()}


@cache
def _table_names(spec: FormatSpec) -> tuple[str, ...]:
    """Return the tables' names (表二, 表三, 表四) in compared form."""
    return tuple(_label_form(t.name) for t in spec.tables if t.name)


def _label_form(text: str) -> str:
    return _PUNCT_OR_SPACE.sub("", unicodedata.normalize("NFKC", text))


class _Splitter:
    def __init__(self, spec: FormatSpec, source: str) -> None:
        self.spec = spec
        self.sections = spec.sections
        self.narrative = Narrative(source=source, sections={s.code: [] for s in spec.sections})
        self.current = -1  # index of the current section; -1 = preamble
        self.guidance_prefixes = _guidance_prefixes(spec)
        self.dropped_guidance: list[str] = []
        self.furniture: list[str] = []  # lines of a web page's buttons, left out
        self.furniture_words = frozenset(spec.report.furniture)
        self.skipped: dict[tuple[int, str], int] = {}  # (section index, kind) -> count
        self.count = 0  # text paragraphs seen, for "第 n 段"
        self.heading_warnings = 0
        # Characters XML cannot hold, taken out of the paragraphs read so far and not yet placed;
        # then how many were taken out in each part (its index, -1 the opening).
        self.pending_dropped = 0
        self.dropped: dict[int, int] = {}

    # -- notes

    def _note(self, kind: RuleKind, args: dict[str, object]) -> None:
        """Add the findings of the spec's rules of ``kind``, worded with ``args``."""
        self.narrative.notes.extend(rule_findings(self.spec, kind, args))

    def _warn_not_heading(self, text: str, heading: _Heading) -> None:
        self.heading_warnings += 1
        if self.heading_warnings > _MAX_HEADING_WARNINGS:
            return
        where = "开头部分" if self.current < 0 else f"“{self.sections[self.current].number}”部分"
        backward = heading.index >= 0 and heading.index <= self.current
        self._note(
            RuleKind.READING_ORDER if backward else RuleKind.READING_HEADING,
            {"paragraph": self.count, "excerpt": _quote(text), "place": where},
        )

    # -- main loop

    def _counting(self, paragraphs: Iterable[Paragraph]) -> Iterator[Paragraph]:
        """Yield the paragraphs, adding up the characters their readers took out."""
        for paragraph in paragraphs:
            self.pending_dropped += sum(r.dropped for r in paragraph.runs)
            yield paragraph

    def _place_dropped(self) -> None:
        """Put the characters taken out so far in the part being read now."""
        if self.pending_dropped:
            self.dropped[self.current] = self.dropped.get(self.current, 0) + self.pending_dropped
            self.pending_dropped = 0

    def run(self, paragraphs: Iterable[Paragraph]) -> Narrative:
        try:
            return self._run(paragraphs)
        finally:
            self._place_dropped()

    def _run(self, paragraphs: Iterable[Paragraph]) -> Narrative:
        previous_marker = ""
        split = _split_inline_headings(
            self._counting(paragraphs), self.sections, _glued_after(self.spec)
        )
        for paragraph in split:
            if paragraph.kind in (TABLE_MARKER, IMAGE_MARKER):
                # Table rows read line by line arrive as a run of markers: one table.
                if paragraph.kind != previous_marker or paragraph.kind == IMAGE_MARKER:
                    key = (self.current, paragraph.kind)
                    self.skipped[key] = self.skipped.get(key, 0) + 1
                    if paragraph.kind == TABLE_MARKER:
                        self._new_table()
                if paragraph.kind == TABLE_MARKER:
                    self.narrative.tables[-1][1].extend(row for row in paragraph.cells if row)
                previous_marker = paragraph.kind
                continue
            cleaned = clean_paragraph(paragraph)
            if cleaned is None:
                previous_marker = ""
                continue
            paragraph = cleaned
            if self._is_table_line(paragraph.text):
                # A table copied one cell per line: its labels and numbers are not headings or
                # prose. Counted like the table markers: one table per run of such lines.
                if previous_marker != TABLE_MARKER:
                    key = (self.current, TABLE_MARKER)
                    self.skipped[key] = self.skipped.get(key, 0) + 1
                    self._new_table()
                self.narrative.tables[-1][1].append((paragraph.text,))
                previous_marker = TABLE_MARKER
                continue
            previous_marker = ""
            self.count += 1
            if self._is_furniture(paragraph.text):
                self.furniture.append(paragraph.text)
                continue
            if self._is_guidance(paragraph.text):
                self.dropped_guidance.append(paragraph.text)
                continue
            self._place(paragraph)
            self._place_dropped()  # in the part this paragraph went to (a heading starts one)
        self._place_dropped()
        self._finish()
        return self.narrative

    def _new_table(self) -> None:
        code = self.sections[self.current].code if self.current >= 0 else None
        self.narrative.tables.append((code, []))

    def _place(self, paragraph: Paragraph) -> None:
        label = paragraph.label if paragraph.kind == LIST_ITEM and paragraph.label != "•" else ""
        text = label + paragraph.text
        if self._is_caption(text):
            # "表二：主动公开政府信息情况" names the part's table: text, never the part's heading
            # again (or out of order).
            self._append(paragraph)
            return
        normalized = _normalized(text[:_MATCH_SPAN])
        heading = _match_heading(normalized, self.sections, self.current)
        self._record_outline(text, normalized[0], heading)
        if heading.accepted:
            self.current = heading.index
            self.narrative.found.append(self.sections[heading.index].code)
            if heading.tail >= 0:
                tail_at = max(heading.tail - len(label), 0)
                rest = clean_paragraph(Paragraph(slice_runs(paragraph.runs, tail_at, None)))
                if rest is not None:
                    self._append(rest)
            return
        # A Word list numbered 一、二、 is an ordinary list unless it names a section.
        if heading.warn and not (paragraph.kind == LIST_ITEM and heading.index < 0):
            self._warn_not_heading(text, heading)
        if self.current < 0 and not self.narrative.title and looks_like_title(text):
            # A title broken over two lines: the unit's name, then "……年度报告".
            preamble = self.narrative.preamble
            unit = preamble[-1].text.strip() if preamble else ""
            joined = unit + text.strip()
            if (
                _UNIT_LINE.match(unit)
                and _YEAR_START.match(text.strip())
                and looks_like_title(joined)
            ):
                preamble.pop()
                text = joined
            self.narrative.title = text.strip()
            return
        self._append(paragraph)

    def _record_outline(self, text: str, norm: str, heading: _Heading) -> None:
        seen = _outline_heading(norm, self.sections)
        if seen is None:
            return
        number, number_text, chinese, index = seen
        within = self.sections[self.current].code if self.current >= 0 else None
        if heading.accepted:
            index = heading.index
        self.narrative.outline.append(
            OutlineEntry(
                paragraph=self.count,
                text=_quote(text, 30),
                number=number,
                number_text=number_text,
                chinese=chinese,
                section=self.sections[index].code if index >= 0 else None,
                accepted=heading.accepted,
                within=within,
            )
        )

    def _append(self, paragraph: Paragraph) -> None:
        paragraph = _sub_heading(paragraph)
        if self.current < 0:
            self.narrative.preamble.append(paragraph)
        else:
            self.narrative.sections[self.sections[self.current].code].append(paragraph)

    def _is_furniture(self, text: str) -> bool:
        """Return whether a paragraph is only a web page's buttons ("【字体：大 中 小】 打印")."""
        words = _FURNITURE_SEPARATORS.sub(" ", unicodedata.normalize("NFKC", text)).split()
        return bool(words) and all(w in self.furniture_words for w in words)

    def _is_caption(self, text: str) -> bool:
        """Return whether a short line begins with the name of one of the tables (表二 …)."""
        compact = _label_form(text)
        return len(compact) <= _UNNUMBERED_MAX and compact.startswith(_table_names(self.spec))

    def _is_table_line(self, text: str) -> bool:
        """Return whether a paragraph inside a part with a table is one of the table's cells as
        text: a row or column label of the official table, or a bare number."""
        if self.current < 0:
            return False
        table = self.sections[self.current].table
        if not table:
            return False
        if _NUMBER_CELL.match(text):
            return True
        return _label_form(text) in _table_labels_any_format(self.spec).get(table, frozenset())

    def _is_guidance(self, text: str) -> bool:
        text = text.strip()
        return (
            text.startswith("【")
            and text.endswith("】")
            and any(text.startswith(p) for p in self.guidance_prefixes)
        )

    def _drop_empty_subheads(self) -> list[str]:
        """Drop sub-heads with no text under them (as an untouched template has); return them."""
        dropped = []
        for code, paragraphs in self.narrative.sections.items():
            kept = []
            for i, paragraph in enumerate(paragraphs):
                following = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
                if paragraph.kind == HEADING2 and (following is None or following.kind == HEADING2):
                    dropped.append(paragraph.text)
                else:
                    kept.append(paragraph)
            self.narrative.sections[code] = kept
        return dropped

    def _dropped_note(self) -> None:
        """Add the note on the invisible control characters taken out of the text, by part."""
        if not self.dropped:
            return
        places = [
            f"{'开头部分' if index < 0 else f'“{self.sections[index].heading}”部分'} {count} 个"
            for index, count in sorted(self.dropped.items())
        ]
        self._note(
            RuleKind.READING_CONTROL,
            {"count": sum(self.dropped.values()), "place": "、".join(places)},
        )

    def _finish(self) -> None:
        self._dropped_note()
        if (more := self.heading_warnings - _MAX_HEADING_WARNINGS) > 0:
            self._note(RuleKind.READING_MORE_HEADINGS, {"count": more})
        if dropped := self._drop_empty_subheads():
            names = "、".join(f"“{_quote(t, 20)}”" for t in dropped)
            self._note(RuleKind.READING_EMPTY_SUBHEAD, {"names": names})
        if self.dropped_guidance:
            self._note(
                RuleKind.READING_GUIDANCE,
                {
                    "count": len(self.dropped_guidance),
                    "excerpt": _quote(self.dropped_guidance[0], 20),
                },
            )
        if self.furniture:
            args = {"count": len(self.furniture), "excerpt": _quote(self.furniture[0], 20)}
            self._note(RuleKind.READING_FURNITURE, args)
        for (index, kind), count in sorted(self.skipped.items()):
            self._skip_note(index, kind, count)
        missing = [s for s in self.sections if s.code not in self.narrative.found]
        if len(missing) == len(self.sections):
            first = self.sections[0]
            self._note(
                RuleKind.READING_NO_SECTION,
                {"heading": first.heading, "count": len(self.sections)},
            )
        elif missing:
            names = "、".join(f"“{s.heading}”" for s in missing)
            self._note(RuleKind.READING_MISSING, {"missing": names})

    def _skip_note(self, index: int, kind: str, count: int) -> None:
        """Add the note on ``count`` tables or pictures skipped in a section (-1: the opening)."""
        args: dict[str, object] = {"amount": f" {count} 个" if count > 1 else ""}
        section: SectionSpec | None = self.sections[index] if index >= 0 else None
        table = kind == TABLE_MARKER
        if section is None:
            rule = RuleKind.READING_TABLE_OPENING if table else RuleKind.READING_IMAGE_OPENING
        else:
            args["part"] = f"“{section.heading}”部分"
            if table and section.table:
                rule = RuleKind.READING_TABLE_REPLACED
            else:
                rule = RuleKind.READING_TABLE if table else RuleKind.READING_IMAGE
        self._note(rule, args)


def narrative_from_paragraphs(
    paragraphs: list[Paragraph], spec: FormatSpec, source: str
) -> Narrative:
    """Return the narrative with paragraphs assigned to the title, preamble and sections.

    A paragraph is a level-1 heading when its number and title match a section of the spec and
    sections advance in order; anything else that looks like a heading stays text, with a note.
    """
    return _Splitter(spec, source).run(paragraphs)


def _guidance_prefixes(spec: FormatSpec) -> tuple[str, ...]:
    """Return how the narrative template's guidance paragraphs begin ("【写作提示" ...)."""
    report = spec.report
    texts = (*report.narrative_intro, report.guidance, report.table_guidance)
    prefixes = set()
    for text in texts:
        head = re.split(r"[：:，,{]", text, maxsplit=1)[0][:12]
        if head.startswith("【") and len(head) > 2:
            prefixes.add(head)
    return tuple(sorted(prefixes))


def _title_key(text: str) -> str:
    """Return a title in comparable form: no width, space, punctuation or quote differences."""
    return _TITLE_PUNCT.sub("", normalize_label(text)).replace("及", "和")


def _section_ratio(candidate: str, section: SectionSpec) -> float:
    key = _title_key(candidate)
    if not key:
        return 0.0
    best = 0.0
    for title in (section.title, *section.synonyms):
        other = _title_key(title)
        if key == other:
            return 1.0
        best = max(best, difflib.SequenceMatcher(None, key, other, autojunk=False).ratio())
    return best


def _cn_number(text: str) -> int:
    """Return the value of a Chinese numeral up to 九十九 ("十一" -> 11), or of arabic digits."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _CN_DIGIT.get(text, 0) if len(text) == 1 else 0
    tens, _, ones = text.partition("十")
    return (_CN_DIGIT.get(tens, 0) if tens else 1) * 10 + (_CN_DIGIT.get(ones, 0) if ones else 0)


def _normalized(text: str) -> tuple[str, list[int]]:
    """Return the NFKC form of a text and, for each of its characters, the original index."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch)
        out.append(n)
        origin.extend([i] * len(n))
    return "".join(out), origin


# A comma or semicolon ends a clause: a line with one is running text (a sentence broken at a PDF
# line end, "诉讼情况、政府信息公开工作存在的主要问题及改进情况，以及"), never a heading.
_CLAUSE_PUNCT = re.compile(r"[,;]")


def _may_be_unnumbered_heading(norm: str, compact: str) -> bool:
    """Return whether a paragraph without a level-1 number may still be a heading: a short line,
    not a sentence or clause, not a sub-item, not starting with a number; ``norm`` is its start
    in NFKC, ``compact`` the same without blanks."""
    return not (
        not compact
        or len(compact) > _UNNUMBERED_MAX
        or "。" in compact
        or _CLAUSE_PUNCT.search(compact)
        or compact[0].isdigit()
        or _SUB_NUMBER.match(norm)
    )


def _match_heading(
    normalized: tuple[str, list[int]], sections: tuple[SectionSpec, ...], current: int
) -> _Heading:
    """Return whether a paragraph is the level-1 heading of a section after ``current``;
    ``normalized`` is ``_normalized`` of the paragraph's start."""
    norm, origin = normalized  # the paragraph's start, as _normalized returns it
    compact = re.sub(r"\s+", "", norm)
    m = _NUMBER_PREFIX.match(norm)
    if m is None:
        if not _may_be_unnumbered_heading(norm, compact):
            return _Heading(-1, False, False)
        ratios = [_section_ratio(compact, s) for s in sections]
        best = max(range(len(sections)), key=lambda i: ratios[i])
        if ratios[best] < _UNNUMBERED_RATIO:
            return _Heading(-1, False, False)
        # The current part's own title again, unnumbered, is text ("无其他需要报告的事项").
        return _Heading(best, best > current, best < current)
    number_text = next(g for g in m.groups() if g)
    chinese = not number_text.isdigit()
    number = _cn_number(number_text)
    rest = norm[m.end() :]
    index = next((i for i, s in enumerate(sections) if _cn_number(s.number) == number), -1)
    short = len(compact) <= _UNNUMBERED_MAX and "。" not in compact
    if index < 0:
        return _Heading(-1, False, chinese and short)
    section = sections[index]
    tail = -1
    matched = _section_ratio(rest, section) >= _NUMBERED_RATIO
    end = _HEADING_END.search(rest)
    if not matched and end is not None:
        matched = _section_ratio(rest[: end.start()], section) >= _NUMBERED_RATIO
        if matched:
            tail = origin[m.end() + end.start()] + 1
    if not matched:
        return _Heading(-1, False, chinese and short)
    if index <= current:
        return _Heading(index, False, True)
    return _Heading(index, True, False, tail)


def _outline_heading(
    norm: str, sections: tuple[SectionSpec, ...]
) -> tuple[int | None, str, bool, int] | None:
    """Return (number, number as written, Chinese-numbered, section index or -1) for a paragraph
    that reads as a level-1 heading, or None; ``norm`` is the paragraph's start in NFKC.

    Unlike ``_match_heading`` the title decides the section, whatever the number says; and any
    paragraph numbered 一、 counts, because a second 一、二、 series is itself a finding.
    """
    m = _NUMBER_PREFIX.match(norm)
    if m is None:
        compact = re.sub(r"\s+", "", norm)
        if not _may_be_unnumbered_heading(norm, compact):
            return None
        index = _title_section(compact, sections, _UNNUMBERED_RATIO)
        return None if index < 0 else (None, "", False, index)
    number_text = next(g for g in m.groups() if g)
    chinese = not number_text.isdigit()
    rest = norm[m.end() :]
    end = _HEADING_END.search(rest)
    title = rest[: end.start()] if end else rest
    index = -1
    if len(re.sub(r"\s+", "", title)) <= _UNNUMBERED_MAX:
        index = _title_section(title, sections, _NUMBERED_RATIO)
    if index < 0 and not chinese:
        return None  # 1. 2. lists are everywhere in the text
    return _cn_number(number_text), number_text, chinese, index


def _title_section(title: str, sections: tuple[SectionSpec, ...], threshold: float) -> int:
    """Return the index of the section a heading's title names, or -1."""
    ratios = [_section_ratio(title, s) for s in sections]
    best = max(range(len(sections)), key=lambda i: ratios[i])
    return best if ratios[best] >= threshold else -1


def _sub_heading(paragraph: Paragraph) -> Paragraph:
    """Return a （一）… paragraph as a sub-head, or with its opening sentence marked as one."""
    if paragraph.kind not in (BODY, LIST_ITEM):
        return paragraph
    label = paragraph.label if paragraph.kind == LIST_ITEM else ""
    text = label + paragraph.text
    norm, _ = _normalized(text[:_MATCH_SPAN])
    if not _SUBHEAD.match(norm):
        return paragraph
    compact = re.sub(r"\s+", "", norm)
    if len(compact) <= _SUBHEAD_MAX and "。" not in compact:
        runs = ((Run(label),) if label else ()) + paragraph.runs
        return Paragraph(merge_runs(runs), HEADING2)
    if paragraph.kind != BODY:
        return paragraph
    stop = text.find("。")
    if stop < 0 or len(re.sub(r"\s+", "", text[: stop + 1])) > _SUBHEAD_MAX:
        return paragraph
    head = tuple(run_with(r, heading=True) for r in slice_runs(paragraph.runs, 0, stop + 1))
    body = slice_runs(paragraph.runs, stop + 1, None)
    return Paragraph(head + body, BODY, paragraph.label, paragraph.level)


def _split_inline_headings(
    paragraphs: Iterable[Paragraph], sections: tuple[SectionSpec, ...], glued_after: re.Pattern
) -> Iterator[Paragraph]:
    """Yield paragraphs, cutting out headings that a web copy ran into the text.

    Pages copied from a browser often lose their line breaks ("……12月31日。 一、…… 2025年，……").
    Only a numbered title that equals a section's title (or synonym), with the section's own
    number, is cut out: with blanks on both sides, or glued where ``glued_after`` matches what
    comes before it (see ``_glued_cuts``), so ordinary text is never split. Run-in sub-heads are
    cut too, but only a series that counts up from （一）.
    """
    keys = {_cn_number(s.number): {_title_key(t) for t in (s.title, *s.synonyms)} for s in sections}
    titles = {
        _cn_number(s.number): tuple(
            sorted((unicodedata.normalize("NFKC", t) for t in (s.title, *s.synonyms)), key=len)[
                ::-1
            ]
        )
        for s in sections
    }
    for paragraph in paragraphs:
        text = paragraph.text
        if paragraph.kind != BODY:
            yield paragraph
            continue
        cuts: list[int] = []
        tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
        i = 0
        while i < len(tokens):
            start, end = tokens[i]
            token = unicodedata.normalize("NFKC", text[start:end])
            if _CN_BARE.match(token) and i + 1 < len(tokens):
                end = tokens[i + 1][1]
                token = unicodedata.normalize("NFKC", text[start:end])
                step = 2
            else:
                step = 1
            m = _CN_TOKEN.match(token)
            if m and _title_key(token[m.end() :]) in keys.get(_cn_number(m.group(1)), set()):
                cuts += [start, end]
            i += step
        cuts += _glued_cuts(text, titles, glued_after)
        bounds = sorted({0, *cuts, len(text)})
        for a, b in itertools.pairwise(bounds):
            if b > a:
                yield from _split_inline_subheads(Paragraph(slice_runs(paragraph.runs, a, b)))


# A level-1 number in the text (NFKC), as in "……止。一、总体情况2025年".
_GLUED_NUMBER = re.compile(r"([一二三四五六七八九十]{1,2})[、.]\s*")
_GLUED_CONTEXT = 12  # how far back ``glued_after`` looks


@cache
def _glued_after(spec: FormatSpec) -> re.Pattern:
    """Return what a heading a web copy glued to the text may follow (matched at the end of the
    text before its number): a sentence's end ("……止。一、总体情况"), or a table's last cell, a
    number with or without its unit ("…18651.06三、…", "…94432.52元三、…",
    "0 0 00 0 四、…"). (At a paragraph's start a title running into text stays text: there is
    no sign it was cut off.)"""
    words = spec.narrative_numbers
    units = sorted(
        {
            unicodedata.normalize("NFKC", u)
            for u in (*words.count_units, *(u for u, _ in words.money_units))
        },
        key=len,
        reverse=True,
    )
    unit = "|".join(re.escape(u) for u in units)
    return re.compile(rf"(?:[。!?;]|\d(?:{unit})?)\s*\Z" if unit else r"(?:[。!?;]|\d)\s*\Z")


def _glued_cuts(
    text: str, titles: Mapping[int, tuple[str, ...]], glued_after: re.Pattern
) -> list[int]:
    """Return where to cut a paragraph around a heading a web copy glued to the text: before its
    number when what comes before may end a text there (``glued_after``), and after its title
    when the text runs on. Only a section's own title (or synonym) with its own number is cut."""
    if len(unicodedata.normalize("NFKC", text)) != len(text):
        return []  # positions would not map back
    folded = unicodedata.normalize("NFKC", text)
    cuts: list[int] = []
    for m in _GLUED_NUMBER.finditer(folded):
        start = m.start()
        if not glued_after.search(folded, max(0, start - _GLUED_CONTEXT), start):
            continue
        after = folded[m.end() :]
        title = next(
            (t for t in titles.get(_cn_number(m.group(1)), ()) if after.startswith(t)), None
        )
        if title is None:
            continue
        end = m.end() + len(title)
        cuts.append(start)
        if end < len(folded) and folded[end] not in "。:,、;":
            cuts.append(end)  # the text runs on, after a blank or none
    return cuts


def _split_inline_subheads(paragraph: Paragraph) -> list[Paragraph]:
    """Return the paragraph cut before run-in sub-heads " （一）…… （二）……", when they count up."""
    text = paragraph.text
    starts = []
    for m in re.finditer(r"\S+", text):
        sub = _SUBHEAD.match(unicodedata.normalize("NFKC", m.group(0)))
        if sub:
            starts.append((m.start(), _cn_number(sub.group(0).strip(" ()"))))
    if len(starts) < 2 or [n for _, n in starts] != list(range(1, len(starts) + 1)):
        return [paragraph]
    bounds = [0, *(start for start, _ in starts), len(text)]
    return [
        Paragraph(slice_runs(paragraph.runs, a, b)) for a, b in itertools.pairwise(bounds) if b > a
    ]


# ---------------------------------------------------------------------------------------------
# Notes


def _quote(text: str, limit: int = _QUOTE_MAX) -> str:
    text = re.sub(r"\s+", " ", text.strip())
    return text if len(text) <= limit else text[:limit] + "…"
