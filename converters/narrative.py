"""The clerk's narrative text, split into the report's six sections.

The narrative comes from the workbook's 正文 sheet (each cell knows its section) or from a file the
clerk wrote: a Word .docx, a plain .txt, or an .html page saved from a website. Each file reader
only turns its file into a flat list of paragraphs; one splitter (``narrative_from_paragraphs``)
then finds the section headings, tolerantly, with the titles and synonyms of ``spec.sections``.
Nothing here knows a section title: every title comes from the spec.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from workbook_templates.errors import NarrativeError
from workbook_templates.reader import FilledWorkbook
from workbook_templates.spec import FormatSpec, SectionSpec
from workbook_templates.values import normalize_label

from .document import BODY, HEADING2, LIST_ITEM, Paragraph, Run

__all__ = [
    "Narrative",
    "NarrativeNote",
    "narrative_from_paragraphs",
    "narrative_from_workbook",
    "read_narrative",
]

# Safety limits for files from outside: a .docx is a zip that could expand without bound.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
MAX_TEXT_BYTES = 20 * 1024 * 1024

# Readers mark what they skipped with these internal paragraph kinds; the splitter turns them
# into notes, because only it knows which section the table or picture sat in.
_TABLE = "_table"
_IMAGE = "_image"

_NUMBERED_RATIO = 0.75
_UNNUMBERED_RATIO = 0.85
_UNNUMBERED_MAX = 30  # an unnumbered heading is a short line
_SUBHEAD_MAX = 25  # a sub-head of 一 (（一）……) is a short line too
_TITLE_MAX = 60
_TITLE_WORDS = ("年度报告", "工作报告")
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
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


@dataclass(frozen=True)
class NarrativeNote:
    severity: str  # "error" | "warning" | "info"
    message: str  # plain Chinese
    action: str = ""


@dataclass
class Narrative:
    """The narrative split into the report's sections, with notes about what was done."""

    source: str  # file name, or the workbook's 正文 sheet name
    title: str = ""
    preamble: list[Paragraph] = field(default_factory=list)
    sections: dict[str, list[Paragraph]] = field(default_factory=dict)  # every code, maybe []
    found: list[str] = field(default_factory=list)  # codes whose heading was found, in order
    notes: list[NarrativeNote] = field(default_factory=list)

    def is_empty(self) -> bool:
        """Return True when there is no paragraph in any section and no preamble."""
        return not self.preamble and not any(self.sections.values())


# ---------------------------------------------------------------------------------------------
# Entry points


def read_narrative(path: str | Path, spec: FormatSpec) -> Narrative:
    """Return the narrative of a .docx, .txt or .html file; raise NarrativeError if unreadable."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise NarrativeError(f"找不到正文文件：{path}。", "请检查文件路径是否正确。")
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        if suffix == ".pdf":
            raise NarrativeError(
                f"不能从 PDF 文件 {name} 中读取正文。", "请提供 .docx/.txt/.html 格式的正文。"
            )
        kind = f"是 {suffix} 格式" if suffix else "没有扩展名"
        raise NarrativeError(
            f"正文文件 {name} {kind}，读不了（只支持 .docx、.txt、.html）。",
            "请在 Word/WPS 中另存为 .docx 后再试。",
        )
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise NarrativeError(
            f"无法读取正文文件 {name}：{exc.strerror}。",
            "请检查文件权限，或先在 Word/WPS 中关闭该文件。",
        ) from exc
    if size == 0:
        raise NarrativeError(f"正文文件 {name} 是空的（0 字节）。", "请检查是否选错了文件。")
    return narrative_from_paragraphs(reader(path), spec, name)


def narrative_from_workbook(wb: FilledWorkbook) -> Narrative:
    """Return the narrative typed in the workbook's 正文 sheet (the cells know their sections)."""
    spec = wb.spec
    narrative = Narrative(source=spec.sheets.text, sections={s.code: [] for s in spec.sections})
    for cell in spec.text_cells:
        lines = [_strip(line) for line in (wb.texts.get(cell.code) or "").splitlines()]
        lines = [line for line in lines if line]
        if not lines or cell.section not in narrative.sections:
            continue
        paragraphs = narrative.sections[cell.section]
        if cell.heading:
            paragraphs.append(Paragraph.plain(cell.label, HEADING2))
        paragraphs.extend(Paragraph.plain(line) for line in lines)
    narrative.found = [s.code for s in spec.sections if narrative.sections[s.code]]
    return narrative


