"""Checks of a narrative document (a clerk's .docx/.txt/.html read into sections).

The narrative is anything with ``preamble`` and ``sections`` (code → paragraphs with ``.text``),
as ``converters.narrative`` reads it; this module does not read files itself.
"""

from __future__ import annotations

from workbook_templates.checks import render
from workbook_templates.spec import FormatSpec

from .findings import Finding
from .leftovers import find_leftovers


def narrative_findings(spec: FormatSpec, narrative) -> list[Finding]:
    """Return the findings of the narrative rules (template leftovers) on a narrative."""
    places = [("开头部分", narrative.preamble)]
    places += [
        (f"“{s.number}、{s.title}”部分", narrative.sections.get(s.code, [])) for s in spec.sections
    ]
    findings: list[Finding] = []
    rules = spec.rules_of_kind("narrative_leftover")
    for where, paragraphs in places:
        for n, paragraph in enumerate(paragraphs, start=1):
            for hit in find_leftovers(paragraph.text):
                args = {
                    "place": f"{where}第 {n} 段",
                    "detail": hit.description,
                    "excerpt": hit.excerpt,
                }
                findings += [
                    Finding(
                        rule=rule.id,
                        severity=rule.severity,
                        text=render(rule.message, args),
                        action=render(rule.action, args),
                        sheet=narrative.source,
                        row=args["place"],
                        actual=hit.excerpt,
                    )
                    for rule in rules
                ]
    return findings
