"""Checks of a narrative document (a clerk's .docx/.txt/.html read into sections).

The narrative is anything with ``preamble`` and ``sections`` (code → paragraphs with ``.text``),
as ``converters.narrative`` reads it; this module does not read files itself. Template leftovers
(N-LEFTOVER) need the text alone; numbers that contradict the tables (N-NUMBER) need the workbook.
"""

from __future__ import annotations

from nianbao.workbook_templates.reader import FilledWorkbook
from nianbao.workbook_templates.spec import FormatSpec, RuleKind

from .findings import Finding, rule_findings
from .leftovers import find_leftovers
from .narrative_numbers import (
    TextBlock,
    number_findings,
    same_finding_key,
    table_values,
    text_sheet_findings,
)
from .narrative_structure import narrative_structure_findings, places
from .narrative_tables import table_findings

# A paragraph of this kind is a sub-head (（二）依申请公开) that says what the text below is about:
# converters.document.HEADING2 (validation does not import the converters, which come after it).
_SUBHEAD_KIND = "heading2"


def narrative_findings(
    spec: FormatSpec,
    narrative,
    wb: FilledWorkbook | None = None,
    previous: FilledWorkbook | None = None,
) -> list[Finding]:
    """Return the findings of the narrative rules on a narrative.

    Template leftovers and the structure (parts, numbering, required contents) are always
    checked. Given the workbook, numbers in the narrative are compared with its tables too,
    leaving out what the workbook's own 正文 sheet already says (``validate`` reports those), so
    a text in both places is reported once; its year and kind are checked against the text.
    Given last year's workbook, sections copied from its 正文 are reported.
    """
    findings: list[Finding] = []
    blocks: list[TextBlock] = []
    for where, title, _, paragraphs in places(spec, narrative):
        heading = title
        for n, paragraph in enumerate(paragraphs, start=1):
            place = f"{where}第 {n} 段"
            if getattr(paragraph, "kind", "") == _SUBHEAD_KIND:
                heading = f"{title} {paragraph.text}"
            else:
                blocks.append(TextBlock(place, heading, paragraph.text))
            for hit in find_leftovers(paragraph.text, spec.report.guidance_phrases):
                args = {"place": place, "detail": hit.description, "excerpt": hit.excerpt}
                findings += rule_findings(
                    spec,
                    RuleKind.NARRATIVE_LEFTOVER,
                    args,
                    sheet=narrative.source,
                    row=place,
                    actual=hit.excerpt,
                )
    findings += narrative_structure_findings(spec, narrative, wb, previous)
    year = wb.year if wb is not None else None
    findings += table_findings(spec, getattr(narrative, "tables", ()), narrative.source, year)
    if wb is not None:
        known = {same_finding_key(f) for f in text_sheet_findings(wb)}
        findings += [
            f
            for f in number_findings(spec, blocks, table_values(wb), year=wb.year)
            if same_finding_key(f) not in known
        ]
    return findings