# ---------------------------------------------------------------------------------------------
# The section splitter


@dataclass(frozen=True)
class _Heading:
    """What the splitter made of a paragraph that may be a level-1 heading."""

    index: int  # index into spec.sections; -1 when the title matches no section
    accepted: bool  # a heading in the right place
    warn: bool  # looks like a heading but cannot be one: keep as text and say so
    tail: int = -1  # where the text after the heading starts (in the paragraph's text), if any


class _Splitter:
    def __init__(self, spec: FormatSpec, source: str) -> None:
        self.spec = spec
        self.sections = spec.sections
        self.narrative = Narrative(source=source, sections={s.code: [] for s in spec.sections})
        self.current = -1  # index of the current section; -1 = preamble
        self.guidance_prefixes = _guidance_prefixes(spec)
        self.dropped_guidance: list[str] = []
        self.skipped: dict[tuple[int, str], int] = {}  # (section index, kind) -> count
        self.count = 0  # text paragraphs seen, for "第 n 段"
        self.heading_warnings = 0

    # -- notes

    def _where(self, index: int | None = None) -> str:
        index = self.current if index is None else index
        if index < 0:
            return "开头部分（第一个章节标题之前）"
        s = self.sections[index]
        return f"“{s.number}、{s.title}”部分"

    def _warn_not_heading(self, text: str, heading: _Heading) -> None:
        self.heading_warnings += 1
        if self.heading_warnings > _MAX_HEADING_WARNINGS:
            return
        quoted = _quote(text)
        where = "开头部分" if self.current < 0 else f"“{self.sections[self.current].number}”部分"
        if heading.index >= 0 and heading.index <= self.current:
            reason = "章节顺序不对（可能粘贴了两份报告，或重复写了标题）"
        else:
            reason = "不是规定的章节标题"
        self.narrative.notes.append(
            NarrativeNote(
                "warning",
                f"第{self.count}段“{quoted}”{reason}，已作为正文保留在{where}。",
                "如果它是章节标题，请按规定的标题和顺序改写；如果是多余的内容，请删除。",
            )
        )

    # -- main loop

    def run(self, paragraphs: Iterable[Paragraph]) -> Narrative:
        previous_marker = ""
        for paragraph in _split_inline_headings(paragraphs, self.sections):
            if paragraph.kind in (_TABLE, _IMAGE):
                # Table rows read line by line arrive as a run of markers: one table.
                if paragraph.kind != previous_marker or paragraph.kind == _IMAGE:
                    key = (self.current, paragraph.kind)
                    self.skipped[key] = self.skipped.get(key, 0) + 1
                previous_marker = paragraph.kind
                continue
            previous_marker = ""
            paragraph = _clean(paragraph)
            if paragraph is None:
                continue
            self.count += 1
            if self._is_guidance(paragraph.text):
                self.dropped_guidance.append(paragraph.text)
                continue
            self._place(paragraph)
        self._finish()
        return self.narrative

    def _place(self, paragraph: Paragraph) -> None:
        label = paragraph.label if paragraph.kind == LIST_ITEM and paragraph.label != "•" else ""
        text = label + paragraph.text
        heading = _match_heading(text, self.sections, self.current)
        if heading.accepted:
            self.current = heading.index
            self.narrative.found.append(self.sections[heading.index].code)
            if heading.tail >= 0:
                tail_at = max(heading.tail - len(label), 0)
                rest = _clean(Paragraph(_slice_runs(paragraph.runs, tail_at, None)))
                if rest is not None:
                    self._append(rest)
            return
        # A Word list numbered 一、二、 is an ordinary list unless it names a section.
        if heading.warn and not (paragraph.kind == LIST_ITEM and heading.index < 0):
            self._warn_not_heading(text, heading)
        if self.current < 0 and not self.narrative.title and _looks_like_title(text):
            self.narrative.title = text
            return
        self._append(paragraph)

    def _append(self, paragraph: Paragraph) -> None:
        paragraph = _sub_heading(paragraph)
        if self.current < 0:
            self.narrative.preamble.append(paragraph)
        else:
            self.narrative.sections[self.sections[self.current].code].append(paragraph)

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

    def _finish(self) -> None:
        notes = self.narrative.notes
        if (more := self.heading_warnings - _MAX_HEADING_WARNINGS) > 0:
            notes.append(
                NarrativeNote(
                    "warning",
                    f"另有 {more} 段像章节标题但不是规定的章节标题，或顺序不对，已作为正文保留。",
                    "正文中可能粘贴了多份报告，请检查。",
                )
            )
        if dropped := self._drop_empty_subheads():
            names = "、".join(f"“{_quote(t, 20)}”" for t in dropped)
            notes.append(
                NarrativeNote(
                    "info",
                    f"小标题{names}下面没有文字，报告中省略了这些小标题。",
                    "如需保留，请在小标题下面写上内容。",
                )
            )
        if self.dropped_guidance:
            notes.append(
                NarrativeNote(
                    "info",
                    f"已删除正文中 {len(self.dropped_guidance)} 段正文模板留下的提示文字"
                    f"（如“{_quote(self.dropped_guidance[0], 20)}”）。",
                    "这些提示文字不会出现在报告中；写好正文后可以把它们删掉。",
                )
            )
        for (index, kind), count in sorted(self.skipped.items()):
            notes.append(self._skip_note(index, kind, count))
        missing = [s for s in self.sections if s.code not in self.narrative.found]
        if len(missing) == len(self.sections):
            first = self.sections[0]
            notes.append(
                NarrativeNote(
                    "warning",
                    "正文中没有找到任何规定的章节标题，全部文字都放在了开头部分。",
                    f"请按“{first.number}、{first.title}”这样的写法，"
                    f"写出全部 {len(self.sections)} 个部分的标题后再试。",
                )
            )
        elif missing:
            names = "、".join(f"“{s.number}、{s.title}”" for s in missing)
            notes.append(
                NarrativeNote(
                    "info",
                    f"正文中没有找到{names}。",
                    "如果正文写了这些部分，请检查标题的写法和顺序。",
                )
            )

    def _skip_note(self, index: int, kind: str, count: int) -> NarrativeNote:
        what = "表格" if kind == _TABLE else "图片或图形"
        many = f" {count} 个" if count > 1 else ""
        where = self._where(index)
        section: SectionSpec | None = self.sections[index] if index >= 0 else None
        if kind == _TABLE and section is not None and section.table:
            return NarrativeNote(
                "info",
                f"正文{where}中的{many}{what}没有使用，报告中换成根据填报表生成的表格。",
            )
        severity = "info" if index < 0 else "warning"
        return NarrativeNote(
            severity,
            f"正文{where}中的{many}{what}没有使用（报告只取正文中的文字）。",
            f"如果{what}中有需要报告的内容，请改写成文字。",
        )


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


