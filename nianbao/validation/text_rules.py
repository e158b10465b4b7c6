"""The rules on a section of the narrative: words it must mention (``mention``) and how long it
may be (``length``), e.g. a city's "总体情况不超过 1000 字，写明不予公开的情况".

A format file or a local rule pack declares them; they apply alike to the 正文 sheet (the
section's cells) and to a narrative file (the section's paragraphs). A section with nothing in
it is left alone: N-SECTION, N-EMPTY or T-BLANK already say so.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from typing import Protocol

from nianbao.workbook_templates.spec import (
    TEXT_KINDS,
    FormatSpec,
    RuleKind,
    RuleSpec,
    SectionSpec,
)

from .findings import Finding, rule_finding


class _Part(Protocol):
    """A piece of narrative text with its section and where it is (``TextPart``)."""

    @property
    def section(self) -> str | None: ...
    @property
    def text(self) -> str: ...
    @property
    def sheet(self) -> str: ...
    @property
    def cell(self) -> str: ...


def section_place(section: SectionSpec) -> str:
    """Return how a message names a section: "“一、总体情况”部分"."""
    return f"“{section.heading}”部分"


def text_length(text: str) -> int:
    """Return the 字数 of a text as the length limits count it: every character but blanks
    (Chinese characters, letters, digits and punctuation each count one)."""
    return sum(1 for ch in text if not ch.isspace())


def _normalized(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


@cache
def _text_rules(spec: FormatSpec) -> tuple[RuleSpec, ...]:
    return tuple(r for r in spec.rules if r.kind in TEXT_KINDS)


def text_rule_findings(
    spec: FormatSpec, parts: Iterable[_Part], *, kind: str = "", source: str = ""
) -> list[Finding]:
    """Return the findings of the format's mention and length rules on the narrative's parts
    (each with its section code); a rule with ``kinds`` applies to units of those kinds only."""
    rules = _text_rules(spec)
    if not rules:
        return []
    by_section: dict[str | None, list[_Part]] = {}
    for part in parts:
        by_section.setdefault(part.section, []).append(part)
    findings: list[Finding] = []
    for rule in rules:
        if rule.kinds and kind not in rule.kinds:
            continue
        section = spec.section_named(rule.section)
        if section is None:  # the loader refuses such a rule
            continue
        group = by_section.get(section.code, [])
        text = "\n".join(p.text for p in group)
        if not text.strip():
            continue
        place = section_place(section)
        fields = {
            "sheet": group[0].sheet or source,
            "cell": group[0].cell,
            "row": place,
            "section": section.code,
        }
        if rule.kind == RuleKind.MENTION:
            written = _normalized(text)
            if any(_normalized(w) in written for w in rule.words if w.strip()):
                continue
            words = "、".join(f"“{w}”" for w in rule.words)
            args: dict[str, object] = {"part": place, "missing": words, "expected": words}
            findings.append(rule_finding(rule, args, expected=words, **fields))
        else:
            length, limit = text_length(text), int(rule.max or 0)
            if length <= limit:
                continue
            args = {"part": place, "actual": length, "expected": limit, "diff": length - limit}
            numbers = {"expected": Decimal(limit), "actual": Decimal(length)}
            findings.append(rule_finding(rule, args, **numbers, **fields))
    return findings
