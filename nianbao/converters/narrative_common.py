"""Small helpers shared by the narrative readers and the section splitter.

Runs and paragraphs are trimmed, sliced and merged here, and the readers' markers for skipped
tables and pictures are defined here, so that ``narrative.py`` and the file readers
(``narrative_docx.py``, ``narrative_text.py``) can share them without importing each other.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from .document import Paragraph, Run

# Readers mark what they skipped with these internal paragraph kinds; the splitter turns them
# into notes, because only it knows which section the table or picture sat in.
TABLE_MARKER = "_table"
IMAGE_MARKER = "_image"

# "— 3 —", "- 3 -", "3", "第 3 页", "第3页 共9页", "3/9", "Page 3": a page number on its own line.
_PAGE_NUMBER = re.compile(
    r"^[\s—–\-－]*(\d{1,4}|第\s*\d+\s*页(\s*[,，]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+"
    r"|page\s*\d+(\s*of\s*\d+)?)[\s—–\-－]*$",
    re.IGNORECASE,
)
_TITLE_MAX = 60
_TITLE_WORDS = ("年度报告", "工作报告")
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def looks_like_title(text: str) -> bool:
    """Return True for a short line naming a report ("……年度报告") without sentence marks."""
    text = text.strip()
    return (
        len(text) <= _TITLE_MAX
        and any(w in text for w in _TITLE_WORDS)
        and not any(c in text for c in "。：:")
    )


def is_page_number(text: str) -> bool:
    """Return True for a page number on a line of its own ("— 3 —", "第3页 共9页", "3")."""
    return bool(_PAGE_NUMBER.match(unicodedata.normalize("NFKC", text)))


def is_layout_text(text: str) -> bool:
    """Return True for prose: what a web page's layout table holds, unlike a data table cell."""
    return len(text) >= 150 or text.count("。") >= 2


def run_with(run: Run, **changes: Any) -> Run:
    """Return a copy of the run with the given fields changed."""
    return replace(run, **changes)


def slice_runs(runs: tuple[Run, ...], start: int, stop: int | None) -> tuple[Run, ...]:
    """Return the runs covering text[start:stop] of the paragraph, formatting kept."""
    out = []
    pos = 0
    for run in runs:
        a, b = pos, pos + len(run.text)
        pos = b
        lo = max(a, start)
        hi = b if stop is None else min(b, stop)
        if hi > lo:
            out.append(run_with(run, text=run.text[lo - a : hi - a]))
    return tuple(out)


def _is_blank(ch: str) -> bool:
    return ch.isspace() or ch in _ZERO_WIDTH


def strip_blanks(text: str) -> str:
    """Return the text without surrounding blanks, full-width and zero-width spaces included."""
    return _lstrip(_rstrip(text))


def _style(run: Run) -> tuple[bool, bool, bool, bool]:
    return run.bold, run.italic, run.underline, run.heading


def merge_runs(runs: Iterable[Run]) -> tuple[Run, ...]:
    """Return the runs without empty ones, neighbours of the same style joined.

    Each stretch of neighbours is joined once: joining them one by one copied the growing text
    for every run (a paragraph of 250,000 one-character runs took minutes)."""
    runs = tuple(runs)
    out: list[Run] = []
    for _style_key, group in itertools.groupby((r for r in runs if r.text), key=_style):
        stretch = list(group)
        if len(stretch) == 1:
            out.append(stretch[0])
        else:
            text = "".join(r.text for r in stretch)
            out.append(run_with(stretch[0], text=text, dropped=sum(r.dropped for r in stretch)))
    # The characters taken out of runs left empty still count (a run of only "\x01").
    lost = sum(r.dropped for r in runs if not r.text)
    if lost and out:
        out[0] = run_with(out[0], dropped=out[0].dropped + lost)
    return tuple(out)


def clean_paragraph(paragraph: Paragraph) -> Paragraph | None:
    """Return the paragraph without surrounding blanks and empty runs, or None if it is empty."""
    runs = list(merge_runs(paragraph.runs))
    while runs and not strip_blanks(runs[0].text):
        runs.pop(0)
    while runs and not strip_blanks(runs[-1].text):
        runs.pop()
    if not runs:
        return None
    runs[0] = run_with(runs[0], text=_lstrip(runs[0].text))
    runs[-1] = run_with(runs[-1], text=_rstrip(runs[-1].text))
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