def _match_heading(text: str, sections: tuple[SectionSpec, ...], current: int) -> _Heading:
    """Return whether a paragraph is the level-1 heading of a section after ``current``."""
    norm, origin = _normalized(text[:_MATCH_SPAN])
    compact = re.sub(r"\s+", "", norm)
    m = _NUMBER_PREFIX.match(norm)
    if m is None:
        if (
            _SUB_NUMBER.match(norm)
            or len(compact) > _UNNUMBERED_MAX
            or "。" in compact
            or not compact
            or compact[0].isdigit()
        ):
            return _Heading(-1, False, False)
        ratios = [_section_ratio(compact, s) for s in sections]
        best = max(range(len(sections)), key=lambda i: ratios[i])
        if ratios[best] < _UNNUMBERED_RATIO:
            return _Heading(-1, False, False)
        return _Heading(best, best > current, best <= current)
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


def _looks_like_title(text: str) -> bool:
    text = text.strip()
    return (
        len(text) <= _TITLE_MAX
        and any(w in text for w in _TITLE_WORDS)
        and not any(c in text for c in "。：:")
    )


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
        return Paragraph(_merge_runs(runs), HEADING2)
    if paragraph.kind != BODY:
        return paragraph
    stop = text.find("。")
    if stop < 0 or len(re.sub(r"\s+", "", text[: stop + 1])) > _SUBHEAD_MAX:
        return paragraph
    head = tuple(_with(r, heading=True) for r in _slice_runs(paragraph.runs, 0, stop + 1))
    body = _slice_runs(paragraph.runs, stop + 1, None)
    return Paragraph(head + body, BODY, paragraph.label, paragraph.level)


def _split_inline_headings(
    paragraphs: Iterable[Paragraph], sections: tuple[SectionSpec, ...]
) -> Iterator[Paragraph]:
    """Yield paragraphs, cutting out headings that a web copy ran into the text.

    Pages copied from a browser often lose their line breaks ("……12月31日。 一、…… 2025年，……").
    Only a numbered title that equals a section's title (or synonym), with the section's own
    number and blanks on both sides, is cut out, so ordinary text is never split. Run-in sub-heads
    are cut too, but only a series that counts up from （一）.
    """
    keys = {_cn_number(s.number): {_title_key(t) for t in (s.title, *s.synonyms)} for s in sections}
    for paragraph in paragraphs:
        text = paragraph.text
        if paragraph.kind != BODY or not any(c.isspace() for c in text.strip()):
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
        bounds = [0, *cuts, len(text)]
        for a, b in itertools.pairwise(bounds):
            if b > a:
                yield from _split_inline_subheads(Paragraph(_slice_runs(paragraph.runs, a, b)))


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
        Paragraph(_slice_runs(paragraph.runs, a, b)) for a, b in itertools.pairwise(bounds) if b > a
    ]


# ---------------------------------------------------------------------------------------------
# Runs and paragraphs


def _with(run: Run, **changes) -> Run:
    values = {
        "text": run.text,
        "bold": run.bold,
        "italic": run.italic,
        "underline": run.underline,
        "heading": run.heading,
    }
    values.update(changes)
    return Run(**values)


def _slice_runs(runs: tuple[Run, ...], start: int, stop: int | None) -> tuple[Run, ...]:
    """Return the runs covering text[start:stop] of the paragraph, formatting kept."""
    out = []
    pos = 0
    for run in runs:
        a, b = pos, pos + len(run.text)
        pos = b
        lo = max(a, start)
        hi = b if stop is None else min(b, stop)
        if hi > lo:
            out.append(_with(run, text=run.text[lo - a : hi - a]))
    return tuple(out)


def _is_blank(ch: str) -> bool:
    return ch.isspace() or ch in _ZERO_WIDTH


def _strip(text: str) -> str:
    """Return the text without surrounding blanks, full-width and zero-width spaces included."""
    return _lstrip(_rstrip(text))


def _style(run: Run) -> tuple[bool, bool, bool, bool]:
    return run.bold, run.italic, run.underline, run.heading


def _merge_runs(runs: Iterable[Run]) -> tuple[Run, ...]:
    out: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        if out and _style(out[-1]) == _style(run):
            out[-1] = _with(out[-1], text=out[-1].text + run.text)
        else:
            out.append(run)
    return tuple(out)


def _clean(paragraph: Paragraph) -> Paragraph | None:
    """Return the paragraph without surrounding blanks and empty runs, or None if it is empty."""
    runs = list(_merge_runs(paragraph.runs))
    while runs and not _strip(runs[0].text):
        runs.pop(0)
    while runs and not _strip(runs[-1].text):
        runs.pop()
    if not runs:
        return None
    runs[0] = _with(runs[0], text=_lstrip(runs[0].text))
    runs[-1] = _with(runs[-1], text=_rstrip(runs[-1].text))
    return Paragraph(tuple(runs), paragraph.kind, paragraph.label, paragraph.level)


def _lstrip(text: str) -> str:
    i = 0
    while i < len(text) and _is_blank(text[i]):
        i += 1
    return text[i:]


def _rstrip(text: str) -> str:
    i = len(text)
    while i > 0 and _is_blank(text[i - 1]):
        i -= 1
    return text[:i]


def _quote(text: str, limit: int = _QUOTE_MAX) -> str:
    text = re.sub(r"\s+", " ", text.strip())
    return text if len(text) <= limit else text[:limit] + "…"


# ---------------------------------------------------------------------------------------------
# Plain text and table residue


def _is_layout_text(text: str) -> bool:
    """Return True for prose: what a web page's layout table holds, unlike a data table cell."""
    return len(text) >= 150 or text.count("。") >= 2


def _text_line(line: str) -> Paragraph | None:
    """Return a line of text as a paragraph, a table marker for a table row, or None if blank."""
    line = _strip(line)
    if not line:
        return None
    if line.startswith("|") or line.endswith("|") or line.count("|") >= 3:
        cells = [c for c in (_strip(c) for c in line.split("|")) if c]
        if not cells:
            return None  # a ruling line of a copied table: nothing to say
        if len(cells) == 1 and (_is_layout_text(cells[0]) or _looks_like_title(cells[0])):
            return Paragraph.plain(cells[0])  # one cell of a page's layout table
        return Paragraph((), _TABLE)
    return Paragraph.plain(line)


def _decode_text(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data:
        raise NarrativeError(
            f"文件 {name} 不是纯文本文件。", "请提供 .docx 文件，或把正文另存为纯文本（.txt）。"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise NarrativeError(
                f"正文文件 {path.name} 太大（{size // (1024 * 1024)} MB）。",
                "正常的年报正文不会这么大，请检查是否选错了文件。",
            )
        return path.read_bytes()
    except OSError as exc:
        raise NarrativeError(
            f"无法读取正文文件 {path.name}：{exc.strerror}。", "请检查文件权限。"
        ) from exc


def _read_txt(path: Path) -> list[Paragraph]:
    text = _decode_text(_read_bytes(path), path.name)
    out = []
    for line in text.splitlines():
        paragraph = _text_line(line)
        if paragraph is not None:
            out.append(paragraph)
    return out


# ---------------------------------------------------------------------------------------------
# HTML

_HTML_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "iframe"})
# fmt: off
_HTML_BLOCK = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "br", "hr", "tr", "blockquote", "section",
    "article", "header", "footer", "main", "nav", "aside", "pre", "dd", "dt", "dl", "center",
    "address", "figure", "figcaption", "caption", "form", "body", "html",
})
# fmt: on
_HTML_STYLE = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


class _HtmlReader(HTMLParser):
    """Collects paragraphs from HTML: blocks end paragraphs, tables become markers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[Paragraph] = []
        self.skip = 0
        self.style = {"bold": 0, "italic": 0, "underline": 0}
        self.runs: list[Run] = []
        self.kind, self.label, self.level = BODY, "", 0
        self.lists: list[list] = []  # [tag, next number]
        # Each open table: its cells, each a list of paragraphs.
        self.tables: list[list[list[Paragraph]]] = []

    # Paragraphs go to the innermost open table cell, or to the output.
    def _target(self) -> list[Paragraph]:
        if self.tables:
            table = self.tables[-1]
            if not table:
                table.append([])
            return table[-1]
        return self.out

    def flush(self, keep_item: bool = False) -> None:
        """End the paragraph; ``keep_item``: a block opening inside <li> keeps the item's label."""
        paragraph = _clean(Paragraph(tuple(self.runs), self.kind, self.label, self.level))
        if paragraph is not None:
            self._target().append(paragraph)
        self.runs = []
        if paragraph is not None or not keep_item:
            self.kind, self.label, self.level = BODY, "", 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.skip = 0  # pages that never close their <head>
        if tag in _HTML_SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag in _HTML_STYLE:
            self.style[_HTML_STYLE[tag]] += 1
        elif tag in _HTML_BLOCK:
            self.flush(keep_item=True)
        elif tag in ("ol", "ul"):
            self.flush()
            start = dict(attrs).get("start") or "1"
            self.lists.append([tag, int(start) if start.strip().isdigit() else 1])
        elif tag == "li":
            self.flush()
            if self.lists:
                entry = self.lists[-1]
                value = dict(attrs).get("value")
                if value and value.strip().isdigit():
                    entry[1] = int(value)
                self.kind, self.level = LIST_ITEM, len(self.lists) - 1
                if entry[0] == "ol":
                    self.label = f"{entry[1]}."
                    entry[1] += 1
                else:
                    self.label = "•"
        elif tag == "table":
            self.flush()
            self.tables.append([])
        elif tag in ("td", "th") and self.tables:
            self.flush()
            self.tables[-1].append([])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr", "p", "div") and not self.skip:
            self.flush(keep_item=True)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_SKIP:
            self.skip = max(self.skip - 1, 0)
            return
        if self.skip:
            return
        if tag in _HTML_STYLE:
            key = _HTML_STYLE[tag]
            self.style[key] = max(self.style[key] - 1, 0)
        elif tag in _HTML_BLOCK:
            self.flush(keep_item=True)
        elif tag in ("li", "td", "th"):
            self.flush()
        elif tag in ("ol", "ul"):
            self.flush()
            if self.lists:
                self.lists.pop()
        elif tag == "table" and self.tables:
            self.flush()
            self._close_table()

    def _close_table(self) -> None:
        cells = self.tables.pop()
        texts = ["".join(p.text for p in cell) for cell in cells]
        if any(_is_layout_text(t) for t in texts):
            self._target().extend(p for cell in cells for p in cell)
        elif any(texts):
            self._target().append(Paragraph((), _TABLE))

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = re.sub(r"[ \t\r\n\f]+", " ", data.replace("\xa0", " "))
        if text:
            self.runs.append(
                Run(
                    text,
                    bold=self.style["bold"] > 0,
                    italic=self.style["italic"] > 0,
                    underline=self.style["underline"] > 0,
                )
            )

    def finish(self) -> list[Paragraph]:
        self.close()
        self.flush()
        while self.tables:
            self._close_table()
        return self.out


def _decode_html(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    m = _META_CHARSET.search(data[:8192])
    if m:
        charset = m.group(1).decode("ascii", errors="replace").lower()
        if charset in ("gb2312", "gbk", "x-gbk", "gb_2312-80"):
            charset = "gb18030"  # the superset: pages labelled GB2312 often hold GBK characters
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("gb18030", errors="replace")


def _read_html(path: Path) -> list[Paragraph]:
    text = _decode_html(_read_bytes(path))
    reader = _HtmlReader()
    try:
        reader.feed(text)
        return reader.finish()
    except Exception as exc:  # html.parser is lenient; anything it raises means a broken page
        raise NarrativeError(
            f"无法读取网页文件 {path.name}。", "请把网页中的正文复制到 .txt 文件后再试。"
        ) from exc


# ---------------------------------------------------------------------------------------------
# Word .docx


def _check_zip(path: Path) -> None:
    """Raise NarrativeError unless the file is a zip of sane size (a .docx is a zip)."""
    not_docx = NarrativeError(
        f"文件 {path.name} 不是有效的 .docx 文件（可能已损坏、加密，或是改了扩展名的其他文件）。",
        "请在 Word/WPS 中打开后另存为 .docx 再试。",
    )
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise not_docx from exc
    total = sum(max(e.file_size, 0) for e in entries)
    if len(entries) >= MAX_ZIP_ENTRIES or total >= MAX_UNZIPPED_BYTES:
        raise NarrativeError(
            f"文件 {path.name} 解压后过大（{total // (1024 * 1024)} MB，{len(entries)} 个部件），"
            "为安全起见不予读取。",
            "正常的年报正文不会这么大，请检查文件来源，或在 Word/WPS 中另存为新的 .docx 再试。",
        )


def _read_docx(path: Path) -> list[Paragraph]:
    _check_zip(path)
    try:
        import docx

        document = docx.Document(str(path))
        return _DocxReader(document).read()
    except NarrativeError:
        raise
    except Exception as exc:  # a damaged file can make python-docx or lxml raise almost anything
        raise NarrativeError(
            f"无法读取 Word 文件 {path.name}：文件已损坏或不是 Word 文档。",
            "请在 Word/WPS 中打开后另存为 .docx 再试。",
        ) from exc


_READERS = {".docx": _read_docx, ".txt": _read_txt, ".html": _read_html, ".htm": _read_html}

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_ALTERNATE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"
_OFF = ("0", "false", "off", "none")
_PICTURES = (_W + "drawing", _W + "pict", _W + "object", _MC_ALTERNATE)


def _val(element, name: str = "val") -> str | None:
    return None if element is None else element.get(_W + name)


def _on(rpr, tag: str) -> bool:
    if rpr is None:
        return False
    element = rpr.find(_W + tag)
    if element is None:
        return False
    value = _val(element)
    return value is None or value.lower() not in _OFF


@dataclass
class _Level:
    start: int
    fmt: str
    text: str
    legal: bool


def _level(lvl) -> tuple[int, _Level]:
    start = _val(lvl.find(_W + "start"))
    return int(_val(lvl, "ilvl") or 0), _Level(
        start=int(start) if start and start.lstrip("-").isdigit() else 1,
        fmt=_val(lvl.find(_W + "numFmt")) or "decimal",
        text=_val(lvl.find(_W + "lvlText")) or "",
        legal=lvl.find(_W + "isLgl") is not None,
    )


class _Numbering:
    """Computes the number or bullet Word shows in front of each list paragraph."""

    def __init__(self, numbering, style_nums: dict[str, tuple[str, int | None]]) -> None:
        self.abstract = {}
        self.nums = {}
        if numbering is not None:
            self.abstract = {
                a.get(_W + "abstractNumId"): a for a in numbering.iter(_W + "abstractNum")
            }
            self.nums = {n.get(_W + "numId"): n for n in numbering.iter(_W + "num")}
        self.style_nums = style_nums
        self.counters: dict[str, dict[int, int]] = {}
        self.cache: dict[str, dict[int, _Level]] = {}

    def _abstract_of(self, num):
        abstract = self.abstract.get(_val(num.find(_W + "abstractNumId")))
        link = _val(abstract.find(_W + "numStyleLink")) if abstract is not None else None
        if link and link in self.style_nums:
            linked = self.nums.get(self.style_nums[link][0])
            if linked is not None:
                abstract = self.abstract.get(_val(linked.find(_W + "abstractNumId")), abstract)
        return abstract

    def levels(self, num_id: str) -> dict[int, _Level]:
        if num_id not in self.cache:
            levels: dict[int, _Level] = {}
            num = self.nums.get(num_id)
            abstract = self._abstract_of(num) if num is not None else None
            if abstract is not None:
                levels = dict(_level(lvl) for lvl in abstract.iter(_W + "lvl"))
            for override in num.iter(_W + "lvlOverride") if num is not None else ():
                ilvl = int(_val(override, "ilvl") or 0)
                lvl = override.find(_W + "lvl")
                if lvl is not None:
                    levels[ilvl] = _level(lvl)[1]
                start = _val(override.find(_W + "startOverride"))
                if start and start.isdigit() and ilvl in levels:
                    levels[ilvl].start = int(start)
            self.cache[num_id] = levels
        return self.cache[num_id]

    def label(self, num_id: str, ilvl: int) -> str | None:
        """Advance the list's counter and return the label, or None for an unknown list."""
        levels = self.levels(num_id)
        level = levels.get(ilvl)
        if level is None:
            return None
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else level.start
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level.fmt == "bullet":
            return "•"

        def number(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            shown = levels.get(k, level)
            value = counters.get(k, shown.start)
            return _format_number(value, "decimal" if level.legal else shown.fmt)

        return re.sub(r"%([1-9])", number, level.text)


_CIRCLED = {"decimalEnclosedCircle": 0x2460, "decimalEnclosedCircleChinese": 0x2460}
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"


def _chinese_counting(n: int, digits: str = "零一二三四五六七八九", ten: str = "十") -> str:
    if n <= 0 or n >= 10000:
        return str(n)
    units = [(1000, "千"), (100, "百"), (10, ten)]
    out, zero = "", False
    for size, unit in units:
        d, n = divmod(n, size)
        if d:
            if zero:
                out += digits[0]
            out += ("" if (size == 10 and d == 1 and not out) else digits[d]) + unit
            zero = False
        elif out:
            zero = True
    if n:
        out += (digits[0] if zero else "") + digits[n]
    return out


def _letters(n: int, base: str) -> str:
    if n <= 0:
        return str(n)
    return chr(ord(base) + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    if n <= 0 or n >= 4000:
        return str(n)
    out = ""
    for value, sign in zip(
        (1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1),
        ("M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"),
        strict=True,
    ):
        while n >= value:
            out += sign
            n -= value
    return out


def _format_number(n: int, fmt: str) -> str:
    """Return a list counter as Word shows it for a w:numFmt value."""
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "japaneseCounting",
        "taiwaneseCounting",
    ):
        return _chinese_counting(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return _chinese_counting(n, _LEGAL, "拾")
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(n)) if n >= 0 else str(n)
    if fmt == "ideographTraditional" and 1 <= n <= len(_STEMS):
        return _STEMS[n - 1]  # 甲乙丙丁 (Word's ideographTraditional)
    if fmt == "ideographZodiac" and 1 <= n <= len(_BRANCHES):
        return _BRANCHES[n - 1]
    if fmt in _CIRCLED and 1 <= n <= 20:
        return chr(_CIRCLED[fmt] + n - 1)
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return chr(0x2474 + n - 1)
    if fmt == "decimalEnclosedFullstop" and 1 <= n <= 20:
        return chr(0x2488 + n - 1)
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return "".join(chr(0xFF10 + int(d)) for d in str(n)) if n >= 0 else str(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "lowerLetter":
        return _letters(n, "a")
    if fmt == "upperLetter":
        return _letters(n, "A")
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "none":
        return ""
    return str(n)


class _DocxReader:
    """Turns a python-docx Document into paragraphs, table and picture markers."""

    def __init__(self, document) -> None:
        self.body = document.element.body
        self.styles: dict[str, tuple[str, tuple[str, int | None] | None]] = {}
        styles_el = document.styles.element
        raw = {}
        for style in styles_el.iter(_W + "style"):
            sid = style.get(_W + "styleId")
            if sid is None:
                continue
            num_pr = style.find(f"{_W}pPr/{_W}numPr")
            num = None
            if num_pr is not None:
                ilvl = _val(num_pr.find(_W + "ilvl"))
                num = (_val(num_pr.find(_W + "numId")) or "", int(ilvl) if ilvl else None)
            raw[sid] = (_val(style.find(_W + "name")) or sid, num, _val(style.find(_W + "basedOn")))
        for sid in raw:
            name, num, based = raw[sid]
            seen = {sid}
            while num is None and based in raw and based not in seen:
                seen.add(based)
                num, based = raw[based][1], raw[based][2]
            self.styles[sid] = (name, num)
        style_nums = {sid: num for sid, (_, num) in self.styles.items() if num and num[0]}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            numbering = None
        self.numbering = _Numbering(numbering, style_nums)
        self.style_counters: dict[str, int] = {}

    def read(self) -> list[Paragraph]:
        return list(self._blocks(self.body))

    def _blocks(self, container) -> Iterator[Paragraph]:
        for child in container:
            tag = child.tag
            if tag == _W + "p":
                yield from self._paragraph(child)
            elif tag == _W + "tbl":
                yield from self._table(child)
            elif tag in (_W + "sdt", _W + "customXml"):
                content = child.find(_W + "sdtContent") if tag == _W + "sdt" else child
                if content is not None:
                    yield from self._blocks(content)

    def _table(self, table) -> Iterator[Paragraph]:
        cells = []
        for tc in table.iter(_W + "tc"):
            if next(tc.iterancestors(_W + "tbl"), None) is table:
                cells.append(list(self._blocks(tc)))
        texts = ["".join(p.text for p in cell) for cell in cells]
        if any(_is_layout_text(t) for t in texts):
            for cell in cells:
                yield from cell  # a layout table around the text, not a table of figures
        elif any(texts):
            yield Paragraph((), _TABLE)

    def _list_label(self, ppr) -> tuple[str, int] | None:
        style_id = _val(ppr.find(_W + "pStyle")) if ppr is not None else None
        name, style_num = self.styles.get(style_id or "", ("", None))
        num_pr = ppr.find(_W + "numPr") if ppr is not None else None
        num_id = ilvl = None
        if num_pr is not None:
            num_id = _val(num_pr.find(_W + "numId"))
            ilvl_text = _val(num_pr.find(_W + "ilvl"))
            ilvl = int(ilvl_text) if ilvl_text and ilvl_text.isdigit() else None
        if num_id is None and style_num is not None:
            num_id = style_num[0]
            ilvl = style_num[1] if ilvl is None else ilvl
        ilvl = ilvl or 0
        if num_id and num_id != "0":
            label = self.numbering.label(num_id, ilvl)
            if label is not None:
                return label, ilvl
        lowered = name.lower()
        if lowered.startswith("list") and not lowered.startswith(("list paragraph", "list cont")):
            level = int(name[-1]) - 1 if name[-1].isdigit() else 0
            if "bullet" in lowered:
                return "•", level
            count = self.style_counters.get(name, 0) + 1
            self.style_counters[name] = count
            return f"{count}.", level
        return None

    def _paragraph(self, p) -> Iterator[Paragraph]:
        ppr = p.find(_W + "pPr")
        listed = self._list_label(ppr)
        lines: list[list[Run]] = [[]]
        pictures = 0

        def walk(element) -> None:
            nonlocal pictures
            for child in element:
                tag = child.tag
                if tag == _W + "r":
                    pictures += self._run(child, lines)
                elif tag in _PICTURES:
                    pictures += 1
                elif tag in (_W + "pPr", _W + "del", _W + "moveFrom", _W + "rPr"):
                    continue
                else:
                    walk(child)  # hyperlinks, insertions, inline content controls, fields

        walk(p)
        for i, runs in enumerate(lines):
            if listed is not None and i == 0:
                label, level = listed
                yield Paragraph(tuple(runs), LIST_ITEM, label, level)
            else:
                yield Paragraph(tuple(runs))
        for _ in range(pictures):
            yield Paragraph((), _IMAGE)

    def _run(self, r, lines: list[list[Run]]) -> int:
        rpr = r.find(_W + "rPr")
        if _on(rpr, "vanish"):
            return 0
        u = rpr.find(_W + "u") if rpr is not None else None
        underline = u is not None and (_val(u) or "single") != "none"
        bold, italic = _on(rpr, "b"), _on(rpr, "i")
        pictures = 0
        for child in r:
            tag = child.tag
            if tag == _W + "t":
                lines[-1].append(Run(child.text or "", bold, italic, underline))
            elif tag == _W + "tab":
                lines[-1].append(Run(" ", bold, italic, underline))
            elif tag == _W + "noBreakHyphen":
                lines[-1].append(Run("-", bold, italic, underline))
            elif tag in (_W + "br", _W + "cr"):
                lines.append([])
            elif tag in _PICTURES:
                pictures += 1
        return pictures
